"""Build the structural model (:class:`~chipchat.rtl.model.DesignModel`) from pyslang's elaborated design.

The sources are read by :mod:`chipchat.rtl.frontend`; elaboration (slang's ``Compilation``)
resolves parameters, widths and names, and the model is read off the elaborated instance
bodies: ports, signals, blocks, assignments with their conditions, resets and instances.
"""

from __future__ import annotations

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
from chipchat.rtl.sourcemap import SourceReader
from chipchat.rtl.statements import (
    StatementWalker,
    dedupe,
    expr_text,
    find_reset,
    initializer_text,
    lvalue,
    signals_in,
    width,
)
from chipchat.steps.amaranth_elab import elaborate, hdl_sources
from chipchat.types import Diagnostic


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
    reader = SourceReader(compiled.sm, line_map or {})
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

def _collect_bodies(inst: Any, reader: SourceReader, model: DesignModel, seen: set[str]) -> None:
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
    def __init__(self, inst: Any, reader: SourceReader) -> None:
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
        self.module.ports.append(Port(sym.name, direction, width(sym.type), str(sym.type), span,
                                      self.r.comment(span.file, span.line)))

    def _signal(self, sym: Any) -> None:
        span = self.r.decl_span(sym)
        port = self.module.port(sym.name)
        kind = "net" if sym.kind == ast.SymbolKind.Net else "variable"
        self.module.signals[sym.name] = Signal(
            sym.name, kind, width(sym.type), str(sym.type), span, direction=port.direction if port else "",
            comment=(port.comment if port else "") or self.r.comment(span.file, span.line))
        init = getattr(sym, "initializer", None)
        if init is not None:
            reads = signals_in(init)
            stmt_span = self.r.span(sym.syntax) if sym.syntax is not None else span
            text = self.r.text(stmt_span)
            idx = len(self.module.blocks)
            if kind == "net":
                self.module.blocks.append(Block("declaration", stmt_span, text, [sym.name], reads))
                self.module.assignments.append(
                    Assignment(sym.name, stmt_span, text, reads, [], idx, "declaration"))
            elif not reads:
                sig = self.module.signals[sym.name]
                sig.reset_value = initializer_text(sym) or expr_text(init)  # `reg x = 0;`: initial value
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
        targets, index_reads = lvalue(expr.left)
        reads = dedupe(signals_in(expr.right) + index_reads)
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
        walker = StatementWalker(self.r, idx)
        walker.walk(sym.body, [])
        block.clock, edge_signals = walker.clock, walker.edge_signals
        reset, reset_branch = find_reset(sym.body, edge_signals)
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
            inst.connections[pname] = expr_text(expr)
            inst.connection_signals[pname] = signals_in(expr)
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
            inst.connections[pname] = expr_text(expr) if expr is not None else ""
            inst.connection_signals[pname] = signals_in(expr) if expr is not None else []
        self.module.instances.append(inst)

    def _attach_resets(self) -> None:
        for a in self.module.assignments:
            if a.is_reset and a.target in self.module.signals:
                sig = self.module.signals[a.target]
                if sig.reset_value is None or sig.reset_span is None or sig.reset_span.line != a.span.line:
                    rhs = a.text.split("<=", 1)[-1] if "<=" in a.text else a.text.split("=", 1)[-1]
                    sig.reset_value = rhs.strip().rstrip(";").strip()
                    sig.reset_span = a.span


def summarize_statuses(statuses: list[FileStatus], root: Path | None = None,
                       rel: Callable[[str], str] | None = None) -> str:
    """One line per skipped file, in ``file:line:col: message`` form."""
    show = rel or (lambda p: p)
    return "\n".join(f"{show(s.path)}{':' + str(s.line) if s.line else ''}{':' + str(s.col) if s.col else ''}: "
                     f"{s.message}" for s in statuses if s.status in ("error", "skipped"))
