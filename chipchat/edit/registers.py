"""Transformations that add registers at a module's boundary: on its outputs, or on its inputs.

``register_output`` registers one combinational output (latency +1 for it alone; internal
readers keep the combinational value). ``register_inputs`` samples every input except the
clock (and an asynchronous reset) into a register, so whatever an input feeds starts a
cycle later and the paths from the pins get a whole clock period: every output arrives one
cycle later, with the same values. :func:`delay_outputs` is the shared piece: it moves an
output's logic to ``<name>_early`` (or ``_comb``) and drives the port through N registers.

An output declared without a type (``output x`` — a net in Verilog) becomes ``output reg x``
(``output logic x`` in SystemVerilog) so that it can be assigned in an ``always`` block.
"""

from __future__ import annotations

import re
from typing import Any

from pyslang import ast, syntax

from chipchat.edit.context import LAGGED, Context, Plan, Unsupported, declare, register
from chipchat.edit.pipeline import clock_of
from chipchat.edit.source import aligned, indent_of, line_end
from chipchat.rtl.model import Module
from chipchat.types import ByteRange, Edit


@register("register_output", "register an output port that is driven combinationally (latency +1); the "
          "logic that drove it keeps driving internal readers", "register the output full",
          "register the output tx_ready")
def register_output(ctx: Context, name: str | None = None, module: str | None = None) -> Plan:
    mod = ctx.module(module)
    outputs = [p.name for p in mod.ports if p.direction == "output"]
    combinational = [o for o in outputs if mod.drivers(o) and not any(mod.blocks[a.block].clock
                                                                        for a in mod.drivers(o))]
    if name is None:
        if len(combinational) != 1:
            raise Unsupported("say which output to register" if combinational else
                              f"every output of {mod.name} is already registered",
                              [f"combinational outputs: {', '.join(combinational)}"] if combinational else [])
        name = combinational[0]
    port = mod.port(name)
    if port is None or port.direction != "output":
        raise Unsupported(f"`{name}` is not an output of {mod.name}",
                          [f"outputs: {', '.join(outputs)}; combinational ones: {', '.join(combinational) or 'none'}"])
    drivers = mod.drivers(name)
    clocked = [a for a in drivers if mod.blocks[a.block].clock]
    if drivers and clocked:
        raise Unsupported(f"`{name}` is already registered: it is driven by the clocked block at "
                          f"{ctx.cite(mod.blocks[clocked[0].block].span)}", [
                              f"combinational outputs that could be registered: {', '.join(combinational) or 'none'}"])
    _, event = clock_of(ctx, mod)
    edits, notes = delay_outputs(ctx, mod, [name], 1, event=event, suffix="_comb")
    readers = [a for a in mod.assignments if name in a.reads or name in a.conditions]
    if readers:
        notes.append(f"internal readers keep the combinational value `{name}_comb` "
                     f"({', '.join(ctx.cite(a.span) for a in readers[:6])}), so the design itself is unchanged")
    notes.append(f"latency: `{name}` now arrives one clock cycle later; the other outputs keep their timing")
    return Plan("register_output", f"Register the output `{name}` of {mod.name}", edits, notes,
                latency={name: 1}, compare=LAGGED, citations=[ctx.citation(port.span, name)])


