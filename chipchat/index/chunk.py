"""A chunk: a retrievable piece of a file mapped to a line span, and how chunks are made and stored.

:mod:`chipchat.index.chunks` decides *where* chunks start and end; this module holds the
chunk itself, the one way lines are counted (:func:`split_lines`, the convention pyslang uses)
and the checked reading of a stored chunk (:func:`chunk_from_json`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

MAX_CHUNK_LINES = 60


@dataclass
class Chunk:
    """A retrievable piece of a file. ``src`` holds user-source citations for generated code."""

    id: str
    file: str  # relative to the design root
    start_line: int
    end_line: int
    kind: str  # module_header | ports | declarations | always | assign | instance | comment | doc | python ...
    module: str
    text: str
    title: str = ""
    src: list[str] = field(default_factory=list)
    context: str = ""  # comments of the signals the chunk uses: searched, not shown
    etext: str = ""  # hash of the text embedded for this chunk: the id of its vector in ChromaDB

    def cite(self) -> str:
        return f"{self.file}:{self.start_line}" + (f"-{self.end_line}" if self.end_line > self.start_line else "")

    def metadata(self) -> dict[str, Any]:
        return {"file": self.file, "start_line": self.start_line, "end_line": self.end_line, "kind": self.kind,
                "module": self.module, "title": self.title, "src": ",".join(self.src)}

    def to_json(self) -> dict[str, Any]:
        data = dict(vars(self))  # dataclasses.asdict deep-copies: 10× slower on 18k chunks
        data["src"] = list(self.src)
        return data


_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": str, "file": str, "start_line": int, "end_line": int, "kind": str, "module": str, "text": str,
    "title": str, "src": list, "context": str, "etext": str}


def chunk_from_json(data: Any) -> Chunk:
    """A stored chunk; ``ValueError`` when it does not have a chunk's fields and types (a damaged index)."""
    if not isinstance(data, dict) or set(data) - set(_FIELDS) or not {"id", "file", "start_line", "end_line", "kind",
                                                                        "module", "text"} <= set(data):
        raise ValueError("not a chunk")
    for key, value in data.items():
        if not isinstance(value, _FIELDS[key]) or isinstance(value, bool):
            raise ValueError(f"chunk field {key} has the wrong type")
    if not all(isinstance(s, str) for s in data.get("src", [])):
        raise ValueError("chunk field src has the wrong type")
    return Chunk(**data)


_HDL_BREAK = re.compile(r"\r\n|\n\r|\r|\n")  # pyslang's line ends
_TEXT_BREAK = re.compile(r"\r\n|\r|\n")  # Python's (and editors') line ends


def split_lines(text: str, *, hdl: bool = True) -> list[str]:
    r"""``text`` as lines the way pyslang (``hdl``) or Python counts them; unlike ``str.splitlines``, form
    feeds, ``\x85``, ``\u2028`` … stay inside their line."""
    lines = (_HDL_BREAK if hdl else _TEXT_BREAK).split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _make(rel: str, start: int, end: int, kind: str, module: str, lines: list[str], title: str = "") -> Chunk:
    body = "\n".join(lines[start - 1:end])
    digest = hashlib.sha1(f"{rel}:{start}:{end}:{kind}:{body}".encode()).hexdigest()[:12]
    return Chunk(id=f"{rel}:{start}-{end}:{digest}", file=rel, start_line=start, end_line=end, kind=kind,
                 module=module, text=body, title=title)


BLOCK_WINDOW = 16  # long procedural blocks are searched in overlapping windows of this many lines


def _split_long(chunk_args: tuple[str, int, int, str, str], lines: list[str], title: str = "") -> list[Chunk]:
    rel, start, end, kind, module = chunk_args
    size = BLOCK_WINDOW if kind in ("always", "initial", "generate", "function") else MAX_CHUNK_LINES
    if end - start + 1 <= max(size + 8, 24):
        return [_make(rel, start, end, kind, module, lines, title)]
    out = []
    step = size - 4 if size == BLOCK_WINDOW else size - 10  # overlap: a statement cut at a edge is whole once
    header = lines[start - 1].strip() if kind != "comment" else ""
    for s in range(start, end + 1, step):
        e = min(end, s + size - 1)
        chunk = _make(rel, s, e, kind, module, lines, title)
        if s != start and header:
            chunk.title = f"{title} (continues `{header[:60]}` from line {start})"
        out.append(chunk)
        if e == end:
            break
    return out
