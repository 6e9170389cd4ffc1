"""Run many independent jobs: in this process, in a local process pool, or on a Dask cluster.

The job function must be a top-level (importable, picklable) function taking one
picklable argument; the same function runs unchanged on every executor. Executors are
named: ``local`` (a process pool of ``workers`` processes; one worker runs in-process),
``serial`` (in-process, one after another) and ``dask://host:port`` (a running
``distributed`` scheduler; its workers must be able to import chipchat and see the
same files — a shared file system — as the submitting machine).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

from chipchat import _calls
from chipchat.errors import ConfigError, ToolFailed

T = TypeVar("T")
R = TypeVar("R")
Progress = Callable[[int, Any], None]  # (index of the finished job, its result)

EXECUTORS = ("local", "serial", "dask://host:port")
DASK_CONNECT_TIMEOUT_S = 10.0


def default_workers() -> int:
    return os.cpu_count() or 1


def run_jobs(
    fn: Callable[[T], R],
    jobs: Sequence[T],
    *,
    executor: str = "local",
    workers: int = 0,
    progress: Progress | None = None,
) -> list[R]:
    """Run ``fn(job)`` for every job; results in the order of ``jobs``.

    ``workers`` = 0 means one per CPU core (local) or whatever the cluster has (Dask). An
    exception raised by a job is re-raised here after the other jobs are cancelled; job
    functions should return expected failures as data.
    """
    if not jobs:
        return []
    kind = executor_kind(executor)
    if kind == "dask":
        return _run_dask(fn, jobs, executor, progress)
    n = min(workers or default_workers(), len(jobs))
    if kind == "serial" or n <= 1:
        results = []
        for i, job in enumerate(jobs):
            results.append(fn(job))
            if progress:
                progress(i, results[-1])
        return results
    return _run_pool(fn, jobs, n, progress)


def executor_kind(executor: str) -> str:
    """``local``, ``serial`` or ``dask``; anything else is a :class:`ConfigError` listing the valid names."""
    if executor in ("local", "serial"):
        return executor
    if executor.startswith(("dask://", "tcp://")):
        host = executor.split("://", 1)[1]
        if not host or ":" not in host:
            raise ConfigError(f"executor {executor!r} needs a host and a port",
                              hint="use dask://127.0.0.1:8786 (the scheduler's address)")
        return "dask"
    raise ConfigError(f"unknown executor {executor!r}", hint="valid executors: " + ", ".join(EXECUTORS))


def _run_pool(fn: Callable[[T], R], jobs: Sequence[T], n: int, progress: Progress | None) -> list[R]:
    ctx = multiprocessing.get_context(_start_method())
    results: list[Any] = [None] * len(jobs)
    # the workers' tools belong to the caller's call, so cancelling it reaches them (chipchat._calls)
    with ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_calls.adopt_scope,
                             initargs=(_calls.current_scope(),)) as pool:
        futures: dict[Future[R], int] = {pool.submit(fn, job): i for i, job in enumerate(jobs)}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                exc = fut.exception()
                if exc is not None:
                    for other in pending:
                        other.cancel()
                    raise exc
                results[futures[fut]] = fut.result()
                if progress:
                    progress(futures[fut], results[futures[fut]])
    return results


def _start_method() -> str:
    """``fork`` when this process has a single thread: workers start at once, with chipchat
    already imported. With other threads (a UI, a Dask client) fork could copy a lock mid-use,
    so ``spawn`` — unless ``__main__`` cannot be re-imported (a script read from stdin)."""
    if threading.active_count() == 1:
        return "fork"
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    return "fork" if main_file is not None and not os.path.exists(main_file) else "spawn"


def _run_dask(fn: Callable[[T], R], jobs: Sequence[T], executor: str, progress: Progress | None) -> list[R]:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - distributed is a dependency
        raise ConfigError("the Dask executor needs the `distributed` package", hint="pip install distributed") from exc
    address = "tcp://" + executor.split("://", 1)[1]
    try:
        client = Client(address, timeout=DASK_CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ToolFailed("dask", f"cannot reach the Dask scheduler at {address}: {exc}",
                         hint=f"start one with `dask scheduler --host {address[6:].rsplit(':', 1)[0]} "
                              f"--port {address.rsplit(':', 1)[1]}` and workers with `dask worker {address}`, "
                              "or use --executor local") from None
    try:
        futures = client.map(fn, list(jobs), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * len(jobs)
        for fut in as_completed(futures, loop=client.loop):
            results[index[fut.key]] = fut.result()
            if progress:
                progress(index[fut.key], results[index[fut.key]])
        return results
    finally:
        client.close()
