"""Run one mutant against the tests: sandbox, patch, build, simulate until the first failure.

:func:`run_mutant` is a top-level function of one picklable :class:`MutantJob`, so the
verification executor (:func:`chipchat.verify.executor.run_jobs`) runs it unchanged in a
local process pool or on a Dask cluster. The mutant is applied in a private
:class:`~chipchat.sandbox.box.Sandbox` (the user's files are never touched), built once
for the simulator, and the tests run with cocotb's ``COCOTB_MAX_FAILURES=1``: the first
failing test kills the mutant and the rest are not run. A test that exceeds its
wall-clock limit is killed by the per-test watchdog; a mutant that hangs the simulator
is reported as ``timeout``, which counts as killed.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chipchat.design import Design, TestConfig
from chipchat.errors import ChipChatError, ParseError, ToolFailed
from chipchat.formats.cocotb_results import ERROR, FAIL, TIMEOUT, SimRun
from chipchat.mutate.operators import Mutant
from chipchat.rtl.load import load_design
from chipchat.sandbox.run import NOT_APPLY, SandboxPaths, Unsandboxed, run_patched

KILLED, TIMED_OUT, SURVIVED, INVALID, UNAVAILABLE, BROKEN = (
    "killed", "timeout", "survived", "invalid", "unavailable", "error")
TERMINATED = "RegressionTerminated"  # cocotb's marker for tests skipped after COCOTB_MAX_FAILURES


@dataclass
class MutantJob:
    design_root: str
    mutant: Mutant
    simulator: str
    tests_dir: str
    modules: list[str]
    test_filter: str | None
    seed: int | None
    test_timeout_s: float
    cache_dir: str
    make_jobs: int = 0


@dataclass
class MutantResult:
    """What the tests did to one mutant. ``timeout`` counts as killed; ``invalid`` is left out of the score."""

    mutant: Mutant
    status: str  # killed | timeout | survived | invalid | unavailable | error
    killed_by: str = ""  # the test that failed or hung
    message: str = ""  # its assertion message, or the compiler's / elaborator's message
    tests_run: int = 0
    tests_passed: int = 0
    wall_s: float = 0.0
    run_dirs: list[str] = dataclasses.field(default_factory=list)

    @property
    def killed(self) -> bool:
        return self.status in (KILLED, TIMED_OUT)

    @property
    def valid(self) -> bool:
        return self.status in (KILLED, TIMED_OUT, SURVIVED)

    def to_json(self) -> dict[str, Any]:
        return {"mutant": self.mutant.to_json(), "status": self.status, "killed_by": self.killed_by,
                "message": self.message, "tests_run": self.tests_run, "tests_passed": self.tests_passed,
                "wall_s": round(self.wall_s, 3), "run_dirs": self.run_dirs}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MutantResult:
        values = dict(data)
        values["mutant"] = Mutant.from_json(values["mutant"])
        return cls(**values)


def run_mutant(job: MutantJob) -> MutantResult:
    """Sandbox, patch, build and test one mutant. Never raises for a bad mutant: the outcome is data."""
    from chipchat.verify.simulate import simulate

    t0 = time.monotonic()
    result = MutantResult(job.mutant, BROKEN)
    tests = TestConfig(Path(job.tests_dir), tuple(job.modules), (job.simulator,), job.test_timeout_s)

    def work(target: Design, paths: SandboxPaths | Unsandboxed) -> None:
        try:
            run = simulate(dataclasses.replace(target, tests=tests), job.simulator, modules=job.modules,
                           test_filter=job.test_filter, seed=job.seed, test_timeout_s=job.test_timeout_s,
                           cache_dir=Path(job.cache_dir), make_jobs=job.make_jobs, max_timeouts=1, max_failures=1)
        except (ParseError, ToolFailed) as exc:  # an Amaranth mutant that does not elaborate
            result.status, result.message = INVALID, paths.strip(str(exc))
        else:
            classify(run, result)
            result.message = paths.strip(result.message)

    try:
        design = dataclasses.replace(load_design(job.design_root), tests=tests)
    except ChipChatError as exc:
        result.status, result.message = BROKEN, str(exc)
    else:
        done = run_patched(design, job.mutant.patch, work, name=f"mutant-{job.mutant.id}")
        if done.status == UNAVAILABLE:
            result.status, result.message = UNAVAILABLE, done.message
        elif done.status == NOT_APPLY:
            result.status, result.message = BROKEN, f"the mutant does not apply: {done.message}"
        elif not done.ok:
            result.status, result.message = BROKEN, done.message
    result.wall_s = time.monotonic() - t0
    return result


def classify(run: SimRun, result: MutantResult) -> None:
    """Fill ``result`` from the mutant's simulation: invalid, timeout, killed or survived."""
    result.run_dirs = list(run.run_dirs) + ([run.build.run_dir] if run.build and run.build.run_dir else [])
    build = run.build
    if build is not None and not build.ok:
        result.status = INVALID
        if build.timed_out:
            result.message = "the build timed out"
        elif warnings := [ln.strip() for ln in build.log_tail.splitlines() if ln.strip().startswith("%Warning-")]:
            result.message = "does not compile (Verilator treats warnings as errors): " + "; ".join(warnings[:2])
        elif build.errors:
            result.message = "does not compile: " + "; ".join(str(e) for e in build.errors[:2])
        else:
            result.message = "does not compile: " + ((build.log_tail.splitlines() or ["the build failed"])[-1])
        return
    ran = [t for t in run.tests if t.exc_type != TERMINATED and t.status != "not-run"]
    result.tests_run = len(ran)
    result.tests_passed = sum(1 for t in ran if t.status == "pass")
    hung = next((t for t in ran if t.status == TIMEOUT), None)
    failed = next((t for t in ran if t.status in (FAIL, ERROR)), None)
    if hung is not None:
        result.status, result.killed_by, result.message = TIMED_OUT, hung.name, hung.message
    elif failed is not None:
        result.status, result.killed_by = KILLED, failed.name
        result.message = (f"{failed.exc_type}: " if failed.exc_type else "") + failed.message.splitlines()[0] \
            if failed.message else failed.exc_type or "failed"
    elif run.error:
        hang = "hung" in run.error
        result.status, result.message = (TIMED_OUT if hang else KILLED), run.error
    elif not ran:
        result.status, result.message = BROKEN, "no test ran on the mutant"
    else:
        result.status = SURVIVED


