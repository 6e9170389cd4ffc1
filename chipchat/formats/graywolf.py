"""GrayWolf's file formats: the .cel/.par inputs it reads and the .pl1/.pl2 placement it writes.

This is what qflow's ``blif2cel.tcl`` and ``place2def.tcl`` do, written against
chipchat's own netlist and LEF readers so that instance and net names survive the
round trip (qflow renames every instance to ``<cell>_<n>``). Cells and nets get short
safe ids in the GrayWolf files (``c12``, ``n7``, ``p3``); :class:`CelMap` maps them back.

Utilization: GrayWolf sizes its rows from the total cell width, so a target
utilization ``u`` is reached by padding every cell with ``(1/u - 1)`` of its width in
whole sites (qflow's ``decongest.tcl`` pads with fill cells the same way); the real
cell sits inside its padded slot, centred to the site grid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

from chipchat.errors import DesignError, ParseError
from chipchat.formats.defio import Component, DefDesign, Net, Pin, Row
from chipchat.formats.lef import LefLibrary, Site
from chipchat.formats.yosys_json import Netlist

# graywolf orientation codes -> DEF orientations (qflow's place2def.tcl)
ORIENT = {0: "N", 1: "FS", 2: "FN", 3: "S", 4: "FE", 5: "FW", 6: "W", 7: "E"}
# pad "row" codes in .pl1 -> die side
PAD_SIDE = {-1: "left", -2: "right", -3: "bottom", -4: "top"}


@dataclass
class CelMap:
    """Safe GrayWolf ids -> design names, and the padding applied to each cell (in sites)."""

    units: int
    site: Site
    cells: dict[str, str] = field(default_factory=dict)  # c12 -> instance name
    pads: dict[str, str] = field(default_factory=dict)  # twpin_p3 -> port (bit) name
    left_pad: dict[str, int] = field(default_factory=dict)  # c12 -> sites of padding on the left
    cell_area_um2: float = 0.0
    padded_area_um2: float = 0.0


def cel_units(lef: LefLibrary) -> int:
    """Database units per micron for the .cel file, chosen as blif2cel.tcl does from the grid."""
    if lef.manufacturing_grid <= 0:
        return 100
    grid = int(0.5 + 1.0 / lef.manufacturing_grid)
    return next((s for s in (100, 200, 1000, 2000, 10000, 20000) if s % grid == 0), grid)


def pad_sites(width_sites: int, utilization: float, carry: float) -> tuple[int, float]:
    """Whitespace (in sites) to add to a cell so that the whole row reaches ``utilization``.

    ``carry`` accumulates the fractional remainder from cell to cell, so that the total
    padding matches the target even though each cell only takes whole sites.
    """
    want = width_sites * (1.0 / utilization - 1.0) + carry
    sites = max(0, int(want))
    return sites, want - sites


def write_cel(netlist: Netlist, lef: LefLibrary, path: Path, *, utilization: float) -> CelMap:
    """Write the GrayWolf .cel file for ``netlist`` and return the id map."""
    site = lef.core_site()
    if site is None or site.width <= 0 or site.height <= 0:
        raise DesignError(
            "the LEF defines no CORE site (SITE ... CLASS CORE ; SIZE w BY h), so rows cannot be built",
            hint="use the platform's technology LEF that defines the standard-cell SITE, or add one")
    units = cel_units(lef)
    cmap = CelMap(units=units, site=site)
    site_w = round(site.width * units)
    nets = {bit: conns for bit, conns in netlist.nets().items() if len(conns) >= 2}
    lines: list[str] = []
    carry = 0.0
    for index, cell in enumerate(netlist.cells.values()):
        macro = lef.macros[cell.type]
        if abs(macro.height - site.height) > 1e-6:
            raise DesignError(f"cell {cell.type} is {macro.height} um tall but the rows are {site.height} um",
                              hint="multi-height cells and macros are not supported by the graywolf backend")
        width_sites = max(1, round(macro.width / site.width))
        pad, carry = pad_sites(width_sites, utilization, carry)
        cid = f"c{index}"
        cmap.cells[cid] = cell.name
        cmap.left_pad[cid] = pad // 2
        cmap.cell_area_um2 += macro.area
        cmap.padded_area_um2 += (width_sites + pad) * site.width * site.height
        width = (width_sites + pad) * site_w
        height = round(site.height * units)
        left, bottom = -(width // 2), -(height // 2)
        lines.append(f"cell {index} {cid}")
        lines.append(f"left {left} right {left + width} bottom {bottom} top {bottom + height}")
        origin_x = left + (pad // 2) * site_w
        for pin, bit in sorted(cell.pins.items()):
            if not isinstance(bit, int) or bit not in nets:
                continue
            px, py = macro.pins[pin].center
            x = origin_x + round((px - macro.origin[0]) * units)
            y = bottom + round((py - macro.origin[1]) * units)
            lines.append(f"pin name {pin} signal n{bit} layer 1 {x} {y}")
    half = round(site.width * units / 2)
    for index, port in enumerate(netlist.port_bits(), start=1):
        if not isinstance(port.bit, int) or port.bit not in nets:
            continue
        pad_id = f"twpin_p{index}"
        cmap.pads[pad_id] = port.name
        lines += [f"pad {index} name {pad_id}",
                  f"corners 4 -{half} -{half} -{half} {half} {half} {half} {half} -{half}",
                  f"pin name p{index} signal n{port.bit} layer 1 0 0", ""]
    path.write_text("\n".join(lines) + "\n")
    return cmap


def write_par(template: Path, path: Path, lef: LefLibrary, *, design: str, units: int, numrows: int,
              aspect_ratio: float, seed: int, fast: int) -> Path:
    """Fill ``flows/graywolf/graywolf.par.in`` from the LEF's routing layers."""
    routing = lef.routing_layers()
    if not routing:
        raise DesignError("the LEF defines no ROUTING layers", hint="read the technology LEF before the cell LEF")
    rules: list[str] = []
    for layer in routing:
        rules.append(f"    layer {layer.name} {layer.res_per_sq:g} {layer.cap_per_sq * 1000:g} "
                     f"{(layer.direction or 'horizontal').lower()}")
    for lower, upper in zip(routing, routing[1:], strict=False):
        rules.append(f"    via {lower.name}_{upper.name} {lower.name} {upper.name}")
    for layer in routing:
        rules.append(f"    width {layer.name} {round(layer.width * units)}")
        spacing = max(1, round((layer.pitch - layer.width) * units))
        rules.append(f"    spacing {layer.name} {layer.name} {spacing}")
    vertical = next((lay for lay in routing if lay.direction == "VERTICAL"), routing[0])
    horizontal = next((lay for lay in routing if lay.direction == "HORIZONTAL"), routing[0])
    text = Template(template.read_text()).substitute(
        design=design, units=units, rules="\n".join(rules), track_pitch=round(vertical.pitch * units),
        min_pad_space=round(vertical.pitch * units * 1.5), grid_x=round(vertical.pitch * units),
        grid_y=round(horizontal.pitch * units), seed=seed, aspect_ratio=f"{aspect_ratio:g}",
        feed_width=round(vertical.pitch * units), fast=fast, numrows=numrows)
    path.write_text(text)
    return path


