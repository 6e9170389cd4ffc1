"""The pipeline transformation: a register stage on a signal, and everything after it retimed.

``pipeline`` registers a continuously assigned signal ``S`` (e.g. mac16's
``wire [31:0] product = a * b;``) and retimes everything that consumes it by one clock
cycle, so the design computes the same values one cycle later:

* the *region* is every block that reads ``S``, plus (transitively) every block that reads a
  signal a region block drives — whole blocks, so state and feedback stay together;
* every other signal a region block reads (a *side input*: ``en``, ``clear``) is delayed by one
  register (``en_q``) so it arrives in the same cycle as ``S_q`` — the reset and the clock are not;
* the outputs the region drives arrive one cycle later (``valid_out`` moves with ``acc``).

A region that feeds back into ``S``'s own inputs would change the function, so it is refused.
An operator named instead of a signal ("pipeline the multiplier") is found by
:mod:`chipchat.edit.operators`, in an ``assign`` or inside an ``always`` block (named by a new
``wire`` first, then pipelined); an operator in a loop (an accumulator) is refused with why.

``form="carry_save"`` registers a product in carry-save form instead — the partial products
reduced to two rows by 3:2 compressors in the first stage, their sum in the next ``stages - 1``
stages (a pipelined adder) — so the multiplier itself is split across clock cycles.
"""

from __future__ import annotations

import re
from typing import Any

from pyslang import ast

from chipchat.edit.context import LAGGED, Context, Plan, Unsupported, declare, register, statement_loc, zero
from chipchat.edit.operators import continuous_signals
from chipchat.edit.reset_edit import _body, _procedural_syntax, _reset_if
from chipchat.edit.source import indent_of, line_end
from chipchat.rtl.model import Assignment, Module
from chipchat.types import ByteRange, Edit


def region_of(mod: Module, start: str) -> tuple[set[int], set[str]]:
    """(block indexes, signals they drive): the forward closure of the readers of ``start``."""
    blocks: set[int] = set()
    signals: set[str] = set()
    frontier = [start]
    while frontier:
        s = frontier.pop()
        for a in mod.assignments:
            if (s in a.reads or s in a.conditions) and a.block not in blocks:
                blocks.add(a.block)
                for t in mod.blocks[a.block].drives:
                    if t not in signals:
                        signals.add(t)
                        frontier.append(t)
    return blocks, signals


def clock_of(ctx: Context, mod: Module, blocks: set[int] | None = None) -> tuple[str, str]:
    """(clock name, event control text such as ``@(posedge clk)``) for new registers in ``mod``."""
    clocked = [i for i, b in enumerate(mod.blocks) if b.clock and (blocks is None or i in blocks)]
    clocked = clocked or [i for i, b in enumerate(mod.blocks) if b.clock]
    if clocked:
        clock = mod.blocks[clocked[0]].clock or ""
        edge = "negedge" if re.search(rf"negedge\s+{re.escape(clock)}\b", mod.blocks[clocked[0]].header) else "posedge"
        return clock, f"@({edge} {clock})"
    ports = [c.port for c in ctx.design.clocks if mod.port(c.port)] or \
        [p.name for p in mod.ports if p.direction == "input" and re.fullmatch(r"(clk|clock)\w*", p.name, re.I)]
    if not ports:
        raise Unsupported(f"{mod.name} has no clock to register on", ["add [[clocks]] to chipchat.toml"])
    return ports[0], f"@(posedge {ports[0]})"


def reset_condition(ctx: Context, mod: Module, blocks: set[int]) -> tuple[str | None, str | None]:
    """(reset signal, condition text) of the first region block with a synchronous reset."""

    syntaxes = _procedural_syntax(ctx, mod.name)
    for i in sorted(blocks):
        b = mod.blocks[i]
        if b.reset and b.clock and b.span.line in syntaxes:
            if re.search(rf"edge\s+{re.escape(b.reset)}\b", b.header):
                raise Unsupported(f"the block at {ctx.cite(b.span)} has an asynchronous reset; "
                                  "pipelining across it is not covered")
            cif = _reset_if(_body(syntaxes[b.span.line]), b.reset)
            if cif is not None:
                return b.reset, " ".join(str(cif.predicate).split())
    return None, None


