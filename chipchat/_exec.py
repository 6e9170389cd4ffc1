"""The only place chipchat starts a subprocess.

argv is a list (never a shell string), the child runs in its own process group so a
timeout kills everything it spawned, and its output is written to a log file as it
runs, so a hung or crashed tool still leaves its partial log behind. Untrusted commands
run confined when the caller passes a confinement (:class:`chipchat.sandbox.confine.Confinement`,
seen here only through the :class:`Confiner` protocol).

Tool processes die with chipchat, so a SIGTERM, SIGHUP or SIGKILL leaves no orphans. Each
tool's own process group (so a timeout can kill everything it spawned) also means nothing
kills it when chipchat dies; four things close that gap:

- each child gets ``PR_SET_PDEATHSIG = SIGKILL`` between fork and exec, so the kernel kills
  it when the thread that started it ends — and ``_exec.run`` waits for its child in that
  very thread, so the thread outlives the child unless the whole process dies;
- PDEATHSIG reaches only that child, not what it spawned (Yosys runs ``yosys-abc``, make
  runs the compiler): the process groups of running tools are also registered with a
  *reaper*, a tiny process started once per chipchat process, that reads the registrations
  from a pipe and kills the groups still registered when the pipe closes — which happens
  however chipchat ends, SIGKILL included;
- confined runs go through ``bwrap --die-with-parent`` in a PID namespace: when bwrap dies
  the kernel kills every process of the sandbox, even one that left the process group;
- :func:`install_signal_handlers` (the CLI calls it) kills the registered groups on
  SIGTERM/SIGHUP before chipchat exits with that signal.

A process-pool worker (``multiprocessing``) that runs tools also asks for ``PDEATHSIG``
for itself (:func:`guard_worker`), so the death of the parent takes the worker and, through
the worker, its tools.

One call can be cancelled without touching the others (an MCP server runs calls side by side):
each tool is announced to :mod:`chipchat._calls` as it starts, which marks it as the current
call's (:func:`chipchat._calls.cancel_scope` kills exactly a call's tools).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Protocol

from chipchat import _calls
from chipchat.errors import ToolNotFound, ToolTimeout

MAX_CAPTURE = 16 * 1024 * 1024  # bytes of output kept in memory; the log file has everything


class Confiner(Protocol):
    """A confinement policy (:class:`chipchat.sandbox.confine.Confinement`): how to start, watch and judge a
    command it confines."""

    def prepare(self, argv: list[str], *, cwd: str | os.PathLike[str] | None, env: Mapping[str, str],
                tool: str) -> tuple[list[str], Callable[[], None], str]: ...

    def guard(self) -> Callable[[], str | None] | None: ...

    def diagnose(self, returncode: int, output: str, how: str) -> tuple[str, list[str]]: ...


@dataclass
class ExecResult:
    """What a finished process left behind. A non-zero exit code is data, not an exception."""

    argv: list[str]
    returncode: int
    output: str
    duration_s: float
    log_path: Path | None
    confined: str = ""  # "bwrap" or "limits" when run under a Confinement
    stopped_by: str = ""  # the resource limit that stopped the process, e.g. "the file-size limit (1024 MB)"
    blocked: list[str] = field(default_factory=list)  # log lines showing what the sandbox refused

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def tail(self, lines: int = 20) -> str:
        return log_tail(self.output, lines)


def log_tail(text: str, lines: int = 20) -> str:
    """The last meaningful lines of a tool log (blank lines and banners dropped)."""
    kept = [ln.rstrip() for ln in text.splitlines() if ln.strip() and not set(ln.strip()) <= set("-=*#")]
    return "\n".join(kept[-lines:])


def run(
    argv: Sequence[str | os.PathLike[str]],
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    log_path: str | os.PathLike[str] | None = None,
    stdin_text: str | None = None,
    tool: str | None = None,
    watchdog: Callable[[], float | None] | None = None,
    confine: Confiner | None = None,
) -> ExecResult:
    """Run ``argv`` to completion and return its :class:`ExecResult`.

    ``env`` entries are added to the current environment. On timeout the whole process
    group is terminated (then killed) and :class:`ToolTimeout` carries the partial log.
    ``watchdog`` (optional) is polled a few times a second while the process runs; when it
    returns a number, the process is stopped the same way, as a timeout of that many seconds
    (e.g. a per-test wall-clock limit inside one long simulation).
    ``confine`` (optional) runs the command confined: see :func:`chipchat.sandbox.confine.prepare`.
    """
    args = [os.fspath(a) for a in argv]
    if not args:
        raise ValueError("empty argv")
    name = tool or Path(args[0]).name
    full_env = {**os.environ, **(env or {})}
    guard_worker()
    scope = _calls.starting(name, full_env)  # marks the environment; refuses when the call was cancelled
    preexec, how, guard, stopped = child_setup(), "", None, ""
    if confine is not None:
        args, preexec, how = confine.prepare(args, cwd=cwd, env=full_env, tool=name)
        guard = confine.guard()
    if log_path is None:
        fd, tmp = tempfile.mkstemp(prefix=f"chipchat-{name}-", suffix=".log")
        os.close(fd)
        log_file, keep_log = Path(tmp), False
    else:
        log_file, keep_log = Path(log_path), True
        log_file.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    try:
        with open(log_file, "wb") as sink:
            try:
                proc = subprocess.Popen(  # noqa: S603 - argv list, no shell
                    args, cwd=cwd, env=full_env, stdout=sink, stderr=subprocess.STDOUT,
                    stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
                    start_new_session=True, preexec_fn=preexec,  # noqa: PLW1509 - no imports or locks in it
                )
            except FileNotFoundError as exc:
                raise ToolNotFound(name, f"cannot run {args[0]}: {exc.strerror}") from exc
            except PermissionError as exc:
                raise ToolNotFound(name, f"cannot execute {args[0]}: {exc.strerror}") from exc
            register(proc.pid)
            _calls.started(scope, proc.pid)
            limit = timeout
            try:
                if stdin_text is not None:
                    proc.communicate(stdin_text.encode(), timeout=timeout)
                elif watchdog is None and guard is None:
                    proc.wait(timeout=timeout)
                else:
                    hit, stopped = _wait_watched(proc, timeout, watchdog, guard)
                    if stopped:
                        kill_group(proc)
                    elif hit is not None:
                        limit = hit
                        raise subprocess.TimeoutExpired(args, hit)
            except subprocess.TimeoutExpired:
                kill_group(proc)
                output = _read(log_file)
                raise ToolTimeout(
                    name, float(limit or 0), log_tail=log_tail(output),
                    log_path=log_file if keep_log else None) from None
            except BaseException:
                kill_group(proc)  # Ctrl-C or a crash here must not leave orphans behind
                raise
            finally:
                unregister(proc.pid)
                _calls.finished(scope, proc.pid)
        output = _read(log_file)
        result = ExecResult(args, proc.returncode, output, time.monotonic() - start, log_file if keep_log else None)
        if confine is not None:
            result.confined = how
            result.stopped_by, result.blocked = confine.diagnose(proc.returncode, output, how)
            result.stopped_by = stopped or result.stopped_by
        return result
    finally:
        if not keep_log:
            log_file.unlink(missing_ok=True)


def _wait_watched(
    proc: subprocess.Popen[bytes], timeout: float | None, watchdog: Callable[[], float | None] | None,
    guard: Callable[[], str | None] | None = None,
) -> tuple[float | None, str]:
    """Wait for ``proc``; return (the time limit that ran out, or None; the resource limit ``guard`` saw hit, or "")."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        try:
            proc.wait(timeout=0.2)
            return None, ""
        except subprocess.TimeoutExpired:
            pass
        if deadline is not None and time.monotonic() >= deadline:
            return timeout, ""
        hit = watchdog() if watchdog is not None else None
        if hit is not None:
            return hit, ""
        reason = guard() if guard is not None else None
        if reason:
            return None, reason


