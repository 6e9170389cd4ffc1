"""The register stage of a multiplier split across clock cycles (``pipeline(form="carry_save")``).

A multiplier is a tree that adds partial products, then one carry-propagate adder. Splitting
it between the two keeps no carry chain in the first cycle: the partial products of ``x * y``
are reduced by 3:2 compressors to two rows (``p_s``, ``p_c``) that are registered; the next
``stages - 1`` cycles add them in a pipelined adder (one chunk of the carry chain per cycle).
With ``stages`` = 1 the sum ``p_s + p_c`` is left to the consumers' cycle (synthesis merges it
with what follows, e.g. an accumulator's adder). Side inputs of the retimed consumers are
delayed by the same number of cycles.
"""

from __future__ import annotations

from typing import Any

from pyslang import syntax

from chipchat.edit.arith import csa_function, pipelined_adder, product_operands, product_rows
from chipchat.edit.context import Context, Unsupported, declare, statement_loc, zero
from chipchat.edit.source import indent_of, line_end, line_start
from chipchat.rtl.model import Module
from chipchat.types import ByteRange, Edit

SK = syntax.SyntaxKind


def split_stage(ctx: Context, mod: Module, stmt: ByteRange, name: str, rhs: Any, q: str, side: list[str],
                qs: dict[str, str], event: str, rst: str | None, cond: str | None, stages: int
                ) -> tuple[str, list[str]]:
    """The text inserted after the product's declaration, and notes on what it does."""
    def text_of(e: Any) -> str | None:
        loc = ctx.index.loc(e)
        return ctx.index.text(loc) if loc is not None else None

    ops = product_operands(rhs, text_of)
    if ops is None:
        raise Unsupported(f"`{name}` is not a product (`x * y`); the carry-save split covers multipliers")
    x, y, width, signed = ops
    data = ctx.index.data[stmt.file]
    ind = indent_of(data, stmt.start)
    sv = ctx.index.is_sv(stmt.file)
    keyword = "always_ff" if sv else "always"
    fn_name = ctx.unique(mod, f"{name}_csa")
    ps, pc = ctx.unique(mod, f"{name}_s"), ctx.unique(mod, f"{name}_c")
    rows = product_rows("x", x.width, "y", y.width, width, signed)
    fn = csa_function(fn_name, width, [("x", x.width), ("y", y.width)], rows, ind,
                      f"the partial products of `{x.text} * {y.text}`")
    lines = [
        "",
        f"{ind}// Multiplier split (chipchat): `{name}` = `{x.text} * {y.text}` is computed over {stages} clock "
        "cycle(s): its partial",
        f"{ind}// products are reduced to two rows ({ps} + {pc}) and registered; "
        + (f"their sum `{q}` follows in the consumers' cycle." if stages == 1 else
           f"a {stages - 1}-stage adder sums them into `{q}`."),
        fn.text.rstrip("\n"),
        f"{ind}reg [{width - 1}:0] {ps}, {pc};  // {name} = {ps} + {pc}, one cycle later",
        f"{ind}{keyword} {event} begin",
        f"{ind}    {{{pc}, {ps}}} <= {fn_name}({x.text}, {y.text});",
        f"{ind}end",
    ]
    signed_kw = " signed" if signed else ""
    if stages == 1:
        lines.append(f"{ind}wire{signed_kw} [{width - 1}:0] {q} = {ps} + {pc};")
    else:
        lines.append(f"{ind}reg{signed_kw} [{width - 1}:0] {q};")
        names = {f"{k}{j}": ctx.unique(mod, f"{name}_{k}{j}") for j in range(stages) for k in ("lo", "low", "s", "c")}
        lines.append(pipelined_adder(q, ps, pc, width, stages - 1, event, ind, names, keyword).rstrip("\n"))
    if side:
        lines += _side_chains(ctx, mod, stmt.file, side, qs, stages, keyword, event, cond, ind)
    notes = [f"the first cycle reduces {fn.rows} partial-product rows by {fn.levels} level(s) of 3:2 compressors "
             "(no carry chain); " + ("the sum of the two rows is left to the next cycle" if stages == 1 else
                                     f"the sum of the two rows takes {stages - 1} more cycle(s), one chunk of "
                                     f"≤{-(-width // (stages - 1))} bits each")]
    return "\n".join(lines) + "\n", notes


def _side_chains(ctx: Context, mod: Module, file: str, side: list[str], qs: dict[str, str], stages: int,
                 keyword: str, event: str, cond: str | None, ind: str) -> list[str]:
    chains = {s: [s] + [ctx.unique(mod, f"{s}_q{i}") for i in range(1, stages)] + [qs[s]] for s in side}
    decls = [f"{ind}{declare(ctx, s, mod, r, file)}" for s, chain in chains.items() for r in chain[1:]]
    moves = [(dst, src) for chain in chains.values() for src, dst in zip(chain, chain[1:], strict=False)]
    width = max(len(d) for d, _ in moves)
    out = [*decls, f"{ind}{keyword} {event} begin"]
    if cond:
        out.append(f"{ind}    if ({cond}) begin")
        out += [f"{ind}        {d:<{width}} <= {zero(ctx, mod, chain_of(chains, d), file)};" for d, _ in moves]
        out.append(f"{ind}    end else begin")
        out += [f"{ind}        {d:<{width}} <= {s};" for d, s in moves]
        out.append(f"{ind}    end")
    else:
        out += [f"{ind}    {d:<{width}} <= {s};" for d, s in moves]
    out.append(f"{ind}end")
    return out


def chain_of(chains: dict[str, list[str]], reg: str) -> str:
    return next(s for s, chain in chains.items() if reg in chain)


def remove_declaration(ctx: Context, stmt: Any) -> list[Edit]:
    """Delete a one-signal declaration (or ``assign``) statement and the comment lines right above it."""
    if stmt.kind == SK.NetDeclaration and len([d for d in stmt.declarators if str(d).strip(" ,")]) != 1:
        return []
    loc = statement_loc(ctx, stmt)
    data = ctx.index.data[loc.file]
    start, end = line_start(data, loc.start), line_end(data, loc.end)
    after = data[loc.end:end].strip()
    if data[start:loc.start].strip() or (after and not after.startswith(b"//")):
        return [Edit(loc.file, loc.start, loc.end, "")]
    while start > 0:
        prev = line_start(data, start - 1)
        if not data[prev:start].strip().startswith(b"//"):
            break
        start = prev
    return [Edit(loc.file, start, end, "")]
