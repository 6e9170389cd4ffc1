"""Placement tools for the CLI, the UI and the agent: plain typed functions returning Answers."""

from __future__ import annotations

from pathlib import Path

from chipchat.answer import Answer
from chipchat.design import Design
from chipchat.errors import ConfigError
from chipchat.place import orfs
from chipchat.place.backends import BACKENDS
from chipchat.place.flow import PlaceOptions, Progress, run_placement
from chipchat.place.report import PlaceReport, after_what, to_answer
from chipchat.rtl.load import DesignArg, load_design, with_inferred_clock
from chipchat.steps.floorplan import Floorplan


def place_design(
    design: DesignArg,
    backend: str = "auto",
    utilization: float = Floorplan.utilization,
    clock_period_ns: float | None = None,
    route: bool = False,
    aspect_ratio: float = Floorplan.aspect_ratio,
    color_by: str = "slack",
    effort: str = Floorplan.effort,
    platform: str | None = None,
) -> PlaceReport:
    """Floorplan and place a design, time it with wire parasitics, and draw the placement.

    Args:
        design: design folder (or a bundled example name such as ``mac16``).
        backend: ``auto`` (OpenROAD when installed, else GrayWolf), ``graywolf`` or ``openroad``.
        utilization: cell area / core area, between 0 and 0.95 (0.5 leaves room to place and route).
        clock_period_ns: time against this clock period instead of the SDC's (a what-if).
        route: also route with qrouter and time with the routed wires (graywolf backend only).
        aspect_ratio: core height / width.
        color_by: picture colouring: ``slack``, ``group`` (the RTL statement each cell implements) or
            ``kind`` (flop, buffer, logic).
        effort: GrayWolf effort: ``normal`` or ``fast``.
        platform: override the design's cell library (e.g. ``osu035``).

    Returns the PlaceReport: WNS/TNS before and after placement, utilization, cell area,
    wirelength, the worst paths (explained in RTL terms) and the PNG of the placement.
    """
    floorplan = Floorplan(utilization=utilization, aspect_ratio=aspect_ratio, effort=effort)
    options = PlaceOptions(backend=backend, floorplan=floorplan, clock_period_ns=clock_period_ns, route=route,
                           color_by=color_by, platform=platform)
    return place(design, options)


def place(design: DesignArg, options: PlaceOptions, progress: Progress | None = None) -> PlaceReport:
    """:func:`place_design` with every option and an optional progress callback (the CLI's entry)."""
    d, clock_note = with_inferred_clock(load_design(design), options.clock_period_ns)
    report = run_placement(d, options, progress)
    if clock_note:
        report.warnings.insert(0, clock_note)
    report.explanation = explain_paths(d, report)
    return report


def explain_paths(design: Design, report: PlaceReport, netlist_json: Path | None = None) -> Answer | None:
    """The worst path after placement in RTL terms, from the timing explainer (chipchat.timing.api)."""
    from chipchat.timing.api import explain_netlist_path

    if not report.paths:
        return None
    if netlist_json is None:
        netlist_json = next((Path(r) / "netlist.json" for r in report.runs if (Path(r) / "netlist.json").exists()),
                            None)
    if netlist_json is None:
        return None
    answer = explain_netlist_path(design, report.paths[0], netlist_json, platform=report.platform or None,
                                  period_ns=report.clock_period_ns)
    answer.text = answer.text.replace("### Path:", f"### Worst path after {after_what(report)} ({report.backend}):", 1)
    return answer


