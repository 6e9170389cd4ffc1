"""Read the parts of LEF that placement needs: units, sites, routing layers, macros and pins.

LEF is line-oriented in practice: block headers (``MACRO X``, ``PIN A``, ``PORT``,
``LAYER m1`` at top level, ``END X``) sit on their own line without ``;``, and every
other statement ends with ``;`` (possibly after several lines). This reader follows
that shape, keeps what placement, parasitic estimation and the picture need, and
skips the rest (vias, via rules, spacing tables, properties).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from chipchat.errors import DesignError, ParseError
from chipchat.formats.yosys_json import Netlist

# block headers that can open a section (the keyword, and whether a name follows)
_TOP_BLOCKS = {"LAYER", "SITE", "MACRO", "VIA", "VIARULE", "SPACING", "UNITS", "PROPERTYDEFINITIONS",
               "NONDEFAULTRULE", "BEGINEXT", "NOISETABLE", "CORRECTIONTABLE", "ARRAY", "IRDROP"}
_MACRO_BLOCKS = {"PIN", "OBS"}


@dataclass(frozen=True)
class Rect:
    llx: float
    lly: float
    urx: float
    ury: float

    @property
    def center(self) -> tuple[float, float]:
        return ((self.llx + self.urx) / 2, (self.lly + self.ury) / 2)


@dataclass
class Site:
    name: str
    cls: str
    width: float
    height: float
    symmetry: str = ""


@dataclass
class Layer:
    """A routing layer's geometry and electrical data (per-square resistance, area and edge capacitance)."""

    name: str
    type: str
    direction: str = ""
    pitch: float = 0.0
    width: float = 0.0
    offset: float = 0.0
    res_per_sq: float = 0.0  # ohm / square
    cap_per_sq: float = 0.0  # pF / um^2
    edge_cap: float = 0.0  # pF / um

    @property
    def res_per_um(self) -> float:
        """Wire resistance in ohm/um for a minimum-width wire (OpenROAD's ``dblayer_wire_rc``)."""
        return self.res_per_sq / self.width if self.width else 0.0

    @property
    def cap_per_um(self) -> float:
        """Wire capacitance in pF/um: area term plus two edges (OpenROAD's ``dblayer_wire_rc``)."""
        return self.width * self.cap_per_sq + 2 * self.edge_cap


@dataclass
class MacroPin:
    name: str
    direction: str = "INPUT"
    use: str = "SIGNAL"
    rects: list[Rect] = field(default_factory=list)

    @property
    def center(self) -> tuple[float, float]:
        """Centre of the pin's first shape (what a placer's pin model uses), or (0, 0) without shapes."""
        return self.rects[0].center if self.rects else (0.0, 0.0)


@dataclass
class Macro:
    name: str
    cls: str = "CORE"
    width: float = 0.0
    height: float = 0.0
    site: str = ""
    symmetry: str = ""
    origin: tuple[float, float] = (0.0, 0.0)
    pins: dict[str, MacroPin] = field(default_factory=dict)

    @property
    def area(self) -> float:
        return self.width * self.height

    def signal_pins(self) -> list[MacroPin]:
        return [p for p in self.pins.values() if p.use not in ("POWER", "GROUND")]


@dataclass
class LefLibrary:
    """Everything read from one or more LEF files (later files add to or override earlier ones)."""

    files: list[Path] = field(default_factory=list)
    dbu_per_micron: int = 100
    manufacturing_grid: float = 0.0
    sites: dict[str, Site] = field(default_factory=dict)
    layers: dict[str, Layer] = field(default_factory=dict)
    macros: dict[str, Macro] = field(default_factory=dict)

    def routing_layers(self) -> list[Layer]:
        return [layer for layer in self.layers.values() if layer.type == "ROUTING"]

    def core_site(self) -> Site | None:
        """The standard-cell site: the one most CORE macros name, else the first CORE site."""
        counts: dict[str, int] = {}
        for macro in self.macros.values():
            if macro.cls.startswith("CORE") and macro.site:
                counts[macro.site] = counts.get(macro.site, 0) + 1
        for name in sorted(counts, key=lambda n: -counts[n]):
            if name in self.sites:
                return self.sites[name]
        return next((s for s in self.sites.values() if s.cls == "CORE"), None)

    def signal_layers(self) -> tuple[Layer | None, Layer | None]:
        """(horizontal, vertical) layers used for wire estimates: the lowest of each above the first layer.

        The first routing layer is mostly taken by the cells' own wiring, so signal wires are
        estimated on the next layers up (as OpenROAD flows do with ``set_wire_rc -layer``).
        """
        routing = self.routing_layers()
        above = routing[1:] or routing
        horizontal = next((lay for lay in above if lay.direction == "HORIZONTAL"), None)
        vertical = next((lay for lay in above if lay.direction == "VERTICAL"), None)
        return horizontal or vertical, vertical or horizontal


