"""Verilog-style expressions from a spec (``(x^y) & x``, ``{24{in[7]}, in}``, ``A == B``) as Python.

A small precedence-climbing parser over Verilog's operator table emits a fully
parenthesised Python expression (so Python's own precedence, which differs — its
comparisons bind looser than ``&`` — never matters); Python's :mod:`ast` then checks the
result uses only the allowed names, integer constants and the helpers below. Widths are
tracked where they are known so ``~a`` is masked to ``a``'s width and concatenations
place their parts; an expression whose width matters but is unknown is refused, never
guessed. The generated testbench defines the helpers (:data:`HELPERS`).
"""

from __future__ import annotations

import ast
import keyword
import re
from collections.abc import Callable
from dataclasses import dataclass

HELPERS = '''
def cat(*parts):
    """Concatenation: (value, width) pairs, most significant first."""
    out = 0
    for value, width in parts:
        out = (out << width) | (value & ((1 << width) - 1))
    return out


def rep(n, value, width):
    return cat(*[(value, width)] * n)


def red_and(value, width):
    return int(value & ((1 << width) - 1) == (1 << width) - 1)


def red_or(value, width):
    return int(value & ((1 << width) - 1) != 0)


def red_xor(value, width):
    return bin(value & ((1 << width) - 1)).count("1") & 1


def popcount(value):
    return bin(value).count("1")


def bitrev(value, width):
    return int(format(value & ((1 << width) - 1), f"0{width}b")[::-1], 2)


def byterev(value, width):
    return int.from_bytes((value & ((1 << width) - 1)).to_bytes(width // 8, "little"), "big")


def sext(value, width, out_width):
    value &= (1 << width) - 1
    return (value - (1 << width) if value >> (width - 1) else value) & ((1 << out_width) - 1)


def lowest_one(value, zero):
    return (value & -value).bit_length() - 1 if value else zero


def pyenv(values):
    """Port values keyed by their Python names (a port called ``in`` is ``in_``)."""
    return {(k + "_" if k in PY_RENAMED else k): v for k, v in values.items()}
'''
HELPER_NAMES = {"cat", "rep", "red_and", "red_or", "red_xor"}
# Python keywords a Verilog port may be called; the generated code never uses them itself
PY_RENAMED = sorted(set(keyword.kwlist) - {"if", "else", "and", "or", "not", "is", "None", "True", "False", "lambda",
                                           "for"})
HELPERS = f"\nPY_RENAMED = {set(PY_RENAMED)!r}\n" + HELPERS


def pyname(name: str) -> str:
    return name + "_" if name in PY_RENAMED else name


def py_expr(expr: str) -> str:
    """An expression with port names that are Python keywords renamed (``in`` → ``in_``)."""
    return re.sub(r"(?<![\w.'\"])(" + "|".join(PY_RENAMED) + r")\b(?![\'\"])", r"\1_", expr)

TOKEN = re.compile(r"\s*(?:(?P<num>\d*'[sS]?[hHdDbBoO][0-9a-fA-F_xXzZ?]+|0x[0-9a-fA-F_]+|0b[01_]+|\d+)"
                   r"|(?P<name>[A-Za-z_]\w*)|(?P<op>===|!==|==|!=|<=|>=|&&|\|\||<<|>>|~&|~\||~\^|\^~|\*\*|[-+*/%<>&|^~!?:(){}\[\],=]))")
BINARY = {  # Verilog precedence (higher binds tighter)
    "**": 11, "*": 10, "/": 10, "%": 10, "+": 9, "-": 9, "<<": 8, ">>": 8,
    "<": 7, "<=": 7, ">": 7, ">=": 7, "==": 6, "!=": 6, "===": 6, "!==": 6, "=": 6,
    "&": 5, "^": 4, "~^": 4, "^~": 4, "|": 3, "&&": 2, "||": 1,
}
COMPARE = {"<", "<=", ">", ">=", "==", "!=", "===", "!==", "="}


class ExprError(ValueError):
    pass


@dataclass
class Val:
    py: str
    width: int | None


