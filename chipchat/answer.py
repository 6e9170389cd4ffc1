"""The shape every user-facing result takes: prose, citations, data, evidence.

The CLI prints an :class:`Answer`, ``--json`` dumps it, the chat UI renders it and the
agent reads it. Citations are ``file:line`` (or ranges) relative to the design folder;
``runs`` are the run directories whose logs and metrics back the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from chipchat.types import Citation, Span


@runtime_checkable
class Answerable(Protocol):
    """What every capability returns: a typed result that can say itself as an :class:`Answer`."""

    def answer(self) -> Answer: ...


@dataclass
class Answer:
    """A complete answer: Markdown ``text`` whose claims are backed by ``citations`` and ``runs``."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    artifacts: dict[str, str] = field(default_factory=dict)  # name -> path (PNG, JSON, logs)
    runs: list[str] = field(default_factory=list)
    kind: str = "answer"  # which tool produced it: structure, search, timing, sim, verify ...
    warnings: list[str] = field(default_factory=list)

    def cite(self, span: Span, root: Path | str | None, label: str = "") -> str:
        """Record a citation and return its text for inline use."""
        c = Citation.from_span(span, root, label)
        if c not in self.citations:
            self.citations.append(c)
        return str(c)

    def answer(self) -> Answer:
        """An Answer is its own answer (capabilities without a richer typed result return one directly)."""
        return self

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "text": self.text,
            "citations": [{"file": c.file, "line": c.line, "end_line": c.end_line or c.line, "label": c.label}
                          for c in self.citations],
            "data": self.data, "artifacts": self.artifacts, "runs": self.runs, "warnings": self.warnings,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Answer:
        cites = [Citation(c["file"], int(c["line"]), int(c.get("end_line") or 0), label=str(c.get("label", "")))
                 for c in data.get("citations", [])]
        return cls(text=str(data.get("text", "")), citations=cites, data=dict(data.get("data", {})),
                   artifacts=dict(data.get("artifacts", {})), runs=list(data.get("runs", [])),
                   kind=str(data.get("kind", "answer")), warnings=list(data.get("warnings", [])))

    def merge(self, other: Answer) -> None:
        """Add ``other``'s citations, runs, artifacts and warnings to this answer (not its text)."""
        self.citations.extend(c for c in other.citations if c not in self.citations)
        self.runs.extend(r for r in other.runs if r not in self.runs)
        self.artifacts.update(other.artifacts)
        self.warnings.extend(w for w in other.warnings if w not in self.warnings)

    def to_markdown(self) -> str:
        parts = [self.text.rstrip()]
        if self.warnings:
            parts.append("\n".join(f"> warning: {w}" for w in self.warnings))
        if self.runs:
            parts.append("Evidence: " + ", ".join(f"`{r}`" for r in self.runs))
        return "\n\n".join(parts) + "\n"
