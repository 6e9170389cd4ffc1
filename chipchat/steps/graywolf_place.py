"""Step: place a synthesized netlist with GrayWolf (the placer of Debian's qflow flow).

Stages, each with its own log in the run folder:

1. ``yosys_json.log`` -- Yosys re-reads the Verilog netlist and writes it as JSON, so the
   cell and net names placement sees are exactly those OpenSTA sees;
2. chipchat writes ``<top>.cel`` (cells, pins, nets, I/O pads) and ``<top>.par`` (GrayWolf
   parameters from ``flows/graywolf/graywolf.par.in`` and the LEF's layers);
3. ``graywolf.log`` -- ``graywolf -n <top>`` places the cells into rows;
4. chipchat converts ``<top>.pl1``/``.pl2`` into ``placed.def`` and measures it.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from chipchat import toolchain
from chipchat._exec import log_tail
from chipchat.errors import ConfigError, DesignError, ToolFailed
from chipchat.formats import graywolf as graywolf_io
from chipchat.formats.defio import write_def
from chipchat.formats.layout import placement_stats
from chipchat.formats.lef import check_against_lef, read_lef
from chipchat.hashing import digest
from chipchat.resources import data_path
from chipchat.steps.floorplan import EFFORTS, Floorplan
from chipchat.steps.step import RunDir, Step, StepResult
from chipchat.steps.yosys_json import load_netlist


class GraywolfPlace(Step):
    """Place ``netlist`` into standard-cell rows with GrayWolf and write ``placed.def``."""

    name: ClassVar[str] = "graywolf_place"
    tools: ClassVar[tuple[str, ...]] = ("yosys", "graywolf")
    inputs: ClassVar[tuple[str, ...]] = ("netlist", "liberty", "lef")
    outputs: ClassVar[tuple[str, ...]] = ("def", "netlist_json", "cel", "par", "pl1")
    config_vars: ClassVar[dict[str, str]] = {
        "netlist": "synthesized Verilog netlist (flat, mapped to the library's cells)",
        "top": "top module of the netlist",
        "liberty": "liberty files of the cell library (list of paths)",
        "lef": "LEF files: technology first, then cells (list of paths)",
        "floorplan": "a Floorplan: " + "; ".join(f"{k}: {v}" for k, v in Floorplan.documentation().items()),
    }

    def validate(self) -> None:
        for key in ("netlist", "top", "liberty", "lef"):
            if not self.config.get(key):
                raise ConfigError(f"step {self.name}: `{key}` is required")
        for path in [self.config["netlist"], *self.config["liberty"], *self.config["lef"]]:
            if not Path(path).is_file():
                raise DesignError(f"{path} does not exist", hint="synthesize first, or fix the platform's paths")
        if not isinstance(self.config.get("floorplan", Floorplan()), Floorplan):
            raise ConfigError(f"step {self.name}: `floorplan` must be a Floorplan")

    @property
    def floorplan(self) -> Floorplan:
        return self.config.get("floorplan") or Floorplan()

    def cache_key(self) -> str | None:
        files = [Path(self.config["netlist"]), *map(Path, self.config["liberty"]), *map(Path, self.config["lef"])]
        template = data_path("flows") / "graywolf" / "graywolf.par.in"
        return digest(self.name, *files, template, {k: v for k, v in self.config.items()
                                                     if k not in ("netlist", "liberty", "lef")})

    def run(self, run: RunDir) -> StepResult:
        top = str(self.config["top"])
        lefs = [Path(p) for p in self.config["lef"]]
        libs = [Path(p) for p in self.config["liberty"]]
        netlist, json_path = load_netlist(run, Path(self.config["netlist"]), libs, top)
        lef = read_lef(lefs)
        check_against_lef(netlist, lef, ", ".join(p.name for p in lefs))

        fp = self.floorplan
        utilization, aspect = fp.utilization, fp.aspect_ratio
        cmap = graywolf_io.write_cel(netlist, lef, run.file(f"{top}.cel"), utilization=utilization)
        rows = graywolf_io.row_count(cmap.padded_area_um2, cmap.site.height, aspect)
        graywolf_io.write_par(data_path("flows") / "graywolf" / "graywolf.par.in", run.file(f"{top}.par"), lef,
                              design=top, units=cmap.units, numrows=rows, aspect_ratio=aspect,
                              seed=fp.seed, fast=EFFORTS[fp.effort])

        graywolf = toolchain.find_tool("graywolf")
        placed = run.exec(graywolf.argv("-n", top), log="graywolf.log", tool="graywolf")
        if not placed.ok or not run.file(f"{top}.pl1").exists():
            raise ToolFailed(
                "graywolf", f"GrayWolf failed to place {top} (exit status {placed.returncode})",
                log_tail=log_tail(placed.output, 15), log_path=placed.log_path, returncode=placed.returncode,
                hint="the .cel and .par files it read are in the run folder next to the log")
        _remove_work_files(run.path, top)
        pl1 = graywolf_io.read_pl(run.file(f"{top}.pl1"))
        pl2 = graywolf_io.read_pl(run.file(f"{top}.pl2"))
        design = graywolf_io.to_def(netlist, lef, cmap, pl1, pl2, core_space_um=fp.core_space)
        def_path = write_def(design, run.file("placed.def"))
        stats = placement_stats(design, lef)
        metrics = {
            "cells": stats.cells, "rows": stats.rows, "cell_area_um2": round(stats.cell_area_um2, 3),
            "core_area_um2": round(stats.core_area_um2, 3), "die_area_um2": round(stats.die_area_um2, 3),
            "utilization": round(stats.utilization, 4), "target_utilization": utilization,
            "hpwl_um": round(stats.hpwl_um, 1), "overlaps": stats.overlaps, "outside_core": stats.outside_core,
            "graywolf_s": round(placed.duration_s, 3),
        }
        return StepResult(self.name, run.path, metrics=metrics, artifacts={
            "def": def_path, "netlist_json": json_path, "cel": run.file(f"{top}.cel"),
            "par": run.file(f"{top}.par"), "pl1": run.file(f"{top}.pl1"), "graywolf_log": run.file("graywolf.log")})


# GrayWolf's scratch files (qflow's placement.sh deletes the same list unless -k)
_SCRATCH = ("blk", "gen", "gsav", "history", "mcel", "mdat", "mgeo", "mout", "mpin", "mpth", "msav", "mver",
            "mvio", "stat", "pth", "sav", "scel", "txt")


def _remove_work_files(folder: Path, top: str) -> None:
    for ext in _SCRATCH:
        (folder / f"{top}.{ext}").unlink(missing_ok=True)


class WireParasitics(Step):
    """Estimate each net's wire RC from a placed (or routed) DEF and write ``wires.spef`` for OpenSTA.

    The model is :mod:`chipchat.formats.spef` (a star RC per net from pin positions, or
    routed lengths when the DEF carries wiring); it runs in-process, but as a step so the
    SPEF and its statistics are kept, cached and cited like any tool output.
    """

    name: ClassVar[str] = "wire_parasitics"
    tools: ClassVar[tuple[str, ...]] = ()
    inputs: ClassVar[tuple[str, ...]] = ("def", "lef")
    outputs: ClassVar[tuple[str, ...]] = ("spef",)
    config_vars: ClassVar[dict[str, str]] = {"def": "placed or routed DEF", "lef": "LEF files (list of paths)"}

    def validate(self) -> None:
        for path in [self.config.get("def"), *self.config.get("lef", [])]:
            if not path or not Path(path).is_file():
                raise DesignError(f"{path} does not exist", hint="place the design first")

    def cache_key(self) -> str | None:
        return digest(self.name, Path(self.config["def"]), *map(Path, self.config["lef"]))

    def run(self, run: RunDir) -> StepResult:
        from chipchat.formats.defio import read_def
        from chipchat.formats.layout import net_geometry
        from chipchat.formats.spef import WireRC, estimate, write_spef

        design = read_def(Path(self.config["def"]))
        lef = read_lef([Path(p) for p in self.config["lef"]])
        rc = WireRC.from_lef(lef)
        nets = estimate(design, lef, net_geometry(design, lef), rc)
        routed = sum(1 for n in design.nets.values() if n.routed)
        kind = "post-route (routed length per layer)" if routed else "placement estimate (star RC from pin positions)"
        spef = write_spef(run.file("wires.spef"), design.name, nets, program=f"chipchat {kind}")
        return StepResult(self.name, run.path, artifacts={"spef": spef}, metrics={
            "nets": len(nets), "routed_nets": routed, "model": kind,
            "wire_um": round(sum(n.wire_um for n in nets), 1),
            "wire_cap_pf": round(sum(n.total_cap for n in nets), 4),
            "layers": list(rc.layers), "r_per_um": [rc.r_h, rc.r_v], "c_per_um_pf": [rc.c_h, rc.c_v]})
