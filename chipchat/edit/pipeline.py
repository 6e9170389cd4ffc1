"""Transformations that add a register on a path: a pipeline stage, or a registered output.

``pipeline`` registers a continuously assigned signal ``S`` (e.g. mac16's
``wire [31:0] product = a * b;``) and retimes everything that consumes it by one clock
cycle, so the design computes the same values one cycle later:

* the *region* is every block that reads ``S``, plus (transitively) every block that reads a
  signal a region block drives — whole blocks, so state and feedback stay together;
* every other signal a region block reads (a *side input*: ``en``, ``clear``) is delayed by one
  register (``en_q``) so it arrives in the same cycle as ``S_q`` — the reset and the clock are not;
* the outputs the region drives arrive one cycle later (``valid_out`` moves with ``acc``).

A region that feeds back into ``S``'s own inputs would change the function, so it is refused.
"""

from __future__ import annotations

import re
from typing import Any

from pyslang import ast, syntax

from chipchat.edit.context import LAGGED, Context, Plan, Unsupported, register, type_node, zero
from chipchat.edit.reset_edit import _body, _procedural_syntax, _reset_if
from chipchat.edit.source import aligned, indent_of, line_end
from chipchat.rtl.model import Assignment, Module
from chipchat.types import ByteRange, Edit

OPERATORS = {"*": ("Multiply",), "+": ("Add",), "-": ("Subtract",), "/": ("Divide",), "%": ("Mod",)}
OPERATOR_WORDS = {"*": "multiplier", "+": "adder", "-": "subtractor", "/": "divider", "%": "modulo"}


def driving_operators(expr: Any) -> set[str]:
    """The binary operators (``*``, ``+`` ...) anywhere in an expression."""
    found: set[str] = set()
    names = {n: op for op, ns in OPERATORS.items() for n in ns}

    def visit(node: Any) -> Any:
        if getattr(node, "kind", None) == ast.ExpressionKind.BinaryOp:
            name = str(node.op).split(".")[-1]
            if name in names:
                found.add(names[name])
        return ast.VisitAction.Advance

    expr.visit(visit)
    return found


def continuous_signals(ctx: Context, module: str) -> dict[str, tuple[Any, Any]]:
    """Signals of ``module`` driven by one continuous assignment: name -> (RHS expression, statement syntax)."""
    out: dict[str, tuple[Any, Any]] = {}
    for sym in ctx.index.members(module):
        if sym.kind == ast.SymbolKind.Net and sym.initializer is not None and sym.syntax is not None:
            out[sym.name] = (sym.initializer, sym.syntax.parent)
        elif sym.kind == ast.SymbolKind.ContinuousAssign and sym.syntax is not None:
            left = sym.assignment.left
            if left.kind == ast.ExpressionKind.NamedValue:
                out[left.symbol.name] = (sym.assignment.right, sym.syntax.parent)
    return out


def find_by_operator(ctx: Context, operator: str, module: str | None) -> tuple[Module, str]:
    """The one signal assigned from an expression with ``operator`` (top module first)."""
    mods = [ctx.module(module)] if module else sorted(ctx.model.modules.values(), key=lambda m: m.name != ctx.model.top)
    hits: list[tuple[Module, str]] = []
    for mod in mods:
        hits += [(mod, name) for name, (expr, _) in continuous_signals(ctx, mod.name).items()
                 if operator in driving_operators(expr)]
        if hits:
            break
    word = OPERATOR_WORDS.get(operator, operator)
    if not hits:
        raise Unsupported(f"no signal of {ctx.design.name} is assigned from a `{operator}` expression "
                          f"(a {word} to pipeline)", ["name the signal: 'pipeline <signal>'"])
    if len(hits) > 1:
        raise Unsupported(f"several signals are assigned from a `{operator}` expression: "
                          + ", ".join(f"`{n}` ({ctx.cite(m.signals[n].span)})" for m, n in hits),
                          [f"say which one: 'pipeline {hits[0][1]}'"])
    return hits[0]


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


