"""Structural checks of a design model: what a reviewer looks for before anything runs.

Registers without a reset, signals driven from more than one place, combinational loops,
undriven and unused signals, instances of modules the sources do not define (black boxes),
and clock-domain crossings between the clocks the registers use. Each finding cites the
lines it is about. Pure functions of :class:`~chipchat.rtl.model.DesignModel`: no tool runs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from chipchat.rtl.model import DesignModel, Module
from chipchat.types import Span


@dataclass
class Finding:
    """One result of one check: ``severity`` is problem, warning, note or ok."""

    check: str
    severity: str
    message: str
    spans: list[tuple[Span, str]] = field(default_factory=list)  # (where, label)


def _user(name: str) -> bool:
    return not name.startswith(("$", "\\$", "_"))


def registers(mod: Module) -> dict[str, list[int]]:
    """register name → indexes of the clocked blocks that assign it."""
    out: dict[str, list[int]] = defaultdict(list)
    for i, b in enumerate(mod.blocks):
        if b.clock:
            for s in b.drives:
                if _user(s) and i not in out[s]:
                    out[s].append(i)
    return out


def missing_resets(model: DesignModel) -> list[Finding]:
    """Registers with no reset value, in modules that do reset other registers (or have a reset port)."""
    found: list[Finding] = []
    for mod in model.modules.values():
        regs = registers(mod)
        has_reset = any(b.reset for b in mod.blocks) or any("rst" in p.name.lower() or "reset" in p.name.lower()
                                                              for p in mod.ports)
        for name, blocks in sorted(regs.items()):
            sig = mod.signals.get(name)
            if sig is None or sig.reset_value is not None:
                continue
            block = mod.blocks[blocks[0]]
            is_memory = "$[" in sig.type or sig.width == 0
            why = ("a memory array (usually left without reset on purpose)" if is_memory else
                   f"its block on `{block.clock}` has {'a reset `' + block.reset + '`' if block.reset else 'no reset'}")
            sev = "note" if is_memory or not has_reset else "warning"
            found.append(Finding("resets", sev, f"`{name}` in `{mod.name}` has no reset value: {why}",
                                 [(sig.span, "declaration"), (block.span, "assigned here")]))
    return found


def multiple_drivers(model: DesignModel) -> list[Finding]:
    """Signals assigned from more than one block (or a block and an instance output)."""
    found: list[Finding] = []
    for mod in model.modules.values():
        by: dict[str, set[int]] = defaultdict(set)
        for a in mod.assignments:
            if _user(a.target):
                by[a.target].add(a.block)
        for name, blocks in sorted(by.items()):
            inst = mod.instance_drivers(name)
            if len(blocks) + len(inst) > 1:
                spans = [(mod.blocks[i].span, "driver") for i in sorted(blocks) if 0 <= i < len(mod.blocks)]
                spans += [(i.span, f"output {p} of {i.name}") for i, p in inst]
                found.append(Finding("multiple_drivers", "problem",
                                     f"`{name}` in `{mod.name}` is driven from {len(spans)} places", spans))
    return found


def combinational_loops(model: DesignModel) -> list[Finding]:
    """Cycles through combinational assignments only (a register breaks a loop)."""
    found: list[Finding] = []
    for mod in model.modules.values():
        comb_blocks = {i for i, b in enumerate(mod.blocks) if not b.clock and b.kind not in ("initial", "final")}
        edges: dict[str, set[str]] = defaultdict(set)
        where: dict[str, Span] = {}
        for a in mod.assignments:
            if a.block in comb_blocks and not a.is_reset:
                for r in set(a.reads) | set(a.conditions):
                    if r != a.target:
                        edges[a.target].add(r)
                where.setdefault(a.target, a.span)
        for cycle in _cycles(edges):
            shown = [c for c in cycle if _user(c)] or cycle
            found.append(Finding("loops", "problem", "combinational loop: " + " → ".join(f"`{c}`" for c in
                                                                                       [*shown, shown[0]]),
                                 [(where[c], f"{c} in the loop") for c in cycle if c in where][:6]))
    return found


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in list(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    out.append(list(reversed(comp)))
    return out


def undriven_and_unused(model: DesignModel) -> list[Finding]:
    """Signals nothing assigns (and that are not inputs), and signals nothing reads (and that are not outputs)."""
    found: list[Finding] = []
    for mod in model.modules.values():
        driven = {a.target for a in mod.assignments}
        read = {r for a in mod.assignments for r in (*a.reads, *a.conditions)}
        for i in mod.instances:
            for sigs in i.connection_signals.values():
                driven.update(sigs)
                read.update(sigs)
        read.update(b.clock for b in mod.blocks if b.clock)
        read.update(b.reset for b in mod.blocks if b.reset)
        for name, sig in sorted(mod.signals.items()):
            if not _user(name):
                continue
            if sig.direction not in ("input", "inout") and name not in driven:
                found.append(Finding("undriven", "warning", f"`{name}` in `{mod.name}` is never assigned",
                                     [(sig.span, "declaration")]))
            if sig.direction not in ("output", "inout") and name not in read:
                found.append(Finding("unused", "note", f"`{name}` in `{mod.name}` is never read",
                                     [(sig.span, "declaration")]))
    return found


def black_boxes(model: DesignModel) -> list[Finding]:
    """Instances of modules the design's sources do not define."""
    found: list[Finding] = []
    for mod in model.modules.values():
        for inst in mod.instances:
            if inst.module not in model.modules:
                found.append(Finding("black_boxes", "warning",
                                     f"instance `{inst.name}` in `{mod.name}` is of `{inst.module}`, which no source "
                                     "defines (a black box: its logic is not checked, timed or simulated)",
                                     [(inst.span, "instance")]))
    return found


