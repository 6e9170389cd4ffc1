"""The instantiation tree of a design, bounded: at most MAX_TREE_ROWS rows, and how many instances it has.

A binary tree of modules 20 levels deep has two million instances: they are counted (per
module and depth, once), not listed, and the listing walks iterators, so every row costs
constant time however wide or deep the tree is.
"""

from __future__ import annotations

from typing import Any

from chipchat.answer import Answer
from chipchat.design import Design
from chipchat.rtl.load import load_model
from chipchat.rtl.model import DesignModel
from chipchat.types import Span

MAX_TREE_ROWS = 2000  # a tree bigger than this is shown in part, with its counts
MAX_TREE_DEPTH = 32


def hierarchy(design: Design) -> Answer:
    """The instantiation tree of the top module: at most MAX_TREE_ROWS rows, and how many instances it has.

    Linear in the number of modules and instance statements: a binary tree 20 levels deep has a
    million instances, which are counted (per module, once), not listed.
    """
    model = load_model(design)
    ans = Answer(text="", kind="structure", data={"top": model.top, "tree": []})
    lines = [f"Instantiation tree of `{model.top}`:"]
    rows, total = _tree(model, MAX_TREE_ROWS)
    for depth, inst, mod, span in rows:
        cite = ans.cite(span, design.root) if span else "?"
        label = f"`{inst}`" if depth == 0 else f"`{inst}` : {mod}"
        lines.append(f"{'  ' * depth}- {label} ({cite})")
        ans.data["tree"].append({"depth": depth, "instance": inst, "module": mod})
    if total > len(rows):
        lines.append(f"… and {total - len(rows):,} more instance(s): the tree has {total:,} in all "
                     f"(the first {len(rows):,} are listed)")
        ans.data["instances"] = total
        ans.data["truncated"] = True
    reached = _reachable(model)
    unused = [n for n in model.modules if n not in reached]
    if unused:
        lines.append("Modules not under the top: " + ", ".join(f"`{u}`" for u in unused))
    ans.text = "\n".join(lines)
    return ans


def _tree(model: DesignModel, limit: int) -> tuple[list[tuple[int, str, str, Span | None]], int]:
    """The first ``limit`` rows of the instance tree (depth-first, in order) and how many rows it has.

    Instances are counted per (module, depth), never walked one by one, and the listing walks
    iterators, so each row costs constant time however wide or deep the tree is.
    """
    top = model.top
    if top is None or top not in model.modules:
        return [], 0
    sizes: dict[tuple[str, int], int] = {}

    def size(name: str, depth: int) -> int:  # rows below an instance of ``name`` at ``depth``
        if depth >= MAX_TREE_DEPTH or name not in model.modules:
            return 0
        key = (name, depth)
        if key not in sizes:
            sizes[key] = 0  # a module that instantiates itself counts once
            sizes[key] = sum(1 + size(i.module, depth + 1) for i in model.modules[name].instances)
        return sizes[key]

    total = 1 + size(top, 0)
    rows: list[tuple[int, str, str, Span | None]] = [(0, top, top, model.modules[top].span)]
    stack: list[tuple[int, Any]] = [(1, iter(model.modules[top].instances))]
    while stack and len(rows) < limit:
        depth, children = stack[-1]
        inst = next(children, None)
        if inst is None:
            stack.pop()
            continue
        rows.append((depth, inst.name, inst.module, inst.span))
        if inst.module in model.modules and depth < MAX_TREE_DEPTH:
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
        todo.extend(i.module for i in model.modules[name].instances)
    return seen