def row_count(padded_area_um2: float, row_height: float, aspect_ratio: float) -> int:
    """Rows for a core of ``padded_area`` with height/width = ``aspect_ratio`` (as initialize_floorplan)."""
    width = math.sqrt(padded_area_um2 / aspect_ratio)
    return max(1, round(width * aspect_ratio / row_height))


@dataclass
class PlacedObject:
    name: str
    llx: int
    lly: int
    urx: int
    ury: int
    orient: int
    row: int


def read_pl(path: Path) -> list[PlacedObject]:
    """Read a GrayWolf .pl1 (cells and pads) or .pl2 (rows) file."""
    if not path.is_file():
        raise ParseError(f"GrayWolf did not write {path.name}", file=path,
                         hint="see graywolf.log in the run folder for why placement stopped")
    out: list[PlacedObject] = []
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        try:
            llx, lly, urx, ury = (int(float(p)) for p in parts[1:5])
            out.append(PlacedObject(parts[0], llx, lly, urx, ury, int(parts[5]), int(parts[6])))
        except (ValueError, IndexError):
            raise ParseError(f"unexpected line `{line.strip()}`", file=path, line=lineno) from None
    return out


def to_def(netlist: Netlist, lef: LefLibrary, cmap: CelMap, pl1: list[PlacedObject], pl2: list[PlacedObject],
           *, core_space_um: float) -> DefDesign:
    """Turn GrayWolf's placement into a DEF design (rows, placed components, pins on the die edge)."""
    scale = lef.dbu_per_micron / cmap.units
    site_w = round(cmap.site.width * lef.dbu_per_micron)
    site_h = round(cmap.site.height * lef.dbu_per_micron)
    rows_pl = [r for r in pl2 if r.row >= 0 and not r.name.startswith("twpin")]
    cells_pl = [c for c in pl1 if c.row > 0]
    if not rows_pl or not cells_pl:
        raise ParseError("GrayWolf's output holds no placed rows or cells", hint="see graywolf.log")
    x0 = min(r.llx for r in rows_pl)
    y0 = min(r.lly for r in rows_pl)
    margin = round(core_space_um * lef.dbu_per_micron / site_w) * site_w

    def dbu_x(v: int) -> int:
        return margin + round((v - x0) * scale / site_w) * site_w

    def dbu_y(v: int) -> int:
        return margin + round((v - y0) * scale / site_h) * site_h

    def linear(v: int, origin: int) -> int:
        return margin + round((v - origin) * scale)

    width_sites = max(math.ceil((r.urx - x0) * scale / site_w) for r in rows_pl)
    row_orient: dict[int, str] = {}
    for c in cells_pl:
        row_orient.setdefault(c.row, "FS" if c.orient in (1, 3) else "N")
    design = DefDesign(name=netlist.top, dbu=lef.dbu_per_micron)
    for r in sorted(rows_pl, key=lambda r: r.lly):
        index = len(design.rows)
        orient = row_orient.get(int(r.name) if r.name.isdigit() else index + 1, "N" if index % 2 else "FS")
        design.rows.append(Row(f"ROW_{index}", cmap.site.name, margin, dbu_y(r.lly), orient, width_sites, 1,
                               site_w, 0))
    core_x1 = margin + width_sites * site_w
    core_y1 = margin + len(design.rows) * site_h
    design.die = (0, 0, core_x1 + margin, core_y1 + margin)
    for c in cells_pl:
        inst = cmap.cells.get(c.name)
        if inst is None:
            continue
        cell = netlist.cells[inst]
        x = dbu_x(c.llx) + cmap.left_pad.get(c.name, 0) * site_w
        design.components[inst] = Component(inst, cell.type, x, dbu_y(c.lly), ORIENT.get(c.orient, "N"), "PLACED")
    design.tracks = _tracks(design, lef)
    _place_pins(design, netlist, lef, cmap, pl1, lambda v: linear(v, x0), lambda v: linear(v, y0))
    for bit, conns in netlist.nets().items():
        name = netlist.net_name(bit)
        design.nets[name] = Net(name, conns)
    return design