def read_lef(paths: Iterable[str | Path]) -> LefLibrary:
    """Read LEF files (technology first, then cells) into one :class:`LefLibrary`."""
    lib = LefLibrary()
    for path in paths:
        p = Path(path)
        if not p.is_file():
            raise ParseError(f"LEF file {p} does not exist", file=p, hint="check the platform's LEF paths")
        lib.files.append(p)
        _Reader(p, lib).read()
    return lib


def lef_sites(path: Path | None) -> dict[str, tuple[float, float]]:
    """SITE name → (width, height) in microns, from one LEF file (empty when there is none)."""
    if path is None or not path.exists():
        return {}
    return {s.name: (s.width, s.height) for s in read_lef([path]).sites.values()}


def _statements(path: Path) -> Iterator[tuple[int, list[str], bool]]:
    """(line number, tokens, ended_with_semicolon) for each statement or block header."""
    buf: list[str] = []
    start = 0
    text = path.read_text(encoding="utf-8", errors="replace")
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"#.*", "", raw)
        tokens = re.findall(r'"[^"]*"|;|[^\s;]+', line)
        if not tokens:
            continue
        if not buf:
            start = lineno
        for tok in tokens:
            if tok == ";":
                yield start, buf, True
                buf = []
                start = lineno
            else:
                buf.append(tok)
        if buf and not line.rstrip().endswith(";") and _is_header(buf):
            yield start, buf, False
            buf = []
    if buf:
        yield start, buf, False


_BARE_BLOCKS = {"UNITS", "SPACING", "PROPERTYDEFINITIONS", "OBS", "PORT", "IRDROP", "NOISETABLE",
                "CORRECTIONTABLE"}


def _is_header(tokens: list[str]) -> bool:
    """A line without ``;`` that opens or closes a block (not a statement continued on the next line)."""
    head, n = tokens[0].upper(), len(tokens)
    if head == "END":
        return n <= 2
    if head in _BARE_BLOCKS:
        return n == 1
    if head in _TOP_BLOCKS or head in _MACRO_BLOCKS:
        return n == 2 or (n == 3 and tokens[2].upper() in ("DEFAULT", "GENERATE"))
    return False


class _Reader:
    def __init__(self, path: Path, lib: LefLibrary) -> None:
        self.path = path
        self.lib = lib
        self.stack: list[tuple[str, str]] = []  # (block keyword, name)
        self.layer: Layer | None = None
        self.site: Site | None = None
        self.macro: Macro | None = None
        self.pin: MacroPin | None = None
        self.port_layer = ""

    def fail(self, line: int, msg: str) -> ParseError:
        return ParseError(msg, file=self.path, line=line, hint="check the LEF syntax near this line")

    def read(self) -> None:
        for line, toks, terminated in _statements(self.path):
            if not toks:
                continue
            key = toks[0].upper()
            if not terminated and key == "END":
                self._end(line, toks)
            elif not terminated:
                self._open(line, key, toks)
            else:
                self._statement(line, key, toks)
        if self.stack and self.stack[-1][0] != "LIBRARY":
            kind, name = self.stack[-1]
            raise self.fail(0, f"{kind} {name} is not closed (missing END {name or kind})")

    def _open(self, line: int, key: str, toks: list[str]) -> None:
        name = toks[1] if len(toks) > 1 else ""
        context = self.stack[-1][0] if self.stack else ""
        if key == "MACRO" and not context:
            self.macro = self.lib.macros[name] = Macro(name)
        elif key == "PIN" and context == "MACRO" and self.macro is not None:
            self.pin = self.macro.pins[name] = MacroPin(name)
        elif key == "LAYER" and not context:
            self.layer = Layer(name, "")
            self.lib.layers[name] = self.layer
        elif key == "SITE" and not context:
            self.site = self.lib.sites[name] = Site(name, "CORE", 0.0, 0.0)
        elif key == "PORT":
            self.port_layer = ""
        elif key not in _TOP_BLOCKS and key not in _MACRO_BLOCKS:
            raise self.fail(line, f"unexpected block {' '.join(toks)}")
        self.stack.append((key, name if key not in ("PORT", "OBS", "UNITS", "SPACING") else ""))

    def _end(self, line: int, toks: list[str]) -> None:
        name = toks[1] if len(toks) > 1 else ""
        if name.upper() == "LIBRARY":
            self.stack = [("LIBRARY", "")]
            return
        if not self.stack:
            raise self.fail(line, f"END {name} without an open block")
        kind, opened = self.stack.pop()
        if opened and name and name != opened and kind not in ("SPACING", "UNITS", "PROPERTYDEFINITIONS"):
            raise self.fail(line, f"END {name} closes {kind} {opened}")
        if kind == "MACRO":
            self.macro = None
        elif kind == "PIN":
            self.pin = None
        elif kind == "LAYER":
            self.layer = None
        elif kind == "SITE":
            self.site = None

    def _statement(self, line: int, key: str, toks: list[str]) -> None:
        context = self.stack[-1][0] if self.stack else ""
        try:
            if context == "UNITS" and key == "DATABASE" and len(toks) >= 3:
                self.lib.dbu_per_micron = int(float(toks[2]))
            elif not context and key == "MANUFACTURINGGRID":
                self.lib.manufacturing_grid = float(toks[1])
            elif context == "LAYER" and self.layer is not None:
                _layer_statement(self.layer, key, toks)
            elif context == "SITE" and self.site is not None:
                _site_statement(self.site, key, toks)
            elif context == "MACRO" and self.macro is not None:
                _macro_statement(self.macro, key, toks)
            elif context == "PIN" and self.pin is not None:
                if key == "DIRECTION":
                    self.pin.direction = toks[1].upper()
                elif key == "USE":
                    self.pin.use = toks[1].upper()
            elif context == "PORT" and self.pin is not None:
                if key == "LAYER":
                    self.port_layer = toks[1]
                elif key == "RECT":
                    nums = [float(t) for t in toks[1:] if _is_number(t)]
                    self.pin.rects.append(Rect(*nums[-4:]))
                elif key == "POLYGON":
                    nums = [float(t) for t in toks[1:] if _is_number(t)]
                    xs, ys = nums[0::2], nums[1::2]
                    self.pin.rects.append(Rect(min(xs), min(ys), max(xs), max(ys)))
        except (ValueError, IndexError, TypeError) as exc:
            raise self.fail(line, f"cannot read `{' '.join(toks)}`: {exc}") from None


