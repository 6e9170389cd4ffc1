"""Read the small languages a spec is written in: values, expressions, rule clauses.

Everything here is conservative: a cell, expression or clause that does not parse
cleanly returns ``None`` (with a reason where useful), and the caller reports it as not
used — nothing is guessed.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

DONT_CARE = {"", "—", "–", "-", "x", "X", "?", "any", "…", "..."}
UNICODE = {"−": "-", "–": "-", "×": "*", "·": "*", "≤": "<=", "≥": ">=", "≠": "!=", "\\|": "|", "…": "..."}
NUMBER = re.compile(r"^(?:0x[0-9a-fA-F_]+|0b[01_]+|\d+'[sS]?[hHdDbBoO][0-9a-fA-F_]+|\d+)\b")
PROSE_WORDS = {"mod", "when", "else", "and", "or", "not", "if"}


def clean(text: str) -> str:
    """Markdown cell text without emphasis, backticks or typographic operators."""
    out = text.strip().replace("**", "").replace("`", "")
    for a, b in UNICODE.items():
        out = out.replace(a, b)
    return out.strip()


def number(text: str) -> int | None:
    """The number a cell starts with: ``0xA1``, ``42``, ``32'h0000_0000``, ``4294836225 (0xFFFE0001)``."""
    t = clean(text)
    m = NUMBER.match(t)
    if not m:
        return None
    tok = m.group(0).replace("_", "")
    if "'" in tok:
        base = tok.split("'")[1].lstrip("sS")[0].lower()
        return int(tok.split("'")[1].lstrip("sS")[1:], {"h": 16, "d": 10, "b": 2, "o": 8}[base])
    if tok.lower().startswith("0x"):
        return int(tok, 16)
    if tok.lower().startswith("0b"):
        return int(tok, 2)
    return int(tok)


def level(text: str, names: dict[str, int] | None = None) -> int | None:
    """A cell as a value: a number, high/low, or a name from ``names`` (opcode names); None otherwise."""
    t = clean(text)
    lowered = t.lower()
    if lowered in ("high", "true", "set"):
        return 1
    if lowered in ("low", "false", "clear"):
        return 0
    value = number(t)
    if value is not None:
        return value
    if names and t in names:
        return names[t]
    first = t.split(" ")[0].rstrip(",.;")
    return names.get(first) if names else None


def is_dont_care(text: str) -> bool:
    return clean(text) in DONT_CARE


def _strip_prose_groups(text: str, known: set[str]) -> str:
    """Remove parenthesised remarks — ``(hold)``, ``(carry out of bit 7)`` — keep ``(a + b)``."""
    changed = True
    while changed:
        changed = False
        for m in re.finditer(r"\(([^()]*)\)", text):
            literals = re.sub(r"\b(?:0x[0-9a-fA-F_]+|0b[01_]+|\d+'[sS]?[hHdDbBoO][0-9a-fA-F_xXzZ]+)\b", " 0 ", m.group(1))
            words = re.findall(r"[A-Za-z_]\w*", literals)
            if any(w not in known and w not in PROSE_WORDS for w in words) or not m.group(1).strip():
                text = (text[:m.start()] + text[m.end():]).replace("  ", " ")
                changed = True
                break
    return text.strip()


