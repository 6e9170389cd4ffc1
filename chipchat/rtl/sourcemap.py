"""From slang source locations to what a user can open: ``file:line`` spans, source text, comments.

For generated Verilog (Amaranth), a line map (:mod:`chipchat.formats.src_attr`) sends each
span to the user's Python line, so the model cites the code the user wrote.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from chipchat.formats.src_attr import LineMap
from chipchat.types import Span, hdl_lines

MODULE_START = re.compile(r"\s*(macromodule|module|interface|program)\b")


class SourceReader:
    """Turns slang source locations into spans and source text; caches file lines."""

    def __init__(self, sm: Any, line_map: LineMap) -> None:
        self.sm = sm
        self.line_map = line_map
        self._lines: dict[str, list[str]] = {}
        self._files: dict[int, str] = {}

    def lines(self, file: str) -> list[str]:
        if file not in self._lines:
            try:
                self._lines[file] = hdl_lines(Path(file).read_text(encoding="utf-8", errors="replace"))
            except OSError:
                self._lines[file] = []
        return self._lines[file]

    def raw_span(self, rng: Any) -> Span | None:
        start, end = rng.start, rng.end
        sm = self.sm
        if hasattr(sm, "getFullyOriginalLoc"):
            start, end = sm.getFullyOriginalLoc(start), sm.getFullyOriginalLoc(end)
        file = self.file_of(start)
        if not file:
            return None
        line = sm.getLineNumber(start)
        # A statement expanded from a macro ends wherever the macro's text is (another file, other lines):
        # it is cited at its use, one line.
        same = self.file_of(end) == file
        end_line = max(line, sm.getLineNumber(end)) if same else line
        return Span(file, line, end_line, sm.getColumnNumber(start))

    def file_of(self, loc: Any) -> str:
        """The file of a location, cached per source buffer (pyslang hands back a new Path each call)."""
        try:
            buffer = loc.buffer.id
        except Exception:  # noqa: BLE001 - locations without a buffer
            return self.sm.getFileName(loc)
        name = self._files.get(buffer)
        if name is None:
            try:
                name = str(self.sm.getFullPath(loc.buffer)) or self.sm.getFileName(loc)
            except Exception:  # noqa: BLE001
                name = self.sm.getFileName(loc)
            self._files[buffer] = name
        return name

    def span(self, node: Any) -> Span:
        rng = getattr(node, "sourceRange", None)
        if rng is None and getattr(node, "syntax", None) is not None:
            rng = node.syntax.sourceRange
        if rng is None:
            loc = node.location
            span = Span(self.file_of(loc), self.sm.getLineNumber(loc), self.sm.getLineNumber(loc),
                        self.sm.getColumnNumber(loc))
        else:
            span = self.raw_span(rng) or Span("", 0, 0)
        return self.mapped(span)

    def decl_span(self, sym: Any) -> Span:
        loc = sym.location
        line = self.sm.getLineNumber(loc)
        span = Span(self.file_of(loc), line, line, self.sm.getColumnNumber(loc))
        return self.mapped(span)

    def mapped(self, span: Span) -> Span:
        """For generated Verilog (Amaranth), point at the user's source line when known."""
        table = self.line_map.get(span.file)
        if not table:
            return span
        hit = table.get(span.line)
        if hit is None:
            return span
        return Span(hit[0], hit[1], hit[1], 1)

    def text(self, span: Span, limit: int = 240) -> str:
        lines = self.lines(span.file)[span.line - 1: span.end_line]
        joined = " ".join(ln.strip() for ln in lines)
        return joined if len(joined) <= limit else joined[: limit - 3] + "..."

    def comment(self, file: str, line: int, *, owner: bool = False) -> str:
        """A trailing ``//`` comment on ``line``, else the comment lines directly above it. The comment above
        a ``module`` line belongs to the module (``owner``), not to a port declared on that line."""
        lines = self.lines(file)
        if not (1 <= line <= len(lines)):
            return ""
        here = lines[line - 1]
        m = re.search(r"//\s?(.*)$", here)
        if m and here[: m.start()].strip():
            return m.group(1).strip()
        if not owner and MODULE_START.match(here):
            return ""
        above: list[str] = []
        i = line - 2
        while i >= 0:
            s = lines[i].strip()
            if s.startswith("//"):
                above.append(s.lstrip("/").strip())
            elif s.startswith(("/*", "*")) and (s.endswith("*/") or s.startswith("*")):
                above.append(s.strip("/* ").strip())
            else:
                break
            i -= 1
        return " ".join(reversed([a for a in above if a]))
