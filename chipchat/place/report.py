"""The placement report: one typed object for every backend (graywolf, openroad, an ORFS import).

:class:`PlaceReport` holds the numbers (WNS/TNS before and after placement,
utilization, cell count and area, wirelength), the worst paths as
:class:`~chipchat.formats.sta_report.TimingPath` objects and the evidence (run folders,
DEF, SPEF, picture). :func:`to_answer` renders it as the :class:`~chipchat.answer.Answer`
that the CLI, the UI and the agent share.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from chipchat.answer import Answer
from chipchat.formats.sta_report import TimingPath


@dataclass
class PlaceReport:
    design: str
    backend: str  # graywolf | openroad | orfs
    platform: str = ""
    clock_period_ns: float | None = None
    wns: float | None = None  # ns, after placement: the worst slack when negative, else 0
    tns: float | None = None
    worst_slack: float | None = None  # ns, signed (positive when timing is met)
    pre_wns: float | None = None  # ns, synthesized netlist without wires
    pre_tns: float | None = None
    pre_worst_slack: float | None = None
    utilization: float | None = None  # cell area / core area
    target_utilization: float | None = None
    cells: int | None = None
    cell_area_um2: float | None = None
    core_area_um2: float | None = None
    die_area_um2: float | None = None
    hpwl_um: float | None = None
    routed_wirelength_um: float | None = None
    overlaps: int | None = None
    parasitics: str = ""  # how wires were modelled for the post-placement timing
    paths: list[TimingPath] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    artifacts: dict[str, str] = field(default_factory=dict)
    runs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    explanation: Answer | None = None  # the worst path after placement in RTL terms, when it could be traced

    def answer(self) -> Answer:
        return to_answer(self, self.explanation)

    @property
    def wns_delta(self) -> float | None:
        """How much WNS moved from synthesis to placement (negative: it got worse)."""
        if self.wns is None or self.pre_wns is None:
            return None
        return round(self.wns - self.pre_wns, 4)

    @property
    def slack_delta(self) -> float | None:
        """How much the worst slack moved from synthesis to placement (the wires' cost on the worst path)."""
        if self.worst_slack is None or self.pre_worst_slack is None:
            return None
        return round(self.worst_slack - self.pre_worst_slack, 4)

    def cell_slack(self) -> dict[str, float]:
        """Instance -> the worst slack of the reported paths through it (for colouring the picture)."""
        out: dict[str, float] = {}
        for path in self.paths:
            if path.slack is None:
                continue
            for point in path.cells:
                inst = point.instance
                if inst and (inst not in out or path.slack < out[inst]):
                    out[inst] = path.slack
        return out

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["paths"] = [p.to_json() for p in self.paths]
        data["wns_delta"] = self.wns_delta
        data["slack_delta"] = self.slack_delta
        data.pop("explanation", None)  # an Answer of its own, shown by answer()
        return data


def _ns(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f} ns"


def _num(value: float | None, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}{unit}"


def after_what(report: PlaceReport) -> str:
    """'routing' when the timing used routed wires, else 'placement'."""
    return "routing" if report.routed_wirelength_um else "placement"


def summary_table(report: PlaceReport) -> str:
    """The Markdown table at the top of a placement answer."""
    rows = [("backend", f"`{report.backend}`" + (f" on `{report.platform}`" if report.platform else ""))]
    if report.clock_period_ns:
        rows.append(("clock period", f"{report.clock_period_ns:g} ns"))
    delta = report.slack_delta
    after = after_what(report)
    rows.append((f"worst slack after {after}", _ns(report.worst_slack) + (
        f" (synthesis: {_ns(report.pre_worst_slack)}, {delta:+.3f} ns from the wires)" if delta is not None else "")))
    rows.append((f"WNS / TNS after {after}", f"{_ns(report.wns)} / {_ns(report.tns)}" + (
        f" (synthesis: {_ns(report.pre_wns)} / {_ns(report.pre_tns)})" if report.pre_wns is not None else "")))
    util = "n/a" if report.utilization is None else f"{report.utilization:.1%}"
    if report.target_utilization:
        util += f" (target {report.target_utilization:.0%})"
    rows.append(("utilization", util))
    rows.append(("cells", f"{report.cells if report.cells is not None else 'n/a'}, "
                          f"{_num(report.cell_area_um2, ' um²')}"))
    if report.core_area_um2:
        rows.append(("core / die area", f"{_num(report.core_area_um2, ' um²')} / {_num(report.die_area_um2, ' um²')}"))
    rows.append(("wirelength (HPWL)", _num(report.hpwl_um, " um")))
    if report.routed_wirelength_um:
        rows.append(("routed wirelength", _num(report.routed_wirelength_um, " um")))
    if report.parasitics:
        rows.append(("wire parasitics", report.parasitics))
    lines = ["| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    return "\n".join(lines)


def to_answer(report: PlaceReport, explanation: Answer | None = None) -> Answer:
    """The user-facing answer: headline, table, worst path (explained in RTL terms when available)."""
    slack = report.worst_slack if report.worst_slack is not None else report.wns
    if slack is None:
        headline = f"**{report.design}** placed with `{report.backend}`; no timing result was produced."
    elif slack < 0:
        headline = (f"**{report.design}** misses timing after {after_what(report)}: worst slack {_ns(slack)}, "
                    f"total negative slack {_ns(report.tns)}.")
    else:
        headline = f"**{report.design}** meets timing after {after_what(report)}: worst slack {_ns(slack)}."
    parts = [headline, summary_table(report)]
    if report.paths and explanation is None:  # the explanation names the same path in RTL terms
        worst = report.paths[0]
        parts.append(f"Worst path: `{worst.startpoint}` → `{worst.endpoint}` through {len(worst.cells)} pins, "
                     f"arrival {_ns(worst.data_arrival)}, slack {_ns(worst.slack)}.")
    answer = Answer(text="", kind="placement", data=report.to_json(), artifacts=dict(report.artifacts),
                    runs=list(report.runs), warnings=list(report.warnings))
    if explanation is not None:
        parts.append(explanation.text)
        answer.citations.extend(explanation.citations)
        if "explanation" in explanation.data:
            answer.data["explanation"] = explanation.data["explanation"]
        answer.warnings.extend(w for w in explanation.warnings if w not in answer.warnings)
    if "picture" in report.artifacts:
        parts.append(f"Picture of the placement: `{report.artifacts['picture']}` (cells coloured by the worst "
                     "slack through them; the worst path drawn from its start ○ to its end ◆).")
    answer.text = "\n\n".join(parts)
    return answer
