"""The small value types every layer shares: where something is, what a tool said about it, an edit.

One location concept, :class:`Span` (a line range in a file), with two refinements: a
:class:`Citation` (a span shown to the user, relative to the design folder, with a label)
and a :class:`Location` (a line in a test's Python traceback, with its function and code).
:class:`ByteRange`/:class:`Edit` locate by byte offsets instead: what an RTL edit or a
mutation rewrites. :class:`Diagnostic` is a compiler, lint or elaboration message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Span:
    """A line range in a source file (1-based, inclusive); ``end_line`` 0 means the same line."""

    file: str
    line: int
    end_line: int = 0
    col: int = 1

    def __post_init__(self) -> None:
        if self.end_line < self.line:
            object.__setattr__(self, "end_line", self.line)

    def cite(self, root: Path | None = None) -> str:
        """``file:line`` or ``file:line-end``, relative to ``root`` when inside it."""
        name = self.file
        if root is not None:
            try:
                name = str(Path(self.file).relative_to(root))
            except ValueError:
                pass
        return f"{name}:{self.line}" + (f"-{self.end_line}" if self.end_line > self.line else "")

    def contains(self, other: Span) -> bool:
        return self.file == other.file and self.line <= other.line and other.end_line <= self.end_line

    def __str__(self) -> str:
        return self.cite()


@dataclass(frozen=True)
class Citation(Span):
    """A span the user can open: ``file`` relative to the design folder, ``label`` saying what is there."""

    label: str = field(default="", kw_only=True)

    @classmethod
    def from_span(cls, span: Span, root: Path | str | None = None, label: str = "") -> Citation:
        file = span.file
        if root:
            try:
                file = str(Path(span.file).resolve().relative_to(Path(root).resolve()))
            except ValueError:
                pass
        return cls(file, span.line, span.end_line, label=label)

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "end_line": self.end_line, "label": self.label}


@dataclass(frozen=True)
class Location(Span):
    """A line of a test's source (a traceback frame, a test definition) with its function and code."""

    function: str = field(default="", kw_only=True)
    text: str = field(default="", kw_only=True)

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "function": self.function, "text": self.text}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Location:
        return cls(str(data["file"]), int(str(data["line"])), function=str(data.get("function", "")),
                   text=str(data.get("text", "")))


@dataclass(frozen=True)
class ByteRange:
    """Bytes ``start:end`` of ``file``: what an edit or a mutation rewrites."""

    file: str
    start: int
    end: int


@dataclass(frozen=True)
class Edit(ByteRange):
    """Replace bytes ``start:end`` of ``file`` by ``text``."""

    text: str = ""


def apply_edits(data: bytes, edits: list[Edit]) -> bytes:
    """``data`` with every edit applied (edits must not overlap; identical duplicates are merged)."""
    unique = sorted(set(edits), key=lambda e: (e.start, e.end))
    out = bytearray()
    pos = 0
    for e in unique:
        if e.start < pos:
            raise ValueError(f"overlapping edits at byte {e.start} of {e.file}")
        out += data[pos:e.start] + e.text.encode()
        pos = e.end
    out += data[pos:]
    return bytes(out)


@dataclass
class Diagnostic:
    """A compiler, lint or elaboration message, located where the tool located it."""

    severity: str  # error | warning
    message: str
    file: str = ""
    line: int = 0
    col: int = 0
    code: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}: " if self.file else ""
        code = f"-{self.code}" if self.code else ""
        return f"{where}{self.severity}{code}: {self.message}"

    def key(self, root: str = "") -> tuple[str, str, str, str]:
        """Identity ignoring line numbers (which a patch shifts) — for comparing two runs."""
        file = self.file[len(root):].lstrip("/") if root and self.file.startswith(root) else self.file
        return (self.severity, self.code, file.rsplit("/", 1)[-1], self.message)


# -- source lines ---------------------------------------------------------------------------
def hdl_lines(text: str) -> list[str]:
    """A source's lines numbered as pyslang (and every HDL tool) numbers them: only ``\\n`` ends a line.

    Python's ``splitlines()`` also splits at ``\\x0b \\x0c \\x1c``–``\\x1e \\x85 \\u2028 \\u2029``, which would make
    every quote after such a character one line off.
    """
    return [ln[:-1] if ln.endswith("\r") else ln for ln in text.split("\n")]


# -- clock periods --------------------------------------------------------------------------
PERIOD_UNITS = {"ps": 1e-3, "ns": 1.0, "us": 1e3, "mhz": -1e3, "ghz": -1.0}  # negative: a frequency (its inverse)
PERIOD_IN_TEXT = re.compile(r"(\d+(?:\.\d+)?)\s*(ps|ns|us|mhz|ghz)\b", re.I)


def period_ns(text: str) -> float:
    """``8ns``, ``8`` (ns), ``2500ps``, ``0.01us``, ``125MHz``, ``1.2GHz`` → a clock period in nanoseconds.

    Raises ``ValueError`` with what is wrong; the CLI and the planner word it for their users.
    """
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?\d+)?)\s*([a-zA-Z]*)\s*", text or "")
    if not match:
        raise ValueError(f"{text!r} is not a clock period (try 8ns, 2500ps or 125MHz)")
    value, unit = float(match.group(1)), match.group(2).lower() or "ns"
    if unit not in PERIOD_UNITS:
        raise ValueError(f"unknown unit {match.group(2)!r} in {text!r} (use ps, ns, us, MHz or GHz)")
    if value <= 0:
        raise ValueError(f"the clock period must be positive, got {text!r}")
    scale = PERIOD_UNITS[unit]
    return -scale / value if scale < 0 else value * scale
