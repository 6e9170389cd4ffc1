"""Latency in register stages: how many clock edges a value needs from one signal to another.

A 0-1 breadth-first search over the structural model: an assignment in a clocked block is
one stage (an edge of the clock), a combinational one is none. "How many cycles from
``wr_en`` until ``dout``" is the fewest stages on any path; with no signals named, every
input (but clocks and resets) to every output.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

from chipchat.rtl.model import Module
from chipchat.types import Span


@dataclass
class Latency:
    """The result: a headline, the paths as steps, the source signals (facts) and the stages per target."""

    headline: str = ""
    steps: list[str] = field(default_factory=list)
    facts: list[tuple[str, str, Span | None]] = field(default_factory=list)
    values: dict[str, float] = field(default_factory=dict)
    formula: str = "fewest register stages on a path (clocked assignment = 1, combinational = 0)"


def stages(top: Module, sources: set[str]) -> dict[str, tuple[int, list[str]]]:
    """signal → (fewest register stages from any of ``sources``, the path), over data and control reads."""
    clocked = {i for i, b in enumerate(top.blocks) if b.clock}
    edges: dict[str, list[tuple[str, int]]] = {}
    for a in top.assignments:
        if a.is_reset:
            continue
        w = 1 if a.block in clocked else 0
        for r in {*a.reads, *a.conditions}:
            edges.setdefault(r, []).append((a.target, w))
    best: dict[str, tuple[int, list[str]]] = {s: (0, [s]) for s in sources}
    todo: deque[str] = deque(sources)
    while todo:
        node = todo.popleft()
        cost, path = best[node]
        for nxt, w in edges.get(node, []):
            c = cost + w
            if nxt not in best or c < best[nxt][0]:
                best[nxt] = (c, [*path, nxt])
                if w == 0:
                    todo.appendleft(nxt)
                else:
                    todo.append(nxt)
    return best


def register_stages(top: Module, q: str) -> Latency | None:
    """The latency the question asks about (named signals, else inputs to outputs); None when it names none."""
    calc = Latency()
    words = [(m.start(), m.group(0)) for m in re.finditer(r"[a-z_][a-z0-9_]*", q)]
    named = [w for _, w in words if w in top.signals]
    control = {b.clock for b in top.blocks if b.clock} | {b.reset for b in top.blocks if b.reset}
    if len(named) >= 2:
        cut = re.search(r"\b(until|till|to|reach(es)?|appears?|arrives?|shows? up)\b", q)
        after = [w for at, w in words if w in top.signals and cut is not None and at > cut.start() and w != named[0]]
        sources, targets = {named[0]}, [after[0] if after else named[-1]]
    else:
        sources = {p.name for p in top.ports if p.direction == "input" and p.name not in control}
        targets = named or [p.name for p in top.ports if p.direction == "output"]
    if not sources or not targets:
        return None
    reach = stages(top, sources)
    rows = [(t, *reach[t]) for t in targets if t in reach]
    if not rows:
        calc.headline = (f"**No path from {', '.join(f'`{s}`' for s in sorted(sources))} reaches "
                         f"{', '.join(f'`{t}`' for t in targets)}** in `{top.name}`.")
        return calc
    for t, cost, path in rows:
        calc.steps.append(f"`{t}`: {cost} register stage(s) via " + " → ".join(f"`{p}`" for p in path))
    for s in sorted(sources)[:4]:
        sig = top.signals.get(s)
        if sig is not None:
            calc.facts.append((s, "source", sig.span))
    worst = max(rows, key=lambda r: r[1])
    calc.values = {t: float(c) for t, c, _ in rows}
    if len(rows) == 1:
        t, cost, path = rows[0]
        calc.headline = (f"**{cost} clock cycle{'s' if cost != 1 else ''}** from `{path[0]}` to `{t}` "
                         f"({cost} register stage{'s' if cost != 1 else ''} on the shortest path)")
    else:
        calc.headline = (f"**{worst[1]} clock cycle{'s' if worst[1] != 1 else ''} of latency** (inputs to `{worst[0]}`; "
                         f"every output: " + ", ".join(f"`{t}` {c}" for t, c, _ in rows) + ")")
    return calc