def literal(tok: str) -> Val:
    """``4'b0101``, ``8'h45``, ``0x1F``, ``42`` → value and width (None when unsized)."""
    t = tok.replace("_", "")
    if "'" in t:
        size, rest = t.split("'", 1)
        rest = rest.lstrip("sS")
        base = {"h": 16, "d": 10, "b": 2, "o": 8}[rest[0].lower()]
        digits = rest[1:]
        if re.search(r"[xXzZ?]", digits):
            raise ExprError(f"literal {tok} has x/z digits")
        return Val(str(int(digits, base)), int(size) if size else None)
    if t.lower().startswith("0x"):
        return Val(str(int(t, 16)), None)
    if t.lower().startswith("0b"):
        return Val(str(int(t, 2)), None)
    return Val(str(int(t)), None)


class Parser:
    """Parse one expression; ``widths`` gives the width of each name that may appear."""

    def __init__(self, text: str, widths: dict[str, int], index: Callable[[str, int], int] | None = None) -> None:
        self.toks: list[tuple[str, str]] = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            m = TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise ExprError(f"cannot read `{text[pos:pos + 12]}`")
            kind = m.lastgroup or "op"
            self.toks.append((kind, m.group(kind)))
            pos = m.end()
            while pos < len(text) and text[pos].isspace():
                pos += 1
        self.i = 0
        self.widths = widths
        self.index = index or (lambda name, i: i)

    def peek(self) -> str | None:
        return self.toks[self.i][1] if self.i < len(self.toks) else None

    def take(self, want: str | None = None) -> tuple[str, str]:
        if self.i >= len(self.toks):
            raise ExprError("unexpected end of expression")
        tok = self.toks[self.i]
        if want is not None and tok[1] != want:
            raise ExprError(f"expected `{want}`, found `{tok[1]}`")
        self.i += 1
        return tok

    def parse(self) -> Val:
        value = self.ternary()
        if self.i != len(self.toks):
            raise ExprError(f"unexpected `{self.toks[self.i][1]}`")
        return value

    def ternary(self) -> Val:
        cond = self.binary(1)
        if self.peek() == "?":
            self.take()
            a = self.ternary()
            self.take(":")
            b = self.ternary()
            return Val(f"({a.py} if {cond.py} else {b.py})", _max(a.width, b.width))
        return cond

    def binary(self, level: int) -> Val:
        left = self.unary()
        while (op := self.peek()) in BINARY and BINARY[op] >= level:
            self.take()
            right = self.binary(BINARY[op] + (0 if op == "**" else 1))
            left = _combine(op, left, right)
        return left

    def unary(self) -> Val:
        op = self.peek()
        if op in ("~", "!", "&", "|", "^", "~&", "~|", "~^", "-", "+"):
            self.take()
            v = self.unary()
            if op == "!":
                return Val(f"int(not {v.py})", 1)
            if op == "-":
                return Val(f"(-{v.py})", v.width)
            if op == "+":
                return v
            if op == "~":
                return Val(f"(~{v.py} & {(1 << v.width) - 1})", v.width) if v.width else Val(f"(~{v.py})", None)
            w = _need(v, f"reduction {op}")
            base = {"&": "red_and", "|": "red_or", "^": "red_xor", "~&": "red_and", "~|": "red_or",
                    "~^": "red_xor"}[op]
            call = f"{base}({v.py}, {w})"
            return Val(f"(1 - {call})" if op.startswith("~") else call, 1)
        return self.postfix(self.primary())

    def primary(self) -> Val:
        kind, tok = self.take()
        if kind == "num":
            return literal(tok)
        if kind == "name":
            if tok not in self.widths:
                raise ExprError(f"`{tok}` is not a port or a known name")
            return Val(pyname(tok), self.widths[tok])
        if tok == "(":
            v = self.ternary()
            self.take(")")
            return Val(f"({v.py})", v.width)
        if tok == "{":
            return self.concat()
        raise ExprError(f"unexpected `{tok}`")

    def concat(self) -> Val:
        first = self.ternary()
        if self.peek() == "{":  # replication {n{x}}, maybe followed by more parts
            self.take()
            inner = self.concat()
            n = int(_const(first))
            w = _need(inner, "a replicated value")
            first = Val(f"rep({n}, {inner.py}, {w})", n * w)
            if self.peek() == "}":
                self.take()
                return first
        parts = [first]
        while self.peek() == ",":
            self.take()
            parts.append(self.ternary())
        self.take("}")
        widths = [_need(p, "each part of a concatenation") for p in parts]
        body = ", ".join(f"({p.py}, {w})" for p, w in zip(parts, widths, strict=True))
        return Val(f"cat({body})", sum(widths))

    def postfix(self, v: Val) -> Val:
        while self.peek() == "[":
            self.take()
            hi = self.ternary()
            name = v.py[:-1] if v.py.endswith("_") and v.py[:-1] in PY_RENAMED else v.py
            name = name if re.fullmatch(r"[A-Za-z_]\w*", name) else ""
            if self.peek() == ":":
                self.take()
                lo = self.ternary()
                self.take("]")
                h, lo_i = self.index(name, int(_const(hi))), self.index(name, int(_const(lo)))
                if h < lo_i:
                    h, lo_i = lo_i, h
                v = Val(f"(({v.py} >> {lo_i}) & {(1 << (h - lo_i + 1)) - 1})", h - lo_i + 1)
            else:
                self.take("]")
                try:
                    bit = str(self.index(name, int(_const(hi))))
                except ExprError:
                    bit = hi.py  # a variable index: in[sel]
                v = Val(f"(({v.py} >> {bit}) & 1)", 1)
        return v