def kill_group(proc: subprocess.Popen[bytes], grace_s: float = 2.0) -> None:
    """SIGTERM the process group, wait ``grace_s``, then SIGKILL whatever is left."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            break
        try:
            proc.wait(timeout=grace_s)
            # the leader is gone; children may linger in the group
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            break
        except subprocess.TimeoutExpired:
            continue
    if proc.poll() is None:
        proc.wait()


def _read(path: Path) -> str:
    with open(path, "rb") as fh:
        size = path.stat().st_size
        if size > MAX_CAPTURE:
            fh.seek(size - MAX_CAPTURE)
        return fh.read().decode("utf-8", errors="replace")


# -- process lifetime ------------------------------------------------------------------------

PR_SET_PDEATHSIG = 1
_lock = threading.Lock()
_groups: set[int] = set()
_guarded_pid: int | None = None
_reaper_fd: int | None = None  # write end of the reaper's pipe; a forked child shares its parent's reaper
REAPER = """# chipchat reaper: when chipchat ends, kill the tool process groups it left running
import os, signal
groups, buf = set(), b""
while True:
    data = os.read(0, 4096)
    if not data:
        break
    *lines, buf = (buf + data).split(b"\\n")
    for line in lines:
        if line[:1] == b"+":
            groups.add(int(line[1:]))
        elif line[:1] == b"-":
            groups.discard(int(line[1:]))
