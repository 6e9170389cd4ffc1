"""The shape every user-facing result takes: prose, citations, data, evidence.

The CLI prints an :class:`Answer`, ``--json`` dumps it, the chat UI renders it and the
agent reads it. Citations are ``file:line`` (or ranges) relative to the design folder;
``runs`` are the run directories whose logs and metrics back the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
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
        """Record a citation and return its text for inline use (constant time: 50,000 instances are cited)."""
        c = Citation(_relative(span.file, str(root) if root else ""), span.line, span.end_line, label=label)
        self._add(c)
        return str(c)

    def _add(self, c: Citation) -> None:
        # ``citations`` as a set, kept beside the fields (not one of them: serializers would try to hash it)
        cited: set[Citation] | None = self.__dict__.get("_cited")
        if cited is None or len(cited) != len(self.citations):  # new, or someone appended to the list directly
            cited = self.__dict__["_cited"] = set(self.citations)
        if c not in cited:
            self.citations.append(c)
            cited.add(c)

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
        for c in other.citations:
            self._add(c)
        runs, warnings = set(self.runs), set(self.warnings)
        self.runs.extend(dict.fromkeys(r for r in other.runs if r not in runs))
        self.artifacts.update(other.artifacts)
        self.warnings.extend(dict.fromkeys(w for w in other.warnings if w not in warnings))

    def to_markdown(self) -> str:
        parts = [self.text.rstrip()]
        if self.warnings:
            parts.append("\n".join(f"> warning: {w}" for w in self.warnings))
        if self.runs:
            parts.append("Evidence: " + ", ".join(f"`{r}`" for r in self.runs))
        return "\n\n".join(parts) + "\n"


@lru_cache(maxsize=4096)
def _relative(file: str, root: str) -> str:
    """``file`` relative to ``root`` when inside it (as :meth:`Citation.from_span` does), memoised."""
    return Citation.from_span(Span(file, 1), root or None).file