def export_orfs(design: DesignArg, platform: str = "nangate45", out_dir: str = "orfs",
                utilization: float = Floorplan.utilization, aspect_ratio: float = Floorplan.aspect_ratio) -> Answer:
    """Write an OpenROAD-flow-scripts design folder (config.mk, constraint.sdc, Verilog) for a design.

    Args:
        design: design folder or bundled example name.
        platform: ORFS platform (nangate45, sky130hd, sky130hs, asap7, gf180, ihp-sg13g2).
        out_dir: folder to write.
        utilization: CORE_UTILIZATION as a fraction (written in percent).
        aspect_ratio: CORE_ASPECT_RATIO.
    """
    d = load_design(design)
    Floorplan(utilization=utilization, aspect_ratio=aspect_ratio)  # the same checks as every placement
    out = orfs.export_orfs(d, platform, Path(out_dir), utilization=utilization, aspect_ratio=aspect_ratio)
    text = (f"Wrote an OpenROAD-flow-scripts design for **{d.name}** on `{platform}` in `{out.out_dir}`:\n\n"
            f"- `{out.config_mk.name}` (DESIGN_NAME {d.top}, CORE_UTILIZATION {utilization:.0%})\n"
            f"- `{out.sdc.name}`\n- {len(out.verilog)} Verilog file(s) in `src/`\n\n"
            f"Run it from ORFS's `flow/` folder: `make DESIGN_CONFIG={out.config_mk}`; then "
            f"`chipchat import-orfs <flow folder>` reads the results back.")
    return Answer(text=text, kind="orfs-export", warnings=out.warnings,
                  artifacts={"config.mk": str(out.config_mk), "constraint.sdc": str(out.sdc)},
                  data={"platform": platform, "out_dir": str(out.out_dir), "verilog": [str(p) for p in out.verilog]})


def import_orfs(path: str, design: str | None = None) -> Answer:
    """Read a finished OpenROAD-flow-scripts run (6_finish.rpt, metrics JSON, 6_final.def) into a report.

    Args:
        path: ORFS's flow/ folder, a run's reports folder, or one report or metrics file.
        design: the chipchat design it was exported from, to explain the worst path in RTL terms.
    """
    from chipchat.formats.sta_report import parse_report_checks

    res = orfs.import_orfs(path)
    paths = [p for p in parse_report_checks(res.checks_text) if p.constrained]
    worst = paths[0].slack if paths and paths[0].slack is not None else res.wns  # ORFS clamps wns at 0
    report = PlaceReport(design=res.design or Path(path).name, backend="orfs", platform=res.platform,
                         wns=min(worst, 0.0) if worst is not None else None, tns=res.tns, worst_slack=worst,
                         utilization=res.utilization, cells=res.instance_count, cell_area_um2=res.design_area_um2,
                         routed_wirelength_um=res.wirelength_um, parasitics="as computed by the ORFS run",
                         paths=paths)
    report.artifacts.update({k: str(v) for k, v in (("finish_report", res.report_path), ("def", res.def_path)) if v})
    if not res.checks_text:
        report.warnings.append("no report_checks section was found, so no path can be shown")
    d = load_design(design) if design else None
    netlist_json = None
    if d is not None and (res.def_path is not None or res.netlist_path is not None):
        netlist_json = _orfs_picture(d, report, res.def_path, res.netlist_path)
    explanation = explain_paths(d, report, netlist_json) if d is not None and netlist_json else None
    answer = to_answer(report, explanation)
    answer.kind = "orfs-import"
    return answer


