""""Is there anything wrong with this design?": one health check over the tools and the structure.

Runs what a reviewer would: Verilator lint, timing at the design's clock (when it has one),
the design's tests (when it has them), the latches Yosys infers while synthesizing, and
the structural checks of :mod:`chipchat.qa.checks` (registers without reset, multiple
drivers, combinational loops, undriven/unused signals, black boxes, clock-domain
crossings). ``checks`` narrows it to what a question asks ("any latches?" runs only the
latch check). A check whose tool fails is reported as not run, with why — never as clean.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chipchat.answer import Answer
from chipchat.design import Design
from chipchat.errors import ChipChatError
from chipchat.qa import checks as C
from chipchat.qa.checks import Finding
from chipchat.rtl.load import DesignArg, load_design, load_model
from chipchat.types import Span

CHECKS = ("lint", "timing", "tests", "latches", "resets", "multiple_drivers", "loops", "undriven", "black_boxes",
          "cdc")
TITLES = {"lint": "lint", "timing": "timing", "tests": "tests", "latches": "latches", "resets": "registers without reset",
          "multiple_drivers": "multiple drivers", "loops": "combinational loops", "undriven": "undriven / unused signals",
          "black_boxes": "black boxes", "cdc": "clock-domain crossings"}
_LATCH = re.compile(r"Latch inferred for signal `\\?([^']+?)' from process `\\?[^$']*\$proc\$(?P<file>[^:']+):"
                    r"(?P<line>\d+)")


@dataclass
class HealthReport:
    """The findings of every check that ran, what each check concluded, and the runs behind them."""

    design: Design
    findings: list[Finding] = field(default_factory=list)
    verdicts: dict[str, str] = field(default_factory=dict)  # check -> one line
    runs: list[str] = field(default_factory=list)
    clocks: list[str] = field(default_factory=list)
    scope: str = ""  # which modules were checked, when the sources hold more than the top's hierarchy

    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "problem"]

    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def answer(self) -> Answer:
        d = self.design
        ans = Answer(text="", kind="health", runs=list(self.runs), data={
            "verdicts": self.verdicts, "clocks": self.clocks,
            "findings": [{"check": f.check, "severity": f.severity, "message": f.message} for f in self.findings]})
        problems, warns = self.problems(), self.warnings()
        checked = ", ".join(TITLES[c] for c in self.verdicts)
        if len(self.verdicts) == 1:
            head = f"**{next(iter(self.verdicts.values()))}**"
        elif problems:
            head = (f"**Yes: {len(problems)} problem{'s' if len(problems) != 1 else ''}"
                    f"{f' and {len(warns)} warning(s)' if warns else ''} in {d.name}** — "
                    + "; ".join(f.message for f in problems[:2]) + ("…" if len(problems) > 2 else ""))
        elif warns:
            head = f"**No problems, {len(warns)} warning(s) in {d.name}** — " + warns[0].message
        else:
            head = f"**Nothing wrong found in {d.name}** by the checks that ran"
        lines = [head, "", f"Checked: {checked}." + (f" {self.scope}" if self.scope else ""), ""]
        for check, verdict in self.verdicts.items():
            lines.append(f"- **{TITLES[check]}**: {verdict}")
            for f in [f for f in self.findings if f.check == check][:12]:
                where = ", ".join(ans.cite(s, d.root, label) for s, label in f.spans[:3])
                mark = {"problem": "✗", "warning": "!", "note": "·"}.get(f.severity, "·")
                lines.append(f"  - {mark} {f.message}" + (f" ({where})" if where else ""))
        ans.text = "\n".join(lines)
        return ans


def health_check(design: DesignArg, checks: str = "all") -> HealthReport:
    """Check the design for the usual problems: lint, timing at its clock, its tests, latches, registers
    without reset, multiple drivers, combinational loops, undriven/unused signals, black boxes, clock-domain
    crossings. Each finding cites file:line.

    Args:
        checks: ``all``, or a comma-separated subset of: lint, timing, tests, latches, resets,
            multiple_drivers, loops, undriven, black_boxes, cdc.
    """
    d = load_design(design)
    wanted = list(CHECKS) if checks.strip() in ("", "all") else [c.strip() for c in checks.split(",") if c.strip()]
    unknown = [c for c in wanted if c not in CHECKS]
    if unknown:
        from chipchat.errors import ConfigError

        raise ConfigError(f"unknown check(s): {', '.join(unknown)}", hint="checks: all, " + ", ".join(CHECKS))
    report = HealthReport(d)
    model = load_model(d)
    under = {name: m for name, m in model.modules.items() if m.under_top}
    if under and len(under) < len(model.modules):  # a library folder: the design is the top's hierarchy
        report.scope = (f"Only the {len(under)} module(s) under `{d.top}` were checked; the sources hold "
                        f"{len(model.modules) - len(under)} more that it does not instantiate (set `top` in "
                        "chipchat.toml to check another).")
        model = dataclasses.replace(model, modules=under)
    for check in wanted:
        try:
            RUNNERS[check](d, model, report)
        except ChipChatError as exc:
            report.verdicts[check] = f"not run: {str(exc).splitlines()[0]}"
    return report


def _structural(check: str, fn: Callable[[Any], list[Finding]], clean: str) -> Callable[..., None]:
    def run(d: Design, model: Any, report: HealthReport) -> None:
        found = fn(model)
        report.findings += found
        serious = [f for f in found if f.severity in ("problem", "warning")]
        notes = [f for f in found if f.severity == "note"]
        if serious:
            report.verdicts[check] = f"{len(serious)} found" + (f", {len(notes)} noted" if notes else "")
        elif notes:
            report.verdicts[check] = f"none that matter ({len(notes)} noted)"
        else:
            report.verdicts[check] = clean
    return run


def _resets(d: Design, model: Any, report: HealthReport) -> None:
    found = C.missing_resets(model)
    report.findings += found
    regs = sum(len(C.registers(m)) for m in model.modules.values())
    if not found:
        report.verdicts["resets"] = f"every one of the {regs} register(s) has a reset value"
    else:
        names = ", ".join("`" + f.message.split("`")[1] + "`" for f in found[:8])
        report.verdicts["resets"] = f"{len(found)} of {regs} register(s) have no reset: {names}"


def _cdc(d: Design, model: Any, report: HealthReport) -> None:
    declared = [c.port for c in d.clocks]
    found, clocks = C.clock_crossings(model, declared)
    report.findings += found
    report.clocks = clocks
    if len(clocks) <= 1:
        report.verdicts["cdc"] = (f"no: one clock domain (`{clocks[0]}`), so no crossings" if clocks else
                                  "no clocked registers, so no crossings")
    elif not found:
        report.verdicts["cdc"] = f"clocks {', '.join(f'`{c}`' for c in clocks)}: no register reads across them"
    else:
        bad = [f for f in found if f.severity == "problem"]
        report.verdicts["cdc"] = (f"yes: {len(found)} crossing(s) between {', '.join(f'`{c}`' for c in clocks)}"
                                  + (f", {len(bad)} without a synchronizer" if bad else ", all synchronized"))


def _lint(d: Design, model: Any, report: HealthReport) -> None:
    from chipchat.verify.api import lint_design

    ans = lint_design(d)
    report.runs += ans.runs
    data = ans.data
    errors, warns = data.get("errors", []), data.get("warnings", [])
    if report.scope:  # only what the top's hierarchy is written in
        files = {Path(m.file).name for m in model.modules.values()}
        errors, warns = ([x for x in found if not x.get("file") or Path(str(x["file"])).name in files]
                         for found in (errors, warns))
    generated = 0
    for diag in [*errors, *warns][:20]:
        spans = [(Span(diag["file"], int(diag["line"])), diag.get("code") or "lint")] \
            if diag.get("file") and diag.get("line") else []
        made = ".chipchat" in str(diag.get("file") or "")  # Verilog chipchat generated (from Amaranth)
        generated += made
        severity = "note" if made and diag not in errors else "problem" if diag in errors else "warning"
        report.findings.append(Finding("lint", severity, f"{diag.get('code') or diag.get('severity')}: "
                                       f"{diag.get('message')}" + (" (in the generated Verilog)" if made else ""),
                                       spans))
    note = f" ({generated} of them in Verilog generated from Amaranth)" if generated else ""
    report.verdicts["lint"] = (f"Verilator: {len(errors)} error(s), {len(warns)} warning(s){note}" if errors or warns
                               else "Verilator -Wall: clean")


def _timing(d: Design, model: Any, report: HealthReport) -> None:
    if d.sdc is None and not d.clocks:
        report.verdicts["timing"] = "not run: the design declares no clock (no SDC, no [[clocks]])"
        return
    from chipchat.timing.api import run_timing

    run = run_timing(d, paths=1)
    report.runs += [str(run.synth.run_dir), str(run.sta.run_dir)]
    wns = run.sta.metrics.get("wns")
    period = run.period_ns
    if wns is not None and float(wns) < 0:
        report.findings.append(Finding("timing", "problem", f"misses timing at {period:g} ns: worst slack {wns} ns"))
        report.verdicts["timing"] = f"fails at {period:g} ns (worst slack {wns} ns)"
    else:
        report.verdicts["timing"] = f"meets {period:g} ns" + (f" (worst slack {run.sta.metrics.get('worst_slack')} ns)"
                                                               if run.sta.metrics.get("worst_slack") is not None else "")


def _tests(d: Design, model: Any, report: HealthReport) -> None:
    if d.tests.dir is None:
        report.verdicts["tests"] = "none: the design has no tests folder"
        return
    from chipchat.verify.api import run_tests

    ans = run_tests(d, explain=False)
    report.runs += ans.runs
    tests = ans.data.get("tests", [])
    failing = [t for t in tests if t.get("status") not in ("pass", "passed")]
    if not tests:
        report.verdicts["tests"] = "not run: " + (ans.data.get("error") or "no test was found")
        return
    for t in failing:
        report.findings.append(Finding("tests", "problem", f"test `{str(t.get('name')).rsplit('.', 1)[-1]}` "
                                       f"{t.get('status')}: {(t.get('message') or '').splitlines()[0][:120]}"
                                       if t.get("message") else f"test `{t.get('name')}` {t.get('status')}"))
    report.verdicts["tests"] = (f"{len(tests) - len(failing)}/{len(tests)} pass" if failing else
                                f"all {len(tests)} pass")


def _latches(d: Design, model: Any, report: HealthReport) -> None:
    from chipchat.qa.size import design_size

    size = design_size(d)
    report.runs.append(size.run_dir)
    log = Path(size.run_dir) / "yosys_full.log"
    text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
    latches = []
    for m in _LATCH.finditer(text):
        name = m.group(1).replace("\\", "").rsplit(".", 1)[-1]
        latches.append(Finding("latches", "problem", f"Yosys inferred a latch for `{name}` (a combinational "
                               "process does not assign it on every path)",
                               [(Span(d.relpath(m.group("file")), int(m.group("line"))), "latch")]))
    latches += [Finding("latches", "warning", f"`always_latch` block in `{mod.name}` (a latch by intent)",
                        [(b.span, "always_latch")]) for mod in model.modules.values() for b in mod.blocks
                if b.kind == "always_latch"]
    report.findings += latches
    report.verdicts["latches"] = (f"yes: {len(latches)} latch(es)" if latches else
                                  "no: synthesis inferred no latch (every combinational signal is assigned on every path)")


RUNNERS: dict[str, Callable[[Design, Any, HealthReport], None]] = {
    "lint": _lint, "timing": _timing, "tests": _tests, "latches": _latches, "resets": _resets, "cdc": _cdc,
    "multiple_drivers": _structural("multiple_drivers", C.multiple_drivers, "no: every signal has one driver"),
    "loops": _structural("loops", C.combinational_loops, "no combinational loop"),
    "undriven": _structural("undriven", C.undriven_and_unused, "every signal is driven and read"),
    "black_boxes": _structural("black_boxes", C.black_boxes, "none: every instantiated module has a source"),
}
