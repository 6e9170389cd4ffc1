"""Compare each patch with the unpatched baseline and report: Markdown, JSON, JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chipchat.answer import Answer
from chipchat.formats.cocotb_results import PASS
from chipchat.types import Diagnostic
from chipchat.verify.batch import BASELINE, NOT_APPLY, NOT_COMPILE, OK, REJECTED, JobOutcome, PatchInput

CLEAN, REGRESSION, IMPROVES, ERROR = "clean", "regression", "improves", "error"
VERDICT_TEXT = {CLEAN: "clean", REGRESSION: "**regression**", IMPROVES: "improves", NOT_APPLY: "does not apply",
                REJECTED: "**rejected**", NOT_COMPILE: "does not compile", ERROR: "error"}


@dataclass
class TestDelta:
    __test__ = False  # not a pytest test class

    test: str
    baseline: str
    patched: str
    message: str = ""


@dataclass
class SimComparison:
    simulator: str
    status: str  # ok | does-not-compile | unavailable | error | rejected | does-not-apply
    summary: str = ""
    newly_failing: list[TestDelta] = field(default_factory=list)
    newly_passing: list[TestDelta] = field(default_factory=list)
    still_failing: list[str] = field(default_factory=list)
    unchanged: int = 0
    message: str = ""


@dataclass
class PatchVerdict:
    patch: str
    source: str
    verdict: str
    message: str = ""
    changes: list[dict[str, Any]] = field(default_factory=list)
    lint_errors: list[Diagnostic] = field(default_factory=list)
    new_warnings: list[Diagnostic] = field(default_factory=list)
    sims: dict[str, SimComparison] = field(default_factory=dict)


def compare(baseline: JobOutcome | None, patched: JobOutcome) -> SimComparison:
    """Test-by-test comparison of a patched run with the baseline run on the same simulator."""
    cmp = SimComparison(patched.simulator, patched.status, message=patched.message)
    if patched.run is not None:
        cmp.summary = patched.run.summary()
    if patched.status != OK or patched.run is None:
        return cmp
    if baseline is None or baseline.run is None or baseline.status != OK:
        cmp.status = ERROR
        cmp.message = "no baseline to compare with: " + (baseline.message if baseline else "baseline missing")
        return cmp
    before = {t.name: t for t in baseline.run.tests}
    for t in patched.run.tests:
        old = before.get(t.name)
        old_status = old.status if old else "absent"
        if t.failed and (old is None or not old.failed):
            cmp.newly_failing.append(TestDelta(t.name, old_status, t.status, t.message.splitlines()[0] if t.message else ""))
        elif old is not None and old.failed and t.status == PASS:
            cmp.newly_passing.append(TestDelta(t.name, old.status, t.status))
        elif t.failed:
            cmp.still_failing.append(t.name)
        else:
            cmp.unchanged += 1
    return cmp


def verdicts(patches: list[PatchInput], outcomes: list[JobOutcome], simulators: list[str]) -> list[PatchVerdict]:
    base = {o.simulator: o for o in outcomes if o.patch == BASELINE}
    by_patch: dict[str, list[JobOutcome]] = {}
    for o in outcomes:
        if o.patch != BASELINE:
            by_patch.setdefault(o.patch, []).append(o)
    out: list[PatchVerdict] = []
    for p in patches:
        v = PatchVerdict(p.name, p.source, p.status, p.message, p.changes)
        if p.status != OK:
            out.append(v)
            continue
        jobs = {o.simulator: o for o in by_patch.get(p.name, [])}
        for sim in simulators:
            if sim in jobs:
                v.sims[sim] = compare(base.get(sim), jobs[sim])
        lints = [o.lint for o in jobs.values() if o.lint is not None]
        base_lint = next((o.lint for o in base.values() if o.lint is not None), None)
        if lints:
            v.lint_errors = lints[0].errors
            known = {w.key() for w in base_lint.warnings} if base_lint else set()
            v.new_warnings = [w for w in lints[0].warnings if w.key() not in known]
        v.verdict, v.message = _verdict(v)
        out.append(v)
    return out


def _verdict(v: PatchVerdict) -> tuple[str, str]:
    statuses = [c.status for c in v.sims.values()]
    for special in (REJECTED, NOT_APPLY):
        if special in statuses:
            return special, next(c.message for c in v.sims.values() if c.status == special)
    if v.lint_errors or NOT_COMPILE in statuses:
        msg = next((c.message for c in v.sims.values() if c.status == NOT_COMPILE), "")
        return NOT_COMPILE, msg or "; ".join(str(e) for e in v.lint_errors[:3])
    failing = sum(len(c.newly_failing) for c in v.sims.values())
    passing = sum(len(c.newly_passing) for c in v.sims.values())
    ran = [c for c in v.sims.values() if c.status == OK]
    if not ran:
        return ERROR, "; ".join(sorted({c.message.splitlines()[0] for c in v.sims.values() if c.message})) or \
            "no simulator could run"
    if failing:
        return REGRESSION, f"{failing} newly failing test run(s)"
    if passing:
        return IMPROVES, f"{passing} newly passing test run(s)"
    return CLEAN, "no test changed its result"


@dataclass
class BatchReport:
    design: str
    simulators: list[str]
    patches: list[PatchVerdict]
    baseline: dict[str, JobOutcome]
    outcomes: list[JobOutcome]
    executor: str
    workers: int
    wall_s: float
    files: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "design": self.design, "simulators": self.simulators, "executor": self.executor, "workers": self.workers,
            "wall_s": round(self.wall_s, 3),
            "baseline": {s: {"status": o.status, "summary": o.run.summary() if o.run else "", "message": o.message}
                         for s, o in self.baseline.items()},
            "patches": [_jsonable(p) for p in self.patches],
            "jobs": [o.to_json() for o in self.outcomes], "files": self.files,
        }

    def markdown(self) -> str:
        head = "| patch | verdict | lint | " + " | ".join(self.simulators) + " | newly failing | newly passing |"
        rows = [head, "|" + "---|" * (5 + len(self.simulators))]
        base = " | ".join(_cell_base(self.baseline.get(s)) for s in self.simulators)
        rows.append(f"| *{BASELINE}* | | | {base} | | |")
        for p in self.patches:
            lint = "—" if p.verdict in (REJECTED, NOT_APPLY) else (
                f"{len(p.lint_errors)} error(s)" if p.lint_errors else
                (f"+{len(p.new_warnings)} warning(s)" if p.new_warnings else "ok"))
            cells = " | ".join(_cell(p.sims.get(s)) for s in self.simulators)
            nf = ", ".join(sorted({f"{d.test.rsplit('.', 1)[-1]} ({s})" for s, c in p.sims.items() for d in c.newly_failing}))
            np_ = ", ".join(sorted({f"{d.test.rsplit('.', 1)[-1]} ({s})" for s, c in p.sims.items() for d in c.newly_passing}))
            rows.append(f"| {p.patch} | {VERDICT_TEXT.get(p.verdict, p.verdict)} | {lint} | {cells} | {nf} | {np_} |")
        where = f"{self.executor}, {self.workers} worker(s)" if self.workers else self.executor
        lines = [f"**Batch verification of {len(self.patches)} patch(es) on {self.design}** "
                 f"({', '.join(self.simulators)}; {where}; {self.wall_s:.1f} s)",
                 "\n".join(rows)]
        for p in self.patches:
            detail = _details(p)
            if detail:
                lines.append(detail)
        return "\n\n".join(lines)

    def junit(self) -> str:
        """JUnit XML for CI: a suite per patch; a failure only for what the patch broke."""
        root = ET.Element("testsuites", name=f"chipchat verify {self.design}")
        for p in self.patches:
            suite = ET.SubElement(root, "testsuite", name=p.patch)
            cases = 0
            failures = errors = skipped = 0
            case = ET.SubElement(suite, "testcase", classname=p.patch, name="apply")
            cases += 1
            if p.verdict in (REJECTED, NOT_APPLY):
                ET.SubElement(case, "error", message=p.message.splitlines()[0] if p.message else p.verdict,
                              type=p.verdict).text = p.message
                errors += 1
            else:
                case = ET.SubElement(suite, "testcase", classname=p.patch, name="lint")
                cases += 1
                if p.lint_errors:
                    ET.SubElement(case, "failure", message=str(p.lint_errors[0]), type="lint").text = \
                        "\n".join(str(e) for e in p.lint_errors)
                    failures += 1
            for sim, c in p.sims.items():
                job = next((o for o in self.outcomes if o.patch == p.patch and o.simulator == sim), None)
                if c.status != OK or job is None or job.run is None:
                    case = ET.SubElement(suite, "testcase", classname=f"{p.patch}.{sim}", name="build")
                    cases += 1
                    ET.SubElement(case, "error", message=(c.message or c.status).splitlines()[0], type=c.status).text = c.message
                    errors += 1
                    continue
                broke = {d.test: d for d in c.newly_failing}
                for t in job.run.tests:
                    case = ET.SubElement(suite, "testcase", classname=f"{p.patch}.{sim}", name=t.short_name,
                                         time=f"{t.wall_s:.3f}")
                    cases += 1
                    if t.name in broke:
                        ET.SubElement(case, "failure", message=f"newly failing ({t.status}): {broke[t.name].message}",
                                      type=t.status).text = t.traceback or t.log_excerpt or t.message
                        failures += 1
                    elif t.failed:
                        ET.SubElement(case, "skipped", message=f"fails in the baseline too ({t.status})")
                        skipped += 1
            suite.set("tests", str(cases))
            suite.set("failures", str(failures))
            suite.set("errors", str(errors))
            suite.set("skipped", str(skipped))
        ET.indent(root)
        return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"

    def write(self, folder: Path) -> dict[str, str]:
        folder.mkdir(parents=True, exist_ok=True)
        self.files = {"markdown": str(folder / "report.md"), "json": str(folder / "report.json"),
                      "junit": str(folder / "junit.xml")}
        Path(self.files["markdown"]).write_text(self.markdown() + "\n")
        Path(self.files["json"]).write_text(json.dumps(self.to_json(), indent=2, default=str))
        Path(self.files["junit"]).write_text(self.junit())
        return self.files

    def answer(self) -> Answer:
        runs = sorted({d for o in self.outcomes if o.run for d in o.run.run_dirs})
        warnings = [f"{s} did not run: " + " ".join(o.message.split()) for s, o in self.baseline.items()
                    if o.status != OK and o.message]
        return Answer(text=self.markdown(), data=self.to_json(), artifacts=dict(self.files), runs=runs,
                      kind="verify", warnings=warnings)


def _cell_base(o: JobOutcome | None) -> str:
    if o is None:
        return "—"
    if o.status != OK or o.run is None:
        return f"{o.status}"
    return o.run.summary()


def _cell(c: SimComparison | None) -> str:
    if c is None:
        return "—"
    if c.status != OK:
        return c.status
    return c.summary


def _details(p: PatchVerdict) -> str:
    out: list[str] = []
    if p.verdict in (REJECTED, NOT_APPLY, NOT_COMPILE, ERROR) and p.message:
        out.append(f"```text\n{p.message.strip()}\n```")
    for sim, c in p.sims.items():
        for d in c.newly_failing:
            out.append(f"- {sim}: `{d.test}` {d.baseline} → **{d.patched}**" + (f": {d.message}" if d.message else ""))
        for d in c.newly_passing:
            out.append(f"- {sim}: `{d.test}` {d.baseline} → pass")
    for w in p.new_warnings[:5]:
        out.append(f"- new lint warning: {w}")
    return (f"#### {p.patch}: {VERDICT_TEXT.get(p.verdict, p.verdict)}\n" + "\n".join(out)) if out else ""


def _jsonable(p: PatchVerdict) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(p)

