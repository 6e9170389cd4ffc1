"""Read a module's decoders and state sets off its source: case arms, enum states, the priority chain.

Verilog and SystemVerilog through pyslang (:mod:`chipchat.rtl.frontend`); Amaranth through
Python's ``ast`` — the design's Python is parsed, never run. Used by
:mod:`chipchat.qa.features`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from chipchat.types import Span


@dataclass
class Arm:
    labels: list[str]
    values: list[str]
    span: Span
    does: str
    comment: str = ""


@dataclass
class Decoder:
    """A case statement (or an Amaranth Switch): what it selects on and its arms."""

    module: str
    selector: str
    span: Span
    arms: list[Arm] = field(default_factory=list)
    default: bool = False


@dataclass
class StateSet:
    """An enum type (the states of an FSM): members with values and comments."""

    name: str
    span: Span
    members: list[tuple[str, str, str, Span]] = field(default_factory=list)  # name, value, comment, span


def verilog_decoders(file: Path, module: str) -> tuple[list[Decoder], list[StateSet], list[tuple[str, Span]]]:
    import pyslang

    from chipchat.rtl.frontend import parse_text

    text = file.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines()
    tree, sm = parse_text(text, file.name, str(file))
    kind = pyslang.syntax.SyntaxKind
    values = _constants(tree, sm, kind, lines)
    decoders: list[Decoder] = []
    states: list[StateSet] = []
    chains: list[list[tuple[str, Span]]] = []

    def line_of(node: object) -> int:
        return int(sm.getLineNumber(node.sourceRange.start))  # type: ignore[attr-defined]

    def visit(node: object) -> bool:
        k = node.kind  # type: ignore[attr-defined]
        if k == kind.CaseStatement:
            x = Decoder(module, str(node.expr).strip(), Span(str(file), line_of(node)))  # type: ignore[attr-defined]
            for item in node.items:  # type: ignore[attr-defined]
                if item.kind == kind.DefaultCaseItem:
                    x.default = True
                    continue
                labels = [str(e).strip() for e in item.expressions if str(e).strip() not in (",", "")]
                end = int(sm.getLineNumber(item.sourceRange.end))
                x.arms.append(Arm(labels, [values.get(lb, lb if re.match(r"^\d", lb) else "") for lb in labels],
                                  Span(str(file), line_of(item), end), _one_line(str(item.clause)),
                                  _comment(lines, line_of(item))))
            decoders.append(x)
        elif k == kind.EnumType:
            s = StateSet(_enum_name(lines, line_of(node)), Span(str(file), line_of(node)))
            for m in node.members:  # type: ignore[attr-defined]
                if getattr(m, "kind", None) == kind.Declarator:
                    ln = line_of(m)
                    value = str(m.initializer.expr).strip() if m.initializer else str(len(s.members))
                    s.members.append((m.name.valueText, value, _comment(lines, ln), Span(str(file), ln)))
            states.append(s)
        elif k in (kind.AlwaysBlock, kind.AlwaysFFBlock):
            chain = _priority_chain(node, kind, line_of, file)
            if chain:
                chains.append(chain)
        return True

    tree.root.visit(visit)
    return decoders, states, max(chains, key=len, default=[])


def _priority_chain(block: object, kind: object, line_of: object, file: Path) -> list[tuple[str, Span]]:
    """The if / else-if chain of a clocked block, after its reset branch: the modes in priority order."""
    stmt = getattr(block, "statement", None)
    stmt = getattr(stmt, "statement", stmt)  # past @(posedge clk)
    found: list[tuple[str, Span]] = []

    def walk(node: object, depth: int) -> None:
        if node is None or depth > 6:
            return
        k = node.kind  # type: ignore[attr-defined]
        if k == kind.SequentialBlockStatement:  # type: ignore[attr-defined]
            for item in node.items:  # type: ignore[attr-defined]
                walk(item, depth + 1)
        elif k == kind.ConditionalStatement:  # type: ignore[attr-defined]
            cond = _one_line(str(node.predicate))  # type: ignore[attr-defined]
            if not re.fullmatch(r"!?\s*(rst|reset|rst_n|resetn|arst|srst)\w*", cond):
                found.append((cond, Span(str(file), line_of(node))))  # type: ignore[operator]
                walk(node.statement, depth + 1)  # type: ignore[attr-defined]
            else:
                found.clear()
            clause = node.elseClause  # type: ignore[attr-defined]
            if clause is not None:
                walk(clause.clause, depth + 1)

    walk(stmt, 0)
    return found


def _constants(tree: object, sm: object, kind: object, lines: list[str]) -> dict[str, str]:
    """Values of localparams/parameters and enum members, by name."""
    out: dict[str, str] = {}
    text = "\n".join(lines)
    for m in re.finditer(r"\b(\w+)\s*=\s*([0-9]+'[sS]?[bBoOdDhH][0-9a-fA-F_xXzZ]+|\d+)\s*[,;)}]?", text):
        out.setdefault(m.group(1), decimal(m.group(2)))
    return out


def decimal(lit: str) -> str:
    m = re.fullmatch(r"\d+'[sS]?([bBoOdDhH])([0-9a-fA-F_]+)", lit)
    if not m:
        return lit
    base = {"b": 2, "o": 8, "d": 10, "h": 16}[m.group(1).lower()]
    return str(int(m.group(2).replace("_", ""), base))


def _enum_name(lines: list[str], line: int) -> str:
    for ln in lines[line - 1:line + 30]:
        m = re.search(r"}\s*(\w+)\s*;", ln)
        if m:
            return m.group(1)
    return "enum"


def _comment(lines: list[str], line: int) -> str:
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return text.split("//", 1)[1].strip() if "//" in text else ""


def _one_line(text: str) -> str:
    text = re.sub(r"//[^\n]*", "", text)
    text = " ".join(text.split())
    return text if len(text) <= 90 else text[:87] + "..."


def amaranth_decoders(file: Path, module: str) -> tuple[list[Decoder], list[StateSet]]:
    source = file.read_text(encoding="utf-8", errors="replace")
    tree = ast.parse(source, filename=str(file))
    lines = source.splitlines()
    enums: dict[str, StateSet] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any("Enum" in ast.unparse(b) for b in node.bases):
            s = StateSet(node.name, Span(str(file), node.lineno))
            for st in node.body:
                if isinstance(st, ast.Assign) and isinstance(st.targets[0], ast.Name):
                    s.members.append((st.targets[0].id, ast.unparse(st.value), _py_comment(lines, st.lineno),
                                      Span(str(file), st.lineno)))
            enums[node.name] = s
    values = {f"{e}.{n}": v for e, s in enums.items() for n, v, _, _ in s.members}
    decoders: list[Decoder] = []
    fsm_states: list[StateSet] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.With):
            continue
        call = node.items[0].context_expr
        if not isinstance(call, ast.Call):
            continue
        fn = ast.unparse(call.func)
        if fn.endswith(".Switch"):
            sel = ast.unparse(call.args[0]).removeprefix("self.") if call.args else "?"
            x = Decoder(module, sel, Span(str(file), node.lineno))
            for arm in node.body:
                if isinstance(arm, ast.With) and isinstance(arm.items[0].context_expr, ast.Call):
                    c = arm.items[0].context_expr
                    kind = ast.unparse(c.func)
                    if kind.endswith(".Default"):
                        x.default = True
                        continue
                    labels = [ast.unparse(a) for a in c.args]
                    body = "; ".join(lines[st.lineno - 1].strip() for st in arm.body if hasattr(st, "lineno"))
                    x.arms.append(Arm([lb.rsplit(".", 1)[-1] for lb in labels], [values.get(lb, lb) for lb in labels],
                                      Span(str(file), arm.lineno, arm.end_lineno or arm.lineno), _one_line(body),
                                      _py_comment(lines, arm.lineno)))
            decoders.append(x)
        elif fn.endswith(".FSM"):
            s = StateSet("FSM", Span(str(file), node.lineno))
            for sub in ast.walk(node):
                if isinstance(sub, ast.With) and isinstance(sub.items[0].context_expr, ast.Call) and \
                        ast.unparse(sub.items[0].context_expr.func).endswith(".State"):
                    args = sub.items[0].context_expr.args
                    s.members.append((ast.unparse(args[0]).strip("'\"") if args else "?", str(len(s.members)), "",
                                      Span(str(file), sub.lineno)))
            fsm_states.append(s)
    used = {lb for x in decoders for a in x.arms for lb in a.labels}
    return decoders, fsm_states + [s for s in enums.values() if not {m[0] for m in s.members} <= used]


def _py_comment(lines: list[str], line: int) -> str:
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return text.split("#", 1)[1].strip() if "#" in text else ""