for group in groups:
    try:
        os.killpg(group, signal.SIGKILL)
    except OSError:
        pass
"""
_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
_prctl = _libc.prctl
_prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


def _forget_inherited() -> None:
    """A forked child does not own its parent's tools (it must not kill them on a signal)."""
    global _lock
    _lock = threading.Lock()
    _groups.clear()


os.register_at_fork(after_in_child=_forget_inherited)


def child_setup(extra: Callable[[], None] | None = None) -> Callable[[], None]:
    """A ``preexec_fn``: die with the parent, then ``extra`` (resource limits). Resolved up front:
    after a fork in a threaded program the child must not import or take locks."""
    parent = os.getpid()
    prctl, sig, getppid, exit_ = _prctl, int(signal.SIGKILL), os.getppid, os._exit

    def setup() -> None:
        prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
        if getppid() != parent:  # the parent died before the request took effect
            exit_(137)
        if extra is not None:
            extra()

    return setup


def register(pgid: int) -> None:
    with _lock:
        _groups.add(pgid)
        _tell_reaper(b"+%d\n" % pgid)


def unregister(pgid: int) -> None:
    with _lock:
        if pgid in _groups:
            _groups.discard(pgid)
            _tell_reaper(b"-%d\n" % pgid)


def _tell_reaper(line: bytes) -> None:
    """Send one registration line (called with ``_lock`` held); start the reaper on first use."""
    global _reaper_fd
    if _reaper_fd is None:
        _reaper_fd = _start_reaper()
    if _reaper_fd is None:
        return
    try:
        os.write(_reaper_fd, line)
    except OSError:  # the reaper is gone: PDEATHSIG and the signal handlers still apply
        os.close(_reaper_fd)
        _reaper_fd = None


def _start_reaper() -> int | None:
    read, write = os.pipe()  # not inherited by tools (close-on-exec); shared with forked pool workers
    try:
        subprocess.Popen([sys.executable, "-S", "-c", REAPER], stdin=read, stdout=subprocess.DEVNULL,  # noqa: S603
                         stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        os.close(write)
        return None
    finally:
        os.close(read)
    return write


def live_groups() -> list[int]:
    with _lock:
        return sorted(_groups)


def kill_all(sig: int = signal.SIGKILL) -> int:
    """Send ``sig`` to every registered process group; returns how many were signalled."""
    hit = 0
    for pgid in live_groups():
        try:
            os.killpg(pgid, sig)
            hit += 1
        except (ProcessLookupError, PermissionError):
            unregister(pgid)
    return hit


def guard_worker() -> None:
    """In a ``multiprocessing`` child, die with the parent (once per process; cheap to call often)."""
    global _guarded_pid
    if _guarded_pid == os.getpid():
        return
    _guarded_pid = os.getpid()
    parent = multiprocessing.parent_process()
    if parent is None or parent.pid is None:
        return
    _prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent.pid:
        os._exit(137)  # the parent is already gone: nobody is waiting for this work


def install_signal_handlers(signals: tuple[int, ...] = (signal.SIGTERM, signal.SIGHUP)) -> None:
    """On each of ``signals``: kill the tools' process groups, then die of that signal.

    Re-raising the signal (instead of unwinding with an exception) does not wait for
    process pools or UI threads to finish; pool workers die with us through PDEATHSIG.
    Must be called from the main thread.
    """
    def handler(signum: int, _frame: FrameType | None) -> None:
        kill_all(signal.SIGKILL)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    for sig in signals:
        signal.signal(sig, handler)
