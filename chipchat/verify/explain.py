"""Why a test fails: the assertion, its test line, a waveform excerpt, and the RTL that drives it.

For each failing test: the signals its failing check reads (names in the assertion, or
in the function around it, that are signals of the top module), the RTL assignments
that drive them (from :func:`chipchat.rtl.build.parse_design`, one level of
combinational inputs further), and those signals' values over the cycles before the
failure, from a waveform recorded by re-running the failing tests with the same seed.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from chipchat.design import Design
from chipchat.errors import ChipChatError
from chipchat.formats.cocotb_results import ERROR, FAIL, SimRun, TestResult, WaveExcerpt
from chipchat.rtl.model import Assignment, DesignModel, Module
from chipchat.verify import testbench, waves
from chipchat.verify.simulate import rerun_with_waves

MAX_WAVE_SIGNALS = 10
CLOCK_NAMES = ("clk", "clock", "clk_i", "i_clk")


@dataclass
class Driver:
    signal: str
    assignment: Assignment
    depth: int  # 0: drives a checked signal; 1: drives one of its inputs


# exceptions raised by the test's own Python (a bug in the testbench), not by a failed check of the design
TESTBENCH_ERRORS = ("TypeError", "NameError", "UnboundLocalError", "ImportError", "ModuleNotFoundError",
                    "SyntaxError", "IndentationError", "KeyError", "IndexError", "ZeroDivisionError",
                    "RecursionError", "NotImplementedError", "AttributeError")
PIP_NAMES = {"cocotb_test": "cocotb-test", "cocotb_bus": "cocotb-bus", "cocotbext": "cocotbext-<name>",
             "pyuvm": "pyuvm", "pytest": "pytest"}


def missing_package(message: str) -> tuple[str, str] | None:
    """(module, pip package) of a ``No module named 'x'`` message; the pip name is a guess said as one."""
    m = re.search(r"No module named '([\w.]+)'", message)
    if not m:
        return None
    module = m.group(1)
    parts = module.split(".")
    if parts[0] == "cocotbext" and len(parts) > 1:
        return module, f"cocotbext-{parts[1]}"
    return module, PIP_NAMES.get(parts[0], parts[0].replace("_", "-"))


def install_hint(message: str) -> str:
    """The sentence that tells how to install a missing test dependency into the Python chipchat runs."""
    found = missing_package(message)
    if found is None:
        return ""
    module, package = found
    return (f"The testbench imports `{module}`, which is not installed in the Python chipchat runs the tests with "
            f"({sys.executable}). Install it there: `{sys.executable} -m pip install {package}`"
            + (" (the package name is a guess from the module name; check the testbench's README)"
               if module.split(".")[0] not in PIP_NAMES else "") + ".")


def is_testbench_bug(test: TestResult, tests_folder: Path | None) -> bool:
    """A Python error raised in the testbench's own code, not a failed check of the design: the RTL is not to
    blame. (An ``AttributeError`` about the DUT — a signal the design does not have — stays an RTL question.)"""
    if test.exc_type.rsplit(".", 1)[-1] not in TESTBENCH_ERRORS:
        return False
    if test.exc_type.endswith("AttributeError") and re.search(r"HierarchyObject|SimHandle|dut|\bhandle\b",
                                                               test.message):
        return False
    where = test.assert_line
    return where is not None and (tests_folder is None or Path(where.file).resolve().is_relative_to(
        tests_folder.resolve()))


@dataclass
class FailureExplanation:
    test: TestResult
    testbench_bug: bool = False  # the test's own Python raised (TypeError …): nothing to look for in the RTL
    checked: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    drivers: list[Driver] = field(default_factory=list)
    excerpt: WaveExcerpt | None = None
    notes: list[str] = field(default_factory=list)


def explain_failures(design: Design, run: SimRun, *, limit: int = 3, cycles: int = waves.DEFAULT_CYCLES,
                     model: DesignModel | None = None) -> list[FailureExplanation]:
    """Explain up to ``limit`` failing tests of ``run`` (re-running them with waves when needed)."""
    failing = [t for t in run.tests if t.status in (FAIL, ERROR)][:limit]
    if not failing:
        return []
    folder = design.tests.dir
    bugs = [FailureExplanation(t, testbench_bug=True) for t in failing if is_testbench_bug(t, folder)]
    failing = [t for t in failing if not any(b.test is t for b in bugs)]
    if not failing:
        return bugs
    if model is None:
        try:
            from chipchat.rtl.build import parse_design

            model = parse_design(design)
        except ChipChatError:
            model = None
    top = model.modules.get(design.top or "") if model else None
    out = [_explain_one(t, top) for t in failing]
    return bugs + _with_waves(design, run, out, cycles)


def _with_waves(design: Design, run: SimRun, out: list[FailureExplanation], cycles: int) -> list[FailureExplanation]:
    failing = [e.test for e in out]
    wave_run = run
    if not run.waves or not Path(run.waves).exists():
        try:
            wave_run = rerun_with_waves(design, run, [t.name for t in failing])
            run.run_dirs.extend(wave_run.run_dirs)
        except ChipChatError as exc:
            for e in out:
                e.notes.append(f"no waveform: re-running with waves failed: {exc.message}")
            return out
    for e in out:
        _attach_excerpt(design, e, wave_run, cycles)
        if e.excerpt is not None:
            run.excerpts.append(e.excerpt)
    return out


def _explain_one(test: TestResult, top: Module | None) -> FailureExplanation:
    e = FailureExplanation(test)
    signals = set(top.signals) if top else set()
    where = test.assert_line or test.test_line
    names: list[str] = []
    if where is not None:
        names = testbench.checked_names(where, test.message)
    if test.test_line is not None and test.test_line != where:
        names += [n for n in testbench.checked_names(test.test_line) if n not in names]
    e.checked = [n for n in names if n in signals and n not in CLOCK_NAMES][:6]
    if top is None:
        e.notes.append("the RTL could not be parsed, so drivers are not cited")
        return e
    if not e.checked:
        e.checked = [p.name for p in top.ports if p.direction == "output"][:6]
        e.notes.append("the failing check names no DUT signal; showing the outputs")
    for sig in e.checked:
        for a in top.drivers(sig):
            e.drivers.append(Driver(sig, a, 0))
            for dep in [*a.conditions, *a.reads]:
                if dep in signals and dep.isidentifier() and dep not in e.checked and dep not in e.context \
                        and dep not in CLOCK_NAMES:
                    e.context.append(dep)
    for dep in e.context:
        for a in top.drivers(dep):
            if a.kind in ("continuous", "declaration"):
                e.drivers.append(Driver(dep, a, 1))
    return e


def _attach_excerpt(design: Design, e: FailureExplanation, wave_run: SimRun, cycles: int) -> None:
    again = wave_run.test(e.test.name)
    if not wave_run.waves or not Path(wave_run.waves).exists() or again is None:
        e.notes.append("no waveform was recorded for this test")
        return
    if not again.failed:
        e.notes.append("the test passed when re-run with waves (it depends on earlier tests or on timing)")
        return
    if again.sim_time_stop_ns is None:
        e.notes.append("the re-run did not report when the test stopped")
        return
    clock = design.clocks[0] if design.clocks else None
    signals = [*e.checked, *e.context][:MAX_WAVE_SIGNALS]
    try:
        ex = waves.excerpt(Path(wave_run.waves), design.top or "", signals, again.sim_time_stop_ns,
                           test=e.test.name, clock=clock.port if clock else None,
                           period_ns=clock.period_ns if clock else None, cycles=cycles,
                           start_ns=again.sim_time_start_ns)
    except ChipChatError as exc:
        e.notes.append(f"no waveform excerpt: {exc.message}")
        return
    png = Path(wave_run.run_dirs[-1]) / f"{e.test.short_name}.png"
    ex.png = str(waves.render_png(ex, png))
    e.excerpt = ex


def rel(design: Design, path: str) -> str:
    """A path as the user sees it: relative to the design folder (``../../verification/...`` outside it)."""
    try:
        return os.path.relpath(path, design.root)
    except ValueError:
        return path