def delay_outputs(ctx: Context, mod: Module, names: list[str], stages: int, *, event: str,
                  skip: list[ByteRange] | None = None, suffix: str = "_early",
                  reset: str | None = None) -> tuple[list[Edit], list[str]]:
    """Edits that make each output in ``names`` follow its old logic ``stages`` cycles later.

    The logic moves to ``<name><suffix>`` (every reference but the port's declaration is
    renamed, except inside ``skip`` — ranges other edits delete); the port becomes a variable
    driven through ``stages`` registers — cleared by ``reset`` (a condition) when given, else
    not reset (they follow the logic through a reset too).
    """
    edits: list[Edit] = []
    notes: list[str] = []
    skip = skip or []
    for name in names:
        port = mod.port(name)
        assert port is not None
        drivers = mod.drivers(name)
        if not drivers:
            src = mod.instance_drivers(name)
            where = f"instance {src[0][0].name}" if src else "nothing in this module"
            raise Unsupported(f"`{name}` is driven by {where}; register it where it is computed")
        sym = ctx.index.symbol(mod.name, name)
        psym = ctx.index.port(mod.name, name)
        decl = ctx.index.declaration(psym) if psym is not None else None
        if decl is None or decl.kind != syntax.SyntaxKind.ImplicitAnsiPort or not str(decl.header).strip():
            raise Unsupported(f"`{name}` is not declared with its own ANSI port header ({ctx.cite(port.span)}); "
                              "give it one (`output wire x,`) first")
        early = ctx.unique(mod, f"{name}{suffix}")
        decl_loc = ctx.index.name_loc(sym)
        assert decl_loc is not None
        refs = [r for r in ctx.index.references(mod.name, name) if r != decl_loc
                and not any(s.file == r.file and s.start <= r.start < s.end for s in skip)]
        edits += ctx.replace(refs, early)
        edits += port_to_variable(ctx, decl, decl_loc.file, sym)
        procedural = any(mod.blocks[a.block].kind not in ("assign", "declaration") for a in drivers)
        at, ind = first_use_point(ctx, mod.name, refs)
        sv = ctx.index.is_sv(at.file)
        chain = [early] + [ctx.unique(mod, f"{name}_d{i}") for i in range(1, stages)] + [name]
        decls = [declare(ctx, name, mod, early, at.file, procedural)] + \
            [declare(ctx, name, mod, r, at.file, True) for r in chain[1:-1]]
        keyword = "always_ff" if sv else "always"
        when = "one clock cycle" if stages == 1 else f"{stages} clock cycles"
        from chipchat.edit.arith import _clocked

        moves = _clocked(keyword, event, ind, [f"{dst} <= {src};" for src, dst in zip(chain, chain[1:], strict=False)],
                         chain[1:], reset)
        how = f"cleared while `{reset}`" if reset else f"not reset: it tracks `{early}` during reset too"
        text = (f"{ind}// `{name}` delayed (chipchat): the logic that drove it now drives `{early}`, and the port\n"
                f"{ind}// follows `{early}` {when} later ({how}).\n"
                + "".join(f"{ind}{d}\n" for d in decls) + moves + "\n")
        edits.append(Edit(at.file, at.start, at.start, text))
        notes.append(f"the output `{name}` ({ctx.cite(port.span)}) becomes a register {when} behind `{early}`; "
                     f"the statements that drove it ({', '.join(ctx.cite(a.span) for a in drivers[:4])}) now "
                     f"drive `{early}`")
    return edits, notes


def port_to_variable(ctx: Context, decl: Any, file: str, sym: Any) -> list[Edit]:
    """``output wire x`` / ``output x`` → ``output reg x`` (Verilog) or ``output logic x`` (SystemVerilog)."""
    if sym is not None and sym.kind == ast.SymbolKind.Variable:
        return []
    header = decl.header
    keyword = "logic" if ctx.index.is_sv(file) else "reg"
    net = getattr(header, "netType", None)
    if net is not None and net.valueText:
        start = net.location.offset
        return [aligned(ctx.index.data[file], ByteRange(file, start, start + len(net.valueText)), keyword)]
    direction = header.direction
    end = direction.location.offset + len(direction.valueText)
    return [Edit(file, end, end, f" {keyword}")]


