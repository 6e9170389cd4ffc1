"""Answers from the index: the best-matching chunks, narrowed to the line that answers.

Used for "where is ...", "how does ...", spec questions — anything that is not a
structural query. The answer quotes the lines it cites, so a reader can check it.
"""

from __future__ import annotations

import re
from pathlib import Path

from chipchat.answer import Answer
from chipchat.design import Design
from chipchat.index.chunks import Chunk
from chipchat.index.lexical import tokenize
from chipchat.index.store import DesignIndex, IndexReport, Progress
from chipchat.types import Citation

WHERE = re.compile(r"^\s*(where|which (line|file|block|module))\b", re.I)
LANG = {".v": "verilog", ".sv": "systemverilog", ".vh": "verilog", ".svh": "systemverilog", ".py": "python",
        ".md": "markdown"}


def best_line(chunk: Chunk, question: str) -> int:
    """The line of ``chunk`` that shares the most (rarest-first) words with the question."""
    want = set(tokenize(question))
    best, best_score = chunk.start_line, -1.0
    for offset, line in enumerate(chunk.text.splitlines()):
        got = set(tokenize(line))
        score = len(want & got) + (0.5 if "//" in line and want & set(tokenize(line.split("//", 1)[1])) else 0)
        if score > best_score:
            best, best_score = chunk.start_line + offset, score
    return best


def search_answer(design: Design, question: str, *, k: int = 5, mode: str = "fused",
                  index: DesignIndex | None = None, progress: Progress | None = None) -> Answer:
    """Answer ``question`` from the design's index, citing the best line and the other top matches."""
    ix = index or DesignIndex(design)
    report: IndexReport = ix.update(progress)
    hits = ix.search(question, k=k, mode=mode, prefer_code=bool(WHERE.search(question)))
    ans = Answer(text="", kind="search", data={"mode": mode, "hits": []})
    if report.rebuilt_reason:
        ans.warnings.append(report.rebuilt_reason)
    skipped = ix.skipped()
    if skipped:
        ans.warnings.append("not indexed: " + "; ".join(skipped.values()))
    if not hits:
        ans.text = (f"Nothing in {design.name}'s sources or documents matches \"{question}\". "
                    "Try the signal or module name, or `chipchat show DESIGN SIGNAL`.")
        return ans
    top = hits[0].chunk
    line = best_line(top, question)
    where = _cite(ans, top, line, line, design.root)
    block = _cite(ans, top, top.start_line, top.end_line, design.root)
    lang = LANG.get(Path(top.file).suffix, "")
    excerpt = _excerpt(top, line)
    lines = [f"The best match is **{where}** (in {_describe(top)}, {block}):", "", f"```{lang}", excerpt, "```"]
    if top.src:
        lines.append(f"This is generated Verilog; the Amaranth source is at {', '.join(top.src[:3])}.")
    if len(hits) > 1:
        lines.append("")
        lines.append("Other places that match:")
        for h in hits[1:]:
            c = h.chunk
            ln = best_line(c, question)
            lines.append(f"- {_cite(ans, c, ln, ln, design.root)} — {_describe(c)}: `{_line_text(c, ln)}`")
    for rank, h in enumerate(hits, 1):
        ans.data["hits"].append({"rank": rank, "file": h.chunk.file, "start_line": h.chunk.start_line,
                                 "end_line": h.chunk.end_line, "kind": h.chunk.kind, "module": h.chunk.module,
                                 "score": round(h.score, 5), "lexical_rank": h.lexical_rank,
                                 "semantic_rank": h.semantic_rank, "best_line": best_line(h.chunk, question)})
    ans.text = "\n".join(lines)
    return ans


def _cite(ans: Answer, chunk: Chunk, start: int, end: int, root: Path) -> str:
    c = Citation(chunk.file, start, end if end > start else 0, label=chunk.kind)
    if c not in ans.citations:
        ans.citations.append(c)
    return str(c)


def _describe(c: Chunk) -> str:
    if c.kind == "doc":
        return f"section \"{c.title}\" of {c.file}"
    if c.kind == "comment":
        return "a comment block"
    what = {"always": "an always block", "assign": "continuous assignments", "declarations": "declarations",
            "module_header": "the module header", "ports": "the port list", "parameters": "parameters",
            "instance": "an instance", "generate": "a generate block", "function": "a function",
            "python": f"`{c.title}`"}.get(c.kind, c.kind)
    return f"{what} of `{c.module}`" if c.module else what


def _line_text(c: Chunk, line: int) -> str:
    lines = c.text.splitlines()
    idx = line - c.start_line
    text = lines[idx].strip() if 0 <= idx < len(lines) else ""
    return text if len(text) <= 100 else text[:97] + "..."


def _excerpt(c: Chunk, line: int, context: int = 3) -> str:
    lines = c.text.splitlines()
    idx = line - c.start_line
    lo, hi = max(0, idx - context), min(len(lines), idx + context + 1)
    width = len(str(c.start_line + hi))
    return "\n".join(f"{c.start_line + i:>{width}}  {lines[i]}" for i in range(lo, hi))
