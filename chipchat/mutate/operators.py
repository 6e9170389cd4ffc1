"""Mutation operators by name, the :class:`Mutant` they produce, and deterministic sampling.

A mutant is one small, plausible bug: a single edit of one source file, kept as a unified
diff (so it runs through the same sandbox machinery as any proposed patch) plus where it is
(``file:line``), what it changed and the mutated line. The engines that find the edit
sites read the syntax tree — pyslang for Verilog/SystemVerilog
(:mod:`chipchat.mutate.verilog`), Python's ``ast`` for Amaranth
(:mod:`chipchat.mutate.amaranth`) — never a regular expression over the text.
"""

from __future__ import annotations

import difflib
import hashlib
import random
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from chipchat.errors import ConfigError
from chipchat.types import Edit, apply_edits


@dataclass(frozen=True)
class Operator:
    name: str
    description: str
    example: str


OPERATORS: dict[str, Operator] = {o.name: o for o in [
    Operator("operator-swap", "swap a binary operator for a related one", "+ → -, & → |, && → ||, == → !=, < → >"),
    Operator("constant-flip", "change a literal constant", "1'b0 → 1'b1, 8'd5 → 8'd6 / 8'd4"),
    Operator("condition-negation", "negate the condition of an if or a ?:", "if (c) → if (!(c))"),
    Operator("stuck-assignment", "make an assignment drive zero, or hold its old value",
             "x <= e → x <= '0, x <= e → x <= x"),
    Operator("off-by-one", "shift a comparison bound by one", "== LAST → == LAST - 1'b1, < N → <= N"),
]}


def resolve_operators(names: str | Sequence[str] | None) -> list[str]:
    """Validated operator names (all of them for ``None``); an unknown name lists the known ones."""
    if names is None:
        return list(OPERATORS)
    items = names.split(",") if isinstance(names, str) else list(names)
    chosen: list[str] = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        if item not in OPERATORS:
            known = "; ".join(f"{o.name} ({o.example})" for o in OPERATORS.values())
            raise ConfigError(f"unknown mutation operator {item!r}", hint=f"known operators: {known}")
        if item not in chosen:
            chosen.append(item)
    if not chosen:
        raise ConfigError("no mutation operator given", hint="known operators: " + ", ".join(OPERATORS))
    return chosen


@dataclass(frozen=True)
class Site(Edit):
    """One mutation site: an :class:`~chipchat.types.Edit` with the operator that made it and what it does."""

    operator: str = ""
    description: str = ""


@dataclass
class Mutant:
    """One injected bug: a unified diff against the design, located at ``file:line``.

    ``file`` is relative to the design folder. ``original``/``mutated`` are the whole
    source line before and after the edit, for the report.
    """

    id: str
    operator: str
    file: str
    line: int
    col: int
    description: str
    original: str
    mutated: str
    patch: str
    language: str = "verilog"  # verilog | amaranth

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Mutant:
        return cls(**data)


def make_mutants(rel: str, source: bytes, edits: Iterable[Site], language: str) -> list[Mutant]:
    """Mutants (one per edit, duplicates of the same mutated text dropped), ids not yet assigned."""
    out: list[Mutant] = []
    seen: set[str] = set()
    old_text = source.decode("utf-8", errors="replace")
    old_lines = old_text.splitlines(keepends=True)
    for edit in edits:
        new = apply_edits(source, [edit])
        key = hashlib.sha256(new).hexdigest()
        if new == source or key in seen:
            continue
        seen.add(key)
        line = source.count(b"\n", 0, edit.start) + 1
        col = edit.start - (source.rfind(b"\n", 0, edit.start) + 1) + 1
        new_text = new.decode("utf-8", errors="replace")
        new_lines = new_text.splitlines(keepends=True)
        patch = "".join(difflib.unified_diff(old_lines, new_lines, f"a/{rel}", f"b/{rel}", n=3))
        last = line + edit.text.count("\n")
        mutated = "".join(new_lines[line - 1:last]).rstrip("\n")
        out.append(Mutant("", edit.operator, rel, line, col, edit.description,
                          old_lines[line - 1].rstrip("\n") if line <= len(old_lines) else "", mutated, patch, language))
    return out


def sample(mutants: list[Mutant], max_mutants: int, seed: int) -> list[Mutant]:
    """At most ``max_mutants``, chosen with ``seed`` round-robin across operators (each operator is
    represented), returned in source order with ids ``m001``, ``m002`` ... in that order."""
    chosen = list(mutants)
    if max_mutants > 0 and len(mutants) > max_mutants:
        rng = random.Random(seed)
        by_op: dict[str, list[Mutant]] = {}
        for m in mutants:
            by_op.setdefault(m.operator, []).append(m)
        for group in by_op.values():
            rng.shuffle(group)
        chosen = []
        queues = [by_op[name] for name in OPERATORS if name in by_op]
        while len(chosen) < max_mutants:
            for q in queues:
                if q and len(chosen) < max_mutants:
                    chosen.append(q.pop())
    chosen.sort(key=lambda m: (m.file, m.line, m.col, m.operator, m.description))
    for i, m in enumerate(chosen, 1):
        m.id = f"m{i:03d}"
    return chosen
