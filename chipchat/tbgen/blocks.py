"""The parts of a spec chipchat reads, each kept with its line and what used it (or why nothing could)."""

from __future__ import annotations

from dataclasses import dataclass, field

from chipchat.tbgen.text import Condition, Effect, clean


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]
    line: int
    kind: str = "unknown"  # ports | parameters | derived | resets | function | vectors | sequence | waveform | ...
    used_by: list[str] = field(default_factory=list)
    reason: str = ""
    lines: list[int] = field(default_factory=list)  # spec line of each row when rows were expanded (K-maps)
    layout: str = "markdown"  # markdown | pipes (no `---` row) | columns (whitespace) | arrows | prose | code
    text: list[str] = field(default_factory=list)  # the block's lines as written (diagrams, prose, code)

    def row_line(self, n: int) -> int:
        return self.lines[n] if self.lines else self.line + 2 + n

    def col(self, *names: str) -> int | None:
        for i, h in enumerate(self.header):
            if clean(h).lower() in names:
                return i
        return None


@dataclass
class Rule:
    text: str
    line: int
    condition: str
    effect: str
    conditions: list[Condition] | None = None
    condition_error: str = ""
    effects: list[Effect] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # effect clauses that are prose
    used_by: list[str] = field(default_factory=list)
    reason: str = ""


@dataclass
class PortSpec:
    name: str
    direction: str
    width_text: str
    description: str
    line: int
    width: int = 0  # from the RTL when it has the port, else the spec's number
    lsb: int = 0  # index of the least significant bit in the RTL's declaration


@dataclass
class Finding:
    """A disagreement found without simulating: the spec and the RTL say different things."""

    what: str
    spec: str  # spec.md:line
    expected: str
    observed: str
