"""Calls: which tool processes belong to which request, so one request can be cancelled alone.

An MCP server (or any host running several requests in one process) runs each request inside
:func:`call_scope`. Every tool :func:`chipchat._exec.run` starts while the scope is current is
the call's: its process group is recorded in the scope, and its environment carries
``CHIPCHAT_CALL_SCOPE=<id>``, which the tool's own children inherit (also those that leave the
process group, and those inside a bubblewrap sandbox). Threads get the scope when the code that
starts them passes its context on (``contextvars.copy_context().run``); process-pool workers
adopt it through their initializer (:func:`adopt_scope` with :func:`current_scope`).

:func:`cancel_scope` then makes the call's next tool refuse to start (:class:`ToolCancelled`;
pool workers see a flag file) and SIGKILLs the call's process groups and every process carrying
its marker — nothing of another call, nothing of the host. A helper whose result the whole
process keeps (a probe cached with ``functools.cache``) runs :func:`process_wide`, outside any call.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import signal
import tempfile
import uuid
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ParamSpec, TypeVar

from chipchat.errors import ToolFailed

SCOPE_ENV = "CHIPCHAT_CALL_SCOPE"
P = ParamSpec("P")
R = TypeVar("R")


class ToolCancelled(ToolFailed):
    """A tool was not started because the call that asked for it was cancelled."""


@dataclass(eq=False)
class CallScope:
    """One call's tools: the process groups it started in this process, and its marker everywhere."""

    id: str = field(default_factory=lambda: f"{os.getpid()}-{uuid.uuid4().hex[:12]}")
    on_start: Callable[[str], None] | None = None  # told each tool's name as it starts (for progress)
    groups: set[int] = field(default_factory=set)
    cancelled: bool = False
    pid: int = field(default_factory=os.getpid)

    @property
    def flag(self) -> Path:
        """The file whose existence tells the call's pool workers that it was cancelled."""
        return Path(tempfile.gettempdir()) / f"chipchat-cancelled-{self.id}"


_scope: contextvars.ContextVar[CallScope | None] = contextvars.ContextVar("chipchat_call_scope", default=None)


@contextlib.contextmanager
def call_scope(scope: CallScope | None = None) -> Iterator[CallScope]:
    """Run the block as one call (see the module docstring)."""
    scope = scope or CallScope()
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)
        scope.flag.unlink(missing_ok=True)


_adopted = ""  # in a process-pool worker: the marker of the call that started the pool


def current_scope() -> str:
    """The marker of the call this code runs for ("" outside any call)."""
    scope = _scope.get()
    return scope.id if scope is not None else (_adopted or os.environ.get(SCOPE_ENV, ""))


def adopt_scope(marker: str) -> None:
    """A process-pool initializer: the tools this worker starts belong to the call ``marker``. (Kept
    out of ``os.environ``: the worker's own helpers, such as its reaper, are not the call's tools.)"""
    global _adopted
    _adopted = marker


@contextlib.contextmanager
def detached() -> Iterator[None]:
    """Run the block for the whole process, not for the current call: its tools are not the call's."""
    global _adopted
    token, adopted = _scope.set(None), _adopted
    _adopted = ""
    try:
        yield
    finally:
        _adopted = adopted
        _scope.reset(token)


def process_wide(fn: Callable[P, R]) -> Callable[P, R]:
    """For a helper whose result the process keeps (a probe under ``functools.cache``): its tools serve
    every later call, so cancelling the call that happened to run it first must not kill them (a killed
    sandbox probe would leave the whole process unconfined)."""
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with detached():
            return fn(*args, **kwargs)

    return wrapper


# -- the hooks chipchat._exec.run calls ----------------------------------------------------------
def starting(tool: str, env: MutableMapping[str, str]) -> CallScope | None:
    """Before ``tool`` starts: refuse if its call was cancelled, else mark ``env`` and tell the call."""
    scope = _scope.get()
    if scope is not None and scope.pid != os.getpid():
        scope = None  # a forked worker's copy of its parent's scope: the marker in os.environ rules
    marker = scope.id if scope is not None else (_adopted or env.get(SCOPE_ENV, ""))
    if not marker:
        return None
    cancelled = scope.cancelled if scope is not None else (Path(tempfile.gettempdir())
                                                           / f"chipchat-cancelled-{marker}").exists()
    if cancelled:
        raise ToolCancelled(tool, f"{tool} was not started: the request that asked for it was cancelled")
    env[SCOPE_ENV] = marker
    if scope is not None and scope.on_start is not None:
        scope.on_start(tool)
    return scope


def started(scope: CallScope | None, pgid: int) -> None:
    if scope is not None:
        scope.groups.add(pgid)


def finished(scope: CallScope | None, pgid: int) -> None:
    if scope is not None:
        scope.groups.discard(pgid)


# -- cancelling ----------------------------------------------------------------------------------
def scope_processes(marker: str) -> list[int]:
    """Processes (other than this one) whose environment carries the call's marker."""
    needle = f"{SCOPE_ENV}={marker}\0".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                if needle in fh.read() + b"\0":
                    found.append(int(entry))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def cancel_scope(scope: CallScope) -> int:
    """Cancel a call: its next tool refuses to start, its running tools are SIGKILLed (their process
    groups, and every process carrying its marker). Returns how many processes or groups were
    signalled; call it again until the call has returned, to catch a tool started meanwhile."""
    scope.cancelled = True
    with contextlib.suppress(OSError):
        scope.flag.touch()
    hit = 0
    for pgid in list(scope.groups):
        if _kill(os.killpg, pgid):
            hit += 1
        else:
            scope.groups.discard(pgid)
    own = os.getpgrp()
    for pid in scope_processes(scope.id):
        with contextlib.suppress(ProcessLookupError):
            group = os.getpgid(pid)
            if group != own and _kill(os.killpg, group):
                hit += 1
        if _kill(os.kill, pid):
            hit += 1
    return hit


def _kill(kill: Callable[[int, int], None], target: int) -> bool:
    try:
        kill(target, signal.SIGKILL)
        return True
    except (ProcessLookupError, PermissionError):
        return False
