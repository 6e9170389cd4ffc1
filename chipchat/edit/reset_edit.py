"""The edits of ``add_sync_reset``: reset branches extended, or clocked blocks wrapped in one.

A clocked block whose first statement is ``if (<reset>)`` gets the missing
``reg <= 0;`` lines at the end of that branch; a clocked block without a reset has its
body wrapped in ``if (<reset>) begin ... end else begin <old body> end`` (re-indented).
Memory arrays are never reset (they are storage, and a reset would defeat RAM inference).
"""

from __future__ import annotations

from typing import Any

from pyslang import ast, syntax

from chipchat.edit.context import Context, Unsupported, zero
from chipchat.edit.source import indent_of, line_end, line_start
from chipchat.rtl.model import Block, Module
from chipchat.types import ByteRange, Citation, Edit

SK = syntax.SyntaxKind


def reset_edits(ctx: Context, mod: Module, rst: str, cond: str, only: str | None
                ) -> tuple[list[Edit], list[str], list[Citation]]:
    blocks = _procedural_syntax(ctx, mod.name)
    edits: list[Edit] = []
    notes: list[str] = []
    cites: list[Citation] = []
    skipped_arrays: list[str] = []
    cond = _existing_condition(ctx, mod, blocks, rst) or cond
    for idx, block in enumerate(mod.blocks):
        if block.clock is None or block.kind not in ("always", "always_ff"):
            continue
        missing: list[str] = []
        for target in block.drives:
            if only and target != only:
                continue
            if any(a.is_reset for a in mod.drivers(target) if a.block == idx):
                continue
            sym = ctx.index.symbol(mod.name, target)
            if sym is None:
                continue
            if sym.type.isUnpackedArray:
                skipped_arrays.append(target)
                continue
            missing.append(target)
        if not missing:
            continue
        pb = blocks.get(block.span.line)
        if pb is None:
            raise Unsupported(f"the clocked block at {ctx.cite(block.span)} could not be located in the source")
        file = ctx.index.loc(pb)
        assert file is not None
        values = {t: zero(ctx, mod, t, file.file) for t in missing}
        edits += _block_edits(ctx, mod, pb, block, rst, cond, values)
        notes.append(f"{ctx.cite(block.span)}: " + ", ".join(f"`{t}` reset to `{v}`" for t, v in values.items())
                     + f" when `{cond}`")
        cites.append(ctx.citation(block.span, missing[0]))
    if only and not edits:
        drivers = mod.drivers(only)
        if only in skipped_arrays:
            raise Unsupported(f"`{only}` is a memory array; chipchat does not add a reset to storage arrays")
        if not drivers or all(mod.blocks[a.block].clock is None for a in drivers):
            raise Unsupported(f"`{only}` is not a clocked register in {mod.name}, so it has nothing to reset")
        raise Unsupported(f"`{only}` already has a reset ({ctx.cite(drivers[0].span)})")
    if not edits:
        extra = f" (the memory array(s) {', '.join(sorted(set(skipped_arrays)))} are left without one)" \
            if skipped_arrays else ""
        raise Unsupported(f"every clocked register of {mod.name} already has a reset{extra}")
    if skipped_arrays:
        notes.append("memory array(s) " + ", ".join(f"`{a}`" for a in sorted(set(skipped_arrays)))
                     + " left without a reset (storage)")
    return edits, notes, cites


def _procedural_syntax(ctx: Context, module: str) -> dict[int, Any]:
    """Procedural block syntax nodes of ``module`` by their first line."""
    out: dict[int, Any] = {}
    for sym in ctx.index.members(module):
        if sym.kind == ast.SymbolKind.ProceduralBlock and sym.syntax is not None:
            loc = ctx.index.loc(sym.syntax)
            if loc is not None:
                out[ctx.index.data[loc.file].count(b"\n", 0, loc.start) + 1] = sym.syntax
    return out


def _body(pb: Any) -> Any:
    stmt = pb.statement
    return stmt.statement if stmt.kind == SK.TimingControlStatement else stmt


