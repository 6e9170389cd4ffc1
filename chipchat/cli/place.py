"""``chipchat place``, ``export-orfs``, ``import-orfs``: placement, post-placement timing, ORFS interop."""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from chipchat.cli._common import add_design_arg, add_json_arg, emit, parse_period
from chipchat.steps.floorplan import EFFORTS, Floorplan

if TYPE_CHECKING:
    from chipchat.place.flow import Progress


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "place", help="floorplan and place a design, time it with wires, and draw the placement",
        description="Synthesize, time the netlist, place it (GrayWolf from Debian's qflow flow, or OpenROAD when "
                    "installed), time it again with wire parasitics from the placement, and write a PNG of the "
                    "placement with the critical path. Every stage keeps its log in <design>/.chipchat/runs/.")
    add_design_arg(p)
    p.add_argument("--backend", default="auto", help="auto (openroad if installed, else graywolf), graywolf, openroad")
    add_floorplan_args(p)
    p.add_argument("--clock-period", type=parse_period, default=None, metavar="PERIOD",
                   help="time against this clock period (8ns, 2500ps, 125MHz) instead of the SDC's")
    p.add_argument("--route", action="store_true", help="graywolf: also route with qrouter, time with routed wires")
    p.add_argument("--color-by", default="slack", choices=("slack", "group", "kind"), help="picture colouring: worst slack through each cell, the RTL statement it implements, or cell kind")
    p.add_argument("--platform", default=None, help="cell library (default: the design's)")
    p.add_argument("--paths", type=int, default=5, help="worst paths to report (default 5)")
    p.add_argument("--timeout", type=float, default=None, help="wall-clock limit of each tool run, seconds")
    p.add_argument("--check-script", action="store_true",
                   help="openroad: write the script and check it against OpenROAD's syntax without running it")
    add_json_arg(p)
    p.set_defaults(func=cmd_place)

    e = sub.add_parser("export-orfs", help="write an OpenROAD-flow-scripts design (config.mk + constraint.sdc)",
                       description="Write config.mk, constraint.sdc and a copy of the Verilog for ORFS; run it with "
                                   "`make DESIGN_CONFIG=<out>/config.mk` in ORFS's flow/ folder.")
    add_design_arg(e)
    e.add_argument("--platform", default="nangate45", help="ORFS platform (default nangate45)")
    e.add_argument("-o", "--out", default="orfs", help="output folder (default ./orfs)")
    e.add_argument("--utilization", type=float, default=Floorplan.utilization,
                   help=f"CORE_UTILIZATION as a fraction (default {Floorplan.utilization})")
    e.add_argument("--aspect-ratio", type=float, default=Floorplan.aspect_ratio,
                   help=f"CORE_ASPECT_RATIO (default {Floorplan.aspect_ratio})")
    add_json_arg(e)
    e.set_defaults(func=cmd_export)

    i = sub.add_parser("import-orfs", help="read an ORFS run's reports and metrics into a placement report",
                       description="Read 6_finish.rpt, metrics JSON and 6_final.def from an ORFS run folder.")
    i.add_argument("path", help="ORFS flow/ folder, a run's reports folder, or a report/metrics file")
    i.add_argument("--design", default=None, help="the chipchat design, to explain the worst path in RTL terms")
    add_json_arg(i)
    i.set_defaults(func=cmd_import)


def _progress() -> Progress:
    """Stage progress on stderr: a rich spinner on a terminal, plain lines otherwise (never on --json stdout)."""
    from rich.console import Console
    from rich.status import Status

    console = Console(stderr=True)
    spinner: list[Status] = []

    def report(stage: str, event: str, seconds: float) -> None:
        if event == "start":
            if console.is_terminal:
                spinner.append(console.status(f"{stage} …"))
                spinner[-1].start()
            else:
                print(f"chipchat: {stage} …", file=sys.stderr, flush=True)
            return
        while spinner:
            spinner.pop().stop()
        mark = "done" if event == "done" else "FAILED"
        console.print(f"  {stage}: {mark} ({seconds:.1f} s)", highlight=False)

    return report


def cmd_place(args: argparse.Namespace) -> int:
    from chipchat.cli._common import open_design
    from chipchat.place import api
    from chipchat.place.flow import PlaceOptions

    floorplan = floorplan_of(args)
    design = open_design(args)
    if args.check_script:
        return emit(api.check_openroad_script(design, floorplan, args.platform), args)
    options = PlaceOptions(
        backend=args.backend, floorplan=floorplan, clock_period_ns=args.clock_period, route=args.route,
        paths=args.paths, color_by=args.color_by, platform=args.platform, timeout_s=args.timeout)
    return emit(api.place(design, options, _progress()).answer(), args)


def add_floorplan_args(p: argparse.ArgumentParser) -> None:
    """One flag per :class:`Floorplan` knob, with its documented default."""
    docs = Floorplan.documentation()
    for f in fields(Floorplan):
        kind = {"float": float, "int": int}.get(str(f.type).split(" ")[0], str)
        extra: dict[str, Any] = {"choices": tuple(EFFORTS)} if f.name == "effort" else {}
        p.add_argument("--" + f.name.replace("_", "-"), type=kind, default=f.default, help=docs[f.name], **extra)


def floorplan_of(args: argparse.Namespace) -> Floorplan:
    return Floorplan(**{f.name: getattr(args, f.name) for f in fields(Floorplan)})


def cmd_export(args: argparse.Namespace) -> int:
    from chipchat.place import api

    return emit(api.export_orfs(args.design, args.platform, args.out, args.utilization, args.aspect_ratio), args)


def cmd_import(args: argparse.Namespace) -> int:
    from chipchat.place import api

    return emit(api.import_orfs(args.path, args.design), args)
