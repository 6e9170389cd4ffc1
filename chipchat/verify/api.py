"""Verification as plain typed functions: they back the CLI, the chat UI and the agent.

Each ``*_tests``/``verify_*`` function returns an :class:`~chipchat.answer.Answer` (prose
with ``file:line`` citations, the typed results under ``data``, the evidence under
``runs`` and ``artifacts``). :func:`simulate_design` and :func:`verify` return the typed
results themselves (:class:`SimRun`, :class:`BatchReport`) for code that wants them.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from chipchat.answer import Answer
from chipchat.errors import ConfigError
from chipchat.formats.cocotb_results import SimRun
from chipchat.rtl.load import DesignArg, load_design
from chipchat.steps import simulators as sims
from chipchat.steps.amaranth_elab import hdl_sources
from chipchat.verify import testbench
from chipchat.verify.answers import sim_answer
from chipchat.verify.batch import BASELINE, DEFAULT_SEED, make_jobs, precheck, read_patches, run_job
from chipchat.verify.executor import Progress, default_workers, executor_kind, run_jobs
from chipchat.verify.explain import explain_failures
from chipchat.verify.report import BatchReport, verdicts
from chipchat.verify.simulate import simulate


def simulate_design(
    design: DesignArg,
    simulator: str = "icarus",
    filter: str | None = None,
    waves: bool = False,
    *,
    modules: list[str] | None = None,
    parameters: dict[str, Any] | None = None,
    defines: dict[str, str] | None = None,
    seed: int | None = None,
    timeout_s: float | None = None,
    cache_dir: str | Path | None = None,
) -> SimRun:
    """Build the design for ``simulator`` (cached by content) and run its cocotb tests: typed results."""
    d = load_design(design)
    return simulate(d, simulator, modules=modules, test_filter=filter, waves=waves, parameters=parameters,
                    defines=defines, seed=seed, test_timeout_s=timeout_s,
                    cache_dir=Path(cache_dir) if cache_dir else None)


def run_tests(
    design: DesignArg,
    simulator: str = "icarus",
    filter: str | None = None,
    waves: bool = False,
    *,
    modules: list[str] | None = None,
    parameters: dict[str, Any] | None = None,
    defines: dict[str, str] | None = None,
    seed: int | None = None,
    timeout_s: float | None = None,
    explain: bool = True,
    cache_dir: str | Path | None = None,
) -> Answer:
    """Run the design's cocotb tests on one simulator and explain every failing test.

    Args:
        design: design folder or bundled example name (fifo, mac16, uart_tx, alu8).
        simulator: ``icarus`` or ``verilator``.
        filter: regular expression selecting tests by name (e.g. ``overflow``).
        waves: record a waveform of the whole run.
        modules: cocotb test modules to run (default: the design's ``[tests] modules``).
        parameters: top-level parameter overrides, e.g. ``{"DEPTH": 8}``.
        defines: preprocessor defines.
        seed: cocotb random seed (default: a new one, reported in the results).
        timeout_s: wall-clock limit of one test (default: chipchat.toml ``[tests] timeout_s``).
        explain: for failing tests, cite the failing check, the test line, the RTL driving the
            checked signals, and show their waveform over the cycles before the failure.
        cache_dir: where builds are cached (default ``<design>/.chipchat/cache``).

    Returns:
        An Answer whose ``data`` is the :class:`SimRun` as JSON; waveform PNGs are in ``artifacts``.
    """
    d = load_design(design)
    run = simulate_design(d, simulator, filter, waves, modules=modules, parameters=parameters, defines=defines,
                          seed=seed, timeout_s=timeout_s, cache_dir=cache_dir)
    explanations = explain_failures(d, run) if explain and run.failing() else []
    answer = sim_answer(d, run, explanations)
    answer.data = run.to_json()
    return answer


def explain_test(design: DesignArg, test: str, simulator: str = "icarus", *,
                 cache_dir: str | Path | None = None) -> Answer:
    """Run one test (name or part of it) and explain why it fails, or say that it passes."""
    return run_tests(design, simulator, filter=test, explain=True, cache_dir=cache_dir)


def list_tests(design: DesignArg) -> Answer:
    """The design's cocotb test modules and tests, with where each test is defined."""
    d = load_design(design)
    folder = testbench.tests_dir(d)
    mods = testbench.resolve_modules(d)
    tests = testbench.discover(folder, mods)
    answer = Answer(text="", kind="sim", data={"modules": mods, "tests": [t.fullname for t in tests]})
    factories = [t for t in tests if t.factory]
    count = f"{len(tests) - len(factories)} cocotb test(s)" + (
        f" and {len(factories)} TestFactory function(s) whose variants are generated when the tests run"
        if factories else "")
    lines = [f"**{count} for {d.name}** in {', '.join(mods)} (simulators: {', '.join(d.tests.simulators)})", ""]
    from chipchat.types import Citation
    from chipchat.verify.explain import rel

    for t in tests:
        c = Citation(rel(d, t.file), t.line, 0, label=t.name)
        answer.citations.append(c)
        doc = f" — {t.doc.splitlines()[0]}" if t.doc else ""
        made = f" (TestFactory: runs as `{t.name}_001`, `{t.name}_002` …; `-k {t.name}` selects them all)" \
            if t.factory else ""
        lines.append(f"- `{t.name}` (`{c}`){made}{doc}")
    answer.text = "\n".join(lines)
    return answer


def verify(
    design: DesignArg,
    patches: list[str | Path],
    simulators: str | list[str] | tuple[str, ...] = ("icarus",),
    jobs: int = 0,
    executor: str = "local",
    *,
    filter: str | None = None,
    modules: list[str] | None = None,
    parameters: dict[str, Any] | None = None,
    defines: dict[str, str] | None = None,
    seed: int | None = DEFAULT_SEED,
    timeout_s: float | None = None,
    cache_dir: str | Path | None = None,
    report_dir: str | Path | None = None,
    progress: Progress | None = None,
) -> BatchReport:
    """Verify every patch on every simulator against the unpatched baseline: typed report."""
    t0 = time.monotonic()
    d = load_design(design)
    names = sims.parse_simulators(simulators)
    executor_kind(executor)
    if jobs < 0:
        raise ConfigError(f"--jobs must be 0 (one per core) or more, got {jobs}")
    if not patches:
        raise ConfigError("no patches given", hint="pass one or more unified diff files (--patches a.diff b.diff)")
    mods = testbench.resolve_modules(d, modules)
    if filter and not testbench.select(testbench.discover(testbench.tests_dir(d), mods), filter):
        raise ConfigError(f"no test matches {filter!r}")
    entries = read_patches(patches)
    for entry in entries:
        precheck(d, entry)
    if d.amaranth is not None:
        hdl_sources(d)  # elaborate once here, not concurrently in every baseline job
    workers = jobs or default_workers()
    job_list = make_jobs(d, entries, names, workers=workers, modules=mods, test_filter=filter, seed=seed,
                         test_timeout_s=timeout_s, cache_dir=str(cache_dir) if cache_dir else None,
                         parameters=dict(parameters or {}), defines=dict(defines or {}))
    outcomes = run_jobs(run_job, job_list, executor=executor, workers=workers, progress=progress)
    baseline = {o.simulator: o for o in outcomes if o.patch == BASELINE}
    report = BatchReport(d.name, names, verdicts(entries, outcomes, names), baseline, outcomes, executor,
                         workers if executor_kind(executor) != "dask" else 0, time.monotonic() - t0)
    folder = Path(report_dir) if report_dir else d.ensure_state_dir() / "verify" / time.strftime("%Y%m%d-%H%M%S")
    report.write(folder)
    return report


def verify_patches(
    design: DesignArg,
    patches: list[str | Path],
    simulators: str | list[str] | tuple[str, ...] = ("icarus",),
    jobs: int = 0,
    executor: str = "local",
    *,
    filter: str | None = None,
    timeout_s: float | None = None,
    seed: int | None = DEFAULT_SEED,
    cache_dir: str | Path | None = None,
    report_dir: str | Path | None = None,
) -> Answer:
    """Check proposed RTL changes: apply each patch in a sandbox, lint, build, run every test.

    Args:
        design: design folder or bundled example name.
        patches: unified diff files (paths), or diff text.
        simulators: ``"icarus"``, ``"verilator"`` or both (``"icarus,verilator"``).
        jobs: parallel jobs (0: one per CPU core).
        executor: ``local`` (process pool) or ``dask://host:port``.
        filter: run only tests whose name matches this regular expression.
        timeout_s: wall-clock limit of one test.
        seed: cocotb random seed shared by the baseline and every patch.
        cache_dir: where builds are cached (default ``<design>/.chipchat/cache``).
        report_dir: where report.md, report.json and junit.xml are written
            (default ``<design>/.chipchat/verify/<time>/``).

    Returns:
        An Answer with one row per patch: newly failing / newly passing tests versus the
        unpatched baseline, or why the patch does not apply or compile.
    """
    return verify(design, patches, simulators, jobs, executor, filter=filter, timeout_s=timeout_s, seed=seed,
                  cache_dir=cache_dir, report_dir=report_dir).answer()


def lint_design(design: DesignArg, parameters: dict[str, Any] | None = None,
                defines: dict[str, str] | None = None) -> Answer:
    """Lint the design with ``verilator --lint-only -Wall``; errors and warnings cite file:line."""
    from chipchat.steps.verilator_lint import lint
    from chipchat.types import Citation
    from chipchat.verify.explain import rel

    d = load_design(design)
    result = lint(d, parameters=parameters, defines=defines)
    answer = Answer(text="", kind="lint", data=result.to_json(), runs=[result.run_dir])
    head = "no errors" if result.ok else f"{len(result.errors)} error(s)"
    lines = [f"**Verilator lint of {d.name}: {head}, {len(result.warnings)} warning(s)**"]
    for diag in [*result.errors, *result.warnings][:40]:
        if diag.file and diag.line:
            c = Citation(rel(d, diag.file), diag.line, 0, label=diag.code or diag.severity)
            answer.citations.append(c)
            lines.append(f"- `{c}` {diag.severity}{'-' + diag.code if diag.code else ''}: {diag.message}")
        else:
            lines.append(f"- {diag.severity}: {diag.message}")
    answer.text = "\n".join(lines)
    return answer
