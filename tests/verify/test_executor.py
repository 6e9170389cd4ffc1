"""The generic job runner: in-process, local process pool, Dask; errors name the fix."""

from __future__ import annotations

import math
import time

import pytest

from chipchat.errors import ConfigError, ToolFailed
from chipchat.verify import executor
from chipchat.verify.executor import executor_kind, run_jobs


def test_pool_and_serial_give_the_same_results_in_order() -> None:
    jobs = [5, 1, 7, 3, 0, 6]
    seen: list[int] = []
    pooled = run_jobs(math.factorial, jobs, executor="local", workers=2, progress=lambda i, r: seen.append(i))
    assert pooled == [math.factorial(n) for n in jobs]
    assert sorted(seen) == list(range(len(jobs)))
    assert run_jobs(math.factorial, jobs, executor="serial") == pooled
    assert run_jobs(math.factorial, [], executor="local") == []


def test_progress_is_reported_as_each_job_finishes() -> None:
    t0 = time.monotonic()
    seen: list[tuple[int, float]] = []
    run_jobs(time.sleep, [0.05, 1.5], executor="local", workers=2,
             progress=lambda i, _r: seen.append((i, time.monotonic() - t0)))
    assert [i for i, _ in seen] == [0, 1]
    assert seen[0][1] < seen[1][1] - 0.5  # the short job was reported before the long one ended


def test_a_failing_job_is_raised() -> None:
    with pytest.raises(ValueError):
        run_jobs(math.factorial, [3, -1, 4], executor="local", workers=2)


@pytest.mark.parametrize("name", ["threads", "dask://", "dask://hostonly", "ray://x:1"])
def test_unknown_executors_list_the_valid_ones(name: str) -> None:
    with pytest.raises(ConfigError) as info:
        executor_kind(name)
    assert "dask://" in str(info.value) or "127.0.0.1" in str(info.value)


def test_unreachable_dask_scheduler_says_how_to_start_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executor, "DASK_CONNECT_TIMEOUT_S", 1.0)
    with pytest.raises(ToolFailed) as info:
        run_jobs(math.factorial, [3], executor="dask://127.0.0.1:9")
    assert "dask scheduler" in str(info.value) and "--executor local" in str(info.value)
