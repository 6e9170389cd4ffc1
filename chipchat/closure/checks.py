"""What makes closure meaningless before it starts: a combinational loop, logic chipchat cannot see into.

A combinational loop (``x = f(y)``, ``y = g(x)`` with no register between) has no defined delay:
OpenSTA cuts it at an arbitrary point, and a simulation of it may never settle. Closure refuses
it with the loop's signals and lines, so the user can break it first. A black box (an instance
of a module the sources do not define) has no timing model: paths through it are not timed and
no edit can move logic across it; closure goes on, and says so.
"""

from __future__ import annotations

from chipchat.design import Design
from chipchat.rtl.model import DesignModel, Instance, Module


def combinational_loop(design: Design, model: DesignModel) -> list[str]:
    """A loop of combinational assignments in the top module, as ``signal (file:line)`` steps; [] if none."""
    mod = model.module(model.top or "")
    if mod is None:
        return []
    edges: dict[str, set[str]] = {}
    where: dict[tuple[str, str], str] = {}
    for a in mod.assignments:
        block = mod.blocks[a.block]
        if block.clock or block.kind in ("initial", "final", "always_latch"):
            continue
        for r in set(a.reads) | set(a.conditions):
            if r == a.target and block.kind not in ("assign", "declaration"):
                continue  # `x = x + 1` inside always @* reads the value assigned above, not a loop by itself
            edges.setdefault(r, set()).add(a.target)
            where.setdefault((r, a.target), f"{design.relpath(a.span.file)}:{a.span.line}")
    cycle = _find_cycle(edges)
    if not cycle:
        return []
    return [f"`{b}` ({where.get((a, b), '?')})" for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True)]


def _find_cycle(edges: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []

    for start in sorted(edges):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return []


def black_boxes(design: Design, model: DesignModel) -> list[str]:
    """Instances of the top (and below) whose module the sources do not define, as sentences."""
    out: list[str] = []
    seen: set[str] = set()
    for mod in model.modules.values():
        for inst in _instances(mod):
            body = model.modules.get(inst.module)
            empty = body is not None and not body.assignments and not body.instances and any(
                p.direction == "output" for p in body.ports)
            if (body is None or empty) and inst.active and inst.name not in seen:
                seen.add(inst.name)
                out.append(f"`{inst.name}` ({inst.module}, {design.relpath(inst.span.file)}:{inst.span.line}) is a "
                           "black box: chipchat has no timing model for it, so paths through it are not timed and "
                           "no edit moves logic across it")
    return out


def _instances(mod: Module) -> list[Instance]:
    return list(mod.instances)


def register_loop(model: DesignModel, target: str) -> str:
    """Why a statement computing ``target`` is a loop through a register, in words ('' when it is not)."""
    mod = model.module(model.top or "")
    if mod is None:
        return ""
    reads = {r for a in mod.drivers(target) for r in a.reads}
    for a in mod.assignments:
        if a.target in reads and target in a.reads and mod.blocks[a.block].clock:
            reg = a.target
            outs = sorted({b.target for b in mod.assignments if reg in b.reads and mod.port(b.target)
                           and mod.port(b.target).direction == "output"})  # type: ignore[union-attr]
            line = (f"`{target}` is computed from the register `{reg}` and written back into it every cycle (a loop "
                    "through one register): no register can go inside it without changing what it computes")
            if outs:
                line += (f"; and {', '.join(f'`{o}`' for o in outs)} read(s) `{reg}` every cycle, so its value cannot "
                         "be kept in carry-save form either — a shorter cycle needs a faster adder structure by hand, "
                         "or a relaxed clock")
            return line
    return ""
