"""Verilog text for arithmetic without long carry chains: carry-save trees and pipelined adders.

A sum of many rows (an accumulator, the partial products of a multiplier) is reduced with
3:2 compressors — ``s = x ^ y ^ z``, ``c = (x & y | x & z | y & z) << 1`` — level by level
(a Wallace tree) to two rows whose sum is the result: no carry travels further than one bit
per level, so the depth grows with the logarithm of the number of rows, not with the width.
The two rows are then added by :func:`pipelined_adder`, split into chunks with the carry
registered between them, so no carry chain is longer than one chunk per clock cycle.

Everything is generated as a Verilog function (its locals are private to synthesis, so
they never become nets of their own in the netlist) plus plain registers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyslang import ast


@dataclass
class Operand:
    """One operand of a product: its text as written, its self-determined width and signedness."""

    text: str
    width: int
    signed: bool


@dataclass
class Term:
    """One term of a sum: a product ``x * y`` (``y`` selects the rows) or a plain value (one row)."""

    x: Operand
    y: Operand | None = None  # None: a plain value
    gate: str = ""  # a condition the term is added under (``add ? term : 0``), applied by the caller

    @property
    def is_product(self) -> bool:
        return self.y is not None


def strip_conversions(expr: Any) -> Any:
    """The operand under implicit width/sign conversions (what the user wrote)."""
    while getattr(expr, "kind", None) == ast.ExpressionKind.Conversion and expr.isImplicit:
        expr = expr.operand
    return expr


def product_operands(expr: Any, text_of: Any) -> tuple[Operand, Operand, int, bool] | None:
    """(x, y, result width, signed) of a multiply expression; None if ``expr`` is not one."""
    node = strip_conversions(expr)
    if getattr(node, "kind", None) != ast.ExpressionKind.BinaryOp or str(node.op).split(".")[-1] != "Multiply":
        return None
    width = int(node.type.bitWidth)
    ops: list[Operand] = []
    for side in (node.left, node.right):
        inner = strip_conversions(side)
        text = text_of(inner)
        if text is None:
            return None
        ops.append(Operand(text, int(inner.type.bitWidth), bool(inner.type.isSigned)))
    signed = ops[0].signed and ops[1].signed
    x, y = ops
    if y.width > x.width:  # the narrower operand selects the rows: fewer rows, a shallower tree
        x, y = y, x
    return x, y, width, signed


def _extend(name: str, from_width: int, to_width: int, signed: bool) -> str:
    if from_width >= to_width:
        return name if from_width == to_width else f"{name}[{to_width - 1}:0]"
    fill = f"{name}[{from_width - 1}]" if signed else "1'b0"
    return f"{{{{{to_width - from_width}{{{fill}}}}}, {name}}}"


def product_rows(x: str, wx: int, y: str, wy: int, width: int, signed: bool) -> list[str]:
    """Partial-product rows of ``x * y`` at ``width`` bits (two's complement: the sign row is negated)."""
    ext = _extend(x, wx, width, signed)
    zero = f"{width}'d0"
    rows: list[str] = []
    plain = wy - 1 if signed else wy
    for i in range(min(plain, width)):
        shifted = ext if i == 0 else f"({ext} << {i})"
        rows.append(f"{y}[{i}] ? {shifted} : {zero}")
    if signed and wy - 1 < width:
        k = wy - 1
        shifted = ext if k == 0 else f"({ext} << {k})"
        rows.append(f"{y}[{k}] ? ~{shifted} : {zero}")  # -(x << k) = ~(x << k) + 1 ...
        rows.append(f"{{{{{width - 1}{{1'b0}}}}, {y}[{k}]}}" if width > 1 else f"{y}[{k}]")  # ... the + 1
    return rows


def wallace_levels(count: int) -> int:
    """How many levels of 3:2 compressors reduce ``count`` rows to two."""
    levels = 0
    while count > 2:
        count = 2 * (count // 3) + count % 3
        levels += 1
    return levels


@dataclass
class CsaFunction:
    """A generated Verilog function returning ``{carry, sum}`` of its rows."""

    name: str
    text: str
    arguments: list[str]  # formal inputs, in order
    rows: int
    levels: int


def csa_function(name: str, width: int, inputs: list[tuple[str, int]], rows: list[str], indent: str,
                 what: str) -> CsaFunction:
    """A function ``name`` over ``inputs`` (formal name, width) reducing ``rows`` (expressions over the
    inputs, each ``width`` bits) to two rows: returns ``{carry, sum}`` (2 × ``width`` bits)."""
    ind = indent
    body: list[str] = []
    current: list[str] = []
    for n, row in enumerate(rows):
        body.append(f"t{n} = {row};")
        current.append(f"t{n}")
    counter = len(rows)
    level = 0
    while len(current) > 2:
        level += 1
        body.append(f"// level {level}: {len(current)} rows -> {2 * (len(current) // 3) + len(current) % 3}")
        nxt: list[str] = []
        for i in range(0, len(current) - len(current) % 3, 3):
            a, b, c = current[i:i + 3]
            s, k = f"t{counter}", f"t{counter + 1}"
            counter += 2
            body.append(f"{s} = {a} ^ {b} ^ {c};")
            body.append(f"{k} = (({a} & {b}) | ({a} & {c}) | ({b} & {c})) << 1;")
            nxt += [s, k]
        nxt += current[len(current) - len(current) % 3:]
        current = nxt
    if len(current) == 1:
        current.append(f"{width}'d0")
    locals_ = ", ".join(f"t{i}" for i in range(counter))
    decl = [f"{ind}    input [{w - 1}:0] {n};" if w > 1 else f"{ind}    input {n};" for n, w in inputs]
    lines = [
        f"{ind}// {what}: {len(rows)} rows of {width} bits reduced by {level} level(s) of 3:2 compressors",
        f"{ind}// (s = x ^ y ^ z, c = majority << 1); returns {{carry, sum}} — no carry propagates here.",
        f"{ind}function [{2 * width - 1}:0] {name};",
        *decl,
        f"{ind}    reg [{width - 1}:0] {locals_};",
        f"{ind}    begin",
        *(f"{ind}        {b}" for b in body),
        f"{ind}        {name} = {{{current[1]}, {current[0]}}};",
        f"{ind}    end",
        f"{ind}endfunction",
    ]
    return CsaFunction(name, "\n".join(lines) + "\n", [n for n, _ in inputs], len(rows), level)


def chunks(width: int, stages: int) -> list[tuple[int, int]]:
    """``stages`` chunks (lsb, width) covering ``width`` bits, low chunks first, as even as possible."""
    stages = max(1, min(stages, width))
    base, extra = divmod(width, stages)
    out: list[tuple[int, int]] = []
    lsb = 0
    for i in range(stages):
        w = base + (1 if i < extra else 0)
        out.append((lsb, w))
        lsb += w
    return out


def pipelined_adder(target: str, s: str, c: str, width: int, stages: int, event: str, indent: str,
                    names: dict[str, str], procedural: str = "always", reset: str | None = None) -> str:
    """Registers computing ``target <= s + c`` over ``stages`` clock cycles, one chunk per cycle.

    ``reset`` (a condition such as ``rst``) clears every register of the adder, so its output is
    defined from the first cycle after a reset instead of after ``stages`` cycles.

    Stage ``j`` adds chunk ``j`` of the two rows plus the carry registered by stage ``j-1``, and
    carries the higher parts of both rows (and the chunks already summed) along with it.
    ``names`` maps ``"lo<j>"``, ``"low<j>"``, ``"s<j>"``, ``"c<j>"`` to unique register names.
    """
    ind = indent
    parts = chunks(width, stages)
    if len(parts) == 1:
        return _clocked(procedural, event, ind, [f"{target} <= {s} + {c};"], [target], reset)
    decls: list[str] = []
    stmts: list[str] = []
    # after stage j: sum<j> = chunk j of s + c with its carry out (w+1 bits, sized by the register, no padding
    # concatenation), low<j> = the chunks below it, already summed; s<j>/c<j> = the rows' higher bits
    prev_sum, prev_w, prev_low, prev_s, prev_c, done = "", 0, "", s, c, 0
    for j, (lsb, w) in enumerate(parts):
        last = j == len(parts) - 1
        rest = width - lsb - w
        carry_in = f" + {prev_sum}[{prev_w}]" if prev_sum else ""
        s_lo = f"{prev_s}[{w - 1}:0]" if prev_s != s else f"{s}[{lsb + w - 1}:{lsb}]"
        c_lo = f"{prev_c}[{w - 1}:0]" if prev_c != c else f"{c}[{lsb + w - 1}:{lsb}]"
        below = [f"{prev_sum}[{prev_w - 1}:0]"] if prev_sum else []
        below += [f"{prev_low}[{done - prev_w - 1}:0]"] if prev_low else []
        if last:
            stmts.append(f"{target} <= {{{s_lo} + {c_lo}{carry_in}{''.join(', ' + b for b in below)}}};")
            break
        total = names[f"lo{j}"]
        decls.append(f"reg [{w}:0] {total};  // bits {lsb + w - 1}:{lsb} of the sum, and the carry out")
        stmts.append(f"{total} <= {s_lo} + {c_lo}{carry_in};")
        if below:
            low = names[f"low{j}"]
            decls.append(f"reg [{lsb - 1}:0] {low};  // bits {lsb - 1}:0 of the sum, one stage later")
            stmts.append(f"{low} <= {{{', '.join(below)}}};" if len(below) > 1 else f"{low} <= {below[0]};")
            prev_low = low
        hs, hc = names[f"s{j}"], names[f"c{j}"]
        decls.append(f"reg [{rest - 1}:0] {hs}, {hc};  // the rows' bits {width - 1}:{lsb + w}, one stage later")
        src_s = f"{prev_s}[{rest + w - 1}:{w}]" if prev_s != s else f"{s}[{width - 1}:{lsb + w}]"
        src_c = f"{prev_c}[{rest + w - 1}:{w}]" if prev_c != c else f"{c}[{width - 1}:{lsb + w}]"
        stmts.append(f"{hs} <= {src_s};")
        stmts.append(f"{hc} <= {src_c};")
        prev_sum, prev_w, prev_s, prev_c, done = total, w, hs, hc, lsb + w
    regs = [st.split(" <= ")[0] for st in stmts]
    return "".join(f"{ind}{d}\n" for d in decls) + _clocked(procedural, event, ind, stmts, regs, reset)


def _clocked(procedural: str, event: str, ind: str, stmts: list[str], regs: list[str], reset: str | None) -> str:
    """An always block with ``stmts``; with ``reset``, ``regs`` are cleared to 0 under it first."""
    out = [f"{ind}{procedural} {event} begin"]
    if reset:
        out.append(f"{ind}    if ({reset}) begin")
        out += [f"{ind}        {r} <= 0;" for r in regs]
        out.append(f"{ind}    end else begin")
        out += [f"{ind}        {st}" for st in stmts]
        out.append(f"{ind}    end")
    else:
        out += [f"{ind}    {st}" for st in stmts]
    out.append(f"{ind}end")
    return "\n".join(out) + "\n"
