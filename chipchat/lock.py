"""One writer at a time: a lock per design (``<design>/.chipchat/<name>.lock``) held by ``flock``.

Two ``chipchat index`` runs on one design, or an index run and a question that reads the
vector store, must not write ChromaDB's files at the same time (two writers corrupted the
store in 4 of 5 rounds). :func:`hold` serialises them across processes (``flock`` on the lock
file: released by the kernel when the holder dies, even by SIGKILL) and across threads of
one process; it is re-entrant within a thread. The second comer says what it waits for
(``chipchat: waiting for pid 123 (index) to finish with fifo …``) and gives up with a clear
error after ``CHIPCHAT_LOCK_TIMEOUT`` seconds.
"""

from __future__ import annotations

import fcntl
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from chipchat.config import settings
from chipchat.errors import ChipChatError
from chipchat.safefs import read_state

POLL_S = 0.2
_threads: dict[str, threading.Lock] = {}
_threads_guard = threading.Lock()
_held = threading.local()


class LockTimeout(ChipChatError):
    """Another chipchat kept a design's lock longer than this one was willing to wait."""


def _say(message: str) -> None:
    print(f"chipchat: {message}", file=sys.stderr, flush=True)


@contextmanager
def hold(path: Path, purpose: str, *, timeout_s: float | None = None,
         notify: Callable[[str], None] | None = _say) -> Iterator[None]:
    """Hold the lock file ``path`` (created if needed, never through a link) while the block runs.

    ``purpose`` ("index", "search") is written into the file so a waiting process can say
    what it waits for; ``notify`` receives that one message (``None``: wait silently).
    """
    key = str(path)
    depth: dict[str, int] = getattr(_held, "depth", None) or {}
    _held.depth = depth
    if depth.get(key):
        depth[key] += 1
        try:
            yield
        finally:
            depth[key] -= 1
        return
    limit = settings().lock_timeout_s if timeout_s is None else timeout_s
    deadline = time.monotonic() + limit
    with _threads_guard:
        tlock = _threads.setdefault(key, threading.Lock())
    told = False
    if not tlock.acquire(blocking=False):
        if notify:
            notify(f"waiting for another task of this process ({_holder(path)}) to finish with {path.parent.parent.name} …")
            told = True
        if not tlock.acquire(timeout=max(0.0, limit)):
            raise _timeout(path, limit)
    fd = -1
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _timeout(path, limit) from None
                if notify and not told:
                    notify(f"waiting for {_holder(path)} to finish with {path.parent.parent.name} …")
                    told = True
                time.sleep(POLL_S)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {purpose}\n".encode(), 0)
        depth[key] = 1
        try:
            yield
        finally:
            depth.pop(key, None)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        if fd >= 0:
            os.close(fd)
        tlock.release()


def _holder(path: Path) -> str:
    """Who holds the lock, as its file says: ``pid 123 (index)``."""
    try:
        pid, _, purpose = read_state(path).decode(errors="replace").strip().partition(" ")
    except OSError:
        return "another chipchat"
    return f"pid {pid} ({purpose})" if pid.isdigit() else "another chipchat"


def _timeout(path: Path, limit: float) -> LockTimeout:
    return LockTimeout(f"{_holder(path)} kept {path} for more than {limit:g} s",
                       hint="let it finish and try again, or raise CHIPCHAT_LOCK_TIMEOUT")
