"""The shape every user-facing result takes: prose, citations, data, evidence.

The CLI prints an :class:`Answer`, ``--json`` dumps it, the chat UI renders it and the
agent reads it. Citations are ``file:line`` (or ranges) relative to the design folder;
``runs`` are the run directories whose logs and metrics back the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chipchat.types import Citation, Span


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

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "text": self.text,
            "citations": [{"file": c.file, "line": c.line, "end_line": c.end_line or c.line, "label": c.label}
                          for c in self.citations],
            "data": self.data, "artifacts": self.artifacts, "runs": self.runs, "warnings": self.warnings,
        }

    def to_markdown(self) -> str:
        parts = [self.text.rstrip()]
        if self.warnings:
            parts.append("\n".join(f"> warning: {w}" for w in self.warnings))
        if self.runs:
            parts.append("Evidence: " + ", ".join(f"`{r}`" for r in self.runs))
        return "\n\n".join(parts) + "\n"