def declare(ctx: Context, like: str, mod: Module, name: str, file: str, procedural: bool = True) -> str:
    """A declaration of ``name`` with the type of signal ``like`` (``reg``/``logic``/typedef + range)."""
    sym = ctx.index.symbol(mod.name, like)
    _, dtype = type_node(ctx.index, sym)
    sv = ctx.index.is_sv(file)
    if dtype is not None and dtype.kind == syntax.SyntaxKind.NamedType:
        return f"{str(dtype).strip()} {name};"
    dims = "".join(str(d).strip() for d in getattr(dtype, "dimensions", []) or [])
    signing = str(getattr(dtype, "signing", "") or "").strip()
    keyword = "logic" if sv else ("reg" if procedural else "wire")
    parts = [keyword, signing, dims]
    return " ".join(p for p in parts if p) + f" {name};"


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


def statement_loc(ctx: Context, node: Any) -> ByteRange:
    loc = ctx.index.loc(node)
    if loc is None:
        raise Unsupported("the statement comes from a macro expansion; edit it by hand")
    return loc


@register("pipeline", "insert a pipeline register on a continuously assigned signal; its consumers are "
          "retimed by one cycle (side inputs such as enables delayed with it, outputs one cycle later)",
          "pipeline the multiplier", "insert a pipeline stage on product")
