"""Deterministic RTL transformations (Verilog / SystemVerilog), looked up by name.

This module holds the general ones (rename, set a parameter or a width, add a reset) and
the lookup of every registered transformation, including the timing transformations of
:mod:`chipchat.edit.pipeline`,
:mod:`chipchat.edit.registers` and :mod:`chipchat.edit.carry_save`. See :mod:`chipchat.edit.context` for what they read and return.
"""

from __future__ import annotations

import re
from typing import Any

from pyslang import syntax

from chipchat.edit import carry_save, pipeline, registers  # noqa: F401 - register the timing transformations
from chipchat.edit.context import (
    EXACT,
    NONE,
    TRANSFORMS,
    Context,
    Plan,
    TransformInfo,
    Unsupported,
    _decl_loc,
    _valid_expression,
    register,
    reset_signal,
    type_node,
    valid_identifier,
)
from chipchat.edit.source import insert_aligned
from chipchat.errors import ConfigError
from chipchat.types import ByteRange, Edit


def get_transform(name: str) -> TransformInfo:

    if name not in TRANSFORMS:
        raise ConfigError(f"unknown transformation {name!r}", hint="known: " + ", ".join(sorted(TRANSFORMS)))
    return TRANSFORMS[name]


def run_transform(name: str, ctx: Context, args: dict[str, Any]) -> Plan | Unsupported:
    """Run transformation ``name``; an inapplicable request comes back as :class:`Unsupported` (data)."""
    info = get_transform(name)
    try:
        return info.fn(ctx, **args)
    except Unsupported as exc:
        return exc


# -- rename -------------------------------------------------------------------------------

@register("rename", "rename a signal everywhere: its declaration, every read and write, and named "
          "port connections of its module (comments only when asked)",
          "rename wr_ptr to wptr", "rename tick to bit_tick including comments")
def rename(ctx: Context, old: str, new: str, module: str | None = None, comments: bool = False) -> Plan:
    mod, sig = ctx.signal(old, module)
    if not valid_identifier(new):
        raise Unsupported(f"{new!r} is not a valid Verilog identifier (or it is a keyword)",
                          ["use letters, digits, `_` and `$`, not starting with a digit"])
    clash = mod.signals.get(new) or next((p for p in mod.parameters if p.name == new), None)
    if clash is not None:
        raise Unsupported(f"`{new}` already exists in module {mod.name} ({ctx.cite(clash.span)})",
                          ["pick another name"])
    refs = ctx.index.references(mod.name, old)
    edits = ctx.replace(refs, new)
    notes = [f"`{old}` → `{new}` in module {mod.name}: the declaration ({ctx.cite(sig.span)}) and "
             f"{len(refs) - 1} use(s); comments and strings are left alone"]
    port_map: dict[str, str] = {}
    if sig.direction:
        conns = ctx.index.port_connections(mod.name, old)
        edits += ctx.replace(conns, new)
        if conns:
            notes.append(f"{len(conns)} named port connection(s) `.{old}(...)` of {mod.name}'s instances renamed too")
        if mod.name == ctx.model.top:
            port_map[old] = new
            notes.append(f"`{old}` is a port of the top module: testbenches that drive or read it by name "
                         "must be changed too (the test results below show which)")
    if comments:
        mentions = ctx.index.comment_mentions(mod.name, old)
        edits += [Edit(m.file, m.start, m.end, new) for m in mentions]
        notes[0] = notes[0].replace("comments and strings are left alone",
                                    f"{len(mentions)} mention(s) in comments renamed as asked")
    return Plan("rename", f"Rename `{old}` to `{new}` in {mod.name}", edits, notes, compare=EXACT,
                port_map=port_map, citations=[ctx.citation(sig.span, old)])


# -- parameters and widths -----------------------------------------------------------------

@register("set_parameter", "change a parameter's (or localparam's) default value",
          "set DEPTH to 32", "change CLKS_PER_BIT to 8")
def set_parameter(ctx: Context, name: str, value: str, module: str | None = None) -> Plan:
    mods = [ctx.module(module)] if module else sorted(
        (m for m in ctx.model.modules.values() if any(p.name == name for p in m.parameters)),
        key=lambda m: m.name != ctx.model.top)
    mod = next((m for m in mods if any(p.name == name for p in m.parameters)), None)
    if mod is None:
        params = sorted({f"{p.name} ({m.name})" for m in ctx.model.modules.values() for p in m.parameters})
        raise Unsupported(f"there is no parameter {name!r}", [f"parameters: {', '.join(params) or 'none'}"])
    param = next(p for p in mod.parameters if p.name == name)
    sym = ctx.index.symbol(mod.name, name)
    init = getattr(getattr(sym, "syntax", None), "initializer", None)
    loc = ctx.index.loc(init.expr) if init is not None else None
    if loc is None:
        raise Unsupported(f"parameter {name} ({ctx.cite(param.span)}) has no default value to change")
    if not _valid_expression(value):
        raise Unsupported(f"{value!r} is not a valid constant expression", ["e.g. 32, 8'hFF, WIDTH*2"])
    old = ctx.index.text(loc)
    notes = [f"{'localparam' if param.local else 'parameter'} `{name}` of {mod.name} ({ctx.cite(param.span)}): "
             f"`{old}` → `{value}` (evaluated before: {param.value})"]
    derived = [p.name for p in mod.parameters if p.name != name
               and ctx.index.references_in(mod.name, name, _decl_loc(ctx.index, mod.name, p.name))]
    if derived:
        notes.append("derived from it, and changing with it: " + ", ".join(f"`{d}`" for d in derived))
    if name in ctx.design.parameters:
        notes.append(f"chipchat.toml overrides {name} = {ctx.design.parameters[name]}; the builds use that value")
    return Plan("set_parameter", f"Set {name} to {value} in {mod.name}", [Edit(loc.file, loc.start, loc.end, value)],
                notes, compare=NONE, citations=[ctx.citation(param.span, name)])


