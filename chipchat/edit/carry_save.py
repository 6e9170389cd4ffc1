"""Carry-save accumulation: an accumulator loop without a carry chain, its sum resolved in a pipelined adder.

An accumulator ``acc <= acc + a * b`` cannot be pipelined: a register inside the loop would
add every product to a sum two cycles old. What can change is how the sum is *kept*: as two
vectors ``acc_s + acc_c`` (carry-save form). Each cycle one tree of 3:2 compressors adds the
partial products of ``a * b`` to both vectors — no carry travels more than one bit per level,
so the loop is a few XOR levels deep whatever the width. The value of ``acc`` is resolved
afterwards by an adder split into ``stages`` chunks with registered carries; ``acc`` and every
other output of the module arrive ``stages`` cycles later, so the interface stays consistent.

The original block's decisions about ``acc`` (reset, clear, enable — any if/case structure) are
copied into a combinational block that says, each cycle, whether the old sum is kept
(``acc_keep``) and whether the new term is added (``acc_add``); every right-hand side must be
``acc``, ``0``, ``acc + E``, ``E`` or a ``?:`` of those, with one and the same ``E``.
"""

from __future__ import annotations

import re
from typing import Any

from pyslang import ast, syntax

from chipchat.edit.arith import (
    Term,
    csa_function,
    pipelined_adder,
    product_operands,
    product_rows,
    strip_conversions,
)
from chipchat.edit.context import LAGGED, Context, Plan, Unsupported, register, statement_loc
from chipchat.edit.decisions import Decision, control_copy, prune_edits
from chipchat.edit.operators import continuous_signals
from chipchat.edit.pipeline import clock_of
from chipchat.edit.registers import delay_outputs
from chipchat.edit.reset_edit import _procedural_syntax
from chipchat.edit.source import indent_of, line_end
from chipchat.edit.split import remove_declaration
from chipchat.rtl.model import Module
from chipchat.types import ByteRange, Edit

SK = syntax.SyntaxKind
ONE, ZERO = "1'b1", "1'b0"


def _norm(text: str) -> str:
    return " ".join(text.split())


def _is_zero(expr: Any) -> bool:
    e = strip_conversions(expr)
    return e.kind == ast.ExpressionKind.IntegerLiteral and str(e.value).split("'")[-1].lstrip("dhbo0_") == ""


def _reads(expr: Any, name: str) -> bool:
    found = False

    def visit(node: Any) -> Any:
        nonlocal found
        if getattr(node, "kind", None) == ast.ExpressionKind.NamedValue and node.symbol.name == name:
            found = True
        return ast.VisitAction.Advance

    expr.visit(visit)
    return found


def _mux(cond: str, a: str, b: str) -> str:
    if a == b:
        return a
    if (a, b) == (ONE, ZERO):
        return f"({cond})"
    if (a, b) == (ZERO, ONE):
        return f"!({cond})"
    return f"({cond}) ? {a} : {b}"


def classify(ctx: Context, expr: Any, target: str, where: str) -> Decision:
    """How ``target <= expr`` treats the accumulator (raises Unsupported for anything else)."""
    e = strip_conversions(expr)
    text = _text(ctx, e)
    if e.kind == ast.ExpressionKind.NamedValue and e.symbol.name == target:
        return Decision(ONE, ZERO, None)
    if _is_zero(e):
        return Decision(ZERO, ZERO, None)
    if e.kind == ast.ExpressionKind.ConditionalOp:
        conds = list(e.conditions)
        if len(conds) == 1 and not _reads(conds[0].expr, target):
            a = classify(ctx, e.left, target, where)
            b = classify(ctx, e.right, target, where)
            if a.term and b.term and a.term != b.term:
                raise Unsupported(f"{where}: the two arms of `{_norm(text)}` add different terms")
            cond = _text(ctx, conds[0].expr)
            return Decision(_mux(cond, a.keep, b.keep), _mux(cond, a.add, b.add), a.term or b.term,
                            a.expr if a.term else b.expr)
    if e.kind == ast.ExpressionKind.BinaryOp and str(e.op).split(".")[-1] == "Add":
        left, right = strip_conversions(e.left), strip_conversions(e.right)
        for own, other in ((left, right), (right, left)):
            if own.kind == ast.ExpressionKind.NamedValue and own.symbol.name == target and not _reads(other, target):
                return Decision(ONE, ONE, _norm(_text(ctx, other)), other)
    if not _reads(e, target):
        return Decision(ZERO, ONE, _norm(text), e)
    raise Unsupported(f"{where}: `{target} <= {_norm(text)}` is not an accumulation (`{target} + E`, `E`, "
                      f"`0` or a ?: of those)")


