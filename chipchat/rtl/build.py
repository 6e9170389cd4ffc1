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
from chipchat.errors import DesignError
from chipchat.formats.src_attr import LineMap
from chipchat.rtl.frontend import SourceSet, compile_sources
from chipchat.rtl.frontend import elaborate as elaborate_trees
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
    initializer_text,
    lvalue,
    signals_in,
    width,
)
from chipchat.steps.amaranth_elab import elaborate, hdl_sources
from chipchat.types import Diagnostic


def parse_design(design: Design, *, line_map: LineMap | None = None) -> DesignModel:
    """Parse and elaborate ``design`` with its parameter overrides; never raises on bad source files
    (they are reported). A configured top that is not defined, or an override of a parameter the top
    does not have, is a :class:`~chipchat.errors.DesignError` naming what exists."""
    files = hdl_sources(design)
    if design.amaranth is not None and line_map is None:
        line_map = elaborate(design).line_map
    return parse_sources(SourceSet.of(design, files), top=design.top, root=design.root, line_map=line_map,
                         parameters=design.parameters, strict=True)


def parse_sources(
    sources: SourceSet, *, top: str | None = None, root: Path | None = None, line_map: LineMap | None = None,
    parameters: dict[str, Any] | None = None, strict: bool = False,
) -> DesignModel:
    """The model of ``sources``: the hierarchy under ``top`` elaborated with ``parameters``, then every other
    module of the sources elaborated alone with its defaults (marked ``under_top=False``), so a question about
    a module only instantiated in a generate branch that is off still finds it."""
    overrides = [f"{k}={parameter_literal(v)}" for k, v in (parameters or {}).items()]
    compiled = compile_sources(sources)
    defined = {d.name for d in compiled.compilation.getDefinitions()
               if str(d.definitionKind).split(".")[-1] in ("Module", "Interface", "Program")}
    if top is not None and top not in defined:
        if strict and defined:
            broken = [f for f in compiled.statuses if f.status == "error"][:3]
            raise DesignError(f"the top module {top!r} is not defined in the sources"
                              + ("; files that do not parse may hide it:\n" + "\n".join(
                                  f"  {f.path}{f':{f.line}:{f.col}' if f.line else ''}: {f.message}" for f in broken)
                                 if broken else ""),
                              hint="modules there: " + ", ".join(sorted(defined)[:40]))
        top = None
    first = elaborate_trees(compiled.trees, [top] if top else [], overrides) if top else compiled.compilation
    model = DesignModel(root=str(root or ""), top=top, files=compiled.statuses,
                        parameters={k: parameter_literal(v) for k, v in (parameters or {}).items()})
    model.diagnostics = _diagnostics(compiled, first)
    reader = SourceReader(compiled.sm, line_map or {})
    seen: set[str] = set()
    tops = list(first.getRoot().topInstances)
    if top is not None and tops:
        _check_overrides(tops[0], parameters or {}, strict)
    for inst in tops:
        _collect_bodies(inst, reader, model, seen, defined)
    rest = sorted(defined - seen)
    if rest and top is not None:
        second = elaborate_trees(compiled.trees, rest)
        for inst in second.getRoot().topInstances:
            _collect_bodies(inst, reader, model, seen, defined, under_top=False)
    by_file = {s.path: s for s in compiled.statuses}
    for mod in model.modules.values():
        owner = by_file.get(mod.file)
        if owner is not None and mod.name not in owner.modules:
            owner.modules.append(mod.name)
    if model.top is None and tops:
        model.top = tops[0].name
    return model


