"""Batch verification: every patch × every simulator, each in its own sandbox, as parallel jobs.

The parent checks each patch once — it parses, its paths stay inside the design, its
hunks match the current sources (a dry run that writes nothing) — then submits one
job per (patch, simulator) and one per simulator for the unpatched baseline. A job
(:func:`run_job`, top-level and picklable, so process pools and Dask run it unchanged)
copies the design into a sandbox, applies the patch, lints with ``verilator
--lint-only``, builds (cached by content) and runs every test. Everything that can go
wrong with a patch comes back as data in a :class:`JobOutcome`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chipchat.design import Design
from chipchat.errors import ChipChatError, ConfigError, SandboxViolation
from chipchat.formats.cocotb_results import LintResult, SimRun
from chipchat.rtl.load import load_design
from chipchat.safefs import not_regular_reason, shown
from chipchat.sandbox import hazards
from chipchat.sandbox.confine import BLOCKED
from chipchat.sandbox.patch import Patch, PatchError, apply_patch, load_patch, parse_patch
from chipchat.sandbox.run import SandboxPaths, Unsandboxed, run_patched
from chipchat.steps import simulators as sims

DEFAULT_SEED = 20261125  # one fixed seed: baseline and patched runs see the same random stimulus
BASELINE = "baseline"

OK, REJECTED, NOT_APPLY, NOT_COMPILE, UNAVAILABLE, ERROR = (
    "ok", "rejected", "does-not-apply", "does-not-compile", "unavailable", "error")


@dataclass
class PatchInput:
    """A patch as given by the user, checked against the design before any job runs."""

    name: str
    source: str  # file path, or "<text>"
    patch: Patch | None = None
    status: str = OK  # ok | rejected | does-not-apply
    message: str = ""
    error: dict[str, Any] | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class BatchJob:
    design_root: str
    patch_name: str
    patch_text: str | None  # None: the unpatched baseline
    simulator: str
    modules: list[str] | None = None
    test_filter: str | None = None
    seed: int | None = DEFAULT_SEED
    test_timeout_s: float | None = None
    cache_dir: str | None = None
    make_jobs: int = 0
    parameters: dict[str, Any] = field(default_factory=dict)
    defines: dict[str, str] = field(default_factory=dict)
    lint: bool = True


@dataclass
class JobOutcome:
    patch: str
    simulator: str
    status: str  # ok | does-not-apply | rejected | does-not-compile | unavailable | error
    message: str = ""
    lint: LintResult | None = None
    run: SimRun | None = None
    wall_s: float = 0.0
    sandbox: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"patch": self.patch, "simulator": self.simulator, "status": self.status, "message": self.message,
                "lint": self.lint.to_json() if self.lint else None, "run": self.run.to_json() if self.run else None,
                "wall_s": round(self.wall_s, 3)}


def read_patches(items: list[str | Path]) -> list[PatchInput]:
    """Patch files (``Path`` or an existing path string) or diff text (a string with newlines)."""
    out: list[PatchInput] = []
    names: set[str] = set()
    for i, item in enumerate(items, 1):
        is_text = isinstance(item, str) and "\n" in item
        reason = "" if is_text else not_regular_reason(item)
        if reason:
            raise ConfigError(f"patch file {shown(item)} {reason}",
                              hint="pass unified diff files (e.g. --patches proposals/*.diff)")
        source = "<text>" if is_text else str(item)
        name = f"patch-{i}" if is_text else Path(item).stem
        while name in names or name == BASELINE:
            name += f"-{i}"
        names.add(name)
        entry = PatchInput(name, source)
        try:
            entry.patch = parse_patch(str(item), name) if is_text else load_patch(item)
            entry.patch.name = name
        except PatchError as exc:
            entry.status, entry.message, entry.error = NOT_APPLY, str(exc), exc.to_json()
        except SandboxViolation as exc:
            entry.status, entry.message = REJECTED, str(exc)
        out.append(entry)
    return out


def precheck(design: Design, entry: PatchInput) -> None:
    """Dry-run ``entry`` against the design (writes nothing); records why it cannot be used."""
    if entry.patch is None:
        return
    try:
        entry.changes = [c.to_json() for c in apply_patch(entry.patch, design.root, dry_run=True)]
        found = hazards.scan(entry.patch.text)
        if found:
            entry.status = REJECTED
            entry.message = "not run: the patch reaches outside the simulation: " + "; ".join(map(str, found[:3]))
    except SandboxViolation as exc:
        entry.status, entry.message = REJECTED, str(exc)
    except PatchError as exc:
        entry.status, entry.message, entry.error = NOT_APPLY, str(exc), exc.to_json()


SLOW_BUILDS = ("verilator",)


def make_jobs(design: Design, patches: list[PatchInput], simulators: list[str], *, workers: int,
              **options: Any) -> list[BatchJob]:
    """Baseline and (patch, simulator) jobs, in the order that keeps every worker busy.

    Workers take jobs in order: first the baselines of simulators with slow builds (a cold
    Verilator build also compiles the runtime objects every later build reuses), then all
    jobs of the fast simulators while that build runs, then the slow simulators' patches.

    ``workers`` is also the number of cores the batch may use: every job compiles with one
    ``make`` job, except the slow baselines — the critical path — which may use them all.
    """
    cores = min(os.cpu_count() or 1, max(1, workers or os.cpu_count() or 1))
    jobs = [BatchJob(str(design.root), BASELINE, None, sim, make_jobs=cores if sim in SLOW_BUILDS else 1, **options)
            for sim in simulators]
    for entry in patches:
        if entry.status == OK and entry.patch is not None:
            jobs += [BatchJob(str(design.root), entry.name, entry.patch.text, sim, make_jobs=1, **options)
                     for sim in simulators]

    def rank(job: BatchJob) -> int:
        slow, base = job.simulator in SLOW_BUILDS, job.patch_name == BASELINE
        return 0 if slow and base else (1 if base else (2 if not slow else 3))

    return sorted(jobs, key=rank)


def run_job(job: BatchJob) -> JobOutcome:
    """Sandbox, patch, lint, build and test one (patch, simulator) pair. Never raises for a bad patch."""
    t0 = time.monotonic()
    outcome = JobOutcome(job.patch_name, job.simulator, OK)

    def work(target: Design, paths: SandboxPaths | Unsandboxed) -> None:
        try:
            _lint_and_simulate(job, target, outcome)
        finally:
            _user_paths(outcome, paths)

    try:
        design = load_design(job.design_root)
    except ChipChatError as exc:
        outcome.status, outcome.message = ERROR, str(exc)
    else:
        done = run_patched(design, job.patch_text, work, name=job.patch_name)
        outcome.sandbox = done.sandbox
        if not done.ok:
            outcome.status, outcome.message = done.status, done.message
    outcome.wall_s = time.monotonic() - t0
    return outcome


def _user_paths(outcome: JobOutcome, paths: SandboxPaths | Unsandboxed) -> None:
    """Messages name files as the user knows them (``rtl/fifo.v``), not by their sandbox path."""
    outcome.message = paths.strip(outcome.message)
    diags = [*(outcome.lint.errors + outcome.lint.warnings if outcome.lint else [])]
    if outcome.run is not None and outcome.run.build is not None:
        diags += outcome.run.build.errors
        outcome.run.build.log_tail = paths.strip(outcome.run.build.log_tail)
    for diag in diags:
        diag.file = paths.strip(diag.file)


def _lint_and_simulate(job: BatchJob, design: Design, outcome: JobOutcome) -> None:
    from chipchat.steps.verilator_lint import lint
    from chipchat.verify.simulate import simulate

    sims.require(job.simulator)
    if job.lint and sims.available("verilator") is None:
        outcome.lint = lint(design, parameters=job.parameters, defines=job.defines)
        if not outcome.lint.ok:
            outcome.status = NOT_COMPILE
            outcome.message = "; ".join(str(e) for e in outcome.lint.errors[:3])
            return
    cache = Path(job.cache_dir) if job.cache_dir else None
    outcome.run = simulate(design, job.simulator, modules=job.modules, test_filter=job.test_filter,
                           parameters=job.parameters, defines=job.defines, seed=job.seed,
                           test_timeout_s=job.test_timeout_s, cache_dir=cache, make_jobs=job.make_jobs)
    build = outcome.run.build
    if build is not None and not build.ok:
        outcome.status = NOT_COMPILE
        if build.timed_out:
            outcome.message = "the build timed out"
        elif build.errors:
            outcome.message = "; ".join(str(e) for e in build.errors[:3])
        else:
            outcome.message = (build.log_tail.splitlines() or ["the build failed"])[-1]
    elif outcome.run.error:
        outcome.status = REJECTED if outcome.run.error.startswith(BLOCKED) else ERROR
        outcome.message = outcome.run.error