def _text(ctx: Context, expr: Any) -> str:
    loc = ctx.index.loc(expr)
    if loc is None:
        raise Unsupported("an expression comes from a macro expansion; edit it by hand")
    return ctx.index.text(loc)


def terms_of(ctx: Context, mod: Module, expr: Any, width: int) -> tuple[list[Term], list[str], list[str]]:
    """(terms, notes, inlined signals) of ``E``, a sum of products and values; a product named by a
    continuously assigned signal is inlined as partial products."""
    cont = continuous_signals(ctx, mod.name)
    out: list[Term] = []
    notes: list[str] = []
    inlined: list[str] = []

    def walk(node: Any) -> None:
        n = strip_conversions(node)
        if n.kind == ast.ExpressionKind.BinaryOp and str(n.op).split(".")[-1] == "Add":
            walk(n.left)
            walk(n.right)
            return
        if n.kind == ast.ExpressionKind.NamedValue and n.symbol.name in cont:
            rhs = cont[n.symbol.name][0]
            if product_operands(rhs, lambda x: _opt_text(ctx, x)) is not None:
                notes.append(f"`{n.symbol.name}` ({ctx.cite(mod.signals[n.symbol.name].span)}: "
                             f"`{_norm(_text(ctx, strip_conversions(rhs)))}`) is folded into the tree as partial products")
                inlined.append(n.symbol.name)
                walk(rhs)
                return
        prod = product_operands(n, lambda x: _opt_text(ctx, x))
        if prod is not None:
            x, y, pw, signed = prod
            if signed and pw != width:
                raise Unsupported(f"the signed product `{_norm(_text(ctx, n))}` is {pw} bits wide and the "
                                  f"accumulator {width}: not covered")
            if not signed and pw < width and x.width + y.width > pw:
                raise Unsupported(f"the product `{_norm(_text(ctx, n))}` wraps at {pw} bits inside a "
                                  f"{width}-bit sum: not covered")
            out.append(Term(x, y))
            return
        vw = int(n.type.bitWidth)
        if n.type.isSigned and vw != width:
            raise Unsupported(f"the signed term `{_norm(_text(ctx, n))}` is {vw} bits wide: not covered")
        from chipchat.edit.arith import Operand

        out.append(Term(Operand(_text(ctx, n), vw, False)))

    walk(expr)
    return out, notes, inlined


def _opt_text(ctx: Context, expr: Any) -> str | None:
    loc = ctx.index.loc(expr)
    return ctx.index.text(loc) if loc is not None else None


@register("carry_save", "keep an accumulator (`acc <= acc + a * b`) in carry-save form so the loop has no "
          "carry chain; its value is resolved by an adder pipelined over N stages (all outputs N cycles later)",
          "use carry-save accumulation for acc", "carry-save the accumulator")
