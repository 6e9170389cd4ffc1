"""No orphans: a chipchat killed by SIGTERM, SIGHUP or SIGKILL takes its tool processes with it.

Each test starts a real ``python -m chipchat ...`` in its own session, waits until its tool
is running (found by walking /proc from chipchat's pid), records every descendant seen
(pid and start time, so a reused pid is not mistaken for a survivor), sends the signal,
and then requires that within a few seconds none of them is alive (zombies count as gone)
and no process mentions the test's folder. The tools are real: Yosys for timing (through
a wrapper that also leaves a grandchild, as Yosys does with ``yosys-abc``), Icarus for
simulation and batch verification (sandboxed, inside process-pool workers).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
HANG = '''"""A test that never ends (a simulator process that stays busy until it is killed)."""
import time

import cocotb


@cocotb.test()
async def test_hang(dut):
    time.sleep(600)
'''


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    state: str
    start: int
    cmdline: str


def processes() -> dict[int, Proc]:
    table: dict[int, Proc] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        table[int(entry)] = Proc(int(entry), int(fields[1]), fields[0], int(fields[19]), cmd)
    return table


def descendants(root: int, table: dict[int, Proc]) -> list[Proc]:
    found, todo = [], [root]
    while todo:
        parent = todo.pop()
        kids = [p for p in table.values() if p.ppid == parent]
        found += kids
        todo += [k.pid for k in kids]
    return found


def kill_and_check(argv: list[str], sig: int, ready: Callable[[list[Proc]], bool], *, cwd: Path,
                   env: dict[str, str], marker: str, timeout: float = 240.0) -> dict[str, object]:
    """Start chipchat, wait for ``ready(its descendants)``, send ``sig``; fail if anything of the tree survives."""
    log = cwd / f"chipchat-{sig}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    seen: dict[int, Proc] = {}
    deadline = time.monotonic() + timeout
    try:
        while True:
            tree = descendants(proc.pid, processes())
            seen.update({p.pid: p for p in tree})
            if ready(tree):
                break
            assert proc.poll() is None, f"chipchat ended before its tool ran:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"no tool started:\n{log.read_text()[-3000:]}"
            time.sleep(0.1)
        time.sleep(0.3)  # let the tool settle (children it starts right away are recorded too)
        seen.update({p.pid: p for p in descendants(proc.pid, processes())})
        os.kill(proc.pid, sig)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    deadline = time.monotonic() + 5.0
    while True:
        now = processes()
        left = [p for p in now.values() if p.state != "Z" and (
            (p.pid in seen and seen[p.pid].start == p.start) or marker in p.cmdline)]
        if not left:
            break
        if time.monotonic() > deadline:
            for p in left:  # do not leave them to the next test
                os.kill(p.pid, signal.SIGKILL)
            pytest.fail(f"{signal.Signals(sig).name}: still running 5 s after chipchat died: "
                        + "; ".join(f"{p.pid} {p.cmdline[:120]}" for p in left))
        time.sleep(0.1)
    return {"returncode": code, "seen": [p.cmdline for p in seen.values()]}


def chipchat(*args: str) -> list[str]:
    return [sys.executable, "-m", "chipchat", *args]


def env_for(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "CHIPCHAT_EMBEDDINGS": "none", **extra}


def named(*names: str) -> Callable[[list[Proc]], bool]:
    return lambda tree: any(Path(p.cmdline.split(" ", 1)[0]).name in names for p in tree)


@pytest.fixture
def fifo_that_hangs(design_copy) -> Path:
    root = design_copy("fifo")
    (root.parent.parent / "verification" / "fifo" / "test_hang.py").write_text(HANG)
    toml = root / "chipchat.toml"
    toml.write_text(toml.read_text().replace('modules = ["test_fifo"]', 'modules = ["test_hang"]')
                    .replace("timeout_s = 120", "timeout_s = 900"))
    return root


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_timing_takes_yosys_and_its_children_along(design_copy, tmp_path: Path, sig: int) -> None:
    root = design_copy("mac16")
    yosys = shutil.which("yosys")
    assert yosys
    wrapper = tmp_path / "yosys-with-a-child"
    wrapper.write_text('#!/bin/sh\ncase "$1" in -V) exec ' + yosys + ' "$@";; esac\n'
                       f'sleep 311 &\n{yosys} "$@"\nwait\n')
    wrapper.chmod(0o755)
    out = kill_and_check(chipchat("timing", str(root)), sig, named("sleep"), cwd=tmp_path,
                         env=env_for(CHIPCHAT_YOSYS=str(wrapper)), marker=str(root))
    assert out["returncode"] == -sig
    assert any("sleep 311" in c for c in out["seen"]) and any(str(wrapper) in c for c in out["seen"])


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_simulation_dies_with_chipchat(fifo_that_hangs: Path, sig: int) -> None:
    out = kill_and_check(chipchat("sim", str(fifo_that_hangs), "--timeout", "900"), sig, named("vvp"),
                         cwd=fifo_that_hangs.parent, env=env_for(), marker=str(fifo_that_hangs))
    assert out["returncode"] == -sig
    assert any(c.startswith("/usr/bin/bwrap") for c in out["seen"])  # the simulator ran confined


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_batch_verification_workers_and_their_simulators_die_with_chipchat(fifo_that_hangs: Path, tmp_path: Path,
                                                                          sig: int) -> None:
    rtl = fifo_that_hangs / "rtl" / "fifo.v"
    text = rtl.read_text()
    import difflib

    new = text.replace("    assign full  =", "    wire spare = din[0];\n    assign full  =", 1)
    patch = tmp_path / "p.diff"
    patch.write_text("".join(difflib.unified_diff(text.splitlines(True), new.splitlines(True),
                                                  "a/rtl/fifo.v", "b/rtl/fifo.v")))
    two_sims = lambda tree: sum(Path(p.cmdline.split(" ", 1)[0]).name == "vvp" for p in tree) >= 2  # noqa: E731
    out = kill_and_check(chipchat("verify", str(fifo_that_hangs), "--patches", str(patch), "--sims", "icarus",
                                  "--jobs", "2", "--timeout", "900", "-q"), sig, two_sims,
                         cwd=fifo_that_hangs.parent, env=env_for(), marker=str(fifo_that_hangs))
    assert out["returncode"] == -sig


@pytest.mark.slow
def test_the_ui_takes_a_running_simulation_along_on_sigterm(fifo_that_hangs: Path) -> None:
    """``chipchat ui``: a chat message starts the tests (through Gradio's API); SIGTERM while they run."""
    import socket

    from gradio_client import Client

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    state: dict[str, object] = {}

    def ready(tree: list[Proc]) -> bool:
        if "job" not in state:
            try:
                client = Client(f"http://127.0.0.1:{port}/", verbose=False)
            except Exception:  # noqa: BLE001 - not listening yet
                return False
            state["job"] = client.submit("run the tests", [], api_name="/respond")
        return named("vvp")(tree)

    out = kill_and_check(chipchat("ui", str(fifo_that_hangs), "--port", str(port)), signal.SIGTERM, ready,
                         cwd=fifo_that_hangs.parent, env=env_for(GRADIO_ANALYTICS_ENABLED="False"),
                         marker=str(fifo_that_hangs))
    assert out["returncode"] == -signal.SIGTERM