@register("pipeline", "insert a pipeline register on a signal or an operator (in an `assign` or an `always` "
          "block); its consumers are retimed (side inputs such as enables delayed with it, outputs later); "
          "form=carry_save splits a multiplier into partial products and a pipelined adder over `stages` cycles",
          "pipeline the multiplier", "insert a pipeline stage on product", "split the multiplier into two stages")
def pipeline(ctx: Context, signal: str | None = None, operator: str | None = None, module: str | None = None,
             form: str = "register", stages: int = 1) -> Plan:
    if form not in ("register", "carry_save"):
        raise Unsupported(f"unknown pipeline form {form!r}", ["register, carry_save"])
    if not 1 <= stages <= 8 or (form == "register" and stages != 1):
        raise Unsupported(f"{stages} stage(s) is not covered for form {form}",
                          ["a register stage is 1 cycle; a carry-save split takes 1 to 8"])
    if signal:
        mod, _ = ctx.signal(signal, module)
        return _pipeline_signal(ctx, mod, signal, form, stages)
    from chipchat.edit.compose import staged
    from chipchat.edit.operators import OPERATOR_WORDS, hoist, loop_reason, operator_sites

    op = operator or "*"
    sites = operator_sites(ctx, op, module)
    word = OPERATOR_WORDS.get(op, op)
    if not sites:
        raise Unsupported(f"no signal of {ctx.design.name} is assigned from a `{op}` expression "
                          f"(a {word} to pipeline)", ["name the signal: 'pipeline <signal>'"])
    free = [s for s in sites if not s.loop]
    if not free:
        raise loop_reason(ctx, sites[0])
    if len(free) > 1:
        raise Unsupported(f"several {word}s: " + ", ".join(f"`{s.text}` ({s.where(ctx)})" for s in free),
                          [f"say which one: 'pipeline {free[0].target}'" if not free[0].procedural else
                           f"e.g. 'pipeline the {word} in module {free[0].module.name}'"])
    site = free[0]
    if not site.procedural:
        return _pipeline_signal(ctx, site.module, site.target, form, stages)
    if site.clocked and site.whole and form == "register":
        raise Unsupported(f"the {word} `{site.text}` ({site.where(ctx)}) is the whole right-hand side of the register "
                          f"`{site.target}`: a register after it would add a cycle and shorten no path", [
                              f"split it across two cycles instead: 'split the {word} into two stages' (partial "
                              "products in carry-save form, then their sum)"])
    blocking = [a for a in site.module.assignments if a.kind == "blocking"
                and site.module.blocks[a.block].span.line <= site.line]
    if blocking and any(_reads_name(site.node, a.target) for a in blocking):
        raise Unsupported(f"an operand of `{site.text}` ({site.where(ctx)}) is computed with `=` in the same block; "
                          "naming the operator outside the block would read it before that assignment")
    name, first = hoist(ctx, site)
    plan = staged(ctx, first, lambda inner: _pipeline_signal(inner, inner.module(site.module.name), name, form,
                                                             stages))
    plan.notes.insert(0, f"the {word} `{site.text}` inside the block at {site.where(ctx)} is named `{name}` "
                         "first, so that it can be registered")
    return plan


def _reads_name(expr: Any, name: str) -> bool:
    from chipchat.edit.operators import _reads

    return _reads(expr, name)


