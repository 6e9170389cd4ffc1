"""Read procedural code off slang's elaborated AST: assignments with their conditions, clocks, resets.

:class:`StatementWalker` walks an always/initial block keeping the stack of enclosing
conditions (the control dependencies of each assignment) and the edge events of its timing
control; :func:`find_reset` finds the reset branch of a clocked block; the expression helpers
name what an expression reads and what an assignment's left side writes.
"""

from __future__ import annotations

import re
from typing import Any

from pyslang import ast

from chipchat.rtl.model import Assignment
from chipchat.rtl.sourcemap import SourceReader

RESET_NAME = re.compile(r"(^|_)(a?rst|reset|clear|clr)(_?n|_ni|_i|b)?($|_)", re.I)


class StatementWalker:
    """Walks a procedural statement tree keeping the stack of enclosing conditions."""

    def __init__(self, reader: SourceReader, block_index: int) -> None:
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
                sigs += signals_in(c.expr)
            self.walk(stmt.ifTrue, conds + dedupe(sigs))
            if stmt.ifFalse is not None:
                self.walk(stmt.ifFalse, conds + dedupe(sigs))
        elif kind == SK.Case:
            sel = signals_in(stmt.expr)
            for item in stmt.items:
                item_sigs = [s for e in item.expressions for s in signals_in(e)]
                self.walk(item.stmt, conds + dedupe(sel + item_sigs))
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
            sigs = signals_in(ev.expr)
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
        targets, index_reads = lvalue(expr.left)
        reads = dedupe(signals_in(expr.right) + index_reads)
        if expr.isCompound:
            reads = dedupe(targets + reads)
        span = self.r.span(stmt)
        text = self.r.text(span)
        kind = "nonblocking" if expr.isNonBlocking else "blocking"
        for t in targets:
            self.assignments.append(Assignment(t, span, text, reads, list(conds), self.block, kind))


def find_reset(body: Any, edge_signals: list[str]) -> tuple[str | None, Any]:
    """(reset signal, its active branch) of a clocked block: the first `if` on a reset-like signal."""
    SK = ast.StatementKind
    stmt = body
    while stmt is not None and stmt.kind in (SK.Timed, SK.Block):
        stmt = stmt.stmt if stmt.kind == SK.Timed else stmt.body
    if stmt is not None and stmt.kind == SK.List and len(stmt.list):
        stmt = stmt.list[0]
    if stmt is None or stmt.kind != SK.Conditional:
        return None, None
    sigs = [s for c in stmt.conditions for s in signals_in(c.expr)]
    if len(sigs) != 1:
        return None, None
    name = sigs[0]
    if RESET_NAME.search(name) or (name in edge_signals and len(edge_signals) > 1):
        return name, stmt.ifTrue
    return None, None


def lvalue(expr: Any) -> tuple[list[str], list[str]]:
    """(assigned signals, signals read by index expressions) of an assignment's left side."""
    EK = ast.ExpressionKind
    kind = expr.kind
    if kind in (EK.NamedValue, EK.HierarchicalValue):
        return [expr.symbol.name], []
    if kind == EK.ElementSelect:
        t, r = lvalue(expr.value)
        return t, r + signals_in(expr.selector)
    if kind == EK.RangeSelect:
        t, r = lvalue(expr.value)
        return t, r + signals_in(expr.left) + signals_in(expr.right)
    if kind == EK.Concatenation:
        targets: list[str] = []
        reads: list[str] = []
        for op in expr.operands:
            t, r = lvalue(op)
            targets += t
            reads += r
        return dedupe(targets), dedupe(reads)
    if kind == EK.MemberAccess:
        return lvalue(expr.value)
    if kind == EK.Conversion:
        return lvalue(expr.operand)
    return signals_in(expr), []


def signals_in(expr: Any) -> list[str]:
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


def expr_text(expr: Any) -> str:
    syn = getattr(expr, "syntax", None)
    if syn is None:
        return ""
    return " ".join(str(syn).split())


def initializer_text(sym: Any) -> str:
    init = getattr(getattr(sym, "syntax", None), "initializer", None)
    expr = getattr(init, "expr", None)
    return " ".join(str(expr).split()) if expr is not None else ""


def width(typ: Any) -> int:
    try:
        return int(typ.bitWidth)
    except Exception:  # noqa: BLE001 - unpacked arrays and some types have no width
        return 0


def dedupe(items: list[str]) -> list[str]:
    out: list[str] = []
    for i in items:
        if i not in out:
            out.append(i)
    return out
