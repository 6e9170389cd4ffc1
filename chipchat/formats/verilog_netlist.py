"""Gate-level Verilog as Yosys writes it, made readable by every OpenSTA.

Yosys's ``write_verilog -noexpr`` writes aliased bits as one assignment between
concatenations — ``assign { a[3], b[1:0] } = { c, d[5:4] };`` (seen on picorv32 and verilog-axi).
OpenSTA (Debian's 2.0.17 and current OpenROAD) reads one net on the left of an ``assign`` and
stops with ``syntax error, unexpected '{'``. :func:`split_concat_assigns` rewrites each such
statement as one ``assign`` per bit, using the widths the module declares; nothing else in the
netlist changes, so names stay those of ``netlist.json``.
"""

from __future__ import annotations

import re

_DECL = re.compile(r"^\s*(?:input|output|inout|wire|reg)\s+(?:signed\s+)?(?:\[\s*(-?\d+)\s*:\s*(-?\d+)\s*\]\s*)?"
                   r"(\\\S+|[A-Za-z_][\w$]*)\s*;", re.M)
_ASSIGN = re.compile(r"^(\s*)assign\s+\{(.*?)\}\s*=\s*(.*?);\s*$", re.M | re.S)
_CONST = re.compile(r"^(\d+)'([bhdo])([0-9a-fA-FxXzZ_?]+)$")
_REF = re.compile(r"^(\\\S+|[A-Za-z_][\w$]*)\s*(?:\[\s*(-?\d+)\s*(?::\s*(-?\d+)\s*)?\])?$")


def split_concat_assigns(text: str) -> tuple[str, int]:
    """(the netlist with every ``assign {..} = ..`` split into per-bit assigns, how many were split).

    A statement whose terms cannot be sized (an undeclared name, a replication) is left as it is.
    """
    widths: dict[str, tuple[int, int]] = {}
    for m in _DECL.finditer(text):
        name = m.group(3).strip()
        msb, lsb = (int(m.group(1)), int(m.group(2))) if m.group(1) is not None else (0, 0)
        widths[name] = (msb, lsb)
    count = 0

    def rewrite(m: re.Match[str]) -> str:
        nonlocal count
        indent = m.group(1).lstrip("\n")
        left = _bits(m.group(2), widths)
        right_text = m.group(3).strip()
        right = _bits(right_text[1:-1], widths) if right_text.startswith("{") and right_text.endswith("}") \
            else _bits(right_text, widths)
        if left is None or right is None or len(left) != len(right):
            return m.group(0)
        count += 1
        lead = m.group(0)[:len(m.group(0)) - len(m.group(0).lstrip("\n"))]
        return lead + "\n".join(f"{indent}assign {lhs} = {rhs};" for lhs, rhs in zip(left, right, strict=True))

    return _ASSIGN.sub(rewrite, text), count


def _bits(concat: str, widths: dict[str, tuple[int, int]]) -> list[str] | None:
    """The bits of a comma-separated list of terms, most significant first."""
    out: list[str] = []
    for term in _split_terms(concat):
        bits = _term_bits(term, widths)
        if bits is None:
            return None
        out.extend(bits)
    return out


def _split_terms(text: str) -> list[str]:
    terms, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        elif ch == "," and depth == 0:
            terms.append(text[start:i].strip())
            start = i + 1
    terms.append(text[start:].strip())
    return [t for t in terms if t]


def _term_bits(term: str, widths: dict[str, tuple[int, int]]) -> list[str] | None:
    const = _CONST.match(term.replace(" ", ""))
    if const:
        return _const_bits(int(const.group(1)), const.group(2), const.group(3))
    ref = _REF.match(term)
    if not ref:
        return None
    name = ref.group(1).strip()
    escaped = name.startswith("\\")
    shown = name + " " if escaped else name  # an escaped identifier ends at whitespace
    if ref.group(2) is not None:
        hi = int(ref.group(2))
        lo = int(ref.group(3)) if ref.group(3) is not None else hi
    elif name in widths:
        hi, lo = widths[name]
        if (hi, lo) == (0, 0) and not _is_vector(name, widths):
            return [name if not escaped else shown]
    else:
        return None
    step = -1 if hi >= lo else 1
    return [f"{shown}[{i}]" for i in range(hi, lo + step, step)]


def _is_vector(name: str, widths: dict[str, tuple[int, int]]) -> bool:
    return widths.get(name, (0, 0)) != (0, 0)


def _const_bits(width: int, base: str, digits: str) -> list[str] | None:
    digits = digits.replace("_", "").lower()
    per = {"b": 1, "o": 3, "h": 4}.get(base)
    if per is None:  # decimal
        if not digits.isdigit():
            return None
        value = bin(int(digits))[2:]
    else:
        value = "".join(ch * per if ch in "xz?" else bin(int(ch, 16 if base == "h" else 8 if base == "o" else 2))[2:]
                        .zfill(per) for ch in digits)
    value = value[-width:].rjust(width, value[0] if value and value[0] in "xz" else "0")
    return [f"1'b{ch if ch != '?' else 'z'}" for ch in value]
