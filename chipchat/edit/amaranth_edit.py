"""Edits of Amaranth designs, located with Python's ``ast`` (never with regular expressions).

Covered: rename a signal (a local ``x = Signal(...)`` of ``elaborate``, or a component port
with every ``self.x``), change a constant or a width (``Signal(8)``, ``In(8)``, ``WIDTH = 8``),
and register an output (``m.d.comb += self.x.eq(...)`` → ``m.d.sync``). The edited design is
re-elaborated and checked like Verilog (see :mod:`chipchat.edit.check`).
"""

from __future__ import annotations

import ast
import io
import keyword
import re
import tokenize
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chipchat.design import Design
from chipchat.edit.context import EXACT, LAGGED, NONE, Plan, Unsupported
from chipchat.edit.source import line_end
from chipchat.types import Citation, Edit

SIGNAL_CALLS = {"Signal", "Signal.like"}


@dataclass
class PyContext:
    design: Design
    file: Path
    data: bytes
    tree: ast.Module

    @classmethod
    def load(cls, design: Design) -> PyContext:
        assert design.amaranth is not None
        path = design.amaranth.file.resolve()
        data = path.read_bytes()
        try:
            tree = ast.parse(data, filename=str(path))
        except SyntaxError as exc:
            raise Unsupported(f"{design.relpath(path)}:{exc.lineno}: the Python source does not parse: {exc.msg}") \
                from None
        return cls(design, path, data, tree)

    def offset(self, line: int, col: int) -> int:
        """Byte offset of (1-based line, byte column) — ast columns are UTF-8 byte offsets."""
        if not hasattr(self, "_starts"):
            self._starts = [0] + [i + 1 for i, b in enumerate(self.data) if b == 0x0A]
        return self._starts[line - 1] + col

    def span(self, node: Any) -> tuple[int, int]:
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)

    def edit(self, node: Any, text: str) -> Edit:
        start, end = self.span(node)
        return Edit(str(self.file), start, end, text)

    def cite(self, node: Any) -> str:
        return f"{self.design.relpath(self.file)}:{node.lineno}"

    def citation(self, node: Any, label: str) -> Citation:
        return Citation(self.design.relpath(self.file), node.lineno, 0, label=label)

    def component(self) -> ast.ClassDef:
        assert self.design.amaranth is not None
        name = self.design.amaranth.elaboratable
        cls = next((n for n in ast.walk(self.tree) if isinstance(n, ast.ClassDef) and n.name == name), None)
        if cls is None:
            raise Unsupported(f"class {name} is not defined in {self.design.relpath(self.file)}")
        return cls

    def ports(self) -> dict[str, ast.AnnAssign]:
        return {n.target.id: n for n in self.component().body
                if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}

    def locals(self) -> dict[str, tuple[ast.FunctionDef, ast.Assign]]:
        """Signals assigned in the component's methods: ``name = Signal(...)``."""
        out: dict[str, tuple[ast.FunctionDef, ast.Assign]] = {}
        for fn in (n for n in self.component().body if isinstance(n, ast.FunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                        and isinstance(node.value, ast.Call) and ast.unparse(node.value.func) in SIGNAL_CALLS:
                    out.setdefault(node.targets[0].id, (fn, node))
        return out

    def names(self) -> list[str]:
        return sorted(set(self.ports()) | set(self.locals()))


def self_attrs(cls: ast.ClassDef, name: str) -> list[ast.Attribute]:
    return [n for n in ast.walk(cls) if isinstance(n, ast.Attribute) and n.attr == name
            and isinstance(n.value, ast.Name) and n.value.id == "self"]


def attr_name_edit(ctx: PyContext, node: ast.Attribute, text: str) -> Edit:
    """Replace only the attribute name of ``self.<name>``."""
    _, end = ctx.span(node)
    return Edit(str(ctx.file), end - len(node.attr.encode()), end, text)


def comment_edits(ctx: PyContext, node: Any, old: str, new: str) -> list[Edit]:
    out: list[Edit] = []
    word = re.compile(r"\b" + re.escape(old) + r"\b")
    for tok in tokenize.tokenize(io.BytesIO(ctx.data).readline):
        if tok.type == tokenize.COMMENT and node.lineno <= tok.start[0] <= node.end_lineno:
            col = len(tok.line[: tok.start[1]].encode())
            base = ctx.offset(tok.start[0], col)
            for m in word.finditer(tok.string):
                start = base + len(tok.string[: m.start()].encode())
                out.append(Edit(str(ctx.file), start, start + len(old.encode()), new))
    return out


def rename(ctx: PyContext, old: str, new: str, module: str | None = None, comments: bool = False) -> Plan:
    if not new.isidentifier() or keyword.iskeyword(new):
        raise Unsupported(f"{new!r} is not a valid Python identifier", ["use letters, digits and `_`"])
    cls = ctx.component()
    ports, local = ctx.ports(), ctx.locals()
    if old in ports:
        if new in ports or self_attrs(cls, new):
            raise Unsupported(f"`{new}` is already an attribute of {cls.name}")
        edits = [ctx.edit(ports[old].target, new)] + [attr_name_edit(ctx, a, new) for a in self_attrs(cls, old)]
        notes = [f"port `{old}` of {cls.name} ({ctx.cite(ports[old])}) → `{new}`: the annotation and "
                 f"{len(edits) - 1} `self.{old}` use(s)",
                 f"`{old}` is a port: testbenches that use it by name must change too (the tests below show which)"]
        scope: Any = cls
        port_map = {old: new}
    elif old in local:
        fn, decl = local[old]
        if any(isinstance(n, ast.Name) and n.id == new for n in ast.walk(fn)):
            raise Unsupported(f"`{new}` is already used in {fn.name}() ({ctx.cite(fn)})")
        uses = [n for n in ast.walk(fn) if isinstance(n, ast.Name) and n.id == old]
        edits = [ctx.edit(n, new) for n in uses]
        notes = [f"signal `{old}` ({ctx.cite(decl)}) → `{new}` in {fn.name}(): {len(uses)} occurrence(s)"]
        scope, port_map = fn, {}
    else:
        raise Unsupported(f"there is no signal {old!r} in {cls.name}", [f"signals: {', '.join(ctx.names())}"])
    if comments:
        found = comment_edits(ctx, scope, old, new)
        edits += found
        notes.append(f"{len(found)} mention(s) in comments renamed as asked")
    return Plan("rename", f"Rename `{old}` to `{new}` in {cls.name}", edits, notes, compare=EXACT,
                port_map=port_map, citations=[ctx.citation(ports.get(old) or local[old][1], old)])


def shape_arg(call: Any) -> ast.Constant | None:
    if isinstance(call, ast.Call) and call.args and isinstance(call.args[0], ast.Constant) \
            and isinstance(call.args[0].value, int):
        return call.args[0]
    return None


def set_width(ctx: PyContext, name: str, width: int, module: str | None = None) -> Plan:
    ports, local = ctx.ports(), ctx.locals()
    if name in ports:
        node: Any = ports[name]
        call = node.annotation
    elif name in local:
        node = local[name][1]
        call = node.value
    else:
        raise Unsupported(f"there is no signal {name!r}", [f"signals: {', '.join(ctx.names())}"])
    arg = shape_arg(call)
    if arg is None:
        raise Unsupported(f"the shape of `{name}` ({ctx.cite(node)}: `{ast.unparse(call)}`) is not an integer "
                          "width; change the shape it names instead")
    if arg.value == width:
        raise Unsupported(f"`{name}` is already {width} bit(s) wide ({ctx.cite(node)})")
    return Plan("set_width", f"Make `{name}` {width} bit(s) wide", [ctx.edit(arg, str(width))],
                [f"`{name}` ({ctx.cite(node)}): `{ast.unparse(call)}` → width {width} (was {arg.value!r})"],
                compare=NONE, citations=[ctx.citation(node, name)])


def set_parameter(ctx: PyContext, name: str, value: str, module: str | None = None) -> Plan:
    try:
        ast.parse(value, mode="eval")
    except SyntaxError:
        raise Unsupported(f"{value!r} is not a Python expression") from None
    cls = ctx.component()
    found: list[tuple[Any, Any]] = []
    scopes: list[Any] = [ctx.tree, *(n for n in ctx.tree.body if isinstance(n, ast.ClassDef))]
    for scope in scopes:
        for n in scope.body:
            if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name) \
                    and n.targets[0].id == name:
                found.append((n, n.value))
    for fn in (n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"):
        params = fn.args.args[len(fn.args.args) - len(fn.args.defaults):]
        found += [(fn, d) for p, d in zip(params, fn.args.defaults, strict=True) if p.arg == name]
    if not found:
        consts = [n.targets[0].id for s in scopes for n in s.body if isinstance(n, ast.Assign)
                  and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)]
        width = [f"to change a width: 'set the width of {w} to N'" for w in ctx.names()[:1]]
        raise Unsupported(f"there is no constant or parameter {name!r} in {ctx.design.relpath(ctx.file)}",
                          [f"constants: {', '.join(consts) or 'none'}", *width])
    node, expr = found[0]
    return Plan("set_parameter", f"Set {name} to {value}", [ctx.edit(expr, value)],
                [f"`{name}` ({ctx.cite(node)}): `{ast.unparse(expr)}` → `{value}`"], compare=NONE,
                citations=[ctx.citation(node, name)])


def _domain(stmt: ast.AugAssign) -> str | None:
    t = stmt.target
    if isinstance(stmt.op, ast.Add) and isinstance(t, ast.Attribute) and isinstance(t.value, ast.Attribute) \
            and t.value.attr == "d":
        return t.attr
    return None


def _eq_target(call: Any) -> str | None:
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "eq":
        target = call.func.value
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
            return target.attr
        if isinstance(target, ast.Name):
            return target.id
    return None


def register_output(ctx: PyContext, name: str | None = None, module: str | None = None) -> Plan:
    cls = ctx.component()
    outputs = [p for p, n in ctx.ports().items() if isinstance(n.annotation, ast.Call)
               and ast.unparse(n.annotation.func) == "Out"]
    stmts = [(s, parent) for parent in ast.walk(cls) for s in getattr(parent, "body", [])
             if isinstance(s, ast.AugAssign) and _domain(s)]
    drives: dict[str, list[tuple[ast.AugAssign, Any, Any]]] = {}
    for s, parent in stmts:
        elems = s.value.elts if isinstance(s.value, ast.List | ast.Tuple) else [s.value]
        for e in elems:
            target = _eq_target(e)
            if target:
                drives.setdefault(target, []).append((s, parent, e))
    comb = [o for o in outputs if drives.get(o) and all(_domain(s) == "comb" for s, _, _ in drives[o])]
    if name is None:
        if len(comb) != 1:
            raise Unsupported("say which output to register", [f"combinational outputs: {', '.join(comb) or 'none'}"])
        name = comb[0]
    if name not in outputs:
        raise Unsupported(f"`{name}` is not an output port of {cls.name}", [f"outputs: {', '.join(outputs)}"])
    uses = drives.get(name, [])
    if not uses:
        raise Unsupported(f"nothing in {cls.name} assigns `self.{name}`")
    if any(_domain(s) != "comb" for s, _, _ in uses):
        s = next(s for s, _, _ in uses if _domain(s) != "comb")
        raise Unsupported(f"`{name}` is already driven in the `{_domain(s)}` domain ({ctx.cite(s)})",
                          [f"combinational outputs: {', '.join(comb) or 'none'}"])
    fn = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "elaborate"), None)
    nested = [s for s, parent, _ in uses if parent is not fn]
    if nested:
        raise Unsupported(f"`{name}` is assigned under a condition ({ctx.cite(nested[0])}); registering it needs "
                          "a separate next-value signal, which the offline edits do not cover")
    edits: list[Edit] = []
    for s, _, e in uses:
        if not isinstance(s.value, ast.List | ast.Tuple) or len(s.value.elts) == 1:
            _, end = ctx.span(s.target)
            edits.append(Edit(str(ctx.file), end - len(b"comb"), end, "sync"))
            continue
        elts = s.value.elts
        k = elts.index(e)
        a, b = (ctx.span(e)[0], ctx.span(elts[k + 1])[0]) if k + 1 < len(elts) else \
            (ctx.span(elts[k - 1])[1], ctx.span(e)[1])
        edits.append(Edit(str(ctx.file), a, b, ""))
        start, end = ctx.span(s)
        indent = " " * s.col_offset
        dom = ast.unparse(s.target).rsplit(".", 1)[0] + ".sync"
        edits.append(Edit(str(ctx.file), line_end(ctx.data, end), line_end(ctx.data, end),
                          f"{indent}{dom} += {ast.unparse(e)}\n"))
    return Plan("register_output", f"Register the output `{name}` of {cls.name}", edits,
                [f"`self.{name}` is now assigned in the `sync` domain ({', '.join(ctx.cite(s) for s, _, _ in uses)}): "
                 "a register, reset to its reset value by the domain's reset",
                 f"latency: `{name}` now arrives one clock cycle later; the other outputs keep their timing"],
                latency={name: 1}, compare=LAGGED, citations=[ctx.citation(uses[0][0], name)])


AMARANTH_EXAMPLES = {"rename": "rename carry_nxt to carry_next", "set_width": "set the width of result to 9",
                     "set_parameter": "set WIDTH to 16 (a constant or an __init__ default)",
                     "register_output": "register the output zero"}
AMARANTH_TRANSFORMS: dict[str, Callable[..., Plan]] = {
    "rename": rename, "set_width": set_width, "set_parameter": set_parameter, "register_output": register_output}


def run_amaranth(name: str, design: Design, args: dict[str, Any]) -> Plan | Unsupported:
    """Run Amaranth transformation ``name``; an inapplicable request comes back as :class:`Unsupported`."""
    if name not in AMARANTH_TRANSFORMS:
        return Unsupported(f"`{name}` is not covered for Amaranth designs offline",
                           [f"covered for Amaranth: {', '.join(sorted(AMARANTH_TRANSFORMS))}"])
    args = {k: v for k, v in args.items() if k in ("old", "new", "comments", "name", "width", "value", "module")}
    try:
        return AMARANTH_TRANSFORMS[name](PyContext.load(design), **args)
    except Unsupported as exc:
        return exc