def to_python(text: str, known: set[str]) -> str | None:
    """A spec expression (``(acc + a * b) mod 2^32``, ``1 when a < b, else 0``, ``a[7]``) as Python.

    ``known`` are the names the expression may use (ports, registers, parameters).
    Returns None unless the result is a plain arithmetic expression over those names.
    """
    t = _strip_prose_groups(clean(text), known)
    cond = re.match(r"^(?P<a>.+?)\s+(?:when|if)\s+(?P<c>.+?)\s*,?\s+(?:else|otherwise)\s+(?P<b>.+)$", t)
    if cond:
        parts = [to_python(cond.group(k), known) for k in ("a", "c", "b")]
        if any(p is None for p in parts):
            return None
        return f"({parts[0]} if {parts[1]} else {parts[2]})"
    t = t.split(",")[0].strip()  # ", bit 0 = 0": a remark after the expression
    if " mod " in t:
        left, right = t.rsplit(" mod ", 1)
        a, b = to_python(left, known), to_python(right, known)
        return None if a is None or b is None else f"({a}) % ({b})"
    t = re.sub(r"(\d+)\s*\^\s*(\d+)", r"\1 ** \2", t)  # 2^32 is a power; a ^ b stays XOR
    t = re.sub(r"\b([A-Za-z_]\w*)\[(\d+)\]", r"((\1 >> \2) & 1)", t)
    t = re.sub(r"\b([A-Za-z_]\w*)\[(\d+):(\d+)\]",
               lambda m: f"(({m.group(1)} >> {m.group(3)}) & {(1 << (int(m.group(2)) - int(m.group(3)) + 1)) - 1})", t)
    t = re.sub(r"\bmod\b", "%", t)
    return t if _safe(t, known) else None


def _safe(expr: str, known: set[str]) -> bool:
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        return False
    allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.IfExp, ast.Load,
               ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id not in known:
                return False
        elif isinstance(node, ast.Constant):
            if type(node.value) is not int:
                return False
        elif not isinstance(node, allowed):
            return False
    return True


def names_in(expr: str) -> list[str]:
    return list(dict.fromkeys(n.id for n in ast.walk(ast.parse(expr, mode="eval")) if isinstance(n, ast.Name)))


# -- rules ------------------------------------------------------------------------------

@dataclass
class Condition:
    """``signal`` has one of ``values`` (a clause such as "`en` is high", "`op` is AND or OR")."""

    signal: str
    values: list[int]


@dataclass
class Effect:
    """After the edge (or at once, for a rule on outputs only): ``signal`` equals ``value`` (value),
    keeps its value (hold), moves by ``value`` (delta), or equals the Python ``expr`` of the values
    before the edge (expr)."""

    signal: str
    kind: str  # value | hold | delta | expr
    value: int = 0
    expr: str = ""


FILLER = re.compile(r"\b(?:on (?:a|the|every|each) rising (?:clk |clock )?edge(?: of `?\w+`?)?|"
                    r"on (?:a|the) rising edge|at the (?:next )?rising edge|regardless of .*$|"
                    r"after that edge|this cycle|in the same cycle)", re.I)
SUBJECTS = r"((?:`\w+`\s*(?:,\s*|\s+and\s+|\s+or\s+)?)+)"
VALUE_WORDS = r"(high|low|\d+|0x[0-9a-fA-F]+|[A-Z][A-Z0-9_]*(?:\s*(?:,|or|and)\s*[A-Z][A-Z0-9_]*)*)"
SET_VERBS = r"(?:becomes?|goes to|goes|is|are|stays?|returns? to|=)"


def _protect(text: str) -> tuple[str, list[str]]:
    """Backticked expressions (not plain names) become markers ``@0@`` so punctuation inside survives."""
    exprs: list[str] = []

    def keep(m: re.Match[str]) -> str:
        inner = m.group(1)
        if re.fullmatch(r"\w+", inner):
            return f"`{inner}`"
        exprs.append(inner)
        return f"@{len(exprs) - 1}@"

    return re.sub(r"`([^`]+)`", keep, text), exprs


def parse_condition(text: str, names: dict[str, int]) -> tuple[list[Condition] | None, str]:
    """"`rst` is low, `clear` is high and `en` is low" → conditions; (None, why) if any part is prose."""
    t, _ = _protect(FILLER.sub("", text))
    t = re.sub(r"\s+", " ", _strip_prose_groups(t, set())).strip(" ,.;")
    out: list[Condition] = []
    pattern = re.compile(rf"^{SUBJECTS}\s*(?:is|are)\s+(?:all\s+|both\s+|each\s+)?{VALUE_WORDS}\s*(?:,|and\b|$)")
    rest = t
    while rest:
        m = pattern.match(rest)
        if not m:
            return None, f"cannot read `{rest}` as `signal` is value"
        signals = re.findall(r"`(\w+)`", m.group(1))
        values = [level(v.strip(), names) for v in re.split(r"\s*(?:,|\bor\b|\band\b)\s*", m.group(2)) if v.strip()]
        if not signals or any(v is None for v in values):
            return None, f"cannot read the value in `{m.group(0).strip()}`"
        out += [Condition(s, [v for v in values if v is not None]) for s in signals]
        rest = rest[m.end():].strip(" ,")
    return (out, "") if out else (None, "no condition")


