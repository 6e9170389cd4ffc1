"""Find mutation sites in an Amaranth design's Python source, from Python's ``ast``.

Amaranth designs are mutated in the Python the user wrote, not in the Verilog that
Amaranth generates: a surviving mutant then points at the user's own line
(``rtl/alu8.py:77``), and each mutant is re-elaborated inside its sandbox, exactly as a
proposed edit of the Python would be. Only the bodies of ``elaborate`` methods are
mutated (the hardware description), never the port signature or signal widths.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

from chipchat.mutate.operators import Site

BIN_SWAP: dict[type, tuple[str, str]] = {
    ast.Add: ("+", "-"), ast.Sub: ("-", "+"), ast.Mult: ("*", "+"), ast.BitAnd: ("&", "|"),
    ast.BitOr: ("|", "&"), ast.BitXor: ("^", "|"), ast.LShift: ("<<", ">>"), ast.RShift: (">>", "<<"),
}
CMP_SWAP: dict[type, tuple[str, str]] = {
    ast.Eq: ("==", "!="), ast.NotEq: ("!=", "=="), ast.Lt: ("<", ">"), ast.Gt: (">", "<"),
    ast.LtE: ("<=", ">="), ast.GtE: (">=", "<="),
}
CMP_SHIFT = {ast.Lt: "<=", ast.LtE: "<", ast.Gt: ">=", ast.GtE: ">"}
NO_CONSTANTS = {"Signal", "Const", "In", "Out", "range", "Case", "Shape", "unsigned", "signed", "Memory"}


def find_edits(path: Path, operators: list[str]) -> tuple[bytes, list[Site]]:
    """(file bytes, candidate edits) inside the ``elaborate`` methods of ``path``."""
    source = path.read_bytes()
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError:
        return source, []
    finder = _Finder(source, set(operators))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "elaborate":
            finder.scan(node)
    return source, finder.edits


class _Finder:
    def __init__(self, source: bytes, operators: set[str]) -> None:
        self.source = source
        self.ops = operators
        self.edits: list[Site] = []
        self.line_starts = [0]
        for i, byte in enumerate(source):
            if byte == 0x0A:
                self.line_starts.append(i + 1)
        self.tokens = list(tokenize.tokenize(io.BytesIO(source).readline))
        self.lines = source.decode("utf-8").splitlines(keepends=True)

    def offset(self, line: int, col: int) -> int:
        return self.line_starts[line - 1] + col

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (self.offset(node.lineno, node.col_offset),  # type: ignore[attr-defined]
                self.offset(node.end_lineno, node.end_col_offset))  # type: ignore[attr-defined]

    def text(self, node: ast.AST) -> str:
        a, b = self.span(node)
        return self.source[a:b].decode("utf-8")

    def operator_between(self, left: ast.AST, right: ast.AST, op: str) -> tuple[int, int] | None:
        """Byte span of the ``op`` token between two operands (outside any brackets)."""
        lo, hi = self.span(left)[1], self.span(right)[0]
        for tok in self.tokens:
            if tok.type != tokenize.OP or tok.string != op:
                continue
            row, col = tok.start
            at = self.offset(row, len(self.lines[row - 1][:col].encode()))
            if lo <= at < hi:
                return at, at + len(op)
        return None

    def add(self, operator: str, start: int, end: int, text: str, description: str) -> None:
        if operator in self.ops:
            self.edits.append(Site("", start, end, text, operator=operator, description=description))

    def scan(self, func: ast.FunctionDef) -> None:
        skip_constants: set[int] = set()
        for node in ast.walk(func):
            if isinstance(node, ast.Call) and _callee(node) in NO_CONSTANTS:
                skip_constants.update(id(n) for a in node.args + [k.value for k in node.keywords] for n in ast.walk(a))
        sync_eqs = {id(n) for s in ast.walk(func) if isinstance(s, ast.AugAssign) and _is_sync(s.target)
                    for n in ast.walk(s.value)}
        for node in ast.walk(func):
            if isinstance(node, ast.BinOp):
                self._binop(node)
            elif isinstance(node, ast.Compare) and len(node.ops) == 1:
                self._compare(node)
            elif isinstance(node, ast.Constant) and type(node.value) is int and id(node) not in skip_constants:
                self._constant(node)
            elif isinstance(node, ast.Call):
                self._call(node, id(node) in sync_eqs)

    def _binop(self, node: ast.BinOp) -> None:
        pair = BIN_SWAP.get(type(node.op))
        if pair is None:
            return
        where = self.operator_between(node.left, node.right, pair[0])
        left, right = self.text(node.left), self.text(node.right)
        if where is not None and not (left == right and pair[0] in "&|"):
            self.add("operator-swap", *where, pair[1], f"`{pair[0]}` → `{pair[1]}` in `{left} {pair[0]} {right}`")

    def _compare(self, node: ast.Compare) -> None:
        op, right_node = type(node.ops[0]), node.comparators[0]
        pair = CMP_SWAP.get(op)
        if pair is None:
            return
        where = self.operator_between(node.left, right_node, pair[0])
        left, right = self.text(node.left), self.text(right_node)
        if where is None:
            return
        self.add("operator-swap", *where, pair[1], f"`{pair[0]}` → `{pair[1]}` in `{left} {pair[0]} {right}`")
        if op in CMP_SHIFT:
            new = CMP_SHIFT[op]
            self.add("off-by-one", *where, new, f"`{left} {pair[0]} {right}` → `{left} {new} {right}`")
        else:
            a, b = self.span(right_node)
            if isinstance(right_node, ast.Constant) and type(right_node.value) is int:
                bound = str(right_node.value - 1 if right_node.value > 0 else right_node.value + 1)
            else:
                bound = f"({right}) - 1"
            self.add("off-by-one", a, b, bound, f"`{left} {pair[0]} {right}` → `{left} {pair[0]} {bound}`")

    def _constant(self, node: ast.Constant) -> None:
        a, b = self.span(node)
        value = node.value if isinstance(node.value, int) else 0
        for new in (value + 1, value - 1):
            if new >= 0:
                self.add("constant-flip", a, b, str(new), f"`{value}` → `{new}`")

    def _call(self, node: ast.Call, in_sync: bool) -> None:
        name = _callee(node)
        if name in ("If", "Elif") and len(node.args) == 1:
            a, b = self.span(node.args[0])
            text = self.text(node.args[0])
            self.add("condition-negation", a, b, f"~({text}).bool()", f"m.{name}(`{text}`) → m.{name}(`~({text})`)")
        elif name == "Mux" and len(node.args) == 3:
            a, b = self.span(node.args[0])
            text = self.text(node.args[0])
            self.add("condition-negation", a, b, f"~({text}).bool()", f"Mux(`{text}`, …) → Mux(`~({text})`, …)")
        elif name == "eq" and isinstance(node.func, ast.Attribute) and len(node.args) == 1:
            target, value = self.text(node.func.value), node.args[0]
            a, b = self.span(value)
            text = self.text(value)
            if not (isinstance(value, ast.Constant) and value.value == 0):
                self.add("stuck-assignment", a, b, "0", f"`{target}.eq({text})` → `{target}.eq(0)` (stuck at 0)")
            if in_sync and text != target:
                self.add("stuck-assignment", a, b, target,
                         f"`{target}.eq({text})` → `{target}.eq({target})` (holds)")


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _is_sync(target: ast.expr) -> bool:
    """``m.d.sync`` (or any clock domain other than comb) as the target of ``+=``."""
    return isinstance(target, ast.Attribute) and target.attr != "comb" and \
        isinstance(target.value, ast.Attribute) and target.value.attr == "d"
