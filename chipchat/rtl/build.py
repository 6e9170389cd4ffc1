"""Build the structural model (:class:`~chipchat.rtl.model.DesignModel`) from pyslang's elaborated design.

The sources are read by :mod:`chipchat.rtl.frontend`; elaboration (slang's ``Compilation``)
resolves parameters, widths and names, and the model is read off the elaborated instance
bodies: ports, signals, blocks, assignments with their conditions, resets and instances.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pyslang import ast

from chipchat.design import Design
from chipchat.formats.src_attr import LineMap
from chipchat.rtl.frontend import SourceSet, compile_sources
from chipchat.rtl.model import (
    Assignment,
    Block,
    DesignModel,
    FileStatus,
    Instance,
    Module,
    Parameter,
    Port,
    Signal,
)
from chipchat.steps.amaranth_elab import elaborate, hdl_sources
from chipchat.types import Diagnostic, Span

MODULE_START = re.compile(r"\s*(macromodule|module|interface|program)\b")
RESET_NAME = re.compile(r"(^|_)(a?rst|reset|clear|clr)(_?n|_ni|_i|b)?($|_)", re.I)


def parse_design(design: Design, *, line_map: LineMap | None = None) -> DesignModel:
    """Parse and elaborate ``design``; never raises on bad source files (they are reported)."""
    files = hdl_sources(design)
    if design.amaranth is not None and line_map is None:
        line_map = elaborate(design).line_map
    return parse_sources(SourceSet.of(design, files), top=design.top, root=design.root, line_map=line_map)


def parse_sources(
    sources: SourceSet, *, top: str | None = None, root: Path | None = None, line_map: LineMap | None = None
) -> DesignModel:
    compiled = compile_sources(sources)
    # Every uninstantiated module is elaborated (not only ``top``), so questions about any
    # module of the design can be answered; ``top`` only decides where the hierarchy starts.
    model = DesignModel(root=str(root or ""), top=top, files=compiled.statuses, diagnostics=compiled.diagnostics())
    reader = _Reader(compiled.sm, line_map or {})
    seen: set[str] = set()
    tops = list(compiled.compilation.getRoot().topInstances)
    for inst in tops:
        _collect_bodies(inst, reader, model, seen)
    if top and top not in model.modules:
        model.diagnostics.append(Diagnostic("error", f"top module {top!r} was not found", "", 0, 0))
        model.top = None
    by_file = {s.path: s for s in compiled.statuses}
    for mod in model.modules.values():
        owner = by_file.get(mod.file)
        if owner is not None and mod.name not in owner.modules:
            owner.modules.append(mod.name)
    if model.top is None and tops:
        model.top = tops[0].name
    return model


# -- reading the elaborated AST ------------------------------------------------------

class _Reader:
    """Turns slang source locations into spans and source text; caches file lines."""

    def __init__(self, sm: Any, line_map: LineMap) -> None:
        self.sm = sm
        self.line_map = line_map
        self._lines: dict[str, list[str]] = {}
        self._files: dict[int, str] = {}

    def lines(self, file: str) -> list[str]:
        if file not in self._lines:
            try:
                self._lines[file] = Path(file).read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                self._lines[file] = []
        return self._lines[file]

    def raw_span(self, rng: Any) -> Span | None:
        start, end = rng.start, rng.end
        sm = self.sm
        if hasattr(sm, "getFullyOriginalLoc"):
            start, end = sm.getFullyOriginalLoc(start), sm.getFullyOriginalLoc(end)
        file = self.file_of(start)
        if not file:
            return None
        line = sm.getLineNumber(start)
        end_line = max(line, sm.getLineNumber(end))
        return Span(file, line, end_line, sm.getColumnNumber(start))

    def file_of(self, loc: Any) -> str:
        """The file of a location, cached per source buffer (pyslang hands back a new Path each call)."""
        try:
            buffer = loc.buffer.id
        except Exception:  # noqa: BLE001 - locations without a buffer
            return self.sm.getFileName(loc)
        name = self._files.get(buffer)
        if name is None:
            try:
                name = str(self.sm.getFullPath(loc.buffer)) or self.sm.getFileName(loc)
            except Exception:  # noqa: BLE001
                name = self.sm.getFileName(loc)
            self._files[buffer] = name
        return name

    def span(self, node: Any) -> Span:
        rng = getattr(node, "sourceRange", None)
        if rng is None and getattr(node, "syntax", None) is not None:
            rng = node.syntax.sourceRange
        if rng is None:
            loc = node.location
            span = Span(self.file_of(loc), self.sm.getLineNumber(loc), self.sm.getLineNumber(loc),
                        self.sm.getColumnNumber(loc))
        else:
            span = self.raw_span(rng) or Span("", 0, 0)
        return self.mapped(span)

    def decl_span(self, sym: Any) -> Span:
        loc = sym.location
        line = self.sm.getLineNumber(loc)
        span = Span(self.file_of(loc), line, line, self.sm.getColumnNumber(loc))
        return self.mapped(span)

    def mapped(self, span: Span) -> Span:
        """For generated Verilog (Amaranth), point at the user's source line when known."""
        table = self.line_map.get(span.file)
        if not table:
            return span
        hit = table.get(span.line)
        if hit is None:
            return span
        return Span(hit[0], hit[1], hit[1], 1)

    def text(self, span: Span, limit: int = 240) -> str:
        lines = self.lines(span.file)[span.line - 1: span.end_line]
        joined = " ".join(ln.strip() for ln in lines)
        return joined if len(joined) <= limit else joined[: limit - 3] + "..."

    def comment(self, file: str, line: int, *, owner: bool = False) -> str:
        """A trailing ``//`` comment on ``line``, else the comment lines directly above it. The comment above
        a ``module`` line belongs to the module (``owner``), not to a port declared on that line."""
        lines = self.lines(file)
        if not (1 <= line <= len(lines)):
            return ""
        here = lines[line - 1]
        m = re.search(r"//\s?(.*)$", here)
        if m and here[: m.start()].strip():
            return m.group(1).strip()
        if not owner and MODULE_START.match(here):
            return ""
        above: list[str] = []
        i = line - 2
        while i >= 0:
            s = lines[i].strip()
            if s.startswith("//"):
                above.append(s.lstrip("/").strip())
            elif s.startswith(("/*", "*")) and (s.endswith("*/") or s.startswith("*")):
                above.append(s.strip("/* ").strip())
            else:
                break
            i -= 1
        return " ".join(reversed([a for a in above if a]))


