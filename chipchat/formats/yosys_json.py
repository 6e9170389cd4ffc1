"""The synthesized netlist read from Yosys ``write_json``: the bridge back to RTL, and the cells to place.

Yosys keeps the RTL names of nets (``acc``, ``u_core.state``) with their ``src``
locations in the JSON ``netnames``; the instance and net names match ``netlist.v``
(the synthesis recipe runs ``rename -enumerate`` before writing both). From here a
pin in an OpenSTA path (``_3536_/D``) becomes a net bit, an RTL signal
(``acc[31]``) and a source line, and each net's *support* — the registers and input
ports its value is computed from — tells which RTL statement a gate belongs to.

Placement reads the same netlist as single-bit cells and per-bit ports (:meth:`Netlist.port_bits`,
:meth:`Cell.pins`), with net names as OpenSTA will print them when it reads the Verilog
netlist (:meth:`Netlist.net_name`), so parasitics written for a net can be annotated onto it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chipchat.errors import DesignError, ParseError

ANONYMOUS = re.compile(r"^(_\d+_|\$.*)$")
_BIT_NAME = re.compile(r"^(?P<base>.+?)\[(?P<index>-?\d+)\]$")
Bit = int | str  # Yosys JSON: an int net bit, or "0" / "1" / "x" / "z" for constants


@dataclass
class Cell:
    name: str
    type: str
    connections: dict[str, list[Bit]]
    directions: dict[str, str]
    src: str = ""
    hdlname: str = ""

    @property
    def pins(self) -> dict[str, Bit]:
        """Pin -> its one net bit (or constant): the view of a cell mapped to single-bit standard cells."""
        return {pin: bits[0] for pin, bits in self.connections.items() if bits}

    def bits(self, direction: str) -> list[int]:
        return [b for pin, bits in self.connections.items() if self.directions.get(pin) == direction
                for b in bits if isinstance(b, int)]


@dataclass
class NetName:
    name: str
    bits: list[Bit]
    offset: int = 0
    upto: bool = False
    src: str = ""
    hdlname: str = ""
    hidden: bool = False  # Yosys's hide_name: an internal name (``$abc$123$n45``)

    @property
    def anonymous(self) -> bool:
        return bool(ANONYMOUS.match(self.name))

    def index_of(self, pos: int) -> int:
        """The RTL index of the ``pos``-th bit (Yosys stores bits LSB first)."""
        return self.offset + (len(self.bits) - 1 - pos if self.upto else pos)

    def bit_at(self, index: int) -> Bit | None:
        pos = (len(self.bits) - 1 - (index - self.offset)) if self.upto else index - self.offset
        return self.bits[pos] if 0 <= pos < len(self.bits) else None


@dataclass
class Port:
    name: str
    direction: str
    bits: list[Bit]
    offset: int = 0
    upto: bool = False

    def bit_names(self) -> list[str]:
        """The OpenSTA name of each bit, LSB first (``a[3]``; a 1-bit port is just ``a``)."""
        return [_indexed(self.name, i, len(self.bits), self.offset, self.upto) for i in range(len(self.bits))]


@dataclass(frozen=True)
class PortBit:
    name: str  # the bit's name as OpenSTA sees it, e.g. ``a[3]``
    direction: str  # input, output, inout
    bit: Bit


@dataclass
class Netlist:
    """One flattened module of a Yosys JSON netlist, indexed for tracing paths."""

    top: str
    cells: dict[str, Cell]
    ports: dict[str, Port]
    netnames: dict[str, NetName]
    sequential_types: set[str] = field(default_factory=set)
    drivers: dict[int, tuple[str, str]] = field(default_factory=dict)  # bit -> (cell or "", pin or port)
    loads: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    names_of_bit: dict[int, list[tuple[str, int]]] = field(default_factory=dict)  # bit -> (netname, index)
    prefer: Callable[[tuple[str, int, NetName]], Any] | None = None  # sort key choosing among a bit's RTL names
    _support: dict[int, frozenset[str]] = field(default_factory=dict, repr=False)
    _sta_names: dict[int, str] = field(default_factory=dict, repr=False)

    # -- loading -------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path, *, top: str | None = None, sequential_types: set[str] | None = None,
             flat: bool = False) -> Netlist:
        """Read ``top`` (default: the JSON's top) from a file; ``flat`` requires single-bit cells and no
        hierarchy, as placement does, with a clear error otherwise."""
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise ParseError(f"cannot read the Yosys JSON netlist: {exc}", file=path) from None
        if flat:
            _check_flat(data, top, Path(path))
        return cls.from_json(data, top=top, sequential_types=sequential_types)

    @classmethod
    def from_json(cls, data: dict[str, Any], *, top: str | None = None,
                  sequential_types: set[str] | None = None) -> Netlist:
        modules = data.get("modules", {})
        name = top if top in modules else _top_of(modules)
        if name is None:
            raise ParseError("the Yosys JSON netlist has no top module")
        mod = modules[name]
        cells = {
            cname: Cell(cname, c["type"], c.get("connections", {}), c.get("port_directions", {}),
                        c.get("attributes", {}).get("src", ""), c.get("attributes", {}).get("hdlname", ""))
            for cname, c in mod.get("cells", {}).items()
        }
        ports = {p: Port(p, d["direction"], d["bits"], int(d.get("offset", 0)), bool(d.get("upto", 0)))
                 for p, d in mod.get("ports", {}).items()}
        netnames = {
            n: NetName(n, d["bits"], int(d.get("offset", 0)), bool(d.get("upto", 0)),
                       d.get("attributes", {}).get("src", ""), d.get("attributes", {}).get("hdlname", ""),
                       bool(d.get("hide_name", 0)))
            for n, d in mod.get("netnames", {}).items()
        }
        seq = set(sequential_types or ())
        net = cls(name, cells, ports, netnames, seq)
        net._index()
        return net

    def _index(self) -> None:
        for port in self.ports.values():
            if port.direction in ("input", "inout"):
                for b in port.bits:
                    if isinstance(b, int):
                        self.drivers[b] = ("", port.name)
            if port.direction in ("output", "inout"):
                for b in port.bits:
                    if isinstance(b, int):
                        self.loads.setdefault(b, []).append(("", port.name))
        for cell in self.cells.values():
            for pin, bits in cell.connections.items():
                direction = cell.directions.get(pin, "")
                for b in bits:
                    if not isinstance(b, int):
                        continue
                    if direction == "output":
                        self.drivers[b] = (cell.name, pin)
                    elif direction in ("input", "inout"):
                        self.loads.setdefault(b, []).append((cell.name, pin))
        for n in self.netnames.values():
            for pos, b in enumerate(n.bits):
                if isinstance(b, int):
                    self.names_of_bit.setdefault(b, []).append((n.name, n.index_of(pos)))

    # -- lookups -------------------------------------------------------------------------
    def is_sequential(self, cell: Cell) -> bool:
        return cell.type in self.sequential_types

    def bit_of_net(self, name: str) -> int | None:
        """The bit of an OpenSTA net name (``acc[3]``, ``_0067_``, ``u_core.x``)."""
        clean = name.replace("\\", "")
        if clean in self.netnames:
            bits = self.netnames[clean].bits
            return bits[0] if len(bits) == 1 and isinstance(bits[0], int) else None
        match = _BIT_NAME.match(clean)
        if match and match.group("base") in self.netnames:
            bit = self.netnames[match.group("base")].bit_at(int(match.group("index")))
            return bit if isinstance(bit, int) else None
        if clean in self.ports:
            bits = self.ports[clean].bits
            return bits[0] if len(bits) == 1 and isinstance(bits[0], int) else None
        return None

    def bit_of_pin(self, pin: str) -> int | None:
        """The net bit on an OpenSTA pin ``inst/PIN`` or a port (``a[5]``)."""
        clean = pin.replace("\\", "")
        inst, _, pname = clean.rpartition("/")
        if inst and inst in self.cells:
            bits = self.cells[inst].connections.get(pname, [])
            return bits[0] if bits and isinstance(bits[0], int) else None
        return self.bit_of_net(clean)

    def cell(self, instance: str) -> Cell | None:
        return self.cells.get(instance.replace("\\", ""))

    def fanout(self, bit: int) -> int:
        return len(self.loads.get(bit, []))

    def rtl_names(self, bit: int) -> list[tuple[str, int, NetName]]:
        """Public (RTL) names of ``bit``: (netname, index, NetName), in JSON order."""
        out = []
        for name, index in self.names_of_bit.get(bit, []):
            nn = self.netnames[name]
            if not nn.anonymous:
                out.append((name, index, nn))
        return out

    def display_name(self, bit: int) -> str:
        """The best human name of ``bit``: an RTL name (``acc[31]``) if any, else the netlist name."""
        names = self.rtl_names(bit)
        if names:
            best = min(names, key=self.prefer or self._preference)
            return _bit_text(best[0], best[1], best[2])
        anon = self.names_of_bit.get(bit, [])
        if anon:
            name, index = anon[0]
            return _bit_text(name, index, self.netnames[name])
        return f"bit{bit}"

    def _preference(self, entry: tuple[str, int, NetName]) -> tuple[bool, int, int, str]:
        """Without RTL knowledge: internal names before top-level ports (``state`` over ``y`` in
        ``assign y = state``), then the deepest hierarchical name (where the value is made), then the shortest."""
        name = entry[0]
        return (name in self.ports, -name.count("."), len(name), name)

    def clock_bits(self) -> set[int]:
        """Bits that drive a sequential cell's clock pin (excluded from fanout statistics)."""
        clocks: set[int] = set()
        for cell in self.cells.values():
            if self.is_sequential(cell):
                for pin, bits in cell.connections.items():
                    if pin.upper() in ("CLK", "CK", "C", "CLOCK", "G", "GATE", "CLK_N", "GN"):
                        clocks.update(b for b in bits if isinstance(b, int))
        return clocks

    def fanout_stats(self) -> tuple[int, str, Counter[int]]:
        """(max fanout, name of that net, histogram) over signal nets (clock nets excluded)."""
        clocks = self.clock_bits()
        hist: Counter[int] = Counter()
        best, best_bit = 0, -1
        for bit, loads in self.loads.items():
            if bit in clocks:
                continue
            n = len(loads)
            hist[n] += 1
            if n > best:
                best, best_bit = n, bit
        return best, (self.display_name(best_bit) if best_bit >= 0 else ""), hist

    # -- support: which registers / inputs a net is computed from -------------------------
    def source_name(self, bit: int) -> str | None:
        """The RTL signal (no bit index) a *source* bit stands for: a flop output or an input port."""
        driver = self.drivers.get(bit)
        if driver is None:
            return None
        cell_name, pin = driver
        if cell_name == "":
            return pin
        names = self.rtl_names(bit)
        if names:
            return min(names, key=self.prefer or self._preference)[0]
        return None

    def support(self, bit: int) -> frozenset[str]:
        """RTL signals (registers and input ports) in the transitive fan-in of ``bit``."""
        memo = self._support
        if bit in memo:
            return memo[bit]
        stack = [bit]
        expanded: set[int] = set()
        while stack:
            b = stack[-1]
            if b in memo:
                stack.pop()
                continue
            driver = self.drivers.get(b)
            cell = self.cells.get(driver[0]) if driver and driver[0] else None
            if cell is None or self.is_sequential(cell):
                name = self.source_name(b)
                memo[b] = frozenset([name]) if name else frozenset()
                stack.pop()
                continue
            inputs = cell.bits("input")
            if b not in expanded:
                expanded.add(b)
                pending = [i for i in inputs if i not in memo and i not in expanded]
                if pending:
                    stack.extend(pending)
                    continue
            stack.pop()
            result: set[str] = set()
            for i in inputs:
                result |= memo.get(i, frozenset())
            memo[b] = frozenset(result)
        return memo[bit]

    def flop_output_bit(self, cell: Cell) -> int | None:
        for pin, bits in cell.connections.items():
            if (cell.directions.get(pin) == "output" and bits and isinstance(bits[0], int)
                    and (pin.upper() in ("Q", "QN", "Q_N") or len(cell.bits("output")) == 1)):
                return bits[0]
        return None

    def flop_data_bit(self, cell: Cell) -> int | None:
        for pin in ("D", "d", "DATA"):
            bits = cell.connections.get(pin)
            if bits and isinstance(bits[0], int):
                return bits[0]
        return None


    # -- the placement view: single-bit cells, per-bit ports, OpenSTA net names ---------------
    def cell_types(self) -> set[str]:
        return {c.type for c in self.cells.values()}

    def port_bits(self) -> list[PortBit]:
        return [PortBit(name, p.direction, bit) for p in self.ports.values()
                for name, bit in zip(p.bit_names(), p.bits, strict=True)]

    def nets(self) -> dict[int, list[tuple[str, str]]]:
        """Bit -> connected (instance, pin) pairs; top-level ports appear as ("PIN", port bit name)."""
        out: dict[int, list[tuple[str, str]]] = {}
        for port in self.port_bits():
            if isinstance(port.bit, int):
                out.setdefault(port.bit, []).append(("PIN", port.name))
        for cell in self.cells.values():
            for pin, bit in cell.pins.items():
                if isinstance(bit, int):
                    out.setdefault(bit, []).append((cell.name, pin))
        return out

    def net_name(self, bit: int) -> str:
        """The name OpenSTA gives ``bit`` reading the Verilog netlist: a port bit's, else a public net's, else
        an internal one (shortest first)."""
        if not self._sta_names:
            ranked: dict[int, tuple[int, int, str]] = {}
            for port in self.port_bits():
                if isinstance(port.bit, int):
                    ranked[port.bit] = min(ranked.get(port.bit, (9, 0, "")), (0, len(port.name), port.name))
            for nn in self.netnames.values():
                rank = 2 if nn.hidden else 1
                for pos, b in enumerate(nn.bits):
                    if isinstance(b, int):
                        name = _indexed(nn.name, pos, len(nn.bits), nn.offset, nn.upto)
                        ranked[b] = min(ranked.get(b, (9, 0, "")), (rank, len(name), name))
            self._sta_names = {b: name for b, (_, _, name) in ranked.items()}
        return self._sta_names.get(bit, f"_net{bit}_")


def _check_flat(data: dict[str, Any], top: str | None, path: Path) -> None:
    modules: dict[str, Any] = data.get("modules", {})
    name = top if top in modules else _top_of(modules)
    if name is None:
        raise DesignError(f"module {top} is not in the synthesized netlist {path}",
                          hint=f"modules there: {', '.join(sorted(modules)) or 'none'}")
    mod = modules[name]
    defined = {n for n, m in modules.items() if not m.get("attributes", {}).get("blackbox")}
    sub = sorted({c["type"] for c in mod.get("cells", {}).values() if c["type"] in defined})
    if sub:
        raise DesignError(f"the netlist of {name} is hierarchical (it instantiates {', '.join(sub)})",
                          hint="placement needs a flat netlist: synthesize with flattening (yosys `synth -flatten`)")
    for cname, cell in mod.get("cells", {}).items():
        for pin, bits in cell.get("connections", {}).items():
            if len(bits) != 1:
                raise DesignError(f"cell {cname} ({cell['type']}) pin {pin} has {len(bits)} bits",
                                  hint="placement needs a netlist mapped to single-bit standard cells")


def _indexed(name: str, pos: int, width: int, offset: int, upto: bool) -> str:
    if width == 1 and not offset:
        return name
    return f"{name}[{offset + (width - 1 - pos if upto else pos)}]"


def _top_of(modules: dict[str, Any]) -> str | None:
    for name, mod in modules.items():
        if int(mod.get("attributes", {}).get("top", 0) or 0):
            return name
    real = [n for n, m in modules.items() if not int(m.get("attributes", {}).get("blackbox", 0) or 0)]
    return real[0] if len(real) == 1 else None




def _bit_text(name: str, index: int, nn: NetName) -> str:
    return name if len(nn.bits) == 1 and nn.offset == 0 and index == 0 else f"{name}[{index}]"
