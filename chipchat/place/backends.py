"""Placement backends by name: ``graywolf`` (Debian's open flow) and ``openroad``.

A backend takes the synthesized netlist and the platform and returns the placed DEF
plus, when it times the placement itself (OpenROAD), its timing. ``auto`` picks
``openroad`` when the binary is installed and ``graywolf`` otherwise. An unknown name
lists the valid ones; ``openroad`` asked for but missing says how to install it and
that ``graywolf`` runs now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from chipchat import toolchain
from chipchat.design import Design
from chipchat.errors import ConfigError, ToolNotFound
from chipchat.platforms import Platform
from chipchat.steps.floorplan import Floorplan
from chipchat.steps.graywolf_place import GraywolfPlace, WireParasitics
from chipchat.steps.openroad_place import OpenroadPlace
from chipchat.steps.qrouter_route import QrouterRoute
from chipchat.steps.step import StepResult


@dataclass
class PlaceRequest:
    """What every backend gets."""

    design: Design
    platform: Platform
    netlist: Path
    sdc: Path | None
    floorplan: Floorplan = field(default_factory=Floorplan)
    route: bool = False
    paths: int = 5
    timeout_s: float | None = None


@dataclass
class PlaceOutcome:
    """What a backend produced: the DEF to report on, and the steps that made it."""

    def_path: Path
    steps: list[StepResult] = field(default_factory=list)
    spef: Path | None = None  # wires for OpenSTA (graywolf); None when the backend timed the design itself
    timing_text: str = ""  # report_checks text when the backend timed the design itself (openroad)
    wns: float | None = None
    tns: float | None = None
    parasitics: str = ""
    routed_wirelength_um: float | None = None
    warnings: list[str] = field(default_factory=list)


class Backend(Protocol):
    name: str
    description: str

    def available(self) -> bool: ...

    def place(self, req: PlaceRequest, progress: Any) -> PlaceOutcome: ...


def _lefs(req: PlaceRequest) -> list[str]:
    lefs = [str(p) for p in req.platform.lefs]
    if not lefs:
        raise ConfigError(f"platform {req.platform.name} has no LEF, so its cells cannot be placed",
                          hint="use a platform with LEF files (osu018, osu035, osu050, an ORFS platform), "
                               "or give a liberty with a LEF next to it")
    return lefs


class GraywolfBackend:
    name = "graywolf"
    description = "GrayWolf placement (+ optional qrouter routing) from Debian's qflow flow, timed by OpenSTA"

    def available(self) -> bool:
        return toolchain.have_tool("graywolf")

    def place(self, req: PlaceRequest, progress: Any) -> PlaceOutcome:
        lefs = _lefs(req)
        with progress("placement (graywolf)"):
            placed = GraywolfPlace(
                req.design, timeout_s=req.timeout_s, netlist=str(req.netlist), top=req.design.top,
                liberty=[str(p) for p in req.platform.liberty], lef=lefs, floorplan=req.floorplan).start()
        steps = [placed]
        def_path = placed.artifacts["def"]
        routed_wl = None
        warnings = []
        if placed.metrics.get("overlaps"):
            warnings.append(f"{placed.metrics['overlaps']} pairs of cells overlap in the GrayWolf placement")
        if req.route:
            with progress("routing (qrouter)"):
                route_config: dict[str, Any] = {"def": str(def_path), "lef": lefs}
                routed = QrouterRoute(req.design, timeout_s=req.timeout_s, **route_config).start()
            steps.append(routed)
            def_path = routed.artifacts["routed_def"]
            routed_wl = routed.metrics.get("wirelength_um")
            if routed.metrics.get("failed_nets"):
                warnings.append(f"qrouter left {routed.metrics['failed_nets']} nets unrouted; their wires are "
                                "estimated from pin positions")
        with progress("wire parasitics"):
            config: dict[str, Any] = {"def": str(def_path), "lef": lefs}
            wires = WireParasitics(req.design, **config).start()
        steps.append(wires)
        return PlaceOutcome(def_path=def_path, steps=steps, spef=wires.artifacts["spef"],
                            parasitics=f"{wires.metrics['model']} on {'/'.join(wires.metrics['layers'])}, "
                                       "read by OpenSTA as SPEF",
                            routed_wirelength_um=routed_wl, warnings=warnings)


class OpenroadBackend:
    name = "openroad"
    description = "OpenROAD: initialize_floorplan, global/detailed placement, estimate_parasitics, report_checks"

    def available(self) -> bool:
        return toolchain.have_tool("openroad")

    def place(self, req: PlaceRequest, progress: Any) -> PlaceOutcome:
        if req.sdc is None:
            raise ConfigError("the openroad backend needs an SDC file", hint="add sdc = \"constraints.sdc\" "
                              "to chipchat.toml (the graywolf backend can use [[clocks]] alone)")
        if req.route:
            raise ConfigError("--route is only available with the graywolf backend (qrouter)",
                              hint="OpenROAD routing is global_route + detailed_route in an ORFS flow: "
                                   "use `chipchat export-orfs`")
        extra = req.platform.extra
        rc_script = req.platform.root / "setRC.tcl" if req.platform.kind == "orfs" and req.platform.root else None
        with progress("placement and timing (openroad)"):
            result = OpenroadPlace(
                req.design, timeout_s=req.timeout_s, netlist=str(req.netlist), top=req.design.top, sdc=str(req.sdc),
                liberty=[str(p) for p in req.platform.liberty], lef=_lefs(req), site=req.platform.site or "",
                floorplan=req.floorplan, wire_rc_layer=extra.get("WIRE_RC_LAYER", ""),
                rc_script=str(rc_script) if rc_script and rc_script.exists() else "",
                hor_layer=extra.get("IO_PLACER_H", ""), ver_layer=extra.get("IO_PLACER_V", ""),
                paths=req.paths).start()
        return PlaceOutcome(def_path=result.artifacts["def"], steps=[result],
                            timing_text=Path(result.artifacts["checks"]).read_text(),
                            wns=result.metrics.get("wns"), tns=result.metrics.get("tns"),
                            parasitics="OpenROAD estimate_parasitics -placement (Steiner trees, set_wire_rc)")


BACKENDS: dict[str, Backend] = {b.name: b for b in (GraywolfBackend(), OpenroadBackend())}


def get_backend(name: str) -> Backend:
    """The backend called ``name`` (``auto``: openroad when installed, else graywolf)."""
    if name == "auto":
        return BACKENDS["openroad"] if BACKENDS["openroad"].available() else BACKENDS["graywolf"]
    if name not in BACKENDS:
        raise ConfigError(f"unknown placement backend {name!r}", hint="known backends: auto, " + ", ".join(BACKENDS))
    backend = BACKENDS[name]
    if name == "openroad" and not backend.available():
        try:
            toolchain.find_tool("openroad")
        except ToolNotFound as exc:
            raise ToolNotFound("openroad", f"{exc.message}; the `graywolf` backend runs now without it: "
                               "chipchat place <design> --backend graywolf", hint=exc.hint) from None
    return backend