def _collect_bodies(inst: Any, reader: _Reader, model: DesignModel, seen: set[str]) -> None:
    name = inst.definition.name if hasattr(inst, "definition") else inst.name
    if name in seen:
        return
    seen.add(name)
    builder = _ModuleBuilder(inst, reader)
    module = builder.build()
    model.modules[module.name] = module
    for child in builder.child_instances:
        _collect_bodies(child, reader, model, seen)


class _ModuleBuilder:
    def __init__(self, inst: Any, reader: _Reader) -> None:
        self.inst = inst
        self.body = inst.body
        self.r = reader
        self.child_instances: list[Any] = []

    def build(self) -> Module:
        definition = self.inst.definition
        span = self.r.span(definition.syntax) if definition.syntax is not None else self.r.decl_span(definition)
        kind = "interface" if getattr(self.inst, "isInterface", False) else "module"
        self.module = Module(name=definition.name, file=span.file, span=span, kind=kind,
                             comment=self.r.comment(span.file, span.line, owner=True))
        self._members(self.body)
        self._attach_resets()
        return self.module

    # members ---------------------------------------------------------------------------
    def _members(self, scope: Any) -> None:
        K = ast.SymbolKind
        for sym in scope:
            kind = sym.kind
            if kind == K.Port:
                self._port(sym)
            elif kind in (K.Net, K.Variable):
                self._signal(sym)
            elif kind == K.Parameter:
                self._parameter(sym)
            elif kind == K.ContinuousAssign:
                self._continuous(sym)
            elif kind == K.ProceduralBlock:
                self._procedural(sym)
            elif kind == K.Instance:
                self._instance(sym)
            elif kind == K.UninstantiatedDef:
                self._black_box(sym)
            elif kind == K.GenerateBlock:
                if not sym.isUninstantiated:
                    self._members(sym)
            elif kind == K.GenerateBlockArray:
                for entry in sym.entries:
                    self._members(entry)

    def _port(self, sym: Any) -> None:
        direction = str(sym.direction).split(".")[-1].lower().replace("inout", "inout")
        direction = {"in": "input", "out": "output"}.get(direction, direction)
        span = self.r.decl_span(sym)
        self.module.ports.append(Port(sym.name, direction, _width(sym.type), str(sym.type), span,
                                      self.r.comment(span.file, span.line)))

    def _signal(self, sym: Any) -> None:
        span = self.r.decl_span(sym)
        port = self.module.port(sym.name)
        kind = "net" if sym.kind == ast.SymbolKind.Net else "variable"
        self.module.signals[sym.name] = Signal(
            sym.name, kind, _width(sym.type), str(sym.type), span, direction=port.direction if port else "",
            comment=(port.comment if port else "") or self.r.comment(span.file, span.line))
        init = getattr(sym, "initializer", None)
        if init is not None:
            reads = _signals_in(init)
            stmt_span = self.r.span(sym.syntax) if sym.syntax is not None else span
            text = self.r.text(stmt_span)
            idx = len(self.module.blocks)
            if kind == "net":
                self.module.blocks.append(Block("declaration", stmt_span, text, [sym.name], reads))
                self.module.assignments.append(
                    Assignment(sym.name, stmt_span, text, reads, [], idx, "declaration"))
            elif not reads:
                sig = self.module.signals[sym.name]
                sig.reset_value = _initializer_text(sym) or _expr_text(init)  # `reg x = 0;`: initial value
                sig.reset_span = stmt_span

    def _parameter(self, sym: Any) -> None:
        span = self.r.decl_span(sym)
        try:
            value = str(sym.value)
        except Exception:  # noqa: BLE001 - slang may fail to evaluate an unused parameter
            value = "?"
        self.module.parameters.append(
            Parameter(sym.name, value, span, bool(sym.isLocalParam), self.r.comment(span.file, span.line)))

    def _continuous(self, sym: Any) -> None:
        expr = sym.assignment
        span = self.r.span(sym.syntax) if sym.syntax is not None else self.r.span(expr)
        targets, index_reads = _lvalue(expr.left)
        reads = _dedupe(_signals_in(expr.right) + index_reads)
        idx = len(self.module.blocks)
        self.module.blocks.append(Block("assign", span, self.r.text(span), targets, reads))
        for t in targets:
            self.module.assignments.append(Assignment(t, span, self.r.text(span), reads, [], idx, "continuous"))

    def _procedural(self, sym: Any) -> None:
        pk = str(sym.procedureKind).split(".")[-1]
        kind = {"Always": "always", "AlwaysFF": "always_ff", "AlwaysComb": "always_comb",
                "AlwaysLatch": "always_latch", "Initial": "initial", "Final": "final"}.get(pk, pk.lower())
        span = self.r.span(sym.syntax) if sym.syntax is not None else self.r.span(sym.body)
        idx = len(self.module.blocks)
        header = self.r.lines(span.file)[span.line - 1].strip() if self.r.lines(span.file) else kind
        block = Block(kind, span, header, [], [])
        self.module.blocks.append(block)
        walker = _StatementWalker(self.r, idx)
        walker.walk(sym.body, [])
        block.clock, edge_signals = walker.clock, walker.edge_signals
        reset, reset_branch = _find_reset(sym.body, edge_signals)
        block.reset = reset
        branch = self.r.span(reset_branch) if reset_branch is not None else None
        for a in walker.assignments:
            if branch is not None and a.conditions[:1] == [reset] and branch.contains(a.span):
                a.is_reset = True
            self.module.assignments.append(a)
            if a.target not in block.drives:
                block.drives.append(a.target)
            for s in a.reads + a.conditions:
                if s not in block.reads:
                    block.reads.append(s)

    def _instance(self, sym: Any) -> None:
        self.child_instances.append(sym)
        span = self.r.span(sym.syntax) if sym.syntax is not None else self.r.decl_span(sym)
        inst = Instance(sym.name, sym.definition.name, span)
        for pc in sym.portConnections:
            port = pc.port
            pname = port.name
            direction = str(getattr(port, "direction", "")).split(".")[-1].lower()
            inst.port_directions[pname] = {"in": "input", "out": "output"}.get(direction, direction)
            expr = pc.expression
            if expr is None:
                inst.connections[pname] = ""
                inst.connection_signals[pname] = []
                continue
            inst.connections[pname] = _expr_text(expr)
            inst.connection_signals[pname] = _signals_in(expr)
        for p in sym.body.parameters:
            if getattr(p, "isPortParam", False):
                try:
                    inst.parameters[p.name] = str(p.value)
                except Exception:  # noqa: BLE001
                    inst.parameters[p.name] = "?"
        self.module.instances.append(inst)

    def _black_box(self, sym: Any) -> None:
        """An instance of a module that is not in the sources (vendor IP, a missing file): its connections
        are known, its port directions are not (``port_directions`` stays empty)."""
        span = self.r.span(sym.syntax) if sym.syntax is not None else self.r.decl_span(sym)
        inst = Instance(sym.name, sym.definitionName, span)
        for pname, conn in zip(sym.portNames, sym.portConnections, strict=False):
            expr = getattr(conn, "expr", None)
            inst.connections[pname] = _expr_text(expr) if expr is not None else ""
            inst.connection_signals[pname] = _signals_in(expr) if expr is not None else []
        self.module.instances.append(inst)

    def _attach_resets(self) -> None:
        for a in self.module.assignments:
            if a.is_reset and a.target in self.module.signals:
                sig = self.module.signals[a.target]
                if sig.reset_value is None or sig.reset_span is None or sig.reset_span.line != a.span.line:
                    rhs = a.text.split("<=", 1)[-1] if "<=" in a.text else a.text.split("=", 1)[-1]
                    sig.reset_value = rhs.strip().rstrip(";").strip()
                    sig.reset_span = a.span


