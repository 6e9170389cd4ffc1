"""chipchat._calls: the tools of one call are marked, and cancelling the call kills exactly those."""

from __future__ import annotations

import contextvars
import os
import sys
import threading
import time
from pathlib import Path

import pytest

from chipchat import _calls, _exec
from chipchat.verify import executor

SHOW = [sys.executable, "-c", "import os; print(os.environ.get('CHIPCHAT_CALL_SCOPE'))"]


def marked(marker: str) -> list[int]:
    return _calls.scope_processes(marker)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_scope_marks_its_tools_and_hears_them_start() -> None:
    started: list[str] = []
    with _calls.call_scope(_calls.CallScope(on_start=started.append)) as scope:
        inside = _exec.run(SHOW, tool="probe").output.strip()
    outside = _exec.run(SHOW).output.strip()
    assert inside == scope.id
    assert outside == "None"
    assert started == ["probe"]


def test_a_cancelled_call_starts_no_tool_and_cleans_its_flag() -> None:
    with _calls.call_scope() as scope:
        _calls.cancel_scope(scope)
        assert scope.flag.exists()
        with pytest.raises(_calls.ToolCancelled, match="was cancelled"):
            _exec.run(SHOW, tool="probe")
    assert not scope.flag.exists()


def _run_in(scope: _calls.CallScope, argv: list[str], out: dict[str, object]) -> None:
    with _calls.call_scope(scope):
        out["result"] = _exec.run(argv, timeout=120)


def test_cancel_kills_the_calls_tools_and_their_escaped_children_only() -> None:
    # each tool leaves a grandchild in a session of its own (as a daemonizing tool would): only the
    # environment marker can find it
    script = "import subprocess, time; subprocess.Popen(['setsid', 'sleep', '300']); time.sleep(300)"
    a, b = _calls.CallScope(), _calls.CallScope()
    outs: dict[str, dict[str, object]] = {"a": {}, "b": {}}
    threads = [threading.Thread(target=_run_in, args=(s, [sys.executable, "-c", script], outs[k]))
               for k, s in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    try:
        deadline = time.monotonic() + 30
        while (len(marked(a.id)) < 2 or len(marked(b.id)) < 2) and time.monotonic() < deadline:
            time.sleep(0.1)
        victims, others = marked(a.id), marked(b.id)
        assert len(victims) == 2 and len(others) == 2  # the tool and its escaped sleep
        t0 = time.monotonic()
        assert _calls.cancel_scope(a) > 0
        threads[0].join(timeout=10)
        assert not threads[0].is_alive(), "the cancelled call's tool did not end"
        assert time.monotonic() - t0 < 5
        time.sleep(0.3)
        assert not [p for p in victims if alive(p)], "a process of the cancelled call survived"
        assert all(alive(p) for p in others), "cancelling one call touched another"
    finally:
        _calls.cancel_scope(a)
        _calls.cancel_scope(b)
        for t in threads:
            t.join(timeout=10)
    time.sleep(0.3)
    assert not [p for p in others if alive(p)]


def test_threads_that_copy_the_context_belong_to_the_call() -> None:
    with _calls.call_scope() as scope:
        result: dict[str, object] = {}
        ctx = contextvars.copy_context()
        t = threading.Thread(target=ctx.run, args=(lambda: result.update(r=_exec.run(SHOW)),))
        t.start()
        t.join()
    assert result["r"].output.strip() == scope.id  # type: ignore[attr-defined]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_process_pool_workers_run_their_tools_for_the_call(method: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executor, "_start_method", lambda: method)
    with _calls.call_scope() as scope:
        results = executor.run_jobs(_exec.run, [SHOW, SHOW], workers=2)
    assert [r.output.strip() for r in results] == [scope.id, scope.id]
    assert executor.run_jobs(_exec.run, [SHOW, SHOW], workers=2)[0].output.strip() == "None"


def test_a_pool_worker_sees_its_call_cancelled(monkeypatch: pytest.MonkeyPatch) -> None:
    scope = _calls.CallScope()
    monkeypatch.setattr(_calls, "_adopted", scope.id)  # what adopt_scope leaves in a worker
    env = dict(os.environ)
    assert _calls.starting("probe", env) is None and env[_calls.SCOPE_ENV] == scope.id
    scope.flag.touch()
    try:
        with pytest.raises(_calls.ToolCancelled):
            _calls.starting("probe", dict(os.environ))
    finally:
        scope.flag.unlink()


def test_process_wide_helpers_run_outside_the_call() -> None:
    """A probe the process caches (the sandbox check, tool versions) must not die with one call."""

    @_calls.process_wide
    def probe() -> str:
        return _exec.run(SHOW, tool="probe").output.strip()

    with _calls.call_scope() as scope:
        _calls.cancel_scope(scope)
        assert probe() == "None"  # neither refused nor marked
        with pytest.raises(_calls.ToolCancelled):
            _exec.run(SHOW)  # the call's own tools still are
