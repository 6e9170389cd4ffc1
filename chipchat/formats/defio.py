"""Read and write the parts of DEF placement uses: die, rows, components, pins, nets.

The reader handles DEF written by OpenROAD (``write_def``), qflow/graywolf and other
tools: ``COMPONENTS``/``PINS``/``NETS`` sections with their ``+`` attributes, and the
wiring of routed nets, whose length per layer is summed (for post-route parasitics).
Coordinates stay in database units; :attr:`DefDesign.dbu` converts to microns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from chipchat.errors import ParseError

_TOKEN = re.compile(r'"[^"]*"|\(|\)|;|[^\s();]+')
_SECTIONS = {"COMPONENTS", "PINS", "NETS", "SPECIALNETS", "VIAS", "NONDEFAULTRULES", "REGIONS", "GROUPS",
             "BLOCKAGES", "FILLS", "SLOTS", "STYLES", "PROPERTYDEFINITIONS", "PINPROPERTIES", "SCANCHAINS",
             "COMPONENTMASKSHIFT", "EXTENSION"}
ORIENTS = ("N", "S", "E", "W", "FN", "FS", "FE", "FW")


@dataclass
class Row:
    name: str
    site: str
    x: int
    y: int
    orient: str
    num_x: int
    num_y: int
    step_x: int
    step_y: int


@dataclass
class Component:
    name: str
    macro: str
    x: int = 0
    y: int = 0
    orient: str = "N"
    status: str = "UNPLACED"  # PLACED, FIXED, COVER, UNPLACED

    @property
    def placed(self) -> bool:
        return self.status in ("PLACED", "FIXED", "COVER")


@dataclass
class Pin:
    name: str
    net: str
    direction: str = "INPUT"
    x: int = 0
    y: int = 0
    layer: str = ""
    status: str = "UNPLACED"
    half_size: int = 100  # half the side of the pin's square shape, dbu (written by write_def)


@dataclass
class Net:
    name: str
    conns: list[tuple[str, str]] = field(default_factory=list)  # (instance or "PIN", pin name)
    use: str = "SIGNAL"
    wire_length: dict[str, int] = field(default_factory=dict)  # routed length per layer, dbu
    vias: int = 0

    @property
    def routed(self) -> bool:
        return bool(self.wire_length)


@dataclass
class DefDesign:
    name: str = ""
    dbu: int = 1000
    die: tuple[int, int, int, int] = (0, 0, 0, 0)
    rows: list[Row] = field(default_factory=list)
    tracks: list[str] = field(default_factory=list)  # TRACKS statements, kept verbatim
    components: dict[str, Component] = field(default_factory=dict)
    pins: dict[str, Pin] = field(default_factory=dict)
    nets: dict[str, Net] = field(default_factory=dict)
    path: Path | None = None

    def um(self, value: float) -> float:
        return value / self.dbu

    @property
    def core(self) -> tuple[int, int, int, int]:
        """Bounding box of the placement rows (the core), or the die when there are no rows."""
        if not self.rows:
            return self.die
        xs0 = [r.x for r in self.rows]
        ys0 = [r.y for r in self.rows]
        xs1 = [r.x + r.num_x * r.step_x for r in self.rows]
        ys1 = [r.y + max(r.num_y, 1) * (r.step_y or 0) for r in self.rows]
        height = self._row_height()
        return min(xs0), min(ys0), max(xs1), max(max(ys1), max(ys0) + height)

    def _row_height(self) -> int:
        ys = sorted({r.y for r in self.rows})
        return min((b - a for a, b in zip(ys, ys[1:], strict=False) if b > a), default=0)


def read_def(path: str | Path) -> DefDesign:
    """Parse a DEF file; raises :class:`ParseError` (with the line) on malformed input."""
    p = Path(path)
    if not p.is_file():
        raise ParseError(f"DEF file {p} does not exist", file=p)
    design = DefDesign(path=p)
    section = ""
    for line, stmt in _statements(p.read_text(encoding="utf-8", errors="replace")):
        if not stmt:
            continue
        head = stmt[0].upper()
        try:
            if head == "END":
                section = ""
            elif head in _SECTIONS and len(stmt) <= 2 and not section:
                section = head
            elif section == "COMPONENTS" and head == "-":
                comp = _component(stmt)
                design.components[comp.name] = comp
            elif section == "PINS" and head == "-":
                pin = _pin(stmt)
                design.pins[pin.name] = pin
            elif section == "NETS" and head == "-":
                net = _net(stmt)
                design.nets[net.name] = net
            elif not section:
                _header(design, head, stmt)
        except (ValueError, IndexError) as exc:
            raise ParseError(f"cannot read DEF statement `{' '.join(stmt[:8])} ...`: {exc}",
                             file=p, line=line) from None
    return design


def _statements(text: str) -> Iterator[tuple[int, list[str]]]:
    stmt: list[str] = []
    start = 1
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        for tok in _TOKEN.findall(line):
            if not stmt:
                start = lineno
            if tok == ";":
                yield start, stmt
                stmt = []
            elif tok == "END" and not stmt:
                stmt = [tok]
            else:
                stmt.append(tok)
                if stmt[0] == "END" and len(stmt) == 2:
                    yield start, stmt
                    stmt = []
    if stmt:
        yield start, stmt


def _header(design: DefDesign, head: str, stmt: list[str]) -> None:
    if head == "DESIGN":
        design.name = stmt[1]
    elif head == "UNITS":
        design.dbu = int(float(stmt[3]))
    elif head == "DIEAREA":
        nums = [int(float(t)) for t in stmt[1:] if t not in "()"]
        xs, ys = nums[0::2], nums[1::2]
        design.die = (min(xs), min(ys), max(xs), max(ys))
    elif head == "ROW":
        # ROW name site x y orient [DO nx BY ny [STEP sx sy]]
        row = Row(stmt[1], stmt[2], int(float(stmt[3])), int(float(stmt[4])), stmt[5], 1, 1, 0, 0)
        if "DO" in stmt:
            i = stmt.index("DO")
            row.num_x, row.num_y = int(stmt[i + 1]), int(stmt[i + 3])
        if "STEP" in stmt:
            i = stmt.index("STEP")
            row.step_x, row.step_y = int(float(stmt[i + 1])), int(float(stmt[i + 2]))
        design.rows.append(row)
    elif head == "TRACKS":
        design.tracks.append(" ".join(stmt))


def _location(stmt: list[str], start: int) -> tuple[str, int, int, str] | None:
    """Find ``+ PLACED|FIXED|COVER ( x y ) orient`` from ``start``."""
    for i in range(start, len(stmt) - 5):
        if stmt[i] in ("PLACED", "FIXED", "COVER") and stmt[i + 1] == "(":
            return stmt[i], int(float(stmt[i + 2])), int(float(stmt[i + 3])), stmt[i + 5]
    return None


def _component(stmt: list[str]) -> Component:
    comp = Component(_unescape(stmt[1]), stmt[2])
    loc = _location(stmt, 3)
    if loc:
        comp.status, comp.x, comp.y, comp.orient = loc
    return comp


def _pin(stmt: list[str]) -> Pin:
    pin = Pin(_unescape(stmt[1]), "")
    for i, tok in enumerate(stmt):
        nxt = stmt[i + 1] if i + 1 < len(stmt) else ""
        if tok == "NET":
            pin.net = _unescape(nxt)
        elif tok == "DIRECTION":
            pin.direction = nxt
        elif tok == "LAYER" and not pin.layer:
            pin.layer = nxt
    loc = _location(stmt, 2)
    if loc:
        pin.status, pin.x, pin.y, _ = loc
    return pin


def _net(stmt: list[str]) -> Net:
    net = Net(_unescape(stmt[1]))
    i = 2
    while i < len(stmt) and stmt[i] != "+":
        if stmt[i] == "(" and i + 3 < len(stmt) and stmt[i + 3] == ")":
            net.conns.append((_unescape(stmt[i + 1]), _unescape(stmt[i + 2])))
            i += 4
        else:
            i += 1
    while i < len(stmt):
        tok = stmt[i]
        if tok == "USE" and i + 1 < len(stmt):
            net.use = stmt[i + 1]
        if tok in ("ROUTED", "FIXED", "COVER", "NOSHIELD") and i > 0 and stmt[i - 1] == "+":
            i = _wiring(net, stmt, i + 1)
            continue
        i += 1
    return net


def _wiring(net: Net, stmt: list[str], i: int) -> int:
    """Sum wire length per layer from routed wiring starting at ``stmt[i]`` (a layer name)."""
    layer = ""
    prev: tuple[int, int] | None = None
    while i < len(stmt):
        tok = stmt[i]
        if tok == "+":
            return i
        if tok == "NEW":
            layer, prev = "", None
        elif tok in ("RECT", "VIRTUAL") and i + 1 < len(stmt) and stmt[i + 1] == "(":
            close = stmt.index(")", i)
            if tok == "VIRTUAL":
                prev = (int(float(stmt[i + 2])), int(float(stmt[i + 3])))
            i = close
        elif tok == "(":
            x_tok, y_tok = stmt[i + 1], stmt[i + 2]
            x = prev[0] if x_tok == "*" and prev else int(float(x_tok))
            y = prev[1] if y_tok == "*" and prev else int(float(y_tok))
            if prev is not None and layer:
                net.wire_length[layer] = net.wire_length.get(layer, 0) + abs(x - prev[0]) + abs(y - prev[1])
            prev = (x, y)
            i = stmt.index(")", i)
        elif not layer:
            layer = tok
        elif tok not in ("TAPER", "TAPERRULE", "STYLE", "MASK", "RECT", "VIRTUAL") and prev is not None:
            net.vias += 1
        i += 1
    return i


def _unescape(name: str) -> str:
    return name.replace("\\", "")


def _escape(name: str) -> str:
    return re.sub(r"([();\s])", r"\\\1", name)


def write_def(design: DefDesign, path: str | Path) -> Path:
    """Write ``design`` as DEF 5.8 (die, rows, tracks, components, pins, net connections)."""
    out = Path(path)
    lines = ["VERSION 5.8 ;", 'DIVIDERCHAR "/" ;', 'BUSBITCHARS "[]" ;', f"DESIGN {design.name} ;",
             f"UNITS DISTANCE MICRONS {design.dbu} ;", ""]
    x0, y0, x1, y1 = design.die
    lines.append(f"DIEAREA ( {x0} {y0} ) ( {x1} {y1} ) ;")
    for r in design.rows:
        lines.append(f"ROW {r.name} {r.site} {r.x} {r.y} {r.orient} DO {r.num_x} BY {r.num_y} "
                     f"STEP {r.step_x} {r.step_y} ;")
    lines.extend(f"{t} ;" for t in design.tracks)
    lines += ["", f"COMPONENTS {len(design.components)} ;"]
    for c in design.components.values():
        where = f" + {c.status} ( {c.x} {c.y} ) {c.orient}" if c.placed else ""
        lines.append(f"    - {_escape(c.name)} {c.macro}{where} ;")
    lines += ["END COMPONENTS", "", f"PINS {len(design.pins)} ;"]
    for p in design.pins.values():
        h = p.half_size
        layer = f" + LAYER {p.layer} ( {-h} {-h} ) ( {h} {h} )" if p.layer else ""
        where = f" + {p.status} ( {p.x} {p.y} ) N" if p.status != "UNPLACED" else ""
        lines.append(f"    - {_escape(p.name)} + NET {_escape(p.net)} + DIRECTION {p.direction} + USE SIGNAL"
                     f"{layer}{where} ;")
    lines += ["END PINS", "", f"NETS {len(design.nets)} ;"]
    for n in design.nets.values():
        # one connection per line, as qflow's place2def writes them: qrouter copies this
        # text into its routed DEF and inserts the wiring before each net's ";"
        lines.append(f"    - {_escape(n.name)}")
        lines.extend(f"      ( {_escape(i)} {_escape(p)} )" for i, p in n.conns)
        lines.append("      ;" if n.use == "SIGNAL" else f"      + USE {n.use} ;")
    lines += ["END NETS", "", "END DESIGN", ""]
    out.write_text("\n".join(lines))
    return out