def _layer_statement(layer: Layer, key: str, toks: list[str]) -> None:
    if key == "TYPE":
        layer.type = toks[1].upper()
    elif key == "DIRECTION":
        layer.direction = toks[1].upper()
    elif key == "PITCH":
        layer.pitch = float(toks[1])
    elif key == "WIDTH":
        layer.width = float(toks[1])
    elif key == "OFFSET":
        layer.offset = float(toks[1])
    elif key == "RESISTANCE" and len(toks) >= 3 and toks[1].upper() == "RPERSQ":
        layer.res_per_sq = float(toks[2])
    elif key == "CAPACITANCE" and len(toks) >= 3 and toks[1].upper() == "CPERSQDIST":
        layer.cap_per_sq = float(toks[2])
    elif key == "EDGECAPACITANCE":
        layer.edge_cap = float(toks[1])


def _site_statement(site: Site, key: str, toks: list[str]) -> None:
    if key == "CLASS":
        site.cls = toks[1].upper()
    elif key == "SIZE":
        site.width, site.height = float(toks[1]), float(toks[3])
    elif key == "SYMMETRY":
        site.symmetry = " ".join(toks[1:])


def _macro_statement(macro: Macro, key: str, toks: list[str]) -> None:
    if key == "CLASS":
        macro.cls = " ".join(toks[1:]).upper()
    elif key == "SIZE":
        macro.width, macro.height = float(toks[1]), float(toks[3])
    elif key == "SITE":
        macro.site = toks[1]
    elif key == "SYMMETRY":
        macro.symmetry = " ".join(toks[1:])
    elif key == "ORIGIN":
        macro.origin = (float(toks[1]), float(toks[2]))


def _is_number(tok: str) -> bool:
    try:
        float(tok)
    except ValueError:
        return False
    return True


def check_against_lef(netlist: Netlist, lef: LefLibrary, lef_label: str) -> None:
    """Raise a clear :class:`DesignError` when netlist cells or pins are missing from the LEF."""
    missing = sorted(t for t in netlist.cell_types() if t not in lef.macros)
    if missing:
        used = sum(1 for c in netlist.cells.values() if c.type in missing)
        raise DesignError(
            f"{len(missing)} cell type(s) used by the netlist ({used} instances) are not in the LEF "
            f"{lef_label}: {', '.join(missing[:12])}{' ...' if len(missing) > 12 else ''}",
            hint="the liberty used for synthesis and the LEF must describe the same cell library: "
                 "pick a platform whose .lib and .lef match, or add the missing macros to the LEF")
    for cell in netlist.cells.values():
        macro = lef.macros[cell.type]
        for pin in cell.pins:
            if pin not in macro.pins:
                raise DesignError(
                    f"pin {pin} of cell {cell.type} (instance {cell.name}) is not in the LEF {lef_label}",
                    hint="the liberty and LEF disagree on this cell's pins; use a matching LEF/liberty pair")
