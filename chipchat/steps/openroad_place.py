"""Step: floorplan, place and time a synthesized netlist with the OpenROAD binary.

``place.tcl`` is rendered from ``flows/openroad/place.tcl`` (read LEF/liberty/netlist/SDC,
wire RC, ``initialize_floorplan``, ``make_tracks``, ``place_pins``, ``global_placement``,
``detailed_placement``, ``estimate_parasitics -placement``, the timing reports and
``write_def``) and run as ``openroad -no_init -no_splash -exit -metrics ... place.tcl``
(log ``openroad.log``). Before OpenROAD starts, the netlist's cells are checked against
the LEF and the rows' site is checked to exist, so those mistakes get a clear message
instead of a long log. A failing run is explained from OpenROAD's message codes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from chipchat import toolchain
from chipchat.errors import ConfigError, DesignError, ToolFailed
from chipchat.formats.defio import read_def
from chipchat.formats.layout import placement_stats
from chipchat.formats.lef import LefLibrary, check_against_lef, read_lef
from chipchat.formats.openroad_log import diagnose, parse_openroad_log
from chipchat.hashing import digest
from chipchat.steps.floorplan import Floorplan
from chipchat.steps.openroad_script import (
    PlaceScriptInputs,
    openroad_argv,
    render_place_script,
    template_path,
)
from chipchat.steps.step import RunDir, Step, StepResult
from chipchat.steps.yosys_json import load_netlist


def rows_and_pin_layers(lef: LefLibrary, lefs: list[Path], site: str = "", hor: str = "",
                        ver: str = "") -> tuple[str, str, str]:
    """The rows' site (default: the LEF's CORE site) and the I/O pin layers (default: the signal layers)."""
    site = site or (lef.core_site().name if lef.core_site() else "")  # type: ignore[union-attr]
    if not site or site not in lef.sites:
        raise DesignError(
            f"no placement site {site or '(CORE site)'} in the LEF ({', '.join(p.name for p in lefs)}): "
            "OpenROAD cannot build rows without it",
            hint="read the technology LEF that defines the standard-cell SITE first, or name the site")
    horizontal, vertical = lef.signal_layers()
    return site, hor or (horizontal.name if horizontal else ""), ver or (vertical.name if vertical else "")


class OpenroadPlace(Step):
    """Place and time ``netlist`` with OpenROAD; writes ``placed.def`` and the timing sections."""

    name: ClassVar[str] = "openroad_place"
    tools: ClassVar[tuple[str, ...]] = ("openroad", "yosys")
    inputs: ClassVar[tuple[str, ...]] = ("netlist", "sdc", "liberty", "lef")
    outputs: ClassVar[tuple[str, ...]] = ("def", "script", "log", "checks")
    config_vars: ClassVar[dict[str, str]] = {
        "netlist": "synthesized Verilog netlist", "top": "top module", "sdc": "timing constraints (SDC)",
        "liberty": "liberty files (list)", "lef": "LEF files, technology first (list)",
        "site": "LEF site of the rows (default: the LEF's CORE site)",
        "floorplan": "a Floorplan: " + "; ".join(f"{k}: {v}" for k, v in Floorplan.documentation().items()),
        "wire_rc_layer": "layer whose RC set_wire_rc uses", "rc_script": "platform setRC.tcl to source instead",
        "hor_layer": "horizontal layer for I/O pins", "ver_layer": "vertical layer for I/O pins",
        "paths": "number of worst paths to report (default 5)",
    }

    def _opt(self, key: str, default: Any) -> Any:
        value = self.config.get(key)
        return default if value in (None, "") else value

    def validate(self) -> None:
        for key in ("netlist", "top", "sdc", "liberty", "lef"):
            if not self.config.get(key):
                raise ConfigError(f"step {self.name}: `{key}` is required")
        for path in [self.config["netlist"], self.config["sdc"], *self.config["liberty"], *self.config["lef"]]:
            if not Path(path).is_file():
                raise DesignError(f"{path} does not exist", hint="synthesize first, or fix the platform's paths")
        if not isinstance(self.config.get("floorplan", Floorplan()), Floorplan):
            raise ConfigError(f"step {self.name}: `floorplan` must be a Floorplan")

    def cache_key(self) -> str | None:
        files = [Path(self.config[k]) for k in ("netlist", "sdc")]
        files += [Path(p) for p in (*self.config["liberty"], *self.config["lef"])]
        return digest(self.name, *files, template_path(),
                      {k: v for k, v in self.config.items() if k not in ("netlist", "sdc", "liberty", "lef")})

    def script_inputs(self, run_path: Path, site: str, hor: str, ver: str) -> PlaceScriptInputs:
        rc_script = self.config.get("rc_script")
        return PlaceScriptInputs(
            top=str(self.config["top"]), netlist=Path(self.config["netlist"]), sdc=Path(self.config["sdc"]),
            lefs=tuple(Path(p) for p in self.config["lef"]), liberty=tuple(Path(p) for p in self.config["liberty"]),
            site=site, hor_layer=hor, ver_layer=ver, def_out=run_path / "placed.def",
            floorplan=self.config.get("floorplan") or Floorplan(),
            wire_rc_layer=str(self._opt("wire_rc_layer", "")), rc_script=Path(rc_script) if rc_script else None,
            paths=int(self._opt("paths", 5)))

    def run(self, run: RunDir) -> StepResult:
        top = str(self.config["top"])
        lefs = [Path(p) for p in self.config["lef"]]
        libs = [Path(p) for p in self.config["liberty"]]
        netlist, _ = load_netlist(run, Path(self.config["netlist"]), libs, top)
        lef = read_lef(lefs)
        check_against_lef(netlist, lef, ", ".join(p.name for p in lefs))
        site, hor, ver = rows_and_pin_layers(lef, lefs, str(self._opt("site", "")), str(self._opt("hor_layer", "")),
                                             str(self._opt("ver_layer", "")))
        script = run.file("place.tcl")
        script.write_text(render_place_script(self.script_inputs(run.path, site, hor, ver)))
        openroad = toolchain.find_tool("openroad")
        result = run.exec(openroad_argv(openroad.path, script, run.file("openroad_metrics.json")),
                          log="openroad.log", tool="openroad", env=openroad.env)
        log = parse_openroad_log(result.output)
        if log.has("ORD-2013") or log.has("ORD-1013"):
            raise DesignError("OpenROAD dropped netlist cells that have no LEF master (ORD-2013)",
                              hint="the liberty and the LEF must describe the same cell library")
        if not result.ok or log.errors or log.tcl_error or not run.file("placed.def").exists():
            found = diagnose(log)
            what = found.problem if found else (log.tcl_error or f"OpenROAD exited with status {result.returncode}")
            raise ToolFailed("openroad", f"OpenROAD placement failed: {what}", log_tail=result.tail(15),
                             log_path=result.log_path, returncode=result.returncode,
                             hint=found.hint if found else "see the log; the script is place.tcl in the run folder")
        checks = run.file("checks.rpt")
        checks.write_text(log.sections.get("report_checks", ""))
        placed = read_def(run.file("placed.def"))
        stats = placement_stats(placed, lef)
        metrics = {
            "cells": stats.cells, "rows": stats.rows, "cell_area_um2": round(stats.cell_area_um2, 3),
            "core_area_um2": round(stats.core_area_um2, 3), "die_area_um2": round(stats.die_area_um2, 3),
            "utilization": round(stats.utilization, 4), "hpwl_um": round(stats.hpwl_um, 1),
            "overlaps": stats.overlaps, "outside_core": stats.outside_core, "wns": log.wns, "tns": log.tns,
            "openroad_design_area_um2": log.design_area_um2, "openroad_utilization_pct": log.design_util_pct,
            "gpl_hpwl_um": log.hpwl_um, "stages": log.stages,
        }
        return StepResult(self.name, run.path, metrics=metrics, artifacts={
            "def": run.file("placed.def"), "script": script, "log": run.file("openroad.log"), "checks": checks})
