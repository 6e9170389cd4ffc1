"""Karnaugh maps, in Markdown (corner cell ``ab\\cd``) or plain text (column variables on a line of
their own, then ``cd  00 01 11 10``, then ``00 | 0 | 1 | d | 1 |`` rows with no ``---`` row).

Axis variables may be ports (``a``, ``b``), letters run together (``ab``) or bits of a port
(``x[1]x[2]``, numbered as the spec numbers them: :func:`index_map` maps the spec's numbering to
the RTL's). Cells ``d``, ``x``, ``-``, ``?`` are don't-cares: not checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chipchat.tbgen.blocks import PortSpec, Table
from chipchat.tbgen.text import clean

KMAP_CORNER = re.compile(r"^([A-Za-z_][\w, \[\]]*?)\s*\\+\s*([A-Za-z_][\w, \[\]]*?)$")
DONT = {"d", "x", "X", "-", "?", "D"}


@dataclass
class Var:
    port: str
    bit: int | None  # None: the whole (1-bit) port

    def py(self) -> str:
        return self.port if self.bit is None else f"(({self.port} >> {self.bit}) & 1)"

    def label(self) -> str:
        return self.port if self.bit is None else f"{self.port}[{self.bit}]"


@dataclass
class KMap:
    variables: list[Var]
    output: str
    cells: dict[tuple[int, ...], int | None]  # variable values -> output (None: don't care)
    lines: dict[tuple[int, ...], int]  # spec line of each cell's row


def index_map(text: str, port: PortSpec) -> int:
    """Offset from the spec's bit numbering to the RTL's: ``x[1]..x[4]`` on a ``[3:0]`` port → -1."""
    used = [int(i) for i in re.findall(rf"\b{re.escape(port.name)}\[(\d+)\]", text)]
    if not used or port.width <= 1:
        return 0
    lo, hi = min(used), max(used)
    if hi >= port.lsb + port.width and hi - lo < port.width:
        return port.lsb - lo
    return 0


def variables(text: str, ports: dict[str, PortSpec], spec_text: str) -> list[Var] | None:
    """``a, b`` / ``ab`` / ``x[1]x[2]`` / ``in`` as input bits; None unless every part is an input."""
    t = text.replace("`", "").replace(" ", "")
    parts = [p for p in t.split(",") if p] if "," in t else None
    if parts is None:
        parts = re.findall(r"[A-Za-z_]\w*\[\d+\]", t)
        if not parts or "".join(parts) != t:
            parts = [t] if t in ports else list(t)
    out: list[Var] = []
    for part in parts:
        m = re.fullmatch(r"([A-Za-z_]\w*)\[(\d+)\]", part)
        name = m.group(1) if m else part
        port = ports.get(name) or next((p for n, p in ports.items() if n.lower() == name.lower()), None)
        if port is None or port.direction != "input":
            return None
        if m:
            bit = int(m.group(2)) + index_map(spec_text, port) - port.lsb
            if not 0 <= bit < port.width:
                return None
            out.append(Var(port.name, bit))
        elif port.width == 1:
            out.append(Var(port.name, None))
        else:
            return None
    return out or None


def cell_value(text: str, width: int) -> int | None | str:
    """0/1 (or a hex digit for a wider output); None for a don't-care; 'bad' when unreadable."""
    t = clean(text)
    if t in DONT or t == "":
        return None
    if re.fullmatch(r"[01]", t):
        return int(t)
    if width > 1 and re.fullmatch(r"[0-9a-fA-F]+", t):
        return int(t, 16)
    return "bad"


def read(table: Table, ports: dict[str, PortSpec], spec_text: str, output: str | None) -> KMap | str:
    """The map as cells, or why it cannot be read."""
    corner = KMAP_CORNER.match(clean(table.header[0]).replace("`", "")) if table.header else None
    if table.layout == "markdown" or corner:
        m = corner
        if not m:
            return "not a Karnaugh map"
        row_vars, col_vars = variables(m.group(1), ports, spec_text), variables(m.group(2), ports, spec_text)
        labels, rows, lines = table.header[1:], table.rows, [table.row_line(n) for n in range(len(table.rows))]
    else:
        axis, head = table.text[0].strip(), table.header
        row_vars = variables(head[0], ports, spec_text)
        col_vars = variables(axis, ports, spec_text) if axis else None
        labels, rows, lines = head[1:], table.rows, table.lines
        if axis == "" and row_vars is None:
            return "the axis variables are not written above the map"
    if row_vars is None or col_vars is None:
        return "its axis labels are not input ports (or bits of them) of the design"
    if output is None:
        return "it does not say which output it is for (name one output in its caption)"
    width = ports[output].width or 1
    cells: dict[tuple[int, ...], int | None] = {}
    where: dict[tuple[int, ...], int] = {}
    for row, line in zip(rows, lines, strict=False):
        label = clean(row[0])
        for col, cell in zip(labels, row[1:], strict=False):
            bits = label + clean(col)
            if len(bits) != len(row_vars) + len(col_vars) or set(bits) - {"0", "1"}:
                return f"label '{label}'/'{clean(col)}' is not {len(row_vars)}+{len(col_vars)} bits"
            value = cell_value(cell, width)
            if value == "bad":
                return f"cell '{clean(cell)}' at line {line} is not 0, 1 or a don't-care"
            key = tuple(int(b) for b in bits)
            cells[key] = value  # type: ignore[assignment]
            where[key] = line
    if len(cells) != 2 ** (len(row_vars) + len(col_vars)):
        return f"it has {len(cells)} cells, not {2 ** (len(row_vars) + len(col_vars))}"
    return KMap(row_vars + col_vars, output, cells, where)


def output_for(table: Table, outputs: list[PortSpec], caption: str) -> str | None:
    """The output a map is for: the only output, or the one output its caption names."""
    if len(outputs) == 1:
        return outputs[0].name
    words = set(re.findall(r"\w+", caption + " " + table.title))
    named = [p.name for p in outputs if p.name in words]
    return named[0] if len(set(named)) == 1 else None