def first_use_point(ctx: Context, module: str, refs: list[ByteRange]) -> tuple[ByteRange, str]:
    """Where to declare a new signal: at the start of the first module item that uses ``refs``."""
    body = ctx.index.body(module)
    ds = body.parentInstance.definition.syntax
    members = [m for m in ds.members if ctx.index.loc(m) is not None]
    first = min((r.start for r in refs), default=None)
    prev_end = ctx.index.loc(ds.header)
    for m in members:
        loc = ctx.index.loc(m)
        assert loc is not None
        if first is None or loc.end >= first:
            data = ctx.index.data[loc.file]
            start = line_end(data, prev_end.end) if prev_end is not None else loc.start
            if data[start:start + 1] == b"\n":
                start += 1
            return ByteRange(loc.file, start, start), indent_of(data, loc.start)
        prev_end = loc
    raise Unsupported("no module item uses the signal")


@register("register_inputs", "register every input (except the clock and an asynchronous reset) so the paths "
          "from the pins start at a register; every output arrives one cycle later", "register the inputs",
          "add input registers")
def register_inputs(ctx: Context, module: str | None = None) -> Plan:
    mod = ctx.module(module)
    if mod.name != ctx.model.top:
        raise Unsupported(f"{mod.name} is not the top module: changing its outputs' latency would break its parent")
    clock, event = clock_of(ctx, mod)
    clocks = {clock} | {b.clock for b in mod.blocks if b.clock}
    asynchronous = {b.reset for b in mod.blocks if b.reset and re.search(rf"edge\s+{re.escape(b.reset)}\b", b.header)}
    inputs = [p for p in mod.ports if p.direction == "input" and p.name not in clocks and p.name not in asynchronous]
    if not inputs:
        raise Unsupported(f"{mod.name} has no input to register besides its clock")
    if any(p.direction == "inout" for p in mod.ports):
        raise Unsupported(f"{mod.name} has inout ports; registering its inputs is not covered")
    q = {p.name: ctx.unique(mod, f"{p.name}_q") for p in inputs}
    edits: list[Edit] = []
    all_refs: list[ByteRange] = []
    for p in inputs:
        sym = ctx.index.symbol(mod.name, p.name)
        decl = ctx.index.name_loc(sym) if sym is not None else None
        refs = [r for r in ctx.index.references(mod.name, p.name) if r != decl]
        all_refs += refs
        edits += ctx.replace(refs, q[p.name])
    if not all_refs:
        raise Unsupported(f"no input of {mod.name} is read")
    at, ind = first_use_point(ctx, mod.name, all_refs)
    width = max(len(v) for v in q.values())
    sv = ctx.index.is_sv(at.file)
    decls = "".join(f"{ind}{declare(ctx, p.name, mod, q[p.name], at.file)}\n" for p in inputs)
    moves = "".join(f"{ind}    {q[p.name]:<{width}} <= {p.name};\n" for p in inputs)
    text = (f"{ind}// Registered inputs (chipchat): every input is sampled into a register first, so the logic it\n"
            f"{ind}// feeds starts a clock cycle later with the whole period to itself; the outputs follow one\n"
            f"{ind}// cycle later with the same values.\n{decls}"
            f"{ind}{'always_ff' if sv else 'always'} {event} begin\n{moves}{ind}end\n\n")
    edits.append(Edit(at.file, at.start, at.start, text))
    notes = [f"registered: {', '.join(f'`{p.name}` → `{q[p.name]}`' for p in inputs)} on `{event}` "
             "(not reset: a reset input is delayed like the others, so the whole design moves one cycle)"]
    if asynchronous:
        notes.append(f"the asynchronous reset {', '.join(sorted(asynchronous))} is left as it is (it acts at once)")
    outputs = [p.name for p in mod.ports if p.direction == "output"]
    notes.append(f"latency: every output ({', '.join(f'`{o}`' for o in outputs)}) arrives one clock cycle later")
    return Plan("register_inputs", f"Register the inputs of {mod.name}", edits, notes,
                latency={o: 1 for o in outputs}, compare=LAGGED,
                citations=[ctx.citation(inputs[0].span, inputs[0].name)])

