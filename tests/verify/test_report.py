"""Comparing patched runs with the baseline, and the three report formats (synthetic results)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from chipchat.formats.cocotb_results import BuildInfo, LintResult, SimRun, TestResult
from chipchat.types import Diagnostic
from chipchat.verify.batch import JobOutcome, PatchInput
from chipchat.verify.report import BatchReport, verdicts


def outcome(patch: str, statuses: dict[str, str], status: str = "ok", warnings: int = 0) -> JobOutcome:
    run = SimRun("icarus", "fifo", ["t"], build=BuildInfo("icarus", True, "k"),
                 tests=[TestResult(f"t.{n}", s, message=f"{n} {s}") for n, s in statuses.items()])
    lint = LintResult(True, warnings=[Diagnostic("warning", f"w{i}", "rtl/x.v", i, 1, "UNUSEDSIGNAL")
                                      for i in range(warnings)])
    return JobOutcome(patch, "icarus", status, run=run if status == "ok" else None, lint=lint,
                      message="" if status == "ok" else "simulator icarus is not available")


def test_newly_failing_newly_passing_and_unchanged(tmp_path: Path) -> None:
    base = outcome("baseline", {"a": "pass", "b": "fail", "c": "pass"}, warnings=1)
    outs = [base,
            outcome("fix", {"a": "pass", "b": "pass", "c": "pass"}, warnings=1),
            outcome("breaks", {"a": "timeout", "b": "fail", "c": "pass"}, warnings=2),
            outcome("same", {"a": "pass", "b": "fail", "c": "pass"}, warnings=1)]
    patches = [PatchInput(n, f"{n}.diff") for n in ("fix", "breaks", "same")] + \
        [PatchInput("stale", "stale.diff", status="does-not-apply", message="hunk @@ -1 +1 @@ does not apply")]
    result = verdicts(patches, outs, ["icarus"])
    by = {v.patch: v for v in result}
    assert {n: v.verdict for n, v in by.items()} == {"fix": "improves", "breaks": "regression", "same": "clean",
                                                      "stale": "does-not-apply"}
    breaks = by["breaks"].sims["icarus"]
    assert [(d.test, d.baseline, d.patched) for d in breaks.newly_failing] == [("t.a", "pass", "timeout")]
    assert breaks.still_failing == ["t.b"] and breaks.unchanged == 1
    assert [w.message for w in by["breaks"].new_warnings] == ["w1"]
    assert [d.test for d in by["fix"].sims["icarus"].newly_passing] == ["t.b"]
    report = BatchReport("fifo", ["icarus"], result, {"icarus": base}, outs, "local", 2, 1.5)
    files = report.write(tmp_path)
    md = Path(files["markdown"]).read_text()
    assert "| breaks | **regression** | +1 warning(s) | 1/3 pass (1 fail, 1 timeout) | a (icarus) |  |" in md
    assert "| fix | improves | ok | 3/3 pass |  | b (icarus) |" in md
    assert "`t.a` pass → **timeout**" in md
    root = ET.parse(files["junit"]).getroot()
    suite = {s.get("name"): s for s in root}
    assert suite["breaks"].get("failures") == "1" and suite["breaks"].get("skipped") == "1"
    assert suite["same"].get("failures") == "0" and suite["same"].get("skipped") == "1"
    assert suite["stale"].get("errors") == "1"
    data = json.loads(Path(files["json"]).read_text())
    assert [p["verdict"] for p in data["patches"]] == ["improves", "regression", "clean", "does-not-apply"]


def test_a_simulator_that_cannot_run_is_an_error_not_a_pass() -> None:
    base = outcome("baseline", {}, status="unavailable")
    outs = [base, outcome("p", {}, status="unavailable")]
    (v,) = verdicts([PatchInput("p", "p.diff")], outs, ["icarus"])
    assert v.verdict == "error" and "not available" in v.message
    report = BatchReport("fifo", ["icarus"], [v], {"icarus": base}, outs, "local", 1, 0.1)
    assert any("icarus did not run" in w for w in report.answer().warnings)


def test_a_failure_under_parameter_overrides_says_the_testbench_may_expect_the_defaults(tmp_path) -> None:
    from chipchat.answer import Answer
    from chipchat.design import Design
    from chipchat.formats.cocotb_results import TestResult
    from chipchat.verify.answers import _explanation
    from chipchat.verify.explain import FailureExplanation

    failing = FailureExplanation(TestResult("test_ram.run_test_write_001", "fail", message="Address out of range",
                                            exc_type="ValueError"))
    plain = Design(root=tmp_path, name="ram", top="ram", sources=[])
    assert "overrides" not in _explanation(plain, Answer(text=""), failing)
    shrunk = Design(root=tmp_path, name="ram", top="ram", sources=[], parameters={"ADDR_WIDTH": 8})
    text = _explanation(shrunk, Answer(text=""), failing)
    assert "parameter overrides (ADDR_WIDTH=8)" in text and "ValueError: Address out of range" in text
