"""Read what chipchat needs from a Liberty (.lib) file, and reject one that does not parse.

Not a full Liberty model: cells with their area, pins (direction, function,
capacitance), whether they are sequential, and the library's units. Enough to
pick buffer/inverter/tie/fill cells for a platform, to know which netlist cells
are flip-flops, and to say ``file:line: what is wrong`` before Yosys (which can
crash on a truncated library) or OpenSTA ever see a broken file.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from chipchat.errors import ParseError

_TOKEN = re.compile(
    r'(?P<ws>[ \t\r\f]+)|(?P<nl>\n)|(?P<cont>\\\r?\n)|(?P<comment>/\*.*?\*/)|(?P<line_comment>//[^\n]*)'
    r'|(?P<opencomment>/\*)|(?P<string>"(?:[^"\\\n]|\\.|\\\n)*")|(?P<badstring>"[^\n]*)'
    r'|(?P<punct>[(){};:,])|(?P<word>[^\s(){};:,"]+)',
    re.S,
)


@dataclass
class LibPin:
    name: str
    direction: str = ""
    function: str = ""
    capacitance: float = 0.0
    clock: bool = False


@dataclass
class LibCell:
    name: str
    area: float = 0.0
    pins: dict[str, LibPin] = field(default_factory=dict)
    sequential: bool = False  # has an ff/latch group
    dont_use: bool = False
    three_state: bool = False
    pad: bool = False

    def inputs(self) -> list[str]:
        return [p.name for p in self.pins.values() if p.direction == "input"]

    def outputs(self) -> list[str]:
        return [p.name for p in self.pins.values() if p.direction == "output"]


@dataclass
class Liberty:
    path: Path
    name: str
    time_unit: str = "1ns"
    capacitive_load_unit: str = "1pf"
    cells: dict[str, LibCell] = field(default_factory=dict)

    @property
    def time_unit_ns(self) -> float:
        """How many nanoseconds one library time unit is (1 for "1ns", 0.001 for "1ps")."""
        match = re.match(r"^\s*(\d*\.?\d+)\s*(ps|ns|us)\s*$", self.time_unit.lower())
        if not match:
            return 1.0
        return float(match.group(1)) * {"ps": 1e-3, "ns": 1.0, "us": 1e3}[match.group(2)]

    def buffers(self) -> list[LibCell]:
        """Non-inverting single-input combinational cells (function equal to the input), smallest first."""
        found = [c for c in self.cells.values() if _is_unary(c, invert=False)]
        return sorted(found, key=lambda c: (c.area, c.name))

    def inverters(self) -> list[LibCell]:
        found = [c for c in self.cells.values() if _is_unary(c, invert=True)]
        return sorted(found, key=lambda c: (c.area, c.name))

    def ties(self) -> tuple[tuple[str, str] | None, tuple[str, str] | None]:
        """(tie-high cell, pin), (tie-low cell, pin) when the library has them."""
        hi = lo = None
        for cell in sorted(self.cells.values(), key=lambda c: c.area):
            if cell.inputs() or cell.sequential:
                continue
            for pin in cell.pins.values():
                if pin.direction != "output":
                    continue
                value = pin.function.strip().strip('"').strip()
                if value == "1" and hi is None:
                    hi = (cell.name, pin.name)
                elif value == "0" and lo is None:
                    lo = (cell.name, pin.name)
        return hi, lo

    def fillers(self) -> list[str]:
        """Cells without any signal pin (fill/decap/tap), by name."""
        return sorted(c.name for c in self.cells.values() if not c.pins and not c.pad)

    def flops(self) -> list[str]:
        return sorted(c.name for c in self.cells.values() if c.sequential)


def _is_unary(cell: LibCell, *, invert: bool) -> bool:
    if cell.sequential or cell.three_state or cell.dont_use or cell.pad:
        return False
    ins, outs = cell.inputs(), cell.outputs()
    if len(ins) != 1 or len(outs) != 1:
        return False
    func = re.sub(r"[\s\"()]", "", cell.pins[outs[0]].function)
    name = ins[0]
    return func in ({f"!{name}", f"{name}'"} if invert else {name})


def read_liberty(path: str | os.PathLike[str]) -> Liberty:
    """Parse ``path`` (cached by path, size and mtime); :class:`ParseError` with file:line if it is malformed."""
    p = Path(path)
    try:
        stat = p.stat()
    except OSError as exc:
        raise ParseError(f"cannot read liberty file: {exc.strerror}", file=p,
                         hint="check the path of the liberty (.lib) file") from None
    return _read_cached(str(p.resolve()), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _read_cached(path: str, size: int, mtime_ns: int) -> Liberty:
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    return parse_liberty(text, Path(path))


def parse_liberty(text: str, path: Path) -> Liberty:
    """Parse Liberty ``text``; errors name ``path`` and the line."""
    tokens = _tokenize(text, path)
    parser = _Parser(tokens, path)
    groups = parser.parse_top()
    libs = [g for g in groups if g.kind == "library"]
    if not libs:
        raise ParseError("no `library (...) { ... }` group found: this is not a liberty file", file=path, line=1,
                         hint="pass a Liberty timing library (.lib)")
    return _build(libs[0], path)


@dataclass
class _Group:
    kind: str
    args: list[str]
    line: int
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[_Group] = field(default_factory=list)


def _tokenize(text: str, path: Path) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    line = 1
    pos = 0
    n = len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        if m is None:  # pragma: no cover - the word pattern matches any other character
            raise ParseError(f"unexpected character {text[pos]!r}", file=path, line=line)
        kind = m.lastgroup or ""
        value = m.group()
        if kind == "badstring":
            raise ParseError("unterminated string (a \" without its closing quote)", file=path, line=line,
                             hint="the liberty file is truncated or corrupted")
        if kind == "opencomment":
            raise ParseError("unterminated /* comment", file=path, line=line)
        if kind in ("punct", "word", "string"):
            out.append((kind, value, line))
        line += value.count("\n")
        pos = m.end()
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, int]], path: Path) -> None:
        self.toks = tokens
        self.i = 0
        self.path = path

    def _err(self, message: str, line: int | None = None) -> ParseError:
        if line is None:
            line = self.toks[min(self.i, len(self.toks) - 1)][2] if self.toks else 1
        return ParseError(message, file=self.path, line=line, hint="the liberty file is malformed or truncated")

    def peek(self, k: int = 0) -> tuple[str, str, int] | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def take(self) -> tuple[str, str, int]:
        tok = self.peek()
        if tok is None:
            raise self._err("unexpected end of file (a group is not closed with `}`)")
        self.i += 1
        return tok

    def expect(self, value: str) -> tuple[str, str, int]:
        tok = self.take()
        if tok[1] != value:
            raise self._err(f"expected `{value}`, found `{tok[1]}`", tok[2])
        return tok

    def parse_top(self) -> list[_Group]:
        groups: list[_Group] = []
        while self.peek() is not None:
            item = self.statement()
            if isinstance(item, _Group):
                groups.append(item)
        return groups

    def statement(self) -> _Group | tuple[str, str] | None:
        kind, name, line = self.take()
        if kind != "word" and kind != "string":
            raise self._err(f"expected an attribute or group name, found `{name}`", line)
        nxt = self.peek()
        if nxt is None:
            raise self._err(f"unexpected end of file after `{name}`", line)
        if nxt[1] == ":":
            self.take()
            parts: list[str] = []
            while True:
                tok = self.take()
                if tok[1] == ";":
                    break
                if tok[1] in ("{", "}"):
                    raise self._err(f"attribute `{name}` is not terminated with `;`", tok[2])
                parts.append(tok[1])
                nxt2 = self.peek()
                # Liberty lets the ';' of a one-value attribute be omitted at the end of a line
                if nxt2 is not None and nxt2[2] > tok[2] and nxt2[1] != ";" and len(parts) == 1:
                    break
            if not parts:
                raise self._err(f"attribute `{name}` has no value", line)
            return (name, " ".join(parts))
        if nxt[1] == "(":
            self.take()
            args: list[str] = []
            depth = 1
            while depth:
                tok = self.take()
                if tok[1] == "(":
                    depth += 1
                elif tok[1] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                elif tok[1] in ("{", "}", ";") and depth:
                    raise self._err(f"`{name} (` is not closed with `)`", tok[2])
                if tok[1] != ",":
                    args.append(tok[1].strip('"'))
            after = self.peek()
            if after is not None and after[1] == "{":
                self.take()
                group = _Group(name, args, line)
                while True:
                    nxt_tok = self.peek()
                    if nxt_tok is None:
                        raise self._err(f"group `{name} ({', '.join(args)})` opened at line {line} is never closed",
                                        line)
                    if nxt_tok[1] == "}":
                        self.take()
                        break
                    child = self.statement()
                    if isinstance(child, _Group):
                        group.children.append(child)
                    elif isinstance(child, tuple):
                        group.attrs[child[0]] = child[1]
                return group
            if after is not None and after[1] == ";":
                self.take()
            return (name, " ".join(args))
        raise self._err(f"expected `:` or `(` after `{name}`, found `{nxt[1]}`", nxt[2])


def _num(text: str | None) -> float:
    if not text:
        return 0.0
    try:
        return float(text.strip().strip('"'))
    except ValueError:
        return 0.0


def _build(lib: _Group, path: Path) -> Liberty:
    out = Liberty(path=path, name=lib.args[0] if lib.args else path.stem)
    out.time_unit = lib.attrs.get("time_unit", "1ns").strip('"')
    cap = lib.attrs.get("capacitive_load_unit", "")
    if cap:
        out.capacitive_load_unit = cap.replace(" ", "")
    for group in lib.children:
        if group.kind != "cell" or not group.args:
            continue
        cell = LibCell(group.args[0], area=_num(group.attrs.get("area")),
                       dont_use=group.attrs.get("dont_use", "").strip('"').lower() == "true",
                       pad=group.attrs.get("pad_cell", "").strip('"').lower() == "true")
        for child in group.children:
            if child.kind in ("ff", "latch", "ff_bank", "latch_bank", "statetable"):
                cell.sequential = True
            elif child.kind in ("pin", "bus", "pg_pin"):
                if child.kind == "pg_pin":
                    continue
                for name in child.args or [""]:
                    pin = LibPin(
                        name=name,
                        direction=child.attrs.get("direction", "").strip('"'),
                        function=child.attrs.get("function", "").strip('"'),
                        capacitance=_num(child.attrs.get("capacitance")),
                        clock=child.attrs.get("clock", "").strip('"') == "true",
                    )
                    if "three_state" in child.attrs:
                        cell.three_state = True
                    cell.pins[name] = pin
        out.cells[cell.name] = cell
    return out
