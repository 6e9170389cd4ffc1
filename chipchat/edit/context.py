"""What every RTL transformation reads and returns: the design's model and sources, a Plan, the registry.

A transformation reads the pyslang model of the design (which signals a statement reads
and drives, which blocks are clocked and reset) and :class:`SourceIndex` (the exact bytes
of declarations, statements and references), and returns a :class:`Plan`: the edits, what
they do, how the latency of each output changes, and how the result can be compared with
the original. A request that a transformation cannot honour raises :class:`Unsupported`,
which the caller turns into an answer that says why. Transformations register by name
(:func:`register`); :mod:`chipchat.edit.transforms` looks them up.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyslang import syntax

from chipchat.design import Design
from chipchat.edit.source import SourceIndex, aligned
from chipchat.rtl.frontend import parse_snippet
from chipchat.rtl.model import DesignModel, Module, Signal
from chipchat.rtl.statements import RESET_NAME
from chipchat.types import ByteRange, Citation, Edit, Span

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*\Z")
EXACT, LAGGED, NONE = "exact", "lagged", "none"


class Unsupported(Exception):  # noqa: N818 - an expected outcome carried to the caller, not an error
    """The request names a transformation that cannot be applied here; ``reason`` says why."""

    def __init__(self, reason: str, suggestions: list[str] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.suggestions = suggestions or []


@dataclass
class Plan:
    """What a transformation will change, before it becomes a diff."""

    transform: str
    title: str
    edits: list[Edit]
    notes: list[str] = field(default_factory=list)
    latency: dict[str, int] = field(default_factory=dict)  # output port -> extra cycles
    compare: str = EXACT  # exact | lagged | none: how the edited design relates to the original
    port_map: dict[str, str] = field(default_factory=dict)  # old port name -> new (renames)
    citations: list[Citation] = field(default_factory=list)


@dataclass
class Context:
    """The design, its pyslang model and its source index: what every transformation reads."""

    design: Design
    model: DesignModel
    index: SourceIndex

    @classmethod
    def load(cls, design: Design) -> Context:
        from chipchat.rtl.load import load_model

        return cls(design, load_model(design), SourceIndex(design))

    def module(self, name: str | None = None) -> Module:
        name = name or self.model.top
        mod = self.model.module(name or "")
        if mod is None:
            raise Unsupported(f"there is no module {name!r} in {self.design.name}",
                              [f"modules: {', '.join(sorted(self.model.modules))}"])
        return mod

    def rel(self, file: str) -> str:
        return self.design.relpath(file)

    def cite(self, span: Span) -> str:
        return f"{self.rel(span.file)}:{span.line}"

    def citation(self, span: Span, label: str) -> Citation:
        return Citation(self.rel(span.file), span.line, span.end_line if span.end_line > span.line else 0, label=label)

    def signal(self, name: str, module: str | None = None) -> tuple[Module, Signal]:
        """The signal ``name`` (in ``module``, else the top first); Unsupported with close names if absent."""
        hits = self.model.find_signal(name, module)
        if hits:
            return hits[0]
        names = sorted({s for m in self.model.modules.values() for s in m.signals})
        close = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
        where = f"module {module}" if module else self.design.name
        raise Unsupported(f"there is no signal {name!r} in {where}",
                          [f"did you mean: {', '.join(close)}"] if close else [f"signals: {', '.join(names[:30])}"])

    def replace(self, locs: list[ByteRange], text: str) -> list[Edit]:
        """Edits replacing each of ``locs`` by ``text``, keeping the alignment of what follows."""
        starts = {(loc.file, loc.start) for loc in locs}
        out: list[Edit] = []
        for loc in locs:
            e = aligned(self.index.data[loc.file], loc, text)
            if any(f == loc.file and loc.end < s < e.end for f, s in starts):
                e = Edit(loc.file, loc.start, loc.end, text)
            out.append(e)
        return out

    def unique(self, mod: Module, base: str) -> str:
        taken = set(mod.signals) | {p.name for p in mod.parameters}
        name, i = base, 1
        while name in taken:
            name, i = f"{base}{i}", i + 1
        return name


Transform = Callable[..., Plan]


@dataclass(frozen=True)
class TransformInfo:
    name: str
    summary: str
    examples: tuple[str, ...]
    fn: Transform
    languages: tuple[str, ...] = ("verilog",)


TRANSFORMS: dict[str, TransformInfo] = {}


def register(name: str, summary: str, *examples: str, languages: tuple[str, ...] = ("verilog",)
             ) -> Callable[[Transform], Transform]:
    def deco(fn: Transform) -> Transform:
        TRANSFORMS[name] = TransformInfo(name, summary, tuple(examples), fn, languages)
        return fn

    return deco


def valid_identifier(name: str) -> bool:
    """``name`` is a plain (System)Verilog identifier and not a keyword (checked by pyslang)."""
    if not IDENT.match(name):
        return False
    tree = parse_snippet(f"module m; wire {name}; endmodule")
    return not any(d.isError() for d in tree.diagnostics)

def _decl_loc(index: SourceIndex, module: str, name: str) -> ByteRange:
    sym = index.symbol(module, name)
    loc = index.loc(sym.syntax) if sym is not None and sym.syntax is not None else None
    return loc or ByteRange("", 0, 0)


def _valid_expression(text: str) -> bool:
    if not text.strip() or ";" in text:
        return False
    tree = parse_snippet(f"module m; localparam X = {text}; endmodule")
    return not any(d.isError() for d in tree.diagnostics)


def type_node(index: SourceIndex, sym: Any) -> tuple[Any, Any]:
    """(declaration syntax, its data type syntax) of a net/variable/port symbol."""
    decl = index.declaration(sym)
    if decl is None:
        raise Unsupported(f"`{sym.name}` has no declaration in the sources")
    dtype = decl.header.dataType if decl.kind == syntax.SyntaxKind.ImplicitAnsiPort else getattr(decl, "type", None)
    return decl, dtype

def zero(ctx: Context, mod: Module, name: str, file: str) -> str:
    """A zero literal for register ``name`` that fits its declared width in this language."""
    if ctx.index.is_sv(file):
        return "'0"
    sig = mod.signals[name]
    sym = ctx.index.symbol(mod.name, name)
    dims: list[Any] = []
    if sym is not None:
        _, dtype = type_node(ctx.index, sym)
        dims = list(getattr(dtype, "dimensions", []) or [])
    if len(dims) == 1 and re.search(r"[A-Za-z_$]", str(dims[0])):
        rng = str(dims[0]).strip()[1:-1].split(":")
        if len(rng) == 2:
            return f"{{(({rng[0].strip()})-({rng[1].strip()})+1){{1'b0}}}}"
    return "1'b0" if sig.width <= 1 else f"{sig.width}'d0"


def reset_signal(ctx: Context, mod: Module, requested: str | None) -> tuple[str, str]:
    """(reset signal, its active-level condition text), from the module's other blocks or its ports."""
    if requested:
        if requested not in mod.signals:
            raise Unsupported(f"there is no signal {requested!r} in {mod.name} to use as the reset")
        name = requested
    else:
        used = [b.reset for b in mod.blocks if b.reset]
        ports = [p.name for p in mod.ports if p.direction == "input" and RESET_NAME.search(p.name)
                 and not re.search(r"clear|clr", p.name, re.I)]
        if not used and not ports:
            raise Unsupported(f"{mod.name} has no reset input to use",
                              ["add a reset port first, or name the signal: 'add a synchronous reset using <signal>'"])
        name = (used or ports)[0]
    active_low = bool(re.search(r"(_n|_ni|n|b)$", name)) and not re.search(r"(rst|reset)$", name)
    return name, (f"!{name}" if active_low else name)