def carry_save(ctx: Context, register: str | None = None, stages: int = 2, module: str | None = None) -> Plan:
    mod = ctx.module(module)
    if mod.name != ctx.model.top:
        raise Unsupported(f"{mod.name} is not the top module: changing its outputs' latency would break its parent")
    if not 1 <= stages <= 8:
        raise Unsupported(f"{stages} resolution stages is out of range", ["use 1 to 8"])
    name = register or _find_accumulator(mod)
    if name not in mod.signals:
        raise Unsupported(f"there is no register {name!r} in {mod.name}")
    drivers = mod.drivers(name)
    blocks = {a.block for a in drivers}
    if len(blocks) != 1 or not mod.blocks[next(iter(blocks))].clock:
        raise Unsupported(f"`{name}` is not a register assigned in one clocked block")
    bi = next(iter(blocks))
    block = mod.blocks[bi]
    if block.reset and re.search(rf"edge\s+{re.escape(block.reset)}\b", block.header):
        raise Unsupported(f"the block at {ctx.cite(block.span)} has an asynchronous reset; not covered")
    others = [a for a in mod.loads(name) if a.target != name]
    if others or mod.instance_loads(name):
        where = ", ".join(ctx.cite(a.span) for a in others) or "an instance"
        raise Unsupported(f"`{name}` is also read elsewhere ({where}); in carry-save form its value only exists "
                          "after the resolving adder, so those readers would change")
    if not (mod.port(name) and mod.port(name).direction == "output"):  # type: ignore[union-attr]
        raise Unsupported(f"`{name}` is not an output of {mod.name}; carry-save covers an accumulator that is an output")
    pb = _procedural_syntax(ctx, mod.name).get(block.span.line)
    if pb is None:
        raise Unsupported(f"the block at {ctx.cite(block.span)} could not be located")
    width = mod.signals[name].width
    decisions, assigns = _decisions(ctx, mod, pb, name)
    terms_text = {d.term for d in decisions if d.term}
    if len(terms_text) != 1:
        raise Unsupported(f"`{name}` accumulates {'no term' if not terms_text else 'different terms'} "
                          f"({', '.join(sorted(terms_text)) or 'only holds and clears'}); carry-save needs one")
    expr = next(d.expr for d in decisions if d.term)
    terms, notes, inlined = terms_of(ctx, mod, expr, width)
    _, event = clock_of(ctx, mod, {bi})
    # the added registers are not reset: the values in flight at a reset are the original's outputs
    # before that reset, which must still come out (the edited design is the original, later)
    plan = _plan(ctx, mod, pb, bi, name, width, stages, terms, notes, assigns, event, None)
    for sig in inlined:
        readers = {a.target for a in mod.loads(sig)}
        if readers <= {name} and not mod.instance_loads(sig) and not mod.port(sig):
            plan.edits += remove_declaration(ctx, continuous_signals(ctx, mod.name)[sig][1])
            plan.notes.insert(2, f"`{sig}` has no other reader, so its declaration goes")
    return plan


def _find_accumulator(mod: Module) -> str:
    hits = sorted({a.target for a in mod.assignments if a.target in a.reads and mod.blocks[a.block].clock
                   and re.search(rf"\b{re.escape(a.target)}\b\s*\+|\+\s*\b{re.escape(a.target)}\b", a.value)})
    if len(hits) != 1:
        raise Unsupported("say which accumulator" if hits else f"no register of {mod.name} adds to itself "
                          "(an accumulator `acc <= acc + x`)", [f"accumulators: {', '.join(hits)}"] if hits else [])
    return hits[0]


def _decisions(ctx: Context, mod: Module, pb: Any, name: str) -> tuple[list[Decision], dict[int, Decision]]:
    """The decision of every assignment to ``name`` in the block, keyed by the statement's offset."""
    out: dict[int, Decision] = {}
    sym = next(s for s in ctx.index.members(mod.name) if s.kind == ast.SymbolKind.ProceduralBlock
               and s.syntax is pb)

    def visit(node: Any) -> Any:
        if getattr(node, "kind", None) == ast.ExpressionKind.Assignment:
            left = node.left
            if left.kind == ast.ExpressionKind.NamedValue and left.symbol.name == name:
                stmt = node.syntax.parent
                where = ctx.cite(ctx.index.loc(stmt) and _span(ctx, stmt))  # type: ignore[arg-type]
                if not node.isNonBlocking:
                    raise Unsupported(f"{where}: `{name}` is assigned with `=`; carry-save covers `<=`")
                out[stmt.sourceRange.start.offset] = classify(ctx, node.right, name, where)
            elif _reads(left, name):
                raise Unsupported(f"part of `{name}` is assigned on its own; carry-save covers whole-register writes")
            elif not node.isNonBlocking:
                raise Unsupported(f"the block at {ctx.cite(mod.blocks[0].span)} uses blocking assignments; "
                                  "their order matters to the decisions, which carry-save copies")
        return ast.VisitAction.Advance

    sym.body.visit(visit)
    return list(out.values()), out


def _span(ctx: Context, node: Any) -> Any:
    from chipchat.edit.context import span_of

    return span_of(ctx, statement_loc(ctx, node))


