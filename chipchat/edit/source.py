"""Byte-exact locations in the user's sources, text edits at those locations, and unified diffs.

Transformations never search a whole file with a regular expression: they ask
:class:`SourceIndex` (a pyslang compilation of the design's own sources) where a
declaration, a statement or every reference to a symbol is, and replace exactly those
bytes. Comments and strings are never touched unless a transformation asks for
:meth:`SourceIndex.comment_mentions` explicitly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pyslang import ast, syntax

from chipchat.design import Design
from chipchat.errors import DesignError
from chipchat.types import ByteRange, Edit

COMMENT = re.compile(rb"//[^\n]*|/\*.*?\*/", re.S)


def aligned(data: bytes, loc: ByteRange, text: str) -> Edit:
    """Replace ``loc`` by ``text``; a run of 2+ spaces after it (past closing punctuation such as ``;``
    or ``,``) is re-padded so that what follows — usually a comment — keeps its column."""
    tail = len(data[loc.end:loc.end + 3]) - len(data[loc.end:loc.end + 3].lstrip(b";,)]"))
    at = loc.end + tail
    run = len(data[at:at + 200]) - len(data[at:at + 200].lstrip(b" "))
    old_len = len(data[loc.start:loc.end].decode())
    if run >= 2 and data[at + run:at + run + 1] not in (b"\n", b""):
        pad = max(1, run + old_len - len(text))
        return Edit(loc.file, loc.start, at + run, text + data[loc.end:at].decode() + " " * pad)
    return Edit(loc.file, loc.start, loc.end, text)


def insert_aligned(data: bytes, file: str, at: int, text: str) -> Edit:
    """Insert ``text`` at ``at``, taking its width out of a following run of 2+ spaces when there is one."""
    run = len(data[at:at + 200]) - len(data[at:at + 200].lstrip(b" "))
    if run >= 2 and data[at + run:at + run + 1] not in (b"\n", b""):
        return Edit(file, at, at + run, text + " " * max(1, run - len(text)))
    return Edit(file, at, at, text + " ")


def line_start(data: bytes, offset: int) -> int:
    """Offset of the first byte of the line holding ``offset``."""
    return data.rfind(b"\n", 0, offset) + 1


def line_end(data: bytes, offset: int) -> int:
    """Offset just past the newline ending the line that holds ``offset``."""
    nl = data.find(b"\n", offset)
    return len(data) if nl < 0 else nl + 1


def indent_of(data: bytes, offset: int) -> str:
    start = line_start(data, offset)
    m = re.match(rb"[ \t]*", data[start:offset])
    return m.group(0).decode() if m else ""


class SourceIndex:
    """A pyslang compilation of a design's HDL sources, answering "where exactly is X?"."""

    def __init__(self, design: Design) -> None:
        from chipchat.rtl.build import parameter_literal
        from chipchat.rtl.frontend import SourceSet, compile_sources, elaborate

        self.design = design
        compiled = compile_sources(SourceSet.of(design, [Path(p).resolve() for p in design.sources]))
        self.sm, self.comp = compiled.sm, compiled.compilation
        self.trees: dict[str, Any] = {}
        self.data: dict[str, bytes] = {}
        for status, tree in zip([s for s in compiled.statuses if s.status in ("ok",)], compiled.trees, strict=True):
            self.trees[status.path] = tree
            self.data[status.path] = Path(status.path).read_bytes()
        self.bodies: dict[str, Any] = {}
        defined = {d.name for d in self.comp.getDefinitions()
                   if str(d.definitionKind).split(".")[-1] in ("Module", "Interface", "Program")}
        top = design.top
        if top is not None and top in defined:
            # as the structural model reads it: the configured top with its parameters, then every module
            # it does not reach alone (a module only instantiated in a generate branch that is off, or
            # configured as the top of a file whose other modules instantiate nothing of it)
            overrides = [f"{k}={parameter_literal(v)}" for k, v in design.parameters.items()]
            self.comp = elaborate(compiled.trees, [top], overrides)
        for inst in self.comp.getRoot().topInstances:
            self._collect(inst)
        rest = sorted(defined - set(self.bodies))
        self._others = elaborate(compiled.trees, rest) if rest and top in defined else None
        for inst in self._others.getRoot().topInstances if self._others is not None else ():
            self._collect(inst)

    def _collect(self, inst: Any) -> None:
        name = inst.definition.name
        if name in self.bodies:
            return
        self.bodies[name] = inst.body
        for sym in self._members(inst.body):
            if sym.kind == ast.SymbolKind.Instance:
                self._collect(sym)

    def _members(self, scope: Any) -> Iterator[Any]:
        for sym in scope:
            yield sym
            if sym.kind == ast.SymbolKind.GenerateBlock and not sym.isUninstantiated:
                yield from self._members(sym)
            elif sym.kind == ast.SymbolKind.GenerateBlockArray:
                for entry in sym.entries:
                    yield from self._members(entry)

    # -- locations -------------------------------------------------------------------------
    def file_of(self, loc: Any) -> str | None:
        try:
            name = str(self.sm.getFullPath(loc.buffer))
        except Exception:  # noqa: BLE001 - locations without a buffer (macro expansions)
            return None
        key = str(Path(name).resolve()) if name else ""
        return key if key in self.data else None

    def loc(self, node: Any) -> ByteRange | None:
        """The byte range of a syntax node or AST expression (None inside macro expansions)."""
        rng = node.sourceRange
        file = self.file_of(rng.start)
        if file is None or self.file_of(rng.end) != file:
            return None
        return ByteRange(file, rng.start.offset, rng.end.offset)

    def text(self, loc: ByteRange) -> str:
        return self.data[loc.file][loc.start:loc.end].decode("utf-8")

    def body(self, module: str) -> Any:
        if module not in self.bodies:
            raise DesignError(f"module {module} is not part of the elaborated design",
                              hint="modules: " + ", ".join(sorted(self.bodies)))
        return self.bodies[module]

    def members(self, module: str) -> list[Any]:
        return list(self._members(self.body(module)))

    def symbol(self, module: str, name: str) -> Any | None:
        """The net, variable or parameter ``name`` declared in ``module`` (not the port wrapper)."""
        kinds = (ast.SymbolKind.Net, ast.SymbolKind.Variable, ast.SymbolKind.Parameter)
        return next((s for s in self.members(module) if s.kind in kinds and s.name == name), None)

    def port(self, module: str, name: str) -> Any | None:
        return next((s for s in self.members(module) if s.kind == ast.SymbolKind.Port and s.name == name), None)

    def name_loc(self, sym: Any) -> ByteRange | None:
        file = self.file_of(sym.location)
        if file is None:
            return None
        start = sym.location.offset
        return ByteRange(file, start, start + len(sym.name.encode()))

    def references(self, module: str, name: str) -> list[ByteRange]:
        """Every place ``name`` of ``module`` is declared or read/written, as exact byte ranges."""
        sym = self.symbol(module, name)
        if sym is None:
            return []
        ident = (sym.name, sym.location.offset, self.file_of(sym.location))
        found: dict[tuple[str, int], ByteRange] = {}
        decl = self.name_loc(sym)
        if decl is not None:
            found[(decl.file, decl.start)] = decl
        for expr in self.named_values(module):
            s = expr.symbol
            if s is None or (s.name, s.location.offset, self.file_of(s.location)) != ident:
                continue
            loc = self.loc(expr)
            if loc is not None and self.data[loc.file][loc.start:loc.end] == name.encode():
                found[(loc.file, loc.start)] = loc
        return sorted(found.values(), key=lambda x: (x.file, x.start))

    def named_values(self, module: str) -> list[Any]:
        """Every NamedValue expression in ``module``'s body, port connections of its instances included."""
        out: list[Any] = []

        def visit(node: Any) -> Any:
            if getattr(node, "kind", None) == ast.ExpressionKind.NamedValue:
                out.append(node)
            return ast.VisitAction.Advance

        body = self.body(module)
        body.visit(visit)
        for sym in self.members(module):
            if sym.kind == ast.SymbolKind.Instance:
                for pc in sym.portConnections:
                    if pc.expression is not None:
                        pc.expression.visit(visit)
        return out

    def references_in(self, module: str, name: str, within: ByteRange) -> list[ByteRange]:
        return [r for r in self.references(module, name)
                if r.file == within.file and within.start <= r.start and r.end <= within.end]

    def port_connections(self, module: str, port: str) -> list[ByteRange]:
        """The ``.port`` names in instantiations of ``module`` anywhere in the design (named connections)."""
        out: list[ByteRange] = []
        for tree in self.trees.values():
            def visit(node: Any) -> Any:
                if getattr(node, "kind", None) == syntax.SyntaxKind.HierarchyInstantiation \
                        and node.type.valueText == module:
                    def inner(n: Any) -> Any:
                        if getattr(n, "kind", None) == syntax.SyntaxKind.NamedPortConnection \
                                and n.name.valueText == port:
                            file = self.file_of(n.name.location)
                            if file is not None:
                                start = n.name.location.offset
                                out.append(ByteRange(file, start, start + len(port.encode())))
                        return True

                    node.visit(inner)
                return True

            tree.root.visit(visit)
        return out

    def comment_mentions(self, module: str, name: str) -> list[ByteRange]:
        """Whole-word mentions of ``name`` inside comments of ``module``'s source text."""
        body = self.body(module)
        definition = body.parentInstance.definition if hasattr(body, "parentInstance") else None
        syn = getattr(definition, "syntax", None)
        loc = self.loc(syn) if syn is not None else None
        if loc is None:
            return []
        data = self.data[loc.file]
        word = re.compile(rb"\b" + re.escape(name.encode()) + rb"\b")
        out: list[ByteRange] = []
        for c in COMMENT.finditer(data, line_start(data, loc.start), loc.end):
            out += [ByteRange(loc.file, c.start() + m.start(), c.start() + m.end()) for m in word.finditer(c.group(0))]
        return out

    def declaration(self, sym: Any) -> Any:
        """The declaration syntax holding ``sym``'s declarator (a port, net, data or parameter declaration)."""
        node = sym.syntax
        return node.parent if node is not None else None

    def is_sv(self, file: str) -> bool:
        return file.endswith((".sv", ".svh"))
