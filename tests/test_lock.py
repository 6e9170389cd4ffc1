"""One writer per design: the second comer waits and says so, a dead holder frees the lock (issue 16)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from chipchat import lock

HOLD = """
import sys, time
from pathlib import Path
from chipchat import lock
with lock.hold(Path(sys.argv[1]), "index", notify=None):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _holder(path: Path, seconds: float) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE,
                            text=True, env=env)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_process_waits_and_says_for_whom(tmp_path: Path) -> None:
    path = tmp_path / "index.lock"
    proc = _holder(path, 1.5)
    told: list[str] = []
    t0 = time.monotonic()
    with lock.hold(path, "search", notify=told.append):
        waited = time.monotonic() - t0
    proc.wait(10)
    assert waited > 0.5
    assert told and f"pid {proc.pid} (index)" in told[0]


def test_waiting_too_long_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "index.lock"
    proc = _holder(path, 30)
    try:
        with pytest.raises(lock.LockTimeout, match=rf"pid {proc.pid} \(index\) kept .* for more than 0.5 s"), \
                lock.hold(path, "index", timeout_s=0.5, notify=None):
            pass
    finally:
        proc.kill()
        proc.wait(10)
    with lock.hold(path, "index", timeout_s=2, notify=None):  # SIGKILL released it
        pass


def test_reentrant_in_a_thread_and_exclusive_between_threads(tmp_path: Path) -> None:
    path = tmp_path / "index.lock"
    order: list[str] = []
    with lock.hold(path, "outer", notify=None):
        with lock.hold(path, "inner", notify=None):
            order.append("nested")

        def other() -> None:
            with lock.hold(path, "thread", notify=None):
                order.append("thread")

        worker = threading.Thread(target=other)
        worker.start()
        time.sleep(0.3)
        order.append("outer done")
    worker.join(10)
    assert order == ["nested", "outer done", "thread"]


def test_the_lock_file_is_never_followed_through_a_link(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    path = tmp_path / "index.lock"
    path.symlink_to(target)
    with pytest.raises(OSError), lock.hold(path, "index", notify=None):
        pass
    assert not target.exists()
