"""Tool processes die with chipchat: no orphans after a SIGTERM, SIGHUP or SIGKILL.

Every tool runs in its own process group (so a timeout can kill everything it spawned),
which also means nothing kills it when chipchat dies. Four things close that gap:

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
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from types import FrameType

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
