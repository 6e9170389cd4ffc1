"""Read procedural code off slang's elaborated AST: assignments with their conditions, clocks, resets.

:class:`StatementWalker` walks an always/initial block keeping the stack of enclosing
conditions (the control dependencies of each assignment) and the edge events of its timing
control; :func:`find_reset` finds the reset branch of a clocked block; the expression helpers
name what an expression reads and what an assignment's left side writes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyslang import ast

from chipchat.rtl.model import Assignment
from chipchat.rtl.sourcemap import SourceReader

RESET_NAME = re.compile(r"(^|_)(a?s?rst|reset|s?a?clr|clear)(_?n|_ni|_i|_b|b|_l)?$", re.I)


def is_active_low(name: str) -> bool:
    """``resetn``, ``rst_n``, ``rst_ni``, ``nreset``, ``rstb``: asserted when 0."""
    base = name.rsplit(".", 1)[-1]
    return bool(re.search(r"(_n|_ni|_b|_l)$", base, re.I) or re.search(r"(rstn|resetn|rstb|resetb|clrn)$", base, re.I)
                or re.match(r"^n_?(rst|reset|clr|clear)", base, re.I))


@dataclass(frozen=True)
class ResetTest:
    """A condition that tests a reset: which signal, and whether the ``if`` branch (or the ``else``) is reset."""

    signal: str
    when_true: bool  # the reset is asserted in the branch taken when the condition is true
    pure: bool  # the condition is the reset alone (``!resetn``), not ``!resetn || trap``
    text: str  # when the reset branch is taken, e.g. ``!resetn || trap`` (for `if (rst_n) .. else`: ``!rst_n``)


def reset_test(expr: Any, reset_like: Callable[[str], bool]) -> ResetTest | None:
    """The reset an ``if``/``?:`` condition tests, if any: ``!resetn``, ``rst``, ``rst_n == 1'b0``,
    ``!resetn || trap`` (reset, or something else that resets too)."""
    found = _reset_test(expr, reset_like)
    if found is None:
        return None
    signal, when_true, pure = found
    text = expr_text(expr)
    if not when_true:  # the reset is the `else` / `:` side: say when it is taken
        text = f"!{text}" if re.fullmatch(r"[\w$.]+", text) else f"!({text})"
    return ResetTest(signal, when_true, pure, text)


def _reset_test(expr: Any, reset_like: Callable[[str], bool]) -> tuple[str, bool, bool] | None:
    EK = ast.ExpressionKind
    kind = getattr(expr, "kind", None)
    if kind == EK.Conversion:
        return _reset_test(expr.operand, reset_like)
    if kind == EK.NamedValue:
        name = expr.symbol.name
        if not reset_like(name):
            return None
        return name, not is_active_low(name), True  # `if (rst)` resets; `if (rst_n)` is the running branch
    if kind == EK.UnaryOp:
        op = str(expr.op).split(".")[-1]
        if op in ("LogicalNot", "BitwiseNot"):
            inner = _reset_test(expr.operand, reset_like)
            return (inner[0], not inner[1], inner[2]) if inner else None
        return None
    if kind == EK.BinaryOp:
        op = str(expr.op).split(".")[-1]
        if op == "LogicalOr":
            parts = [_reset_test(x, reset_like) for x in (expr.left, expr.right)]
            hits = [x for x in parts if x is not None and x[1]]
            return (hits[0][0], True, False) if hits else None
        if op in ("Equality", "Inequality", "CaseEquality", "CaseInequality"):
            for side, other in ((expr.left, expr.right), (expr.right, expr.left)):
                inner = _reset_test(side, reset_like)
                const = _constant(other)
                if inner is not None and inner[2] and const in (0, 1):
                    equal_means_one = const == 1
                    true_when_one = equal_means_one if op in ("Equality", "CaseEquality") else not equal_means_one
                    asserted_one = not is_active_low(inner[0])
                    return inner[0], true_when_one == asserted_one, True
        return None
    return None


def _constant(expr: Any) -> int | None:
    """0 or 1 when ``expr`` is that constant (``1'b0``, ``0``, ``'1``), else None."""
    text = expr_text(expr).replace("_", "").lower()
    m = re.fullmatch(r"(?:\d*'s?[bdh])?([01])|'([01])", text)
    if not m:
        return None
    return int(m.group(1) or m.group(2))


class StatementWalker:
    """Walks a procedural statement tree keeping the stack of enclosing conditions, and the reset branch.

    A reset branch is an ``if`` at the top level of a clocked block whose condition tests a reset
    (:func:`reset_test`) — first in the block (``if (!rst_ni) ... else ...``) or last, overriding the
    assignments above it (``if (!resetn) ...`` at the end, a common style), or under ``!resetn || trap``.
    A reset in a ternary (``x <= resetn ? x + 1 : 0``) is recorded on the assignment.
    """

    def __init__(self, reader: SourceReader, block_index: int) -> None:
        self.r = reader
        self.block = block_index
        self.assignments: list[Assignment] = []
        self.clock: str | None = None
        self.edge_signals: list[str] = []
        self.resets: list[ResetTest] = []

    def reset_like(self, name: str) -> bool:
        async_edges = [s for s in self.edge_signals if s != self.clock]
        return bool(RESET_NAME.search(name)) or name in async_edges

    def walk(self, stmt: Any, conds: list[str], *, top: bool = True, in_reset: ResetTest | None = None) -> None:
        SK = ast.StatementKind
        kind = stmt.kind
        if kind == SK.Block:
            self.walk(stmt.body, conds, top=top, in_reset=in_reset)
        elif kind == SK.List:
            for s in stmt.list:
                self.walk(s, conds, top=top, in_reset=in_reset)
        elif kind == SK.Timed:
            self._timing(stmt.timing)
            self.walk(stmt.stmt, conds, top=top, in_reset=in_reset)
        elif kind == SK.Conditional:
            # an `else if` chain is walked as a loop, not by recursion: generated decoders have thousands of arms
            here, first = conds, True
            while stmt is not None and stmt.kind == SK.Conditional:
                sigs: list[str] = []
                for c in stmt.conditions:
                    sigs += signals_in(c.expr)
                test = reset_test(stmt.conditions[0].expr, self.reset_like) \
                    if top and first and self.clock is not None and len(stmt.conditions) == 1 else None
                if test is not None:
                    self.resets.append(test)
                here = here + [s for s in dedupe(sigs) if s not in here]
                self.walk(stmt.ifTrue, here, top=False,
                          in_reset=in_reset or (test if test and test.when_true else None))
                else_reset = in_reset or (test if test and not test.when_true else None)
                stmt, first = stmt.ifFalse, False
                if stmt is not None and (stmt.kind != SK.Conditional or else_reset is not in_reset):
                    self.walk(stmt, here, top=False, in_reset=else_reset)
                    stmt = None
        elif kind == SK.Case:
            sel = signals_in(stmt.expr)
            for item in stmt.items:
                item_sigs = [s for e in item.expressions for s in signals_in(e)]
                self.walk(item.stmt, conds + dedupe(sel + item_sigs), top=False, in_reset=in_reset)
            if stmt.defaultCase is not None:
                self.walk(stmt.defaultCase, conds + sel, top=False, in_reset=in_reset)
        elif kind == SK.ExpressionStatement:
            self._expression(stmt.expr, conds, stmt, in_reset)
        elif kind in (SK.ForLoop, SK.RepeatLoop, SK.WhileLoop, SK.DoWhileLoop, SK.ForeverLoop, SK.ForeachLoop):
            self.walk(stmt.body, conds, top=False, in_reset=in_reset)
        elif kind in (SK.Empty, SK.Invalid):
            return
        else:
            def visit(node: Any) -> Any:
                if getattr(node, "kind", None) == ast.ExpressionKind.Assignment:
                    self._assignment(node, conds, node, in_reset)
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

    def _expression(self, expr: Any, conds: list[str], stmt: Any, in_reset: ResetTest | None) -> None:
        if expr.kind == ast.ExpressionKind.Assignment:
            self._assignment(expr, conds, stmt, in_reset)

    def _assignment(self, expr: Any, conds: list[str], stmt: Any, in_reset: ResetTest | None) -> None:
        if getattr(expr.left, "kind", None) == ast.ExpressionKind.Invalid:
            return
        targets, index_reads = lvalue(expr.left)
        reads = dedupe(signals_in(expr.right) + index_reads)
        if expr.isCompound:
            reads = dedupe(targets + reads)
        span = self.r.span(stmt)
        text = self.r.text(span)
        kind = "nonblocking" if expr.isNonBlocking else "blocking"
        value = expr_text(expr.right)
        ternary = self._ternary_reset(expr.right) if self.clock is not None and in_reset is None else None
        test = in_reset or (ternary[1] if ternary else None)
        for t in targets:
            self.assignments.append(Assignment(
                t, span, text, reads, list(conds), self.block, kind, is_reset=in_reset is not None, value=value,
                reset_value=ternary[0] if ternary else None, reset_condition=test.text if test else ""))

    def _ternary_reset(self, rhs: Any) -> tuple[str, ResetTest] | None:
        """``resetn ? count + 1 : 0`` → ``0``: the operand a reset selects."""
        EK = ast.ExpressionKind
        while getattr(rhs, "kind", None) == EK.Conversion:
            rhs = rhs.operand
        if getattr(rhs, "kind", None) != EK.ConditionalOp or len(rhs.conditions) != 1:
            return None
        test = reset_test(rhs.conditions[0].expr, self.reset_like)
        if test is None:
            return None
        self.resets.append(test)
        return expr_text(rhs.left if test.when_true else rhs.right), test


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
    """An expression as written (slang's implicit conversions have no syntax of their own: their operand has)."""
    while expr is not None and getattr(expr, "syntax", None) is None and \
            getattr(expr, "kind", None) == ast.ExpressionKind.Conversion:
        expr = expr.operand
    syn = getattr(expr, "syntax", None)
    if syn is None:
        return ""
    return _outer_parens(" ".join(str(syn).split()))


def _outer_parens(text: str) -> str:
    """``(4'b1010)`` → ``4'b1010`` (macros wrap their arguments); ``(a) & (b)`` stays as it is."""
    while text.startswith("(") and text.endswith(")"):
        depth = 0
        for i, ch in enumerate(text):
            depth += (ch == "(") - (ch == ")")
            if depth == 0 and i < len(text) - 1:
                return text
        text = text[1:-1].strip()
    return text


def initializer_text(sym: Any) -> str:
    init = getattr(getattr(sym, "syntax", None), "initializer", None)
    expr = getattr(init, "expr", None)
    return " ".join(str(expr).split()) if expr is not None else ""


def width(typ: Any) -> int:
    """Bits of a type; for an unpacked array (a memory), all its bits."""
    try:
        if getattr(typ, "isUnpackedArray", False):
            return int(typ.bitstreamWidth)
        return int(typ.bitWidth)
    except Exception:  # noqa: BLE001 - some types (dynamic arrays, classes) have no fixed width
        return 0


def dedupe(items: list[str]) -> list[str]:
    out: list[str] = []
    for i in items:
        if i not in out:
            out.append(i)
    return out