def parse_effect(text: str, names: dict[str, int], known: set[str]) -> tuple[list[Effect], list[str]]:
    """Effects a rule states ("`acc` becomes 0", "`tx` goes to 0", "`acc` keeps its value",
    "`acc` becomes `acc + a * b`") and the clauses that could not be read (prose)."""
    t, exprs = _protect(text)
    unread: list[str] = []
    if re.search(r"\botherwise\b", t):  # "`zero` is 1; otherwise `zero` is 0": the else-part is another rule
        t, rest = re.split(r"[,;]?\s*\botherwise\b", t, maxsplit=1)
        unread.append("otherwise" + re.sub(r"@(\d+)@", lambda m: f"`{exprs[int(m.group(1))]}`", rest))
    t = re.sub(r"\s+", " ", FILLER.sub("", t.replace("(", ", ").replace(")", ""))).strip(" ,.;")
    clauses = [c.strip() for c in re.split(r"[,:;]\s*(?:and\s+|so\s+|then\s+|otherwise\s+)?|\.\s+|"
                                          r"\s+and\s+(?=`)|\s+so\s+(?=`)", t) if c.strip()]
    out: list[Effect] = []
    pending: list[str] = []
    for clause in clauses:
        lone = re.match(r"^`(\w+)`$", clause)
        if lone:
            pending.append(lone.group(1))  # "`wr_ptr`, `rd_ptr`, `count` and `dout` become 0"
            continue
        effects = _clause(clause, names, known, exprs)
        if effects is None:
            unread.append(re.sub(r"@(\d+)@", lambda m: f"`{exprs[int(m.group(1))]}`", clause))
            pending = []
            continue
        kind, subjects, value, expr = effects
        out += [Effect(s, kind, value, expr) for s in pending + subjects]
        pending = []
    return out, unread


def _clause(clause: str, names: dict[str, int], known: set[str],
            exprs: list[str]) -> tuple[str, list[str], int, str] | None:
    m = re.match(rf"^{SUBJECTS}\s*(?:{SET_VERBS}\s+)?(high|low|\d+|0x[0-9a-fA-F]+|[A-Z][A-Z0-9_]+)$", clause)
    if m:
        value = level(m.group(2), names)
        return None if value is None else ("value", re.findall(r"`(\w+)`", m.group(1)), value, "")
    m = re.match(rf"^{SUBJECTS}\s*{SET_VERBS}\s+@(\d+)@$", clause)
    if m:
        expr = to_python(exprs[int(m.group(2))], known)
        return None if expr is None else ("expr", re.findall(r"`(\w+)`", m.group(1)), 0, expr)
    m = re.match(rf"^{SUBJECTS}\s*(?:keeps? its value|keep their values|holds?(?: its value)?|(?:is|are) unchanged|"
                 r"(?:does|do) not change|stays? unchanged)$", clause)
    if m:
        return "hold", re.findall(r"`(\w+)`", m.group(1)), 0, ""
    m = re.match(rf"^{SUBJECTS}\s*(increments|decrements|advances|increases|decreases)(?: by (\d+|one))?$", clause)
    if m:
        step = 1 if m.group(3) in (None, "one") else int(m.group(3))
        sign = -1 if m.group(2) in ("decrements", "decreases") else 1
        return "delta", re.findall(r"`(\w+)`", m.group(1)), sign * step, ""
    return None
