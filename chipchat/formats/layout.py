"""Geometry of a placed design: pin positions, wirelength (HPWL), utilization, legality.

Everything is computed from a DEF (any backend's) plus the cell LEF, so the numbers in
a placement report mean the same thing whichever placer produced the DEF.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chipchat.formats.defio import Component, DefDesign
from chipchat.formats.lef import LefLibrary, Macro


def transform(comp: Component, macro: Macro, px: float, py: float, dbu: int) -> tuple[int, int]:
    """Absolute position (dbu) of the macro-local point (px, py) (microns) in a placed component."""
    w, h = round(macro.width * dbu), round(macro.height * dbu)
    x, y = round((px - macro.origin[0]) * dbu), round((py - macro.origin[1]) * dbu)
    o = comp.orient
    if o == "N":
        return comp.x + x, comp.y + y
    if o == "S":
        return comp.x + w - x, comp.y + h - y
    if o == "FN":
        return comp.x + w - x, comp.y + y
    if o == "FS":
        return comp.x + x, comp.y + h - y
    if o == "W":
        return comp.x + h - y, comp.y + x
    if o == "E":
        return comp.x + y, comp.y + w - x
    if o == "FW":
        return comp.x + y, comp.y + x
    return comp.x + h - y, comp.y + w - x  # FE


def footprint(comp: Component, macro: Macro, dbu: int) -> tuple[int, int, int, int]:
    """(llx, lly, urx, ury) of a placed component in dbu."""
    w, h = round(macro.width * dbu), round(macro.height * dbu)
    if comp.orient in ("E", "W", "FE", "FW"):
        w, h = h, w
    return comp.x, comp.y, comp.x + w, comp.y + h


@dataclass
class NetGeometry:
    name: str
    driver: tuple[int, int] | None
    sinks: list[tuple[int, int]] = field(default_factory=list)
    driver_pin: str = ""
    sink_pins: list[str] = field(default_factory=list)

    @property
    def points(self) -> list[tuple[int, int]]:
        return ([self.driver] if self.driver else []) + self.sinks

    def hpwl(self) -> tuple[int, int]:
        """(x extent, y extent) of the net's bounding box, dbu."""
        pts = self.points
        if len(pts) < 2:
            return 0, 0
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return max(xs) - min(xs), max(ys) - min(ys)


def net_geometry(design: DefDesign, lef: LefLibrary) -> dict[str, NetGeometry]:
    """Per-net pin positions, with the driver (cell output or top-level input) told apart."""
    out: dict[str, NetGeometry] = {}
    for net in design.nets.values():
        if net.use in ("POWER", "GROUND"):
            continue
        geo = NetGeometry(net.name, None)
        for inst, pin in net.conns:
            if inst == "PIN":
                port = design.pins.get(pin)
                if port is None or port.status == "UNPLACED":
                    continue
                point, driver = (port.x, port.y), port.direction == "INPUT"
                ref = pin
            else:
                comp = design.components.get(inst)
                macro = lef.macros.get(comp.macro) if comp else None
                if comp is None or macro is None or not comp.placed or pin not in macro.pins:
                    continue
                point = transform(comp, macro, *macro.pins[pin].center, design.dbu)
                driver = macro.pins[pin].direction == "OUTPUT"
                ref = f"{inst}:{pin}"
            if driver and geo.driver is None:
                geo.driver, geo.driver_pin = point, ref
            else:
                geo.sinks.append(point)
                geo.sink_pins.append(ref)
        out[net.name] = geo
    return out


@dataclass
class PlacementStats:
    cells: int
    cell_area_um2: float
    core_area_um2: float
    die_area_um2: float
    hpwl_um: float
    rows: int
    overlaps: int
    outside_core: int

    @property
    def utilization(self) -> float:
        return self.cell_area_um2 / self.core_area_um2 if self.core_area_um2 else 0.0


def placement_stats(design: DefDesign, lef: LefLibrary, nets: dict[str, NetGeometry] | None = None,
                    *, skip_fill: bool = True) -> PlacementStats:
    """Cell count and area, core/die area, total HPWL and a row-legality check."""
    dbu = design.dbu
    nets = nets if nets is not None else net_geometry(design, lef)
    x0, y0, x1, y1 = design.core
    boxes: list[tuple[int, int, int, int]] = []
    area = 0.0
    outside = 0
    for comp in design.components.values():
        macro = lef.macros.get(comp.macro)
        if macro is None or not comp.placed:
            continue
        if skip_fill and (macro.cls.startswith("CORE SPACER") or macro.name.upper().startswith(("FILL", "TAP"))):
            continue
        area += macro.area
        box = footprint(comp, macro, dbu)
        boxes.append(box)
        if box[0] < x0 or box[1] < y0 or box[2] > x1 or box[3] > y1:
            outside += 1
    hpwl = sum(sum(g.hpwl()) for g in nets.values()) / dbu
    die = design.die
    return PlacementStats(
        cells=len(boxes), cell_area_um2=area, core_area_um2=(x1 - x0) * (y1 - y0) / dbu**2,
        die_area_um2=(die[2] - die[0]) * (die[3] - die[1]) / dbu**2, hpwl_um=hpwl, rows=len(design.rows),
        overlaps=_overlaps(boxes), outside_core=outside)


def _overlaps(boxes: list[tuple[int, int, int, int]]) -> int:
    """Pairs of cells that overlap, counted with a sweep over each row (cells share a row's y)."""
    by_row: dict[int, list[tuple[int, int, int, int]]] = {}
    for b in boxes:
        by_row.setdefault(b[1], []).append(b)
    count = 0
    for row in by_row.values():
        row.sort()
        for a, b in zip(row, row[1:], strict=False):
            if b[0] < a[2]:
                count += 1
    return count