def _plan(ctx: Context, mod: Module, pb: Any, bi: int, name: str, width: int, stages: int, terms: list[Term],
          notes: list[str], assigns: dict[int, Decision], event: str, reset: str | None) -> Plan:
    loc = statement_loc(ctx, pb)
    data = ctx.index.data[loc.file]
    ind = indent_of(data, loc.start)
    n = {k: ctx.unique(mod, f"{name}_{k}") for k in ("s", "c", "keep", "add", "next", "csa")}
    inputs: list[tuple[str, int]] = [("s", width), ("c", width)]
    rows = ["s", "c"]
    args = [f"{n['keep']} ? {n['s']} : {width}'d0", f"{n['keep']} ? {n['c']} : {width}'d0"]
    for i, t in enumerate(terms):
        if t.y is not None:
            inputs += [(f"x{i}", t.x.width), (f"y{i}", t.y.width)]
            rows += product_rows(f"x{i}", t.x.width, f"y{i}", t.y.width, width, t.x.signed and t.y.signed)
            args += [t.x.text, f"{n['add']} ? {t.y.text} : {t.y.width}'d0"]
        else:
            inputs.append((f"v{i}", t.x.width))
            rows.append(f"v{i}" if t.x.width == width else f"{{{{{width - t.x.width}{{1'b0}}}}, v{i}}}")
            args.append(f"{n['add']} ? {t.x.text} : {t.x.width}'d0")
    fn = csa_function(n["csa"], width, inputs, rows, ind, f"`{name}` + the new term in carry-save form")
    control = control_copy(ctx, pb, name, assigns, n["keep"], n["add"], ind)
    call = f"{n['csa']}({', '.join(args)})"
    adder_names = {f"{k}{j}": ctx.unique(mod, f"{name}_{k}{j}") for j in range(stages) for k in ("lo", "low", "s", "c")}
    text = "\n".join([
        "",
        f"{ind}// Carry-save accumulation (chipchat): `{name}` is kept as two vectors, {n['s']} + {n['c']}, so the",
        f"{ind}// accumulator loop has no carry chain; the sum is resolved by an adder pipelined over {stages} "
        f"stage(s),",
        f"{ind}// so `{name}` — and every other output, to stay in step — arrives {stages} clock cycle(s) later.",
        fn.text.rstrip("\n"),
        f"{ind}reg [{width - 1}:0] {n['s']}, {n['c']};  // {name} = {n['s']} + {n['c']} (mod 2**{width})",
        f"{ind}reg {n['keep']}, {n['add']};  // this cycle: keep the old sum? add the new term?",
        f"{ind}wire [{2 * width - 1}:0] {n['next']} = {call};",
        control.rstrip("\n"),
        f"{ind}always {event} begin",
        f"{ind}    {n['s']} <= {n['next']}[{width - 1}:0];",
        f"{ind}    {n['c']} <= {n['next']}[{2 * width - 1}:{width}];",
        f"{ind}end",
        pipelined_adder(name, n["s"], n["c"], width, stages, event, ind, adder_names, reset=reset).rstrip("\n"),
    ]) + "\n"
    edits = prune_edits(ctx, pb, assigns)
    edits.append(Edit(loc.file, line_end(data, loc.end), line_end(data, loc.end), text))
    deleted = [ByteRange(e.file, e.start, e.end) for e in edits if e.start < e.end]
    others = [p.name for p in mod.ports if p.direction == "output" and p.name != name]
    delay_edits, delay_notes = delay_outputs(ctx, mod, others, stages, skip=deleted, event=event, reset=reset)
    edits += delay_edits
    rows_n = fn.rows
    notes = [f"`{name}` ({ctx.cite(mod.signals[name].span)}) is kept in carry-save form: each cycle {rows_n} rows "
             f"are reduced by {fn.levels} level(s) of 3:2 compressors instead of a {width}-bit carry chain", *notes,
             f"the decisions of the block at {ctx.cite(mod.blocks[bi].span)} "
             f"about `{name}` are copied into `{n['keep']}`/`{n['add']}`; its other statements stay as they were",
             f"the value of `{name}` is resolved by a {width}-bit adder split over {stages} stage(s) "
             f"({'one chunk' if stages == 1 else 'chunks'} of ≤{-(-width // stages)} bits per cycle)", *delay_notes,
             f"latency: every output arrives {stages} clock cycle(s) later; the accumulated values are the same"]
    latency = {p.name: stages for p in mod.ports if p.direction == "output"}
    return Plan("carry_save", f"Carry-save accumulation of `{name}` in {mod.name}", edits, notes, latency=latency,
                compare=LAGGED, citations=[ctx.citation(mod.signals[name].span, name)])