def check_openroad_script(design: DesignArg, floorplan: Floorplan | None = None,
                          platform: str | None = None) -> Answer:
    """Write the OpenROAD placement script for a design and check it without OpenROAD.

    The design is synthesized, the script rendered exactly as the ``openroad`` backend
    would run it, then executed in tclsh with every OpenROAD command replaced by a
    checker of OpenROAD's documented options that records the call.
    """
    from chipchat.formats.lef import read_lef
    from chipchat.platforms import get_platform
    from chipchat.steps.openroad_place import rows_and_pin_layers
    from chipchat.steps.openroad_script import PlaceScriptInputs, record_script, render_place_script
    from chipchat.steps.step import new_run_dir
    from chipchat.timing.synth import synthesize

    d = load_design(design)
    plat = get_platform(platform or d.platform, base=d.root)
    if d.sdc is None:
        raise ConfigError("the openroad backend needs an SDC file", hint="add sdc = \"constraints.sdc\" to chipchat.toml")
    synth = synthesize(d, platform=plat)
    folder = new_run_dir(d, "openroad_check")
    lef = read_lef(plat.lefs)
    site, hor, ver = rows_and_pin_layers(lef, plat.lefs, plat.site or "", plat.extra.get("IO_PLACER_H", ""),
                                         plat.extra.get("IO_PLACER_V", ""))
    script = folder / "place.tcl"
    script.write_text(render_place_script(PlaceScriptInputs(
        top=d.top or d.name, netlist=synth.artifacts["netlist_v"], sdc=d.sdc, lefs=tuple(plat.lefs),
        liberty=plat.liberty, site=site, hor_layer=hor, ver_layer=ver, def_out=folder / "placed.def",
        floorplan=floorplan or Floorplan(), wire_rc_layer=plat.extra.get("WIRE_RC_LAYER", ""))))
    calls = record_script(script, folder)
    listing = "\n".join(f"{i:2d}. {c.command} {' '.join(c.args)}" for i, c in enumerate(calls, 1))
    text = (f"The OpenROAD script for **{d.name}** (`{script}`) passes the check against OpenROAD's documented "
            f"command syntax: {len(calls)} OpenROAD commands, in this order:\n\n```\n{listing}\n```\n\n"
            "This checks the script, not a placement: run it with `openroad -exit place.tcl` where OpenROAD "
            "is installed, or use `--backend graywolf` here.")
    return Answer(text=text, kind="openroad-check", artifacts={"script": str(script)},
                  runs=[str(synth.run_dir), str(folder)],
                  data={"calls": [[c.command, *c.args] for c in calls]})


def _orfs_picture(design: Design, report: PlaceReport, def_path: Path | None,
                  netlist_v: Path | None) -> Path | None:
    """Draw an imported ORFS DEF and read its netlist, when the platform's files are known to chipchat.

    Returns the netlist as Yosys JSON (for the path explanation), or None.
    """
    from chipchat.errors import ChipChatError
    from chipchat.formats.defio import read_def
    from chipchat.formats.lef import read_lef
    from chipchat.place.picture import render_placement
    from chipchat.platforms import get_platform
    from chipchat.steps.step import RunDir, new_run_dir
    from chipchat.steps.yosys_json import load_netlist

    try:
        platform = get_platform(report.platform)
    except ChipChatError:
        report.warnings.append(f"no picture or RTL explanation: platform {report.platform or '(unknown)'} is not "
                               "known here (point CHIPCHAT_ORFS_PLATFORMS at ORFS's flow/platforms)")
        return None
    folder = new_run_dir(design, "orfs_import")
    report.runs.append(str(folder))
    if def_path is not None:
        placed, lef = read_def(def_path), read_lef(platform.lefs)
        worst = report.paths[0] if report.paths else None
        picture = render_placement(placed, lef, folder / "placement.png", cell_slack=report.cell_slack(),
                                   path_cells=[p.instance for p in worst.cells] if worst else [],
                                   title=f"{placed.name} on {platform.name} (ORFS)")
        report.artifacts["picture"] = str(picture)
    if netlist_v is None:
        return None
    _, json_path = load_netlist(RunDir(folder), netlist_v, list(platform.liberty), design.top or design.name)
    return json_path


def placement_backends() -> Answer:
    """The placement backends, and whether each one can run on this machine."""
    rows = [f"| `{name}` | {'yes' if b.available() else 'no'} | {b.description} |" for name, b in BACKENDS.items()]
    text = "| backend | available | what it runs |\n|---|---|---|\n" + "\n".join(rows)
    return Answer(text=text, kind="backends", data={n: b.available() for n, b in BACKENDS.items()})