def _const(v: Val) -> str:
    if not re.fullmatch(r"\d+", v.py):
        raise ExprError(f"`{v.py}` is not a constant")
    return v.py


def _need(v: Val, what: str) -> int:
    if v.width is None:
        raise ExprError(f"the width of {what} is not known")
    return v.width


def _max(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else max(a, b)


def _combine(op: str, a: Val, b: Val) -> Val:
    if op in COMPARE:
        py = {"=": "==", "===": "==", "!==": "!="}.get(op, op)
        return Val(f"int({a.py} {py} {b.py})", 1)
    if op in ("&&", "||"):
        return Val(f"int(bool({a.py}) {'and' if op == '&&' else 'or'} bool({b.py}))", 1)
    if op in ("~^", "^~"):
        w = _max(a.width, b.width)
        if w is None:
            raise ExprError("the width of an XNOR is not known")
        return Val(f"(~({a.py} ^ {b.py}) & {(1 << w) - 1})", w)
    if op == "/":
        return Val(f"({a.py} // {b.py})", a.width)
    width = _max(a.width, b.width)
    if op in ("+", "-", "*", "**", "<<"):
        width = None if width is None else width  # the output port's width truncates
    return Val(f"({a.py} {op} {b.py})", width)


def translate(text: str, widths: dict[str, int], index: Callable[[str, int], int] | None = None) -> Val:
    """The Python form of a Verilog expression; raises :class:`ExprError` (with why) if it cannot."""
    value = Parser(text, widths, index).parse()
    if not safe(value.py, {pyname(n) for n in widths}):
        raise ExprError(f"`{text}` did not translate to a plain expression")
    return value


def safe(expr: str, names: set[str]) -> bool:
    """Only names in ``names``, integer constants, operators and the helper calls."""
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        return False
    allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.IfExp, ast.Load,
               ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in HELPER_NAMES | {"int", "bool"}) or node.keywords:
                return False
        elif isinstance(node, ast.Name):
            if node.id not in names and node.id not in HELPER_NAMES | {"int", "bool"}:
                return False
        elif isinstance(node, ast.Constant):
            if type(node.value) is not int:
                return False
        elif isinstance(node, ast.Tuple):
            continue
        elif not isinstance(node, allowed):
            return False
    return True


def names_in(expr: str) -> list[str]:
    return list(dict.fromkeys(n.id for n in ast.walk(ast.parse(expr, mode="eval"))
                              if isinstance(n, ast.Name) and n.id not in HELPER_NAMES | {"int", "bool"}))