def _tracks(design: DefDesign, lef: LefLibrary) -> list[str]:
    """TRACKS statements for every routing layer over the die (qrouter routes on these)."""
    out = []
    x0, y0, x1, y1 = design.die
    cx, cy, _, _ = design.core
    for layer in lef.routing_layers():
        pitch = round(layer.pitch * design.dbu)
        if pitch <= 0:
            continue
        offset = round(layer.offset * design.dbu) if layer.offset else pitch // 2
        # tracks sit at the LEF offset from the core origin, so every cell's pins see the same track
        # pattern as in its LEF (the cells are placed on site multiples from that origin)
        axis, lo, hi, core = ("X", x0, x1, cx) if layer.direction == "VERTICAL" else ("Y", y0, y1, cy)
        start = lo + (core + offset - lo) % pitch
        count = max(1, (hi - start) // pitch + 1)
        out.append(f"TRACKS {axis} {start} DO {count} STEP {pitch} LAYER {layer.name}")
    return out


def _snap(value: int, start: int, pitch: int, count: int) -> int:
    k = min(max(round((value - start) / pitch), 0), count - 1)
    return start + k * pitch


def _place_pins(design: DefDesign, netlist: Netlist, lef: LefLibrary, cmap: CelMap, pl1: list[PlacedObject],
                dbu_x, dbu_y) -> None:
    """Put each I/O pin on the die side GrayWolf chose, on a routing track of that side's layer."""
    _, _, die_x1, die_y1 = design.die
    directions = {p.name: p.direction for p in netlist.port_bits()}
    bits = {p.name: p.bit for p in netlist.port_bits()}
    horizontal, vertical = lef.signal_layers()
    wanted = {horizontal.name if horizontal else "", vertical.name if vertical else ""}
    grids: dict[str, tuple[int, int, int, str]] = {}
    for t in design.tracks:
        parts = t.split()  # TRACKS X start DO count STEP pitch LAYER name
        if parts[8] in wanted:
            grids.setdefault(parts[1], (int(parts[2]), int(parts[4]), int(parts[6]), parts[8]))
    used: set[tuple[int, int]] = set()
    for pad in pl1:
        port = cmap.pads.get(pad.name)
        if port is None:
            continue
        side = PAD_SIDE.get(pad.row, "bottom")
        cx = min(max(dbu_x((pad.llx + pad.urx) // 2), 0), die_x1)
        cy = min(max(dbu_y((pad.lly + pad.ury) // 2), 0), die_y1)
        along, across = ("X", "Y") if side in ("bottom", "top") else ("Y", "X")
        layer = ""
        if along in grids and across in grids:
            start, count, pitch, layer = grids[along]
            a_start, a_count, a_pitch, _ = grids[across]
            edge = a_start if side in ("bottom", "left") else a_start + (a_count - 1) * a_pitch
            pos = _snap(cx if along == "X" else cy, start, pitch, count)
            while (pos, edge) in used and pos + pitch < start + count * pitch:
                pos += pitch
            used.add((pos, edge))
            x, y = (pos, edge) if along == "X" else (edge, pos)
        else:
            x, y = {"left": (0, cy), "right": (die_x1, cy), "bottom": (cx, 0), "top": (cx, die_y1)}[side]
        bit = bits[port]
        net = netlist.net_name(bit) if isinstance(bit, int) else port
        width = lef.layers[layer].width if layer in lef.layers else 0.2
        design.pins[port] = Pin(port, net, {"input": "INPUT", "output": "OUTPUT"}.get(directions[port], "INOUT"),
                                x, y, layer, "PLACED", max(1, round(width * design.dbu / 2)))