def _pipeline_signal(ctx: Context, mod: Module, name: str, form: str, stages: int) -> Plan:
    sig = mod.signals[name]
    drivers = mod.drivers(name)
    cont = continuous_signals(ctx, mod.name)
    if any(mod.blocks[a.block].clock for a in drivers):
        raise Unsupported(f"`{name}` is already a register ({ctx.cite(drivers[0].span)})",
                          ["pipeline a combinational signal, e.g. the expression that feeds it"])
    if name not in cont or len(drivers) != 1:
        where = ", ".join(ctx.cite(a.span) for a in drivers) or "no driver in this module"
        raise Unsupported(f"`{name}` is not driven by a single continuous assignment ({where}); pipelining "
                          "covers `assign` statements and `wire x = ...` declarations")
    blocks, region = region_of(mod, name)
    if not blocks:
        raise Unsupported(f"nothing in {mod.name} reads `{name}`, so there is nothing to pipeline")
    for s in [name, *sorted(region)]:
        feeds = mod.instance_loads(s) + mod.black_box_connections(s)
        if feeds:
            inst, port = feeds[0]
            raise Unsupported(f"`{s}` feeds instance {inst.name} (port {port}); pipelining across a module "
                              "boundary is not covered")
    loop = sorted(set(drivers[0].reads) & region)
    if loop:
        real = sorted(set(drivers[0].reads) & _statement_closure(mod, name))
        if real:
            raise Unsupported(f"`{name}` depends on {', '.join(real)}, which it also feeds: a register there "
                              "would change the function (a loop), not just the latency")
        shared = sorted({ctx.cite(mod.blocks[a.block].span) for a in mod.assignments
                         if a.target in loop and a.block in blocks})
        raise Unsupported(f"`{name}` reads {', '.join(loop)}, which are assigned in the same clocked block as its "
                          f"consumer ({', '.join(shared)}); pipelining retimes whole blocks, so it would delay them "
                          "too — that is a loop at the block level, though not in the data", [
                              "move the consumer's assignment into an always block of its own, then ask again"])
    clock, event = clock_of(ctx, mod, blocks)
    rst, cond = reset_condition(ctx, mod, blocks)
    side = side_inputs(mod, blocks, region, name, clock)
    stmt = statement_loc(ctx, cont[name][1])
    region_locs = {i: region_loc(ctx, mod, i) for i in blocks}
    if any(loc.file != stmt.file or loc.start < stmt.start for loc in region_locs.values()):
        raise Unsupported(f"a consumer of `{name}` comes before its declaration or in another file; "
                          "move the declaration up first")
    q = {s: ctx.unique(mod, f"{s}_q") for s in [name, *side]}
    if form == "carry_save":
        from chipchat.edit.split import split_stage

        stage, split_notes = split_stage(ctx, mod, stmt, name, cont[name][0], q[name], side, q, event, rst, cond,
                                         stages)
    else:
        stage, split_notes = stage_text(ctx, mod, stmt, name, side, q, event, rst, cond), []
    edits = [Edit(stmt.file, line_end(ctx.index.data[stmt.file], stmt.end),
                  line_end(ctx.index.data[stmt.file], stmt.end), stage)]
    if form == "carry_save":  # the product is computed by the new stage: its old declaration goes
        from chipchat.edit.split import remove_declaration

        edits += remove_declaration(ctx, cont[name][1])
    for i, loc in region_locs.items():
        b = mod.blocks[i]
        keep = {clock, b.reset} if b.clock else set()
        for s in [name, *side]:
            if s in keep:
                continue
            edits += ctx.replace(ctx.index.references_in(mod.name, s, loc), q[s])
    outputs = sorted(p.name for p in mod.ports if p.direction == "output" and p.name in region)
    others = sorted(p.name for p in mod.ports if p.direction == "output" and p.name not in region)
    when = "one clock cycle" if stages == 1 else f"{stages} clock cycles"
    notes = [f"`{name}` ({ctx.cite(sig.span)}: `{drivers[0].text.strip()}`) is registered as `{q[name]}` "
             f"on `{event}`, so it and its consumers are now in separate clock cycles", *split_notes]
    if side:
        notes.append(f"delayed by {when} with it, so its consumers still see them together: "
                     + ", ".join(f"`{s}` → `{q[s]}`" for s in side)
                     + (f" (reset to 0 when `{cond}`)" if cond else ""))
    notes.append(f"retimed by {when}: " + "; ".join(
        f"{ctx.cite(mod.blocks[i].span)} ({', '.join(mod.blocks[i].drives)})" for i in sorted(blocks)))
    if outputs:
        notes.append(f"latency: {', '.join(f'`{o}`' for o in outputs)} now arrive(s) {when} later"
                     + (f"; {', '.join(f'`{o}`' for o in others)} keep their timing" if others else ""))
    if cond:
        notes.append(f"a reset (`{cond}`) also discards the value in flight in the new stage")
    title = f"Pipeline `{name}` in {mod.name}" if form == "register" else \
        f"Split `{name}` in {mod.name} over {stages + 0} stage(s) (carry-save)"
    return Plan("pipeline", title, edits, notes, latency={o: stages for o in outputs},
                compare=LAGGED, citations=[ctx.citation(sig.span, name)])