def clock_crossings(model: DesignModel, declared: list[str]) -> tuple[list[Finding], list[str]]:
    """(findings, the clocks registers use): a register on one clock that reads a register on another."""
    found: list[Finding] = []
    clocks: set[str] = set()
    for mod in model.modules.values():
        domain: dict[str, str] = {}
        for b in mod.blocks:
            if b.clock:
                clocks.add(b.clock)
                for s in b.drives:
                    domain.setdefault(s, b.clock)
        comb_reads: dict[str, set[str]] = defaultdict(set)
        for a in mod.assignments:
            blk = mod.blocks[a.block] if 0 <= a.block < len(mod.blocks) else None
            if blk is not None and not blk.clock:
                comb_reads[a.target].update(a.reads)
        for a in mod.assignments:
            blk = mod.blocks[a.block] if 0 <= a.block < len(mod.blocks) else None
            if blk is None or not blk.clock:
                continue
            for src in _register_sources(set(a.reads) | set(a.conditions), comb_reads, domain):
                if domain[src] != blk.clock:
                    synced = _is_synchronizer(mod, a.target, blk.clock)
                    found.append(Finding(
                        "cdc", "note" if synced else "problem",
                        f"`{a.target}` (clock `{blk.clock}`) reads `{src}` (clock `{domain[src]}`)"
                        + (": the first flop of a synchronizer chain" if synced else ": no synchronizer"),
                        [(a.span, "crossing")]))
    for name in declared:
        clocks.add(name)
    return _dedupe(found), sorted(clocks)


def _register_sources(names: set[str], comb: dict[str, set[str]], domain: dict[str, str]) -> set[str]:
    out: set[str] = set()
    todo, seen = list(names), set()
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        if n in domain:
            out.add(n)
        else:
            todo.extend(comb.get(n, ()))
    return out


def _is_synchronizer(mod: Module, first: str, clock: str) -> bool:
    """``first`` feeds only a register on the same clock that copies it (a two-flop chain)."""
    readers = [a for a in mod.assignments if first in a.reads]
    return bool(readers) and all(0 <= a.block < len(mod.blocks) and mod.blocks[a.block].clock == clock
                                 and a.reads == [first] for a in readers)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[str] = set()
    out = []
    for f in findings:
        if f.message not in seen:
            seen.add(f.message)
            out.append(f)
    return out
