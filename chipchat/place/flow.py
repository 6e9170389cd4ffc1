"""The placement flow: synthesize, time, place, time again with wires, draw.

Stages (each a Step with its own run folder and log): Yosys synthesis; OpenSTA on
the synthesized netlist (no wires: the "before" numbers); the backend's placement
(graywolf: GrayWolf, optional qrouter, wire parasitics as SPEF; openroad: its own
floorplan/placement/estimate_parasitics/report_checks); OpenSTA again with the SPEF
(graywolf); then the picture and the report. ``progress`` is told when each stage
starts and ends, so a console can show it.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from chipchat.design import Design
from chipchat.errors import ConfigError
from chipchat.formats.defio import read_def
from chipchat.formats.layout import placement_stats
from chipchat.formats.lef import read_lef
from chipchat.formats.sta_report import parse_report_checks
from chipchat.place.backends import PlaceRequest, get_backend
from chipchat.place.picture import COLOR_MODES, render_placement
from chipchat.place.report import PlaceReport
from chipchat.platforms import get_platform
from chipchat.steps.floorplan import Floorplan
from chipchat.steps.opensta import OpenSTA, StaResults, read_results
from chipchat.steps.step import new_run_dir
from chipchat.timing.synth import synthesize

Progress = Callable[[str, str, float], None]  # (stage, "start" | "done" | "failed", seconds)


@dataclass
class PlaceOptions:
    """Everything a placement run takes: the backend, the floorplan knobs, the what-if clock, the report."""

    backend: str = "auto"
    floorplan: Floorplan = field(default_factory=Floorplan)
    clock_period_ns: float | None = None
    route: bool = False
    paths: int = 5
    color_by: str = "slack"
    platform: str | None = None
    timeout_s: float | None = None


def run_placement(design: Design, options: PlaceOptions, progress: Progress | None = None) -> PlaceReport:
    """Run the whole flow on ``design`` and return the :class:`PlaceReport` (with a PNG)."""
    if options.color_by not in COLOR_MODES:
        raise ConfigError(f"unknown colouring {options.color_by!r}", hint="use one of: " + ", ".join(COLOR_MODES))
    backend = get_backend(options.backend)
    platform = get_platform(options.platform or design.platform, base=design.root)
    stages: dict[str, float] = {}
    stage = _stage_timer(stages, progress)
    report = PlaceReport(design=design.name, backend=backend.name, platform=platform.name,
                         target_utilization=options.floorplan.utilization)

    with stage("synthesis (yosys)"):
        synth = synthesize(design, platform=platform, clock_period_ns=options.clock_period_ns,
                           timeout_s=options.timeout_s)
    netlist = synth.artifacts["netlist_v"]
    ports = _ports(synth.artifacts["netlist_json"], design.top or "")
    with stage("timing before placement (opensta)"):
        pre = OpenSTA(design, netlist=str(netlist), platform=platform, ports=ports, paths=options.paths,
                      clock_period_ns=options.clock_period_ns, timeout_s=options.timeout_s).start()
    pre_results = _sta(pre.run_dir)
    report.pre_wns, report.pre_tns = pre_results.wns, pre_results.tns
    report.pre_worst_slack = pre_results.worst_slack
    report.clock_period_ns = options.clock_period_ns or (pre_results.clocks[0][1] if pre_results.clocks else None)
    report.runs += [str(synth.run_dir), str(pre.run_dir)]

    request = PlaceRequest(design=design, platform=platform, netlist=netlist, sdc=design.sdc,
                           floorplan=options.floorplan, route=options.route, paths=options.paths,
                           timeout_s=options.timeout_s)
    outcome = backend.place(request, stage)
    report.runs += [str(s.run_dir) for s in outcome.steps]
    report.parasitics, report.warnings = outcome.parasitics, list(outcome.warnings)
    report.routed_wirelength_um = outcome.routed_wirelength_um
    endpoints: dict[str, float] = {}
    if outcome.spef is not None:
        label = "timing after routing (opensta + routed wires)" if options.route else \
            "timing after placement (opensta + wires)"
        with stage(label):
            post = OpenSTA(design, netlist=str(netlist), platform=platform, ports=ports, paths=options.paths,
                           clock_period_ns=options.clock_period_ns, spef=str(outcome.spef),
                           timeout_s=options.timeout_s).start()
        results = _sta(post.run_dir)
        report.wns, report.tns, report.paths = results.wns, results.tns, results.paths
        report.worst_slack = results.worst_slack
        endpoints = {e.endpoint.rsplit("/", 1)[0]: e.slack for e in results.endpoints if e.slack is not None}
        unannotated = _spef_misses(post.run_dir)
        if unannotated:
            report.warnings.append(f"OpenSTA did not find {unannotated} net(s) named in the SPEF; "
                                   "their wires were not annotated")
        report.runs.append(str(post.run_dir))
        report.artifacts["timing_report"] = str(post.artifacts["paths.rpt"])
    else:
        report.paths = [p for p in parse_report_checks(outcome.timing_text) if p.constrained]
        report.worst_slack = report.paths[0].slack if report.paths else outcome.wns
        report.wns = min(report.worst_slack, 0.0) if report.worst_slack is not None else None
        report.tns = outcome.tns

    with stage("picture and report"):
        groups: dict[str, str] = {}
        if options.color_by == "group":
            from chipchat.place.rtlgroups import cell_statements, load_context

            groups = cell_statements(*load_context(design, synth.artifacts["netlist_json"], list(platform.liberty)))
        _measure_and_draw(design, report, outcome.def_path, platform.lefs, options, endpoints, groups)
    report.stage_seconds = stages
    return report


def _measure_and_draw(design: Design, report: PlaceReport, def_path: Path, lefs: list[Path],
                      options: PlaceOptions, endpoints: dict[str, float], groups: dict[str, str]) -> None:
    design_def = read_def(def_path)
    lef = read_lef(lefs)
    stats = placement_stats(design_def, lef)
    report.cells, report.cell_area_um2 = stats.cells, round(stats.cell_area_um2, 2)
    report.core_area_um2, report.die_area_um2 = round(stats.core_area_um2, 2), round(stats.die_area_um2, 2)
    report.utilization, report.hpwl_um, report.overlaps = round(stats.utilization, 4), round(stats.hpwl_um, 1), \
        stats.overlaps
    folder = new_run_dir(design, "place_report")
    slack = {**endpoints, **report.cell_slack()}
    worst = report.paths[0] if report.paths else None
    path_cells = [p.instance for p in worst.cells] if worst else []
    title = (f"{report.design} on {report.platform} ({report.backend}): worst slack {report.worst_slack:.3f} ns, "
             f"utilization {stats.utilization:.0%}" if report.worst_slack is not None else report.design)
    picture = render_placement(design_def, lef, folder / "placement.png", color_by=options.color_by,  # type: ignore[arg-type]
                               cell_slack=slack, cell_group=groups, path_cells=path_cells,
                               title=title)
    report.artifacts.update({"picture": str(picture), "def": str(def_path)})
    (folder / "report.json").write_text(json.dumps(report.to_json(), indent=1, default=str))
    report.artifacts["report"] = str(folder / "report.json")
    report.runs.append(str(folder))


def _sta(run_dir: Path) -> StaResults:
    """The parsed results an OpenSTA run saved (clocks included), or re-parse its reports."""
    saved = run_dir / "sta_result.json"
    if saved.exists():
        return StaResults.from_json(json.loads(saved.read_text()))
    return read_results(run_dir)


def _ports(netlist_json: Path, top: str) -> dict[str, list[str]]:
    data = json.loads(Path(netlist_json).read_text())
    ports = data.get("modules", {}).get(top, {}).get("ports", {})
    return {"inputs": [n for n, p in ports.items() if p.get("direction") == "input"],
            "outputs": [n for n, p in ports.items() if p.get("direction") == "output"]}


def _spef_misses(run_dir: Path) -> int:
    log = run_dir / "sta.log"
    if not log.exists():
        return 0
    return sum(1 for line in log.read_text(errors="replace").splitlines()
               if "not found" in line and ".spef" in line)


def _stage_timer(stages: dict[str, float], progress: Progress | None):
    @contextlib.contextmanager
    def stage(name: str) -> Iterator[None]:
        t0 = time.monotonic()
        if progress:
            progress(name, "start", 0.0)
        try:
            yield
        except BaseException:
            if progress:
                progress(name, "failed", time.monotonic() - t0)
            raise
        stages[name] = round(time.monotonic() - t0, 3)
        if progress:
            progress(name, "done", stages[name])
    return stage
