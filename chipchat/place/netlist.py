"""A flat gate-level netlist, read from Yosys JSON, checked against the cell library's LEF.

Placement needs the cells, their pin-to-net connections and the top-level ports, with the
net names OpenSTA will use when it reads the same Verilog netlist (so that the parasitics
written for a net can be annotated onto it). The JSON is produced by Yosys from the
synthesized Verilog netlist (:func:`yosys_json_script`), so names agree with that file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chipchat import toolchain
from chipchat.errors import DesignError, ParseError, ToolFailed
from chipchat.formats.lef import LefLibrary
from chipchat.steps.step import RunDir


@dataclass
class Cell:
    name: str
    type: str
    conns: dict[str, int | str] = field(default_factory=dict)  # pin -> net bit id (or "0"/"1" constant)


@dataclass
class Port:
    name: str  # the bit's name as OpenSTA sees it, e.g. ``a[3]``
    direction: str  # input, output, inout
    bit: int | str


@dataclass
class Netlist:
    top: str
    cells: dict[str, Cell] = field(default_factory=dict)
    ports: list[Port] = field(default_factory=list)
    net_names: dict[int, str] = field(default_factory=dict)

    def cell_types(self) -> set[str]:
        return {c.type for c in self.cells.values()}

    def nets(self) -> dict[int, list[tuple[str, str]]]:
        """Bit id -> connected (instance, pin) pairs; top-level ports appear as ("PIN", port name)."""
        out: dict[int, list[tuple[str, str]]] = {}
        for port in self.ports:
            if isinstance(port.bit, int):
                out.setdefault(port.bit, []).append(("PIN", port.name))
        for cell in self.cells.values():
            for pin, bit in cell.conns.items():
                if isinstance(bit, int):
                    out.setdefault(bit, []).append((cell.name, pin))
        return out

    def net_name(self, bit: int) -> str:
        return self.net_names.get(bit, f"_net{bit}_")


def yosys_json_script(netlist_v: Path, liberty: list[Path], top: str, out_json: Path) -> str:
    """The Yosys script that turns a synthesized Verilog netlist into JSON with the same names."""
    lines = [f"read_liberty -lib {_q(lib)}" for lib in liberty]
    lines += [f"read_verilog {_q(netlist_v)}", f"hierarchy -check -top {top}", f"write_json {_q(out_json)}"]
    return "\n".join(lines) + "\n"


def load_netlist(run: RunDir, netlist_v: Path, liberty: list[Path], top: str) -> tuple[Netlist, Path]:
    """Convert the Verilog netlist to JSON with Yosys (log ``yosys_json.log``) and read it."""
    json_path = run.file(f"{top}.json")
    script = run.file("yosys_json.ys")
    script.write_text(yosys_json_script(netlist_v, liberty, top, json_path))
    yosys = toolchain.find_tool("yosys")
    result = run.exec(yosys.argv("-q", "-s", str(script)), log="yosys_json.log", tool="yosys")
    if not result.ok:
        raise ToolFailed("yosys", "Yosys could not read the synthesized netlist", log_tail=result.tail(),
                         log_path=result.log_path, returncode=result.returncode)
    return read_yosys_json(json_path, top), json_path


def _q(path: Path) -> str:
    return '"' + str(path).replace('"', '\\"') + '"'


def read_yosys_json(path: Path, top: str) -> Netlist:
    """Read the module ``top`` from a Yosys JSON netlist."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ParseError(f"cannot read the Yosys JSON netlist: {exc}", file=path) from exc
    modules: dict[str, Any] = data.get("modules", {})
    if top not in modules:
        raise DesignError(f"module {top} is not in the synthesized netlist {path}",
                          hint=f"modules there: {', '.join(sorted(modules)) or 'none'}")
    mod = modules[top]
    defined = {name for name, m in modules.items() if not m.get("attributes", {}).get("blackbox")}
    sub = sorted(c["type"] for c in mod.get("cells", {}).values() if c["type"] in defined)
    if sub:
        raise DesignError(
            f"the netlist of {top} is hierarchical (it instantiates {', '.join(sorted(set(sub)))})",
            hint="placement needs a flat netlist: synthesize with flattening (yosys `synth -flatten`)")
    netlist = Netlist(top)
    names: dict[int, tuple[int, str]] = {}  # bit -> (preference rank, name)
    for pname, port in mod.get("ports", {}).items():
        bits = port.get("bits", [])
        for i, bit in enumerate(bits):
            bname = _bit_name(pname, i, len(bits), port.get("offset", 0), port.get("upto", 0))
            netlist.ports.append(Port(bname, port.get("direction", "input"), bit))
            if isinstance(bit, int):
                names[bit] = min(names.get(bit, (9, "")), (0, bname))
    for nname, net in mod.get("netnames", {}).items():
        bits = net.get("bits", [])
        rank = 2 if net.get("hide_name") else 1
        for i, bit in enumerate(bits):
            if isinstance(bit, int):
                bname = _bit_name(nname, i, len(bits), net.get("offset", 0), net.get("upto", 0))
                names[bit] = min(names.get(bit, (9, "")), (rank, bname), key=lambda t: (t[0], len(t[1]), t[1]))
    netlist.net_names = {bit: name for bit, (_, name) in names.items()}
    for cname, cell in mod.get("cells", {}).items():
        conns: dict[str, int | str] = {}
        for pin, bits in cell.get("connections", {}).items():
            if len(bits) != 1:
                raise DesignError(f"cell {cname} ({cell['type']}) pin {pin} has {len(bits)} bits",
                                  hint="placement needs a netlist mapped to single-bit standard cells")
            conns[pin] = bits[0]
        netlist.cells[cname] = Cell(cname, cell["type"], conns)
    return netlist


def _bit_name(name: str, i: int, width: int, offset: int, upto: int) -> str:
    if width == 1 and not offset:
        return name
    index = offset + (width - 1 - i if upto else i)
    return f"{name}[{index}]"


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
        for pin in cell.conns:
            if pin not in macro.pins:
                raise DesignError(
                    f"pin {pin} of cell {cell.type} (instance {cell.name}) is not in the LEF {lef_label}",
                    hint="the liberty and LEF disagree on this cell's pins; use a matching LEF/liberty pair")

