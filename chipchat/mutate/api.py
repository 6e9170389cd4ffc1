"""Mutation testing as plain typed functions (the CLI, the UI and the agent call these).

:func:`mutate` answers "how many injected bugs do the tests catch?";
:func:`find_mutants` lists the bugs it would inject; :func:`mutate` returns the typed
:class:`~chipchat.mutate.report.MutationReport`.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

from chipchat.answer import Answer
from chipchat.design import Design
from chipchat.errors import ConfigError, DesignError
from chipchat.mutate import amaranth as amaranth_sites
from chipchat.mutate import verilog as verilog_sites
from chipchat.mutate.operators import OPERATORS, Mutant, make_mutants, resolve_operators, sample
from chipchat.mutate.report import MutationReport
from chipchat.mutate.run import MutantJob, MutantResult, run_mutant
from chipchat.rtl.load import DesignArg, load_design
from chipchat.steps import simulators as sims
from chipchat.verify import testbench
from chipchat.verify.executor import Progress, default_workers, executor_kind, run_jobs

MIN_TEST_TIMEOUT_S = 10.0
NO_TESTS_HINT = ("mutation testing measures how many injected bugs a design's tests catch, so it needs cocotb tests: "
                 "add `[tests] dir = \"...\"` and `modules = [\"test_x\"]` to chipchat.toml (or put test_*.py "
                 "modules in <design>/tests/), or generate a testbench from the spec with `chipchat tbgen <design>` "
                 "and grade it with `chipchat mutate <design> --tests <generated file>`")


def find_mutants(design: DesignArg, max_mutants: int = 50, seed: int = 1,
                 operators: str | list[str] | None = None) -> tuple[list[Mutant], int]:
    """The mutants that would be run (sampled to ``max_mutants`` with ``seed``) and how many sites exist."""
    d = load_design(design)
    ops = resolve_operators(operators)
    found: list[Mutant] = []
    if d.amaranth is not None:
        source, edits = amaranth_sites.find_edits(d.amaranth.file, ops)
        found += make_mutants(d.relpath(d.amaranth.file), source, edits, "amaranth")
    root = d.root.resolve()
    for path in d.sources:  # Verilog next to an Amaranth design is mutated too
        if not path.resolve().is_relative_to(root):
            continue  # a patch may only change files inside the design folder
        source, edits = verilog_sites.find_edits(path, ops, d.defines, d.include_dirs)
        found += make_mutants(d.relpath(path), source, edits, "verilog")
    return sample(found, max_mutants, seed), len(found)


def resolve_tests(design: Design, tests: str | Path | list[str] | None) -> tuple[Path, list[str]]:
    """(test folder, module names): the design's own tests, a test file or folder, or module names."""
    if tests is None or isinstance(tests, list):
        try:
            folder = testbench.tests_dir(design)
            mods = testbench.resolve_modules(design, tests or None)
        except DesignError as exc:
            raise DesignError(f"design {design.name} has no tests to grade: {exc.message}", hint=NO_TESTS_HINT) from None
        return folder, mods
    path = Path(tests).expanduser().resolve()
    if path.is_file() and path.suffix == ".py":
        return path.parent, [path.stem]
    if path.is_dir():
        mods = sorted(p.stem for p in path.glob("test_*.py"))
        if not mods:
            raise DesignError(f"no cocotb test modules (test_*.py) in {path}", hint=NO_TESTS_HINT)
        return path, mods
    raise ConfigError(f"tests {tests} is neither a cocotb test file (.py) nor a folder of them",
                      hint="pass a test_*.py file, a folder holding test_*.py files, or leave it out to use the "
                           "design's own tests")