@register("set_width", "change the width of a signal's declaration ([N-1:0])",
          "change the width of count to 6", "make acc 40 bits wide")
def set_width(ctx: Context, name: str, width: int, module: str | None = None) -> Plan:
    if width < 1 or width > 4096:
        raise Unsupported(f"a width of {width} bits is out of range", ["use 1 to 4096"])
    if module is None and not ctx.model.find_signal(name) and any(
            p.name == name for m in ctx.model.modules.values() for p in m.parameters):
        raise Unsupported(f"{name} is a parameter, not a signal", [f"set {name} to {width}"])
    mod, sig = ctx.signal(name, module)
    sym = ctx.index.symbol(mod.name, name)
    if sym is None:
        raise Unsupported(f"`{name}` is not declared in {mod.name}'s sources")
    decl, dtype = type_node(ctx.index, sym)
    if dtype is None or dtype.kind == syntax.SyntaxKind.NamedType or not hasattr(dtype, "dimensions"):
        raise Unsupported(f"`{name}` ({ctx.cite(sig.span)}) has the type `{sig.type}`, not a vector whose range "
                          "can be rewritten", ["change the type definition instead"])
    if len(list(getattr(decl, "declarators", [decl]))) > 1:
        raise Unsupported(f"`{name}` is declared together with other signals ({ctx.cite(sig.span)})",
                          ["split that declaration into one line per signal, then ask again"])
    if sig.width == width:
        raise Unsupported(f"`{name}` is already {width} bit(s) wide ({ctx.cite(sig.span)})")
    dims = list(dtype.dimensions)
    new_range = f"[{width - 1}:0]" if width > 1 else ""
    name_loc = ctx.index.name_loc(sym)
    assert name_loc is not None
    if dims:
        first, last = ctx.index.loc(dims[0]), ctx.index.loc(dims[-1])
        if first is None or last is None:
            raise Unsupported(f"the range of `{name}` comes from a macro; edit it by hand")
        edit = Edit(first.file, first.start, last.end, new_range)
        old_text = ctx.index.data[first.file][first.start:last.end].decode()
    else:
        at = ctx.index.loc(dtype) if str(dtype).strip() else None
        net = getattr(decl.header if decl.kind == syntax.SyntaxKind.ImplicitAnsiPort else decl, "netType", None)
        if at is None and net is not None and net.valueText:
            at = ByteRange(name_loc.file, net.location.offset, net.location.offset + len(net.valueText))
        edit = insert_aligned(ctx.index.data[at.file], at.file, at.end, " " + new_range) if at is not None else \
            Edit(name_loc.file, name_loc.start, name_loc.start, new_range + " ")
        old_text = "(scalar)"
    notes = [f"`{name}` in {mod.name} ({ctx.cite(sig.span)}): {sig.width} → {width} bit(s) (`{old_text.strip()}` → "
             f"`{new_range or 'scalar'}`)"]
    uses = [a for a in mod.assignments if a.target == name or name in a.reads]
    if uses:
        notes.append("statements that read or drive it (check them for truncation or extension): "
                     + ", ".join(ctx.cite(a.span) for a in uses[:8]))
    if any(re.search(r"[A-Za-z_]", str(d)) for d in dims):
        notes.append(f"the old range `{old_text.strip()}` depended on parameters; the new one is a fixed number")
    return Plan("set_width", f"Make `{name}` {width} bit(s) wide", [edit], notes, compare=NONE,
                citations=[ctx.citation(sig.span, name)])


# -- synchronous reset ---------------------------------------------------------------------

@register("add_sync_reset", "add a synchronous reset (to 0) to clocked registers that have none",
          "add a synchronous reset", "add a synchronous reset to data_q")
def add_sync_reset(ctx: Context, signal: str | None = None, module: str | None = None,
                   reset: str | None = None) -> Plan:
    from chipchat.edit.reset_edit import reset_edits

    mod = ctx.module(module) if module or not signal else ctx.signal(signal, module)[0]
    rst, cond = reset_signal(ctx, mod, reset)
    edits, notes, cites = reset_edits(ctx, mod, rst, cond, signal)
    return Plan("add_sync_reset", f"Add a synchronous reset ({cond}) in {mod.name}", edits, notes,
                compare=EXACT, citations=cites)


