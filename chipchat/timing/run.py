"""One timing run's typed result (:class:`TimingRun`) and the Answer it becomes for the CLI, UI and agent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chipchat.answer import Answer
from chipchat.design import Design
from chipchat.formats.sta_report import TimingPath
from chipchat.formats.yosys_json import Netlist
from chipchat.platforms import Platform
from chipchat.steps.opensta import EndpointQuery, StaResults
from chipchat.steps.step import StepResult
from chipchat.timing.explain import PathExplanation, rtl_name_of_point
from chipchat.timing.render import explanation_markdown, path_table
from chipchat.timing.rtlmap import RtlMap


@dataclass
class TimingRun:
    """Everything one timing question produced (the typed result behind the Answer)."""

    design: Design
    platform: Platform
    period_ns: float | None
    synth: StepResult
    sta: StepResult
    results: StaResults
    netlist: Netlist
    rtl: RtlMap | None
    query: EndpointQuery | None = None
    explanations: list[PathExplanation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def names(self, path: TimingPath) -> tuple[str, str]:
        start = rtl_name_of_point(self.netlist, path.startpoint, "port" if "port" in path.startpoint_kind else "cell")
        end = rtl_name_of_point(self.netlist, path.endpoint, "port" if "port" in path.endpoint_kind else "cell")
        return start[0], end[0]

    def answer(self, *, focus: bool = False) -> Answer:
        """The timing answer (``focus``: only the explained path, not the table of worst paths)."""
        return answer_for(self, focus=focus)


def timing_metrics(run: TimingRun) -> dict[str, Any]:
    s, t = run.synth.metrics, run.sta.metrics
    return {
        "design": run.design.name, "platform": run.platform.name, "clock_period_ns": run.period_ns,
        "wns": t.get("wns"), "tns": t.get("tns"), "worst_slack": t.get("worst_slack"),
        "worst_paths": t.get("paths"), "endpoints": t.get("endpoints"),
        "violating_endpoints": t.get("violating_endpoints"), "cells": s.get("cells"), "area": s.get("area"),
        "flops": s.get("flops"), "buffers": s.get("buffers"), "max_fanout": s.get("max_fanout"),
        "max_fanout_net": s.get("max_fanout_net"), "repair": s.get("repair"), "repair_note": s.get("repair_note"),
        "synth_cached": run.synth.cached, "sta_cached": run.sta.cached,
    }


def explanation_json(exp: PathExplanation) -> dict[str, Any]:
    def span(s: Any) -> dict[str, Any] | None:
        return {"file": s.file, "line": s.line, "end_line": s.end_line} if s is not None else None

    return {
        "startpoint": exp.start, "startpoint_kind": exp.start_kind, "endpoint": exp.end,
        "endpoint_kind": exp.end_kind, "slack": exp.path.slack, "arrival": exp.total, "logic_depth": exp.logic_depth,
        "startpoint_span": span(exp.start_span), "endpoint_span": span(exp.end_span),
        "shares": [{"label": s.label, "kind": s.kind, "delay": round(s.delay, 4),
                    "percent": round(s.percent(exp.total), 1) if s.kind != "setup" else None,
                    "gates": s.cells, "span": span(s.statement.span if s.statement else None),
                    "expression": s.expression if s.statement else None, "control": s.control}
                   for s in exp.shares],
        "high_fanout": [{"net": s.net, "fanout": s.fanout, "delay": round(s.delay, 4)} for s in exp.high_fanout],
        "fixes": [{"kind": f.kind, "title": f.title, "detail": f.detail, "gain_ns": f.gain_ns,
                   "evidence": f.evidence, "span": span(f.span)} for f in exp.fixes],
    }


def answer_for(run: TimingRun, *, focus: bool = False) -> Answer:
    """The timing answer: headline numbers, the explained path, the other worst paths, the evidence."""
    d, r = run.design, run.results
    answer = Answer(text="", kind="timing", warnings=list(run.warnings))
    metrics = timing_metrics(run)
    answer.runs = [str(run.synth.run_dir), str(run.sta.run_dir)]
    answer.artifacts = {k: str(v) for k, v in run.sta.artifacts.items()
                        if k in ("metrics.json", "paths.json", "paths.md", "slack_histogram.png", "paths.rpt",
                                 "endpoints.rpt", "timing.tcl", "constraints.sdc", "sta.log")}
    answer.artifacts.update({"netlist.v": str(run.synth.artifacts["netlist_v"]),
                             "netlist.json": str(run.synth.artifacts["netlist_json"]),
                             "synth.ys": str(run.synth.artifacts["script"])})
    answer.data = {"metrics": metrics, "paths": [_brief(run, p) for p in r.paths]}
    s = run.synth.metrics
    clock = ", ".join(f"{n} {p:g} ns" for n, p in r.clocks) or "none"
    synth_line = (f"Synthesis: {s.get('cells')} cells ({s.get('flops')} flip-flops), area {s.get('area'):g} "
                  f"on {run.platform.name}; max fanout {s.get('max_fanout')}. {_repair_sentence(s)}")
    if r.nothing_to_time:
        answer.text = (f"**Nothing to time in {d.name}:** OpenSTA found no constrained path (no register-to-register, "
                       f"input-to-register or register-to-output path under the clock {clock}).\n\n{synth_line}")
        answer.data["nothing_to_time"] = True
        return answer
    ws = r.worst_slack
    verdict = "meets timing" if ws is not None and ws >= 0 else "misses timing"
    viol = run.sta.metrics.get("violating_endpoints", 0)
    head = (f"**{d.name} {verdict} at {clock}: WNS {r.wns:.3f} ns, TNS {(r.tns or 0.0):.3f} ns** "
            f"(worst slack {ws:.3f} ns; {viol} of {len(r.endpoints)} endpoints violate).")
    if ws is not None and ws >= 0 and run.period_ns:
        head += f" The clock could be {run.period_ns - ws:.2f} ns (≈{1000.0 / max(run.period_ns - ws, 1e-6):.0f} MHz)."
    parts = [head, synth_line]
    if run.query is not None and not r.to_paths:
        parts.append(f"No constrained path ends at `{run.query.signal}` (it may be driven only by constants, "
                     "or only through unconstrained inputs).")
    for exp in run.explanations:
        heading = f"Worst path into `{run.query.signal}`" if run.query is not None else "Worst path"
        parts.append(explanation_markdown(exp, answer, d.root, heading=heading))
        answer.data["explanation"] = explanation_json(exp)
        (run.sta.run_dir / "explanation.md").write_text(parts[-1] + "\n")
        answer.artifacts["explanation.md"] = str(run.sta.run_dir / "explanation.md")
    if r.paths and not focus:
        parts.append(f"### {len(r.paths)} worst paths\n\n" + path_table(r.paths, run.names))
    parts.append(f"Histogram of endpoint slack: `{answer.artifacts.get('slack_histogram.png', 'n/a')}`; "
                 f"path table: `{answer.artifacts.get('paths.md', 'n/a')}`.")
    answer.text = "\n\n".join(parts)
    return answer


def _repair_sentence(s: dict[str, object]) -> str:
    if s.get("repair") == "abc":
        return (f"Repair done: ABC buffered high-fanout nets and sized gates for the clock period "
                f"({s.get('buffers')} buffers in the netlist).")
    return "No repair was done: no buffering or gate sizing, so slack on high-fanout nets is pessimistic."


def _brief(run: TimingRun, path: object) -> dict[str, object]:
    from chipchat.formats.sta_report import TimingPath

    assert isinstance(path, TimingPath)
    start, end = run.names(path)
    return {"startpoint": start, "endpoint": end, "netlist_startpoint": path.startpoint,
            "netlist_endpoint": path.endpoint, "slack": path.slack, "arrival": path.data_arrival,
            "required": path.required, "group": path.group}