class _StatementWalker:
    """Walks a procedural statement tree keeping the stack of enclosing conditions."""

    def __init__(self, reader: _Reader, block_index: int) -> None:
        self.r = reader
        self.block = block_index
        self.assignments: list[Assignment] = []
        self.clock: str | None = None
        self.edge_signals: list[str] = []

    def walk(self, stmt: Any, conds: list[str]) -> None:
        SK = ast.StatementKind
        kind = stmt.kind
        if kind == SK.Block:
            self.walk(stmt.body, conds)
        elif kind == SK.List:
            for s in stmt.list:
                self.walk(s, conds)
        elif kind == SK.Timed:
            self._timing(stmt.timing)
            self.walk(stmt.stmt, conds)
        elif kind == SK.Conditional:
            sigs: list[str] = []
            for c in stmt.conditions:
                sigs += _signals_in(c.expr)
            self.walk(stmt.ifTrue, conds + _dedupe(sigs))
            if stmt.ifFalse is not None:
                self.walk(stmt.ifFalse, conds + _dedupe(sigs))
        elif kind == SK.Case:
            sel = _signals_in(stmt.expr)
            for item in stmt.items:
                item_sigs = [s for e in item.expressions for s in _signals_in(e)]
                self.walk(item.stmt, conds + _dedupe(sel + item_sigs))
            if stmt.defaultCase is not None:
                self.walk(stmt.defaultCase, conds + sel)
        elif kind == SK.ExpressionStatement:
            self._expression(stmt.expr, conds, stmt)
        elif kind in (SK.ForLoop, SK.RepeatLoop, SK.WhileLoop, SK.DoWhileLoop, SK.ForeverLoop, SK.ForeachLoop):
            self.walk(stmt.body, conds)
        elif kind == SK.Empty:
            return
        else:
            def visit(node: Any) -> Any:
                if getattr(node, "kind", None) == ast.ExpressionKind.Assignment:
                    self._assignment(node, conds, node)
                return ast.VisitAction.Advance

            stmt.visit(visit)

    def _timing(self, timing: Any) -> None:
        TK = ast.TimingControlKind
        events = timing.events if timing.kind == TK.EventList else [timing]
        for ev in events:
            if getattr(ev, "kind", None) != TK.SignalEvent:
                continue
            edge = str(ev.edge).split(".")[-1]
            sigs = _signals_in(ev.expr)
            if edge in ("PosEdge", "NegEdge", "BothEdges") and sigs:
                self.edge_signals += sigs
                if self.clock is None and not RESET_NAME.search(sigs[0]):
                    self.clock = sigs[0]
        if self.clock is None and self.edge_signals:
            self.clock = self.edge_signals[0]

    def _expression(self, expr: Any, conds: list[str], stmt: Any) -> None:
        if expr.kind == ast.ExpressionKind.Assignment:
            self._assignment(expr, conds, stmt)

    def _assignment(self, expr: Any, conds: list[str], stmt: Any) -> None:
        targets, index_reads = _lvalue(expr.left)
        reads = _dedupe(_signals_in(expr.right) + index_reads)
        if expr.isCompound:
            reads = _dedupe(targets + reads)
        span = self.r.span(stmt)
        text = self.r.text(span)
        kind = "nonblocking" if expr.isNonBlocking else "blocking"
        for t in targets:
            self.assignments.append(Assignment(t, span, text, reads, list(conds), self.block, kind))


