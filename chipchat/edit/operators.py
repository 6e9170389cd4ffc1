"""Where an operator (``*``, ``+`` …) is computed: in a continuous assignment or inside an ``always`` block.

"Pipeline the multiplier" names an operator, not a signal. :func:`operator_sites` finds every
``x * y`` of a module — the right-hand side of ``assign``/``wire p = …`` and of procedural
assignments (``rd <= $signed(a) * $signed(b)``) — and says whether it sits in a loop: an
adder whose operand is the register it writes (``acc <= acc + p``) is an accumulator, whose
result must be back at its input in the next cycle. :func:`loop_reason` says why that cannot
be pipelined and what can; :func:`hoist` names an operator inside a statement with a new
``wire`` so the pipeline transformation can register it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyslang import ast

from chipchat.edit.context import Context, Unsupported
from chipchat.edit.source import indent_of, line_start
from chipchat.rtl.model import Module
from chipchat.types import Edit

OPERATORS = {"*": ("Multiply",), "+": ("Add",), "-": ("Subtract",), "/": ("Divide",), "%": ("Mod",)}
OPERATOR_WORDS = {"*": "multiplier", "+": "adder", "-": "subtractor", "/": "divider", "%": "modulo"}
SUFFIX = {"*": "prod", "+": "sum", "-": "diff", "/": "quot", "%": "rem"}


@dataclass
class Site:
    """One operator occurrence: which statement, what it assigns, and whether it is in a loop."""

    module: Module
    operator: str
    target: str
    procedural: bool
    clocked: bool
    node: Any  # the AST BinaryOp
    statement: Any  # the statement's syntax node (ExpressionStatement / declaration / assign)
    text: str  # the operator expression as written
    line: int
    loop: bool  # the target is one of the operator's own operands (an accumulator)
    whole: bool  # the operator is the whole right-hand side

    def where(self, ctx: Context) -> str:
        return f"{ctx.rel(self.module.file)}:{self.line}"


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


def _ops(expr: Any, operator: str) -> list[Any]:
    names = OPERATORS.get(operator, ())
    found: list[Any] = []

    def visit(node: Any) -> Any:
        if getattr(node, "kind", None) == ast.ExpressionKind.BinaryOp and str(node.op).split(".")[-1] in names:
            found.append(node)
        return ast.VisitAction.Advance

    expr.visit(visit)
    return found


def _reads(expr: Any, name: str) -> bool:
    hit = False

    def visit(node: Any) -> Any:
        nonlocal hit
        if getattr(node, "kind", None) == ast.ExpressionKind.NamedValue and node.symbol.name == name:
            hit = True
        return ast.VisitAction.Advance

    expr.visit(visit)
    return hit


def _strip(expr: Any) -> Any:
    while getattr(expr, "kind", None) == ast.ExpressionKind.Conversion and expr.isImplicit:
        expr = expr.operand
    return expr


def operator_sites(ctx: Context, operator: str, module: str | None = None) -> list[Site]:
    """Every ``operator`` in the design (the named module, else the top first, then the others that have one)."""
    mods = [ctx.module(module)] if module else sorted(ctx.model.modules.values(), key=lambda m: m.name != ctx.model.top)
    for mod in mods:
        if mod.name not in ctx.index.bodies:
            continue
        sites: list[Site] = []
        for name, (rhs, stmt) in continuous_signals(ctx, mod.name).items():
            for node in _ops(rhs, operator):
                sites.append(_site(ctx, mod, operator, name, False, False, node, stmt, rhs))
        clocked_lines = {b.span.line for b in mod.blocks if b.clock}
        for sym in ctx.index.members(mod.name):
            if sym.kind != ast.SymbolKind.ProceduralBlock or sym.syntax is None:
                continue
            bloc = ctx.index.loc(sym.syntax)
            clocked = bloc is not None and ctx.index.data[bloc.file].count(b"\n", 0, bloc.start) + 1 in clocked_lines

            def visit(node: Any, clocked: bool = clocked, mod: Module = mod, sites: list[Site] = sites) -> Any:
                if getattr(node, "kind", None) == ast.ExpressionKind.Assignment and node.syntax is not None:
                    left = node.left
                    target = left.symbol.name if left.kind == ast.ExpressionKind.NamedValue else \
                        next((s for s in mod.signals if _reads(left, s)), "")
                    for op in _ops(node.right, operator):
                        sites.append(_site(ctx, mod, operator, target, True, clocked, op, node.syntax.parent,
                                           node.right))
                return ast.VisitAction.Advance

            sym.body.visit(visit)
        if sites:
            return sorted(sites, key=lambda s: s.line)
    return []


def _site(ctx: Context, mod: Module, operator: str, target: str, procedural: bool, clocked: bool, node: Any,
          stmt: Any, rhs: Any) -> Site:
    loc = ctx.index.loc(node)
    text = ctx.index.text(loc) if loc is not None else str(node.syntax or "")
    line = ctx.index.data[loc.file].count(b"\n", 0, loc.start) + 1 if loc is not None else mod.span.line
    loop = bool(target) and (_reads(node.left, target) or _reads(node.right, target))
    return Site(mod, operator, target, procedural, clocked, node, stmt, " ".join(text.split()), line, loop,
                _strip(rhs) is node)


def loop_reason(ctx: Context, site: Site) -> Unsupported:
    """Why an operator in a loop (an accumulator) cannot be pipelined, and what can be done instead."""
    word = OPERATOR_WORDS.get(site.operator, site.operator)
    t = site.target
    return Unsupported(
        f"the {word} `{site.text}` ({site.where(ctx)}) is in a loop: `{t}` is one of its operands and its result is "
        f"`{t}` again in the next cycle (an accumulator). A register inside the loop would make each new value use "
        f"the `{t}` of two cycles ago — interleaving two sums — so it cannot be pipelined without changing "
        "behaviour", [
            f"keep `{t}` in carry-save form (two vectors, no carry chain in the loop) and resolve it in a pipelined "
            f"adder afterwards: 'use carry-save accumulation for {t}' (latency grows, throughput stays)",
            "or pipeline what feeds the loop: 'pipeline the multiplier' (the term added each cycle)",
        ])


def hoist(ctx: Context, site: Site) -> tuple[str, list[Edit]]:
    """(new wire name, edits): ``wire [W-1:0] <target>_<prod> = <x op y>;`` before the statement's block,
    and the operator's text in the statement replaced by that name."""
    mod = site.module
    name = ctx.unique(mod, f"{site.target or 'op'}_{SUFFIX.get(site.operator, 'op')}")
    loc = ctx.index.loc(site.node)
    if loc is None:
        raise Unsupported("the operator comes from a macro expansion; edit it by hand")
    block = site.statement
    while block is not None and block.parent is not None and \
            str(block.kind).split(".")[-1] not in ("AlwaysBlock", "AlwaysFFBlock", "AlwaysCombBlock", "InitialBlock"):
        block = block.parent
    bloc = ctx.index.loc(block) if block is not None else None
    if bloc is None or bloc.file != loc.file:
        raise Unsupported(f"the block around {site.where(ctx)} could not be located")
    data = ctx.index.data[loc.file]
    width = int(site.node.type.bitWidth)
    signed = " signed" if site.node.type.isSigned else ""
    ind = indent_of(data, bloc.start)
    at = line_start(data, bloc.start)
    decl = (f"{ind}// `{site.text}` named (chipchat) so that it can be registered on its own.\n"
            f"{ind}wire{signed} [{width - 1}:0] {name} = {site.text};\n")
    return name, [Edit(loc.file, at, at, decl), Edit(loc.file, loc.start, loc.end, name)]
