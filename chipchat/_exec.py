"""The only place chipchat starts a subprocess.

argv is a list (never a shell string), the child runs in its own process group so a
timeout kills everything it spawned, and its output is written to a log file as it
runs, so a hung or crashed tool still leaves its partial log behind. Children die with
chipchat (:mod:`chipchat._lifetime`); untrusted ones run confined
(:mod:`chipchat.sandbox.confine`) when the caller passes a :class:`Confinement`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from chipchat import _lifetime
from chipchat.errors import ToolNotFound, ToolTimeout

if TYPE_CHECKING:
    from chipchat.sandbox.confine import Confinement

MAX_CAPTURE = 16 * 1024 * 1024  # bytes of output kept in memory; the log file has everything


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
    confine: Confinement | None = None,
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
    _lifetime.guard_worker()
    preexec, how, guard, stopped = _lifetime.child_setup(), "", None, ""
    if confine is not None:
        from chipchat.sandbox import confine as confinement

        args, preexec, how = confinement.prepare(args, confine, cwd=cwd, env=full_env, tool=name)
        guard = confinement.guard(confine)
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
            _lifetime.register(proc.pid)
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
                _lifetime.unregister(proc.pid)
        output = _read(log_file)
        result = ExecResult(args, proc.returncode, output, time.monotonic() - start, log_file if keep_log else None)
        if confine is not None:
            result.confined = how
            result.stopped_by, result.blocked = confinement.diagnose(proc.returncode, output, confine, how)
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