def _find_reset(body: Any, edge_signals: list[str]) -> tuple[str | None, Any]:
    """(reset signal, its active branch) of a clocked block: the first `if` on a reset-like signal."""
    SK = ast.StatementKind
    stmt = body
    while stmt is not None and stmt.kind in (SK.Timed, SK.Block):
        stmt = stmt.stmt if stmt.kind == SK.Timed else stmt.body
    if stmt is not None and stmt.kind == SK.List and len(stmt.list):
        stmt = stmt.list[0]
    if stmt is None or stmt.kind != SK.Conditional:
        return None, None
    sigs = [s for c in stmt.conditions for s in _signals_in(c.expr)]
    if len(sigs) != 1:
        return None, None
    name = sigs[0]
    if RESET_NAME.search(name) or (name in edge_signals and len(edge_signals) > 1):
        return name, stmt.ifTrue
    return None, None


def _lvalue(expr: Any) -> tuple[list[str], list[str]]:
    """(assigned signals, signals read by index expressions) of an assignment's left side."""
    EK = ast.ExpressionKind
    kind = expr.kind
    if kind in (EK.NamedValue, EK.HierarchicalValue):
        return [expr.symbol.name], []
    if kind == EK.ElementSelect:
        t, r = _lvalue(expr.value)
        return t, r + _signals_in(expr.selector)
    if kind == EK.RangeSelect:
        t, r = _lvalue(expr.value)
        return t, r + _signals_in(expr.left) + _signals_in(expr.right)
    if kind == EK.Concatenation:
        targets: list[str] = []
        reads: list[str] = []
        for op in expr.operands:
            t, r = _lvalue(op)
            targets += t
            reads += r
        return _dedupe(targets), _dedupe(reads)
    if kind == EK.MemberAccess:
        return _lvalue(expr.value)
    if kind == EK.Conversion:
        return _lvalue(expr.operand)
    return _signals_in(expr), []