def _statement_closure(mod: Module, start: str) -> set[str]:
    """Signals that depend on ``start`` statement by statement (not whole blocks)."""
    out: set[str] = set()
    frontier = [start]
    while frontier:
        s = frontier.pop()
        for a in mod.assignments:
            if (s in a.reads or s in a.conditions) and a.target not in out:
                out.add(a.target)
                frontier.append(a.target)
    return out


def side_inputs(mod: Module, blocks: set[int], region: set[str], name: str, clock: str) -> list[str]:
    side: list[str] = []
    for a in _assignments(mod, blocks):
        b = mod.blocks[a.block]
        for s in a.reads + a.conditions:
            if s in region or s in (name, clock) or s in side or (b.clock and s == b.reset):
                continue
            side.append(s)
    return side


def _assignments(mod: Module, blocks: set[int]) -> list[Assignment]:
    return [a for a in mod.assignments if a.block in blocks]


def region_loc(ctx: Context, mod: Module, block: int) -> ByteRange:
    """The byte range of block ``block`` of ``mod`` (a procedural block or a continuous assignment)."""
    b = mod.blocks[block]
    for sym in ctx.index.members(mod.name):
        if sym.kind in (ast.SymbolKind.ProceduralBlock, ast.SymbolKind.ContinuousAssign) and sym.syntax is not None:
            node = sym.syntax if sym.kind == ast.SymbolKind.ProceduralBlock else sym.syntax.parent
            loc = ctx.index.loc(node)
            if loc is not None and ctx.index.data[loc.file].count(b"\n", 0, loc.start) + 1 == b.span.line \
                    and loc.file == b.span.file:
                return loc
        if sym.kind == ast.SymbolKind.Net and sym.initializer is not None and sym.name in b.drives \
                and b.kind == "declaration" and sym.syntax is not None:
            return statement_loc(ctx, sym.syntax.parent)
    raise Unsupported(f"the block at {ctx.cite(b.span)} could not be located in the source")


def stage_text(ctx: Context, mod: Module, stmt: ByteRange, name: str, side: list[str], q: dict[str, str], event: str,
               rst: str | None, cond: str | None) -> str:
    data = ctx.index.data[stmt.file]
    ind = indent_of(data, stmt.start)
    sv = ctx.index.is_sv(stmt.file)
    decls = [declare(ctx, name, mod, q[name], stmt.file)] + [declare(ctx, s, mod, q[s], stmt.file) for s in side]
    width = max(len(q[s]) for s in side) if side else 0
    keyword = "always_ff" if sv else "always"
    lines = [
        "",
        f"{ind}// Pipeline stage (chipchat): `{name}` is registered as `{q[name]}`"
        + (f"; {', '.join(side)} are delayed with it" if side else "") + ",",
        f"{ind}// so everything that reads them works one clock cycle later on the same values.",
        *(f"{ind}{d}" for d in decls),
        f"{ind}{keyword} {event} begin",
        f"{ind}    {q[name]} <= {name};",
        f"{ind}end",
    ]
    if side:
        lines.append(f"{ind}{keyword} {event} begin")
        if cond:
            lines.append(f"{ind}    if ({cond}) begin")
            lines += [f"{ind}        {q[s]:<{width}} <= {zero(ctx, mod, s, stmt.file)};" for s in side]
            lines.append(f"{ind}    end else begin")
            lines += [f"{ind}        {q[s]:<{width}} <= {s};" for s in side]
            lines.append(f"{ind}    end")
        else:
            lines += [f"{ind}    {q[s]:<{width}} <= {s};" for s in side]
        lines.append(f"{ind}end")
    return "\n".join(lines) + "\n"
