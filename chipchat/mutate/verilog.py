"""Find mutation sites in Verilog/SystemVerilog from pyslang's syntax tree.

Every site is a node of the tree (a binary operator token, a literal, an ``if``
predicate, an assignment, a comparison), so a mutant never lands in a comment, a string
or the middle of a name. Sites that would only change a declaration (widths, parameter
port defaults, enum encodings, ``$clog2`` arguments, replication counts, casts' sizes,
event controls, ``initial`` blocks, attributes) are left alone: they either do not
compile or do not model a bug in the logic. Replacements keep widths (``'0``, a literal
of the same size and base, ``- 1'b1``) so the mutant compiles in Verilator's
warnings-are-errors mode too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pyslang import syntax

from chipchat.mutate.operators import Site
from chipchat.rtl.frontend import SourceSet, parse_one

SK = syntax.SyntaxKind

SWAP = {"+": "-", "-": "+", "*": "+", "&": "|", "|": "&", "^": "|", "&&": "||", "||": "&&", "==": "!=",
        "!=": "==", "<": ">", ">": "<", "<=": ">=", ">=": "<=", "<<": ">>", ">>": "<<"}
BINARY = {SK.AddExpression, SK.SubtractExpression, SK.MultiplyExpression, SK.BinaryAndExpression,
          SK.BinaryOrExpression, SK.BinaryXorExpression, SK.LogicalAndExpression, SK.LogicalOrExpression,
          SK.EqualityExpression, SK.InequalityExpression, SK.LessThanExpression, SK.LessThanEqualExpression,
          SK.GreaterThanExpression, SK.GreaterThanEqualExpression, SK.LogicalShiftLeftExpression,
          SK.LogicalShiftRightExpression}
RELATIONAL_SHIFT = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}
EQUALITY = {SK.EqualityExpression, SK.InequalityExpression}
SKIP_CONTEXT = {SK.ParameterPortList, SK.VariableDimension, SK.SimpleRangeSelect, SK.AscendingRangeSelect,
                SK.DescendingRangeSelect, SK.EnumType, SK.InitialBlock, SK.FinalBlock, SK.AttributeInstance,
                SK.EventControlWithExpression, SK.DelayControl, SK.ParameterValueAssignment, SK.TypedefDeclaration}
LITERALS = {SK.IntegerVectorExpression, SK.IntegerLiteralExpression, SK.UnbasedUnsizedLiteralExpression}
SIZED = re.compile(r"^(\d+)?\s*'\s*([sS]?)([bBoOdDhH])\s*([0-9a-fA-F_]+)$")
BASES = {"b": 2, "o": 8, "d": 10, "h": 16}
ZERO = re.compile(r"^(?:'0|0+|\d*\s*'[sS]?[bBoOdDhH]\s*[0_]+|\{[^{}]*\{\s*\d*\s*'[sS]?[bBoOdDhH]\s*[0_]+\s*\}\s*\})$")


def find_edits(path: Path, operators: list[str], defines: dict[str, str] | None = None,
               include_dirs: list[Path] | None = None) -> tuple[bytes, list[Site]]:
    """(file bytes, candidate edits) for one source file; a file that does not parse yields none."""
    source = path.read_bytes()
    _, tree = parse_one(path, SourceSet([path], list(include_dirs or []), dict(defines or {})))
    if tree is None:
        return source, []
    finder = _Finder(tree, source, set(operators))
    tree.root.visit(finder.visit)
    return source, finder.edits


class _Finder:
    def __init__(self, tree: Any, source: bytes, operators: set[str]) -> None:
        self.sm = tree.sourceManager
        self.source = source
        self.ops = operators
        self.edits: list[Site] = []
        self.buffer = None

    # -- helpers ---------------------------------------------------------------------
    def _range(self, node: Any) -> tuple[int, int] | None:
        rng = node.sourceRange
        start, end = rng.start, rng.end
        if not (self.sm.isFileLoc(start) and self.sm.isFileLoc(end)) or self.sm.isIncludedFileLoc(start):
            return None
        if start.buffer != end.buffer:
            return None
        if self.buffer is None:
            self.buffer = start.buffer
        if start.buffer != self.buffer:
            return None
        return start.offset, end.offset

    def text(self, node: Any) -> str:
        r = self._range(node)
        return self.source[r[0]:r[1]].decode("utf-8", errors="replace") if r else ""

    def _skipped(self, node: Any) -> bool:
        p = node.parent
        child = node
        while p is not None:
            kind = p.kind
            if kind in SKIP_CONTEXT:
                return True
            if kind == SK.InvocationExpression and p.left.kind == SK.SystemName:
                return True
            if kind == SK.MultipleConcatenationExpression and _same(p.expression, child):
                return True
            if kind in (SK.CastExpression, SK.SignedCastExpression) and _same(getattr(p, "left", None), child):
                return True
            if kind == SK.DataDeclaration or (kind == SK.ParameterDeclaration and not _inside_initializer(node, p)):
                return True
            child, p = p, p.parent
        return False

    def add(self, operator: str, start: int, end: int, text: str, description: str) -> None:
        if operator in self.ops:
            self.edits.append(Site("", start, end, text, operator=operator, description=description))

    # -- the visitor -----------------------------------------------------------------
    def visit(self, node: Any) -> bool:
        kind = getattr(node, "kind", None)
        if not isinstance(kind, syntax.SyntaxKind):
            return True
        if kind in BINARY:
            self._binary(node)
        elif kind in LITERALS:
            self._literal(node)
        elif kind in (SK.ConditionalStatement, SK.ConditionalExpression):
            self._condition(node)
        elif kind == SK.NonblockingAssignmentExpression or kind == SK.AssignmentExpression:
            self._assignment(node)
        elif kind == SK.NetDeclaration:
            self._net_initializers(node)
        return True

    def _binary(self, node: Any) -> None:
        if self._skipped(node):
            return
        tok = node.operatorToken
        op = tok.rawText
        loc = tok.location
        if not self.sm.isFileLoc(loc) or self._range(node) is None:
            return
        start, end = loc.offset, loc.offset + len(op)
        left, right = self.text(node.left).strip(), self.text(node.right).strip()
        if op in SWAP and not (left == right and op in ("&", "|", "&&", "||")):
            self.add("operator-swap", start, end, SWAP[op], f"`{op}` → `{SWAP[op]}` in `{left} {op} {right}`")
        if op in RELATIONAL_SHIFT:
            new = RELATIONAL_SHIFT[op]
            self.add("off-by-one", start, end, new, f"`{left} {op} {right}` → `{left} {new} {right}`")
        elif node.kind in EQUALITY:
            self._equality_bound(node, op, left, right)

    def _equality_bound(self, node: Any, op: str, left: str, right: str) -> None:
        r = self._range(node.right)
        if r is None:
            return
        if node.right.kind in LITERALS:
            shifted = _literal_shift(right, -1) or _literal_shift(right, +1)
            if shifted is None:
                return
            new = shifted
        else:
            simple = node.right.kind in (SK.IdentifierName, SK.ScopedName, SK.IdentifierSelectName,
                                         SK.ParenthesizedExpression)
            new = f"{right} - 1'b1" if simple else f"({right}) - 1'b1"
        self.add("off-by-one", r[0], r[1], new, f"`{left} {op} {right}` → `{left} {op} {new}`")

    def _literal(self, node: Any) -> None:
        if self._skipped(node) or node.parent is None or node.parent.kind in LITERALS:
            return
        r = self._range(node)
        if r is None:
            return
        text = self.text(node)
        if node.kind == SK.UnbasedUnsizedLiteralExpression:
            flips = {"'0": "'1", "'1": "'0"}
            if text in flips:
                self.add("constant-flip", r[0], r[1], flips[text], f"`{text}` → `{flips[text]}`")
            return
        for delta in (+1, -1):
            new = _literal_shift(text, delta)
            if new is not None:
                self.add("constant-flip", r[0], r[1], new, f"`{text}` → `{new}`")

    def _condition(self, node: Any) -> None:
        if self._skipped(node):
            return
        conditions = list(node.predicate.conditions)
        if len(conditions) != 1 or conditions[0].matchesClause is not None:
            return
        if node.kind == SK.ConditionalStatement and _empty(node.statement) and node.elseClause is None:
            return  # `if (x) begin end`: negating it changes nothing
        expr = conditions[0].expr
        r = self._range(expr)
        if r is None:
            return
        text = self.text(expr)
        what = "if" if node.kind == SK.ConditionalStatement else "?:"
        self.add("condition-negation", r[0], r[1], f"!({text})", f"{what} (`{text}`) → {what} (`!({text})`)")

    def _assignment(self, node: Any) -> None:
        if self._skipped(node) or _in_loop_header(node):
            return
        r = self._range(node.right)
        if r is None:
            return
        left, right = self.text(node.left).strip(), self.text(node.right).strip()
        arrow = "<=" if node.kind == SK.NonblockingAssignmentExpression else "="
        if not ZERO.match(right):
            self.add("stuck-assignment", r[0], r[1], "'0", f"`{left} {arrow} {right}` → `{left} {arrow} '0` (stuck at 0)")
        if node.kind == SK.NonblockingAssignmentExpression and right != left:
            self.add("stuck-assignment", r[0], r[1], left, f"`{left} <= {right}` → `{left} <= {left}` (holds)")

    def _net_initializers(self, node: Any) -> None:
        for decl in node.declarators:
            init = getattr(decl, "initializer", None)  # the declarator list holds the commas too
            if init is None:
                continue
            r = self._range(init.expr)
            right = self.text(init.expr).strip()
            if r is not None and not ZERO.match(right):
                name = decl.name.valueText
                self.add("stuck-assignment", r[0], r[1], "'0",
                         f"`{name} = {right}` → `{name} = '0` (stuck at 0)")


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    ra, rb = a.sourceRange, b.sourceRange
    return (ra.start.offset, ra.end.offset, a.kind) == (rb.start.offset, rb.end.offset, b.kind)


def _inside_initializer(node: Any, decl: Any) -> bool:
    """Whether ``node`` sits in the ``= value`` part of a declaration (a localparam's value)."""
    p = node.parent
    while p is not None and not _same(p, decl):
        if p.kind == SK.EqualsValueClause:
            return True
        p = p.parent
    return False


def _in_loop_header(node: Any) -> bool:
    p = node.parent
    while p is not None:
        if p.kind in (SK.ForLoopStatement, SK.LoopGenerate):
            return not _inside(node, p.statement if hasattr(p, "statement") else p.block)
        if p.kind in (SK.AlwaysBlock, SK.AlwaysFFBlock, SK.AlwaysCombBlock, SK.ContinuousAssign):
            return False
        p = p.parent
    return False


def _inside(node: Any, outer: Any) -> bool:
    if outer is None:
        return False
    a, b = node.sourceRange, outer.sourceRange
    return b.start.offset <= a.start.offset and a.end.offset <= b.end.offset


def _empty(stmt: Any) -> bool:
    if stmt is None or stmt.kind == SK.EmptyStatement:
        return True
    return stmt.kind == SK.SequentialBlockStatement and len(stmt.items) == 0


def _literal_shift(text: str, delta: int) -> str | None:
    """``text`` (a literal) with its value moved by ``delta``, same size and base; None if impossible."""
    t = text.strip()
    if t.isdigit():
        value = int(t) + delta
        return str(value) if value >= 0 else None
    m = SIZED.match(t)
    if not m:
        return None
    size, signed, base, digits = m.group(1), m.group(2), m.group(3), m.group(4).replace("_", "")
    radix = BASES[base.lower()]
    try:
        value = int(digits, radix)
    except ValueError:
        return None
    one_bit = bool(size) and int(size) == 1
    new: int | None = (1 - value if delta > 0 else None) if one_bit else value + delta
    if new is None or new < 0 or (size and new >= 1 << int(size)):
        return None
    body = {2: "{:b}", 8: "{:o}", 10: "{:d}", 16: "{:X}" if digits.isupper() else "{:x}"}[radix].format(new)
    return f"{size or ''}'{signed}{base}{body}"
