"""The instantiation tree of a design, bounded: at most MAX_TREE_ROWS rows, and how many instances it has.

A binary tree of modules 20 levels deep has two million instances: they are counted (per
module and depth, once), not listed, and the listing walks iterators, so every row costs
constant time however wide or deep the tree is.
"""

from __future__ import annotations

from typing import Any

from chipchat.answer import Answer
from chipchat.design import Design
from chipchat.qa.structure import find_module
from chipchat.rtl.load import load_model
from chipchat.rtl.model import DesignModel
from chipchat.types import Span

MAX_TREE_ROWS = 2000  # a tree bigger than this is shown in part, with its counts
MAX_TREE_DEPTH = 32


def hierarchy(design: Design, module: str | None = None) -> Answer:
    """The instance tree from the top (or ``module``): every instance with its module and ``file:line``,
    instances in generate branches the parameters switch off marked with their condition, black boxes
    marked, and the modules of the sources that are not under the top. At most MAX_TREE_ROWS rows.

    Args:
        module: start from this module instead of the top.
    """
    model = load_model(design)
    start = find_module(model, module)
    ans = Answer(text="", kind="structure", data={"top": start.name, "tree": [], "parameters": model.parameters})
    over = f" with {', '.join(f'{k}={v}' for k, v in model.parameters.items())}" \
        if model.parameters and start.name == model.top else ""
    lines = [f"Instantiation tree of `{start.name}`{over}:"]
    rows, total = _tree(model, start.name, MAX_TREE_ROWS)
    for depth, inst, span in rows:
        cite = ans.cite(span, design.root) if span else "?"
        if inst is None:
            label, name, mod_name, active = f"`{start.name}`", start.name, start.name, True
        else:
            name, mod_name, active = inst.name, inst.module, inst.active
            label = f"`{name}` : {mod_name}"
            if not active:
                label += f" — not instantiated: its generate branch is off (`{inst.condition}` is false)" \
                    if inst.condition else " — not instantiated with these parameters"
            elif mod_name not in model.modules:
                label += " — black box (not in the sources)"
        lines.append(f"{'  ' * depth}- {label} ({cite})")
        ans.data["tree"].append({"depth": depth, "instance": name, "module": mod_name, "active": active})
    if total > len(rows):
        lines.append(f"… and {total - len(rows):,} more instance(s): the tree has {total:,} in all "
                     f"(the first {len(rows):,} are listed)")
        ans.data["instances"] = total
        ans.data["truncated"] = True
    if module is None:
        reached = _reachable(model)
        unused = [n for n in model.modules if n not in reached]
        if unused:
            lines.append("Modules not under the top (each elaborated alone with its default parameters): "
                         + ", ".join(f"`{u}`" for u in unused[:60]) + (" …" if len(unused) > 60 else ""))
    ans.text = "\n".join(lines)
    return ans


def _tree(model: DesignModel, top: str, limit: int) -> tuple[list[tuple[int, Any, Span | None]], int]:
    """The first ``limit`` rows of the instance tree below ``top`` (depth-first, in order; ``None`` is the
    top's own row) and how many rows it has.

    Instances are counted per (module, depth), never walked one by one, and the listing walks
    iterators, so each row costs constant time however wide or deep the tree is. Instances in
    switched-off generate branches are rows, but nothing below them is.
    """
    if top not in model.modules:
        return [], 0
    sizes: dict[tuple[str, int], int] = {}

    def size(name: str, depth: int) -> int:  # rows below an instance of ``name`` at ``depth``
        if depth >= MAX_TREE_DEPTH or name not in model.modules:
            return 0
        key = (name, depth)
        if key not in sizes:
            sizes[key] = 0  # a module that instantiates itself counts once
            sizes[key] = sum(1 + (size(i.module, depth + 1) if i.active else 0)
                             for i in model.modules[name].instances)
        return sizes[key]

    total = 1 + size(top, 0)
    rows: list[tuple[int, Any, Span | None]] = [(0, None, model.modules[top].span)]
    stack: list[tuple[int, Any]] = [(1, iter(model.modules[top].instances))]
    while stack and len(rows) < limit:
        depth, children = stack[-1]
        inst = next(children, None)
        if inst is None:
            stack.pop()
            continue
        rows.append((depth, inst, inst.span))
        if inst.active and inst.module in model.modules and depth < MAX_TREE_DEPTH:
            stack.append((depth + 1, iter(model.modules[inst.module].instances)))
    return rows, total


def _reachable(model: DesignModel) -> set[str]:
    """Modules instantiated (at any depth) under the top, and the top."""
    seen: set[str] = set()
    todo = [model.top] if model.top in model.modules else []
    while todo:
        name = todo.pop()
        if name in seen or name not in model.modules:
            continue
        seen.add(name)
        todo.extend(i.module for i in model.modules[name].instances if i.active)
    return seen