def parameter_literal(value: Any) -> str:
    """A chipchat.toml parameter value as SystemVerilog: numbers and Verilog literals as written, text quoted."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    text = str(value).strip()
    if re.fullmatch(r"-?\d+(\.\d+)?|\d*'[sS]?[bBoOdDhH][0-9a-fA-FxXzZ_?]+|[A-Za-z_][\w$]*", text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check_overrides(top: Any, parameters: dict[str, Any], strict: bool) -> None:
    names = [p.name for p in top.body.parameters if not getattr(p, "isLocalParam", False)]
    unknown = [k for k in parameters if k not in names]
    if unknown and strict:
        raise DesignError(
            f"chipchat.toml [design.parameters] names {', '.join(repr(u) for u in unknown)}, which the top module "
            f"{top.name} does not have", hint="its parameters: " + (", ".join(names) or "none"))


def _diagnostics(compiled: Any, compilation: Any) -> list[Diagnostic]:
    if compilation is compiled.compilation:
        return compiled.diagnostics()
    return type(compiled)(compiled.sm, compilation, compiled.engine, compiled.statuses, compiled.trees).diagnostics()


# -- reading the elaborated AST ------------------------------------------------------

def _collect_bodies(inst: Any, reader: SourceReader, model: DesignModel, seen: set[str], defined: set[str],
                    under_top: bool = True) -> None:
    name = inst.definition.name if hasattr(inst, "definition") else inst.name
    if name in seen:
        return
    seen.add(name)
    builder = _ModuleBuilder(inst, reader, defined)
    module = builder.build()
    model.diagnostics.extend(builder.problems)
    module.under_top = under_top
    model.modules[module.name] = module
    for child in builder.child_instances:
        _collect_bodies(child, reader, model, seen, defined, under_top)


class _ModuleBuilder:
    def __init__(self, inst: Any, reader: SourceReader, defined: set[str]) -> None:
        self.inst = inst
        self.body = inst.body
        self.r = reader
        self.defined = defined
        self.child_instances: list[Any] = []
        self.problems: list[Diagnostic] = []

    def build(self) -> Module:
        definition = self.inst.definition
        span = self.r.span(definition.syntax) if definition.syntax is not None else self.r.decl_span(definition)
        kind = "interface" if getattr(self.inst, "isInterface", False) else "module"
        self.module = Module(name=definition.name, file=span.file, span=span, kind=kind,
                             comment=self.r.comment(span.file, span.line, owner=True))
        try:
            self._members(self.body)
        except RecursionError:  # nesting deeper than Python's stack: keep what was read, say what was not
            self.problems.append(Diagnostic("error", f"{definition.name} is nested too deeply to read completely; "
                                            "answers about it may miss statements", span.file, span.line, 1))
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
                if sym.isUninstantiated:
                    self._inactive(sym, _generate_condition(sym))
                else:
                    self._members(sym)
            elif kind == K.GenerateBlockArray:
                for entry in sym.entries:
                    self._members(entry)

    def _inactive(self, scope: Any, condition: str) -> None:
        """Instances inside a generate branch the parameters switch off: named, marked inactive, not elaborated."""
        K = ast.SymbolKind
        for sym in scope:
            if sym.kind in (K.UninstantiatedDef, K.Instance):
                module = sym.definitionName if sym.kind == K.UninstantiatedDef else sym.definition.name
                span = self.r.span(sym.syntax) if sym.syntax is not None else self.r.decl_span(sym)
                self.module.instances.append(Instance(sym.name, module, span, active=False, condition=condition))
            elif sym.kind == K.GenerateBlock:
                self._inactive(sym, condition)
            elif sym.kind == K.GenerateBlockArray:
                for entry in sym.entries:
                    self._inactive(entry, condition)

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
        if init is not None and getattr(init, "kind", None) != ast.ExpressionKind.Invalid:
            reads = signals_in(init)
            stmt_span = self.r.span(sym.syntax) if sym.syntax is not None else span
            text = self.r.text(stmt_span)
            idx = len(self.module.blocks)
            if kind == "net":
                self.module.blocks.append(Block("declaration", stmt_span, text, [sym.name], reads))
                self.module.assignments.append(
                    Assignment(sym.name, stmt_span, text, reads, [], idx, "declaration", value=expr_text(init)))
            elif not reads:  # `reg x = 0;`: the power-on value in simulation, not a reset
                sig = self.module.signals[sym.name]
                sig.initial_value = initializer_text(sym) or expr_text(init)
                sig.initial_span = stmt_span

    def _parameter(self, sym: Any) -> None:
        span = self.r.decl_span(sym)
        try:
            value = str(sym.value)
        except Exception:  # noqa: BLE001 - slang may fail to evaluate an unused parameter
            value = "?"
        init = getattr(getattr(sym, "syntax", None), "initializer", None)
        written = " ".join(str(getattr(init, "expr", "")).split())
        self.module.parameters.append(
            Parameter(sym.name, value, span, bool(sym.isLocalParam), self.r.comment(span.file, span.line),
                      expression=written if written and written != value else ""))

    def _continuous(self, sym: Any) -> None:
        expr = sym.assignment
        if getattr(expr, "kind", None) != ast.ExpressionKind.Assignment:
            return  # slang could not bind it (an undeclared name, an unresolved package): its diagnostic says why
        span = self.r.span(sym.syntax) if sym.syntax is not None else self.r.span(expr)
        targets, index_reads = lvalue(expr.left)
        reads = dedupe(signals_in(expr.right) + index_reads)
        idx = len(self.module.blocks)
        self.module.blocks.append(Block("assign", span, self.r.text(span), targets, reads))
        for t in targets:
            self.module.assignments.append(Assignment(t, span, self.r.text(span), reads, [], idx, "continuous",
                                                      value=expr_text(expr.right)))

    def _procedural(self, sym: Any) -> None:
        pk = str(sym.procedureKind).split(".")[-1]
        kind = {"Always": "always", "AlwaysFF": "always_ff", "AlwaysComb": "always_comb",
                "AlwaysLatch": "always_latch", "Initial": "initial", "Final": "final"}.get(pk, pk.lower())
        span = self.r.span(sym.syntax) if sym.syntax is not None else self.r.span(sym.body)
        idx = len(self.module.blocks)
        lines = self.r.lines(span.file)
        header = lines[span.line - 1].strip() if 0 < span.line <= len(lines) else kind  # `line can point anywhere
        block = Block(kind, span, header, [], [])
        self.module.blocks.append(block)
        walker = StatementWalker(self.r, idx)
        walker.walk(sym.body, [])
        block.clock = walker.clock
        if walker.resets:
            main = next((r for r in walker.resets if r.pure), walker.resets[0])
            block.reset, block.reset_condition = main.signal, main.text
        for a in walker.assignments:
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
        """A register's reset value: what its first reset branch (or reset ternary) assigns."""
        for a in self.module.assignments:
            value = a.value if a.is_reset else a.reset_value
            sig = self.module.signals.get(a.target)
            if value is None or sig is None or sig.reset_value is not None:
                continue
            sig.reset_value, sig.reset_span, sig.reset_condition = value, a.span, a.reset_condition


def _generate_condition(block: Any) -> str:
    """The condition of the ``if`` generate a (switched-off) block belongs to, e.g. ``ENABLE_MUL``."""
    syntax = getattr(block, "syntax", None)
    parent = getattr(syntax, "parent", None)
    cond = getattr(parent, "condition", None)
    if cond is None:
        return ""
    text = " ".join(str(cond).split())
    other = getattr(parent, "elseClause", None)
    in_else = other is not None and syntax is not None and syntax in [getattr(other, "clause", None)]
    return f"!({text})" if in_else else text


def summarize_statuses(statuses: list[FileStatus], root: Path | None = None,
                       rel: Callable[[str], str] | None = None) -> str:
    """One line per skipped file, in ``file:line:col: message`` form."""
    show = rel or (lambda p: p)
    return "\n".join(f"{show(s.path)}{':' + str(s.line) if s.line else ''}{':' + str(s.col) if s.col else ''}: "
                     f"{s.message}" for s in statuses if s.status in ("error", "skipped"))