def pipeline(ctx: Context, signal: str | None = None, operator: str | None = None,
             module: str | None = None) -> Plan:
    if signal:
        mod, _ = ctx.signal(signal, module)
        name = signal
    else:
        mod, name = find_by_operator(ctx, operator or "*", module)
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
        raise Unsupported(f"`{name}` depends on {', '.join(loop)}, which it also feeds: a register there "
                          "would change the function (a loop), not just the latency")
    clock, event = clock_of(ctx, mod, blocks)
    rst, cond = reset_condition(ctx, mod, blocks)
    side = side_inputs(mod, blocks, region, name, clock)
    stmt = statement_loc(ctx, cont[name][1])
    region_locs = {i: region_loc(ctx, mod, i) for i in blocks}
    if any(loc.file != stmt.file or loc.start < stmt.start for loc in region_locs.values()):
        raise Unsupported(f"a consumer of `{name}` comes before its declaration or in another file; "
                          "move the declaration up first")
    q = {s: ctx.unique(mod, f"{s}_q") for s in [name, *side]}
    edits = [Edit(stmt.file, line_end(ctx.index.data[stmt.file], stmt.end),
                  line_end(ctx.index.data[stmt.file], stmt.end),
                  stage_text(ctx, mod, stmt, name, side, q, event, rst, cond))]
    for i, loc in region_locs.items():
        b = mod.blocks[i]
        keep = {clock, b.reset} if b.clock else set()
        for s in [name, *side]:
            if s in keep:
                continue
            edits += ctx.replace(ctx.index.references_in(mod.name, s, loc), q[s])
    outputs = sorted(p.name for p in mod.ports if p.direction == "output" and p.name in region)
    others = sorted(p.name for p in mod.ports if p.direction == "output" and p.name not in region)
    notes = [f"`{name}` ({ctx.cite(sig.span)}: `{drivers[0].text.strip()}`) is registered as `{q[name]}` "
             f"on `{event}`, so it and its consumers are now in separate clock cycles"]
    if side:
        notes.append("delayed by one cycle with it, so its consumers still see them together: "
                     + ", ".join(f"`{s}` → `{q[s]}`" for s in side)
                     + (f" (reset to 0 when `{cond}`)" if cond else ""))
    notes.append("retimed by one cycle: " + "; ".join(
        f"{ctx.cite(mod.blocks[i].span)} ({', '.join(mod.blocks[i].drives)})" for i in sorted(blocks)))
    if outputs:
        notes.append(f"latency: {', '.join(f'`{o}`' for o in outputs)} now arrive(s) one clock cycle later"
                     + (f"; {', '.join(f'`{o}`' for o in others)} keep their timing" if others else ""))
    if cond:
        notes.append(f"a reset (`{cond}`) also discards the value in flight in the new stage")
    return Plan("pipeline", f"Pipeline `{name}` in {mod.name}", edits, notes, latency={o: 1 for o in outputs},
                compare=LAGGED, citations=[ctx.citation(sig.span, name)])


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
    if not drivers:
        src = mod.instance_drivers(name)
        where = f"instance {src[0][0].name}" if src else "nothing in this module"
        raise Unsupported(f"`{name}` is driven by {where}; register it where it is computed")
    clocked = [a for a in drivers if mod.blocks[a.block].clock]
    if clocked:
        raise Unsupported(f"`{name}` is already registered: it is driven by the clocked block at "
                          f"{ctx.cite(mod.blocks[clocked[0].block].span)}", [
                              f"combinational outputs that could be registered: {', '.join(combinational) or 'none'}"])
    sym = ctx.index.symbol(mod.name, name)
    psym = ctx.index.port(mod.name, name)
    decl = ctx.index.declaration(psym) if psym is not None else None
    if decl is None or decl.kind != syntax.SyntaxKind.ImplicitAnsiPort or not str(decl.header).strip():
        raise Unsupported(f"`{name}` is not declared with its own ANSI port header ({ctx.cite(port.span)}); "
                          "give it one (`output wire x,`) first")
    clock, event = clock_of(ctx, mod)
    comb = ctx.unique(mod, f"{name}_comb")
    decl_loc = ctx.index.name_loc(sym)
    assert decl_loc is not None
    refs = [r for r in ctx.index.references(mod.name, name) if r != decl_loc]
    edits = ctx.replace(refs, comb)
    edits += _port_to_variable(ctx, decl, decl_loc.file)
    procedural = any(mod.blocks[a.block].kind != "assign" and mod.blocks[a.block].kind != "declaration"
                     for a in drivers)
    at, ind = _first_use_point(ctx, mod.name, refs)
    sv = ctx.index.is_sv(at.file)
    text = (f"{ind}// `{name}` registered (chipchat): the logic that drove it now drives `{comb}`, and the\n"
            f"{ind}// port follows `{comb}` one clock cycle later (not reset: it tracks `{comb}` during reset too).\n"
            f"{ind}{declare(ctx, name, mod, comb, at.file, procedural)}\n"
            f"{ind}{'always_ff' if sv else 'always'} {event} begin\n{ind}    {name} <= {comb};\n{ind}end\n\n")
    edits.append(Edit(at.file, at.start, at.start, text))
    readers = [a for a in mod.assignments if name in a.reads or name in a.conditions]
    notes = [f"the output `{name}` ({ctx.cite(port.span)}) becomes a register on `{event}`; the statements that "
             f"drove it ({', '.join(ctx.cite(a.span) for a in drivers)}) now drive `{comb}`"]
    if readers:
        notes.append(f"internal readers keep the combinational value `{comb}` "
                     f"({', '.join(ctx.cite(a.span) for a in readers[:6])}), so the design itself is unchanged")
    notes.append(f"latency: `{name}` now arrives one clock cycle later; the other outputs keep their timing")
    return Plan("register_output", f"Register the output `{name}` of {mod.name}", edits, notes,
                latency={name: 1}, compare=LAGGED, citations=[ctx.citation(port.span, name)])


def _port_to_variable(ctx: Context, decl: Any, file: str) -> list[Edit]:
    """``output wire x`` → ``output reg x`` (Verilog); SystemVerilog ``logic`` ports stay as they are."""
    header = decl.header
    if header.kind == syntax.SyntaxKind.VariablePortHeader:
        return []
    net = getattr(header, "netType", None)
    keyword = "logic" if ctx.index.is_sv(file) else "reg"
    if net is not None and net.valueText:
        start = net.location.offset
        return [aligned(ctx.index.data[file], ByteRange(file, start, start + len(net.valueText)), keyword)]
    direction = header.direction
    end = direction.location.offset + len(direction.valueText)
    return [Edit(file, end, end, f" {keyword}")]


def _first_use_point(ctx: Context, module: str, refs: list[ByteRange]) -> tuple[ByteRange, str]:
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