def _signals_in(expr: Any) -> list[str]:
    """Names of the nets/variables an expression reads, in order of appearance."""
    names: list[str] = []
    SymK = ast.SymbolKind
    value_kinds = (SymK.Net, SymK.Variable, SymK.Port, SymK.ClassProperty, SymK.Field)

    def visit(node: Any) -> Any:
        kind = getattr(node, "kind", None)
        if kind in (ast.ExpressionKind.NamedValue, ast.ExpressionKind.HierarchicalValue):
            sym = node.symbol
            if sym is not None and sym.kind in value_kinds and sym.name not in names:
                names.append(sym.name)
        return ast.VisitAction.Advance

    if expr is not None:
        expr.visit(visit)
    return names


def _expr_text(expr: Any) -> str:
    syn = getattr(expr, "syntax", None)
    if syn is None:
        return ""
    return " ".join(str(syn).split())


def _initializer_text(sym: Any) -> str:
    init = getattr(getattr(sym, "syntax", None), "initializer", None)
    expr = getattr(init, "expr", None)
    return " ".join(str(expr).split()) if expr is not None else ""


def _width(typ: Any) -> int:
    try:
        return int(typ.bitWidth)
    except Exception:  # noqa: BLE001 - unpacked arrays and some types have no width
        return 0


def _dedupe(items: list[str]) -> list[str]:
    out: list[str] = []
    for i in items:
        if i not in out:
            out.append(i)
    return out


def summarize_statuses(statuses: list[FileStatus], root: Path | None = None,
                       rel: Callable[[str], str] | None = None) -> str:
    """One line per skipped file, in ``file:line:col: message`` form."""
    show = rel or (lambda p: p)
    return "\n".join(f"{show(s.path)}{':' + str(s.line) if s.line else ''}{':' + str(s.col) if s.col else ''}: "
                     f"{s.message}" for s in statuses if s.status in ("error", "skipped"))
