"""Render simulation results as an :class:`~chipchat.answer.Answer` (Markdown + citations + data)."""

from __future__ import annotations

from chipchat.answer import Answer
from chipchat.design import Design
from chipchat.formats.cocotb_results import SimRun, TestResult
from chipchat.types import Citation, Diagnostic, Location
from chipchat.verify.explain import FailureExplanation, install_hint, missing_package, rel

STATUS_MARK = {"pass": "pass", "fail": "**FAIL**", "error": "**ERROR**", "timeout": "**TIMEOUT**",
               "skip": "skip", "not-run": "not run"}


def _cite(answer: Answer, design: Design, loc: Location, label: str) -> str:
    c = Citation(rel(design, loc.file), loc.line, 0, label=label)
    if c not in answer.citations:
        answer.citations.append(c)
    return str(c)


def sim_answer(design: Design, run: SimRun, explanations: list[FailureExplanation]) -> Answer:
    """The answer to "run the tests": a table of results, then why each failing test fails."""
    answer = Answer(text="", kind="sim", data=run.to_json(), runs=list(run.run_dirs))
    b = run.build
    if b is not None and b.run_dir:
        answer.runs.insert(0, b.run_dir)
    lines = [f"**{design.name} on {run.simulator}: {run.summary()}**"]
    if b is not None:
        built = "reused a cached build" if b.cached else f"built in {b.duration_s:.1f} s"
        lines[0] += f" — {built}, {len(run.tests)} test(s) in {run.wall_s:.1f} s"
    if b is not None and not b.ok:
        lines.append(_build_failure(design, answer, b.log_tail, b.errors, b.timed_out))
        answer.text = "\n\n".join(lines)
        return answer
    if run.error:
        where = f" at `{_cite(answer, design, run.error_location, 'testbench error')}`" if run.error_location else ""
        lines.append(f"The testbench could not run{where}: `{run.error}`")
        hint = install_hint(run.error)
        if hint:
            lines.append(hint)
            answer.data["missing_package"] = missing_package(run.error)
    if run.tests:
        lines.append(_table(run.tests))
    for e in explanations:
        lines.append(_explanation(design, answer, e))
    for t in run.tests:
        if t.status in ("timeout", "error") and t.log_excerpt and not any(e.test is t for e in explanations):
            lines.append(f"### {t.short_name}: {t.status}\n{t.message}\n\n```text\n{t.log_excerpt}\n```")
    if run.waves:
        answer.artifacts["waves"] = run.waves
    for ex in run.excerpts:
        if ex.png:
            answer.artifacts[f"waves:{ex.test}"] = ex.png
    answer.text = "\n\n".join(lines)
    return answer


def _table(tests: list[TestResult]) -> str:
    rows = ["| test | result | sim time | wall time |", "|---|---|---:|---:|"]
    for t in tests:
        rows.append(f"| {t.short_name} | {STATUS_MARK.get(t.status, t.status)} | {t.sim_time_ns:g} ns | {t.wall_s:.2f} s |")
    return "\n".join(rows)


def _build_failure(design: Design, answer: Answer, tail: str, errors: list[Diagnostic], timed_out: bool) -> str:
    if timed_out:
        return "The build did not finish within its time limit and was killed.\n\n```text\n" + tail + "\n```"
    out = ["The design does not compile for this simulator:"]
    for err in errors[:10]:
        if err.file and err.line:
            out.append(f"- `{_cite(answer, design, Location(err.file, err.line), 'compile error')}` {err.message}")
    if tail:
        out.append("```text\n" + tail + "\n```")
    return "\n".join(out)


def _explanation(design: Design, answer: Answer, e: FailureExplanation) -> str:
    t = e.test
    what = f"{t.exc_type}: {t.message}" if t.exc_type else t.message
    if e.testbench_bug:
        where = _cite(answer, design, t.assert_line, "testbench error") if t.assert_line else "the testbench"
        code = f": `{t.assert_line.text}`" if t.assert_line and t.assert_line.text else ""
        hint = install_hint(t.message)
        return "\n".join([f"### {t.short_name}: an error in the test's own code, not in the design",
                           "```text\n" + (what.strip() or "(no message)") + "\n```",
                           f"- raised at `{where}`{code}: the testbench's Python failed before any check of the "
                           "design could fail, so there is no RTL to blame and no waveform to read; fix the test."]
                          + ([hint] if hint else []))
    out = [f"### Why {t.short_name} fails"]
    out.append("```text\n" + (what.strip() or "(no message)") + "\n```")
    if t.assert_line is not None:
        code = f": `{t.assert_line.text}`" if t.assert_line.text else ""
        out.append(f"- the check that failed: `{_cite(answer, design, t.assert_line, 'failing check')}` "
                   f"in `{t.assert_line.function}`{code}")
    if t.test_line is not None and t.test_line != t.assert_line:
        code = f": `{t.test_line.text}`" if t.test_line.text else ""
        out.append(f"- the test was at `{_cite(answer, design, t.test_line, 'test line')}` "
                   f"in `{t.test_line.function}`{code}")
    if e.checked:
        out.append("- signals it checks: " + ", ".join(f"`{s}`" for s in e.checked))
    if e.drivers:
        out.append("- RTL that drives them:")
        for d in e.drivers:
            span = d.assignment.span
            where = _cite(answer, design, Location(span.file, span.line), f"drives {d.signal}")
            cond = [c for c in dict.fromkeys(d.assignment.conditions)]
            when = f" (under {', '.join(cond)})" if cond and not d.assignment.is_reset else ""
            indent = "  " * (d.depth + 1)
            out.append(f"{indent}- `{d.signal}` ← `{where}` `{d.assignment.text.strip()}`{when}")
    if e.excerpt is not None:
        out.append(f"Waveform around the failure ({e.excerpt.file}):\n\n```text\n{e.excerpt.text}\n```")
        if e.excerpt.png:
            out.append(f"Waveform picture: `{e.excerpt.png}`")  # a path: chat and terminal both show it
    out.extend(f"> {n}" for n in e.notes)
    if design.parameters:
        shown = ", ".join(f"{k}={v}" for k, v in design.parameters.items())
        out.append(f"> the design was built with chipchat.toml's parameter overrides ({shown}): a testbench "
                   "written for the defaults may not expect them (run it without the overrides to tell)")
    return "\n".join(out)