def _reset_if(body: Any, rst: str) -> Any | None:
    first = body
    if body.kind == SK.SequentialBlockStatement:
        items = list(body.items)
        first = items[0] if items else None
    if first is None or first.kind != SK.ConditionalStatement:
        return None
    pred = str(first.predicate)
    return first if rst in pred.replace("(", " ").replace(")", " ").replace("!", " ").replace("~", " ").split() \
        else None


def _existing_condition(ctx: Context, mod: Module, blocks: dict[int, Any], rst: str) -> str | None:
    for block in mod.blocks:
        pb = blocks.get(block.span.line)
        if block.reset == rst and pb is not None:
            cif = _reset_if(_body(pb), rst)
            if cif is not None:
                return " ".join(str(cif.predicate).split())
    return None


def _block_edits(ctx: Context, mod: Module, pb: Any, block: Block, rst: str, cond: str, values: dict[str, str]) -> list[Edit]:
    body = _body(pb)
    loc = ctx.index.loc(body)
    if loc is None:
        return []
    data = ctx.index.data[loc.file]
    cif = _reset_if(body, rst)
    # registers assigned outside the `if (reset) ... else` (after it, say) cannot be reset inside it
    inside = all(a.conditions[:1] == [rst] for a in mod.assignments
                 if a.target in values and a.span.file == block.span.file and block.span.contains(a.span))
    if cif is not None and inside:
        branch = cif.statement
        bloc = ctx.index.loc(branch)
        assert bloc is not None
        if branch.kind == SK.SequentialBlockStatement:
            end_at = branch.end.location.offset
            items = list(branch.items)
            first = ctx.index.loc(items[0]) if items else None
            inner = indent_of(data, first.start) if first else indent_of(data, end_at) + "    "
            lines = "".join(f"{inner}{t} <= {v};\n" for t, v in values.items())
            if data[line_start(data, end_at):end_at].strip():
                return [Edit(loc.file, end_at, end_at, "\n" + lines + indent_of(data, bloc.start))]
            at = line_start(data, end_at)
            return [Edit(loc.file, at, at, lines)]
        ind = indent_of(data, cif.ifKeyword.location.offset)
        old = data[bloc.start:bloc.end].decode()
        lines = "".join(f"{ind}    {t} <= {v};\n" for t, v in values.items())
        return [Edit(loc.file, bloc.start, bloc.end, f"begin\n{ind}    {old.strip()}\n{lines}{ind}end")]
    return [_wrap(ctx, pb, loc, body, cond, values)]


def _wrap(ctx: Context, pb: Any, loc: ByteRange, body: Any, cond: str, values: dict[str, str]) -> Edit:
    """``begin if (cond) begin <resets> end else begin <old body> end end`` in place of the old body."""
    data = ctx.index.data[loc.file]
    block_loc = ctx.index.loc(pb)
    assert block_loc is not None
    base = indent_of(data, block_loc.start)
    if body.kind == SK.SequentialBlockStatement and body.blockName is None and list(body.items):
        items = list(body.items)
        first, last = ctx.index.loc(items[0]), ctx.index.loc(items[-1])
        assert first is not None and last is not None
        old = data[line_start(data, first.start):line_end(data, last.end)].decode()
        old_lines = [("    " + ln if ln.strip() else ln) for ln in old.splitlines(keepends=True)]
    else:
        stmt = data[loc.start:loc.end].decode().splitlines(keepends=True)
        old_lines = [f"{base}        {stmt[0].strip()}\n", *stmt[1:]]
        if not old_lines[-1].endswith("\n"):
            old_lines[-1] += "\n"
    resets = "".join(f"{base}        {t} <= {v};\n" for t, v in values.items())
    text = (f"begin\n{base}    if ({cond}) begin\n{resets}{base}    end else begin\n" + "".join(old_lines)
            + f"{base}    end\n{base}end")
    return Edit(loc.file, loc.start, loc.end, text)