def mutate(
    design: DesignArg,
    tests: str | Path | list[str] | None = None,
    simulator: str = "icarus",
    max_mutants: int = 50,
    jobs: int = 0,
    executor: str = "local",
    seed: int = 1,
    *,
    operators: str | list[str] | None = None,
    timeout_s: float | None = None,
    report_dir: str | Path | None = None,
    progress: Progress | None = None,
    only: list[str] | None = None,
) -> MutationReport:
    """How many injected bugs (mutants) the design's tests catch, and which ones they miss.

    Args:
        design: design folder or bundled example name (fifo, mac16, uart_tx, alu8).
        tests: the tests to grade: None (the design's own cocotb tests), a test_*.py file, a folder
            of them, or a list of module names in the design's test folder.
        simulator: ``icarus`` (default) or ``verilator``; one build per mutant.
        max_mutants: at most this many mutants, sampled deterministically with ``seed`` (0: all).
        jobs: parallel mutants (0: one per CPU core).
        executor: ``local`` (process pool), ``serial`` or ``dask://host:port``.
        seed: sampling seed, also the cocotb random seed of every run.
        operators: mutation operators to use (default all): operator-swap, constant-flip,
            condition-negation, stuck-assignment, off-by-one.
        timeout_s: wall-clock limit of one test on a mutant (default: 5× the slowest test on the
            unmutated design + 5 s, at least 10 s); a mutant that hangs is killed and counts as killed.
        report_dir: where report.md and report.json go (default ``<design>/.chipchat/mutate/<time>/``).
        only: run just these mutant ids (e.g. ``["m004", "m007"]``) of the sampled set.

        progress: called with a line of text as each mutant finishes.

    Returns:
        The MutationReport (its ``answer()``: the mutation score (killed / valid mutants; a hung mutant counts as killed,
        one that does not compile is "invalid" and left out), the surviving mutants with their
        ``file:line`` and mutated line, and the per-operator breakdown).
    """
    t0 = time.monotonic()
    d = load_design(design)
    sims.simulator(simulator)
    kind = executor_kind(executor)
    if jobs < 0:
        raise ConfigError(f"--jobs must be 0 (one per core) or more, got {jobs}")
    if max_mutants < 0:
        raise ConfigError(f"--max must be 0 (all mutants) or more, got {max_mutants}")
    folder, mods = resolve_tests(d, tests)
    mutants, candidates = find_mutants(d, max_mutants, seed, operators)
    if only:
        unknown = sorted(set(only) - {m.id for m in mutants})
        if unknown:
            raise ConfigError(f"no mutant {', '.join(unknown)} among the {len(mutants)} mutants of {d.name}",
                              hint="list them with `chipchat mutate <design> --list` (same --max, --seed, --operators)")
        mutants = [m for m in mutants if m.id in only]
    baseline, passing, excluded = _baseline(d, simulator, folder, mods, seed)
    limit = timeout_s or max(MIN_TEST_TIMEOUT_S, 5.0 * baseline["slowest_test_s"] + 5.0)
    stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}"
    state = d.ensure_state_dir()
    cache = _run_cache(state, stamp)
    workers = jobs or default_workers()
    test_filter = None if not excluded else "^(?:" + "|".join(re.escape(t) for t in passing) + ")$"
    job_list = [MutantJob(str(d.root), m, simulator, str(folder), mods, test_filter, seed, limit, str(cache),
                          make_jobs=max(1, (os.cpu_count() or 1) // max(1, workers))) for m in mutants]
    try:
        results: list[MutantResult] = run_jobs(run_mutant, job_list, executor=executor, workers=workers,
                                               progress=progress)
    finally:
        _remove_builds(cache)
    report = MutationReport(d.name, simulator, mods, str(folder), results, candidates, seed, baseline, excluded,
                            limit, executor, workers if kind != "dask" else 0, time.monotonic() - t0,
                            "amaranth" if d.amaranth is not None else "verilog")
    report.write(Path(report_dir) if report_dir else state / "mutate" / stamp)
    return report


def list_operators() -> Answer:
    """The mutation operators chipchat knows, with an example of each."""
    lines = ["**Mutation operators**", ""] + [f"- `{o.name}`: {o.description} ({o.example})"
                                                for o in OPERATORS.values()]
    return Answer(text="\n".join(lines), kind="mutate", data={"operators": list(OPERATORS)})


def _baseline(d: Design, simulator: str, folder: Path, mods: list[str],
              seed: int) -> tuple[dict[str, Any], list[str], list[str]]:
    """Run the tests on the unmutated design: which pass (only those grade mutants) and how long they take."""
    import dataclasses

    from chipchat.design import TestConfig
    from chipchat.verify.simulate import simulate

    target = dataclasses.replace(d, tests=TestConfig(folder, tuple(mods), (simulator,), d.tests.timeout_s))
    run = simulate(target, simulator, modules=mods, seed=seed)
    if run.build is not None and not run.build.ok:
        errors = "; ".join(str(e) for e in run.build.errors[:3]) or run.build.log_tail[-500:]
        raise DesignError(f"the unmutated design does not build for {simulator}: {errors}",
                          hint="fix the design first (`chipchat sim` shows the full build log)")
    passing = [t.name for t in run.tests if t.status == "pass"]
    excluded = [t.name for t in run.tests if t.failed]
    if run.error or not passing:
        why = run.error or "no test passes on the unmutated design (" + run.summary() + ")"
        raise DesignError(f"cannot grade the tests of {d.name}: {why}",
                          hint="mutation testing needs tests that pass on the unmutated design; run "
                               "`chipchat sim` to see why they fail")
    info = {"summary": run.summary(), "passing": passing, "failing": excluded, "wall_s": round(run.wall_s, 3),
            "slowest_test_s": max((t.wall_s for t in run.tests), default=0.0), "run_dirs": run.run_dirs}
    return info, passing, excluded


def _run_cache(state: Path, stamp: str) -> Path:
    """A build cache for this run's mutants (removed afterwards) that shares Verilator's runtime objects."""
    cache = state / "mutate" / stamp / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    shared = state / "cache" / "verilator-objs"
    shared.mkdir(parents=True, exist_ok=True)
    link = cache / "verilator-objs"
    if not link.exists():
        link.symlink_to(shared, target_is_directory=True)
    return cache


def _remove_builds(cache: Path) -> None:
    import shutil

    link = cache / "verilator-objs"
    if link.is_symlink():
        link.unlink()
    shutil.rmtree(cache, ignore_errors=True)
