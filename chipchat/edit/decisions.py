"""The original block's decisions about one register, copied out; and its assignments to it removed.

Carry-save accumulation keeps the register's value elsewhere, but *whether* the old sum is kept
and the new term added each cycle is still decided by the original block's if/case structure.
:func:`control_copy` writes an ``always @*`` block with the same structure whose assignments
say so (``acc_keep`` / ``acc_add``); :func:`prune_edits` deletes the assignments to the register
from the clocked block, and any if/case or begin/end that becomes empty with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyslang import syntax

from chipchat.edit.context import Context, Unsupported, statement_loc
from chipchat.edit.source import line_end, line_start
from chipchat.types import Edit

SK = syntax.SyntaxKind
ONE, ZERO = "1'b1", "1'b0"


@dataclass
class Decision:
    """What one right-hand side does with the accumulator: keep the old sum? add the term?"""

    keep: str
    add: str
    term: str | None  # normalized text of E (None: no term)
    expr: Any = None  # the AST expression of E


def _norm(text: str) -> str:
    return " ".join(text.split())


def _assigns_target(node: Any, offsets: dict[int, Decision]) -> Decision | None:
    if node.kind == SK.ExpressionStatement:
        return offsets.get(node.sourceRange.start.offset)
    return None


def _contains(node: Any, offsets: dict[int, Decision]) -> bool:
    rng = node.sourceRange
    return any(rng.start.offset <= o < rng.end.offset for o in offsets)


def _body_of(pb: Any) -> Any:
    stmt = pb.statement
    return stmt.statement if stmt.kind == SK.TimingControlStatement else stmt


def control_copy(ctx: Context, pb: Any, name: str, offsets: dict[int, Decision], keep: str, add: str,
                  ind: str) -> str:
    """An ``always @*`` block with the original block's if/case structure, setting keep/add."""

    def copy(node: Any, depth: int, lead: str = "") -> list[str]:
        """``node`` as lines at ``depth``; ``lead`` (``if (x) ``, ``else ``) opens its first line."""
        pad = ind + "    " * depth
        d = _assigns_target(node, offsets)
        if d is not None:
            text = f"{keep} = {d.keep}; {add} = {d.add};  // {_norm(str(node))}"
            return [f"{pad}{lead}begin", f"{pad}    {text}", f"{pad}end"] if lead else [f"{pad}{text}"]
        if not _contains(node, offsets):
            return [f"{pad}{lead};"] if lead else []
        if node.kind == SK.SequentialBlockStatement:
            inner = [ln for item in node.items for ln in copy(item, depth + 1)]
            return [f"{pad}{lead}begin", *inner, f"{pad}end"]
        if node.kind == SK.ConditionalStatement:
            out = copy(node.statement, depth, f"{lead}if ({_norm(str(node.predicate))}) ")
            if node.elseClause is not None and _contains(node.elseClause.clause, offsets):
                rest = copy(node.elseClause.clause, depth, "else ")
                out = out[:-1] + [out[-1] + " " + rest[0].strip(), *rest[1:]] if out[-1].strip() == "end" \
                    else out + rest
            return out
        if node.kind == SK.CaseStatement:
            out = [f"{pad}{str(node.caseKeyword).strip()} ({_norm(str(node.expr))})"]
            for item in node.items:
                label = "default" if item.kind == SK.DefaultCaseItem else \
                    ", ".join(_norm(str(x)) for x in item.expressions if str(x).strip() not in ("", ","))
                out += copy(item.clause, depth + 1, f"{label}: ")
            out.append(f"{pad}endcase")
            return out if not lead else [f"{pad}{lead}begin", *[f"    {ln}" for ln in out], f"{pad}end"]
        raise Unsupported(f"`{name}` is assigned inside a `{_norm(str(node))[:40]}…` statement; carry-save copies "
                          "if/case decisions only")

    body = _body_of(pb)
    items = list(body.items) if body.kind == SK.SequentialBlockStatement and body.blockName is None else [body]
    lines = [ln for item in items for ln in copy(item, 1)]
    return "\n".join([f"{ind}always @* begin  // what the clocked block decides about `{name}`, each cycle",
                      f"{ind}    {keep} = {ONE}; {add} = {ZERO};  // no assignment: the value holds",
                      *lines, f"{ind}end"]) + "\n"


def prune_edits(ctx: Context, pb: Any, offsets: dict[int, Decision]) -> list[Edit]:
    """Edits removing every assignment to the accumulator from the original block, and what they empty."""
    edits: list[Edit] = []

    def empty(node: Any) -> bool:
        if _assigns_target(node, offsets) is not None:
            return True
        if not _contains(node, offsets):
            return node.kind == SK.EmptyStatement
        if node.kind == SK.SequentialBlockStatement:
            return node.blockName is None and all(empty(i) for i in node.items)
        if node.kind == SK.ConditionalStatement:
            return empty(node.statement) and (node.elseClause is None or empty(node.elseClause.clause))
        if node.kind == SK.CaseStatement:
            return all(empty(i.clause) for i in node.items)
        return False

    def delete_lines(node: Any) -> None:
        loc = statement_loc(ctx, node)
        data = ctx.index.data[loc.file]
        start, end = line_start(data, loc.start), line_end(data, loc.end)
        if data[start:loc.start].strip() or data[loc.end:end].strip():
            edits.append(Edit(loc.file, loc.start, loc.end, ""))
        else:
            edits.append(Edit(loc.file, start, end, ""))

    def prune(node: Any) -> None:
        if not _contains(node, offsets):
            return
        if node.kind == SK.SequentialBlockStatement:
            for item in node.items:
                if empty(item):
                    if _contains(item, offsets):
                        delete_lines(item)
                else:
                    prune(item)
        elif node.kind == SK.ConditionalStatement:
            branch = node.statement
            if empty(branch) and branch.kind != SK.SequentialBlockStatement:
                loc = statement_loc(ctx, branch)
                edits.append(Edit(loc.file, loc.start, loc.end, "begin end"))
            else:
                prune(branch)
            if node.elseClause is not None:
                clause = node.elseClause.clause
                if empty(clause):
                    start = statement_loc(ctx, node.statement).end
                    end = statement_loc(ctx, clause).end
                    edits.append(Edit(statement_loc(ctx, clause).file, start, end, ""))
                else:
                    prune(clause)
        elif node.kind == SK.CaseStatement:
            for item in node.items:
                if empty(item.clause) and _contains(item.clause, offsets):
                    loc = statement_loc(ctx, item.clause)
                    edits.append(Edit(loc.file, loc.start, loc.end, ";"))
                else:
                    prune(item.clause)

    body = _body_of(pb)
    if empty(body):
        delete_lines(pb)
    else:
        prune(body)
    return edits