def declare(ctx: Context, like: str, mod: Module, name: str, file: str, procedural: bool = True) -> str:
    """A declaration of ``name`` with the type of signal ``like`` (``reg``/``logic``/typedef + range)."""
    sym = ctx.index.symbol(mod.name, like)
    _, dtype = type_node(ctx.index, sym)
    sv = ctx.index.is_sv(file)
    if dtype is not None and dtype.kind == syntax.SyntaxKind.NamedType:
        return f"{str(dtype).strip()} {name};"
    dims = "".join(str(d).strip() for d in getattr(dtype, "dimensions", []) or [])
    signing = str(getattr(dtype, "signing", "") or "").strip()
    keyword = "logic" if sv else ("reg" if procedural else "wire")
    parts = [keyword, signing, dims]
    return " ".join(p for p in parts if p) + f" {name};"


def statement_loc(ctx: Context, node: Any) -> ByteRange:
    loc = ctx.index.loc(node)
    if loc is None:
        raise Unsupported("the statement comes from a macro expansion; edit it by hand")
    return loc


def span_of(ctx: Context, loc: ByteRange) -> Span:
    data = ctx.index.data[loc.file]
    return Span(loc.file, data.count(b"\n", 0, loc.start) + 1, data.count(b"\n", 0, loc.end) + 1)


def rel_file(design: Design, file: str) -> str:
    return Path(file).resolve().relative_to(design.root.resolve()).as_posix()
