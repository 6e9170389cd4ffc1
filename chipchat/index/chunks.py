r"""Split a design's files into retrievable chunks that each map to a line span.

RTL is chunked along its syntax (pyslang, per file, no elaboration, so a changed file
is re-chunked on its own): module header, port list, declarations, each always/initial
block, groups of continuous assignments, instances, generate blocks, functions, and
standalone comment blocks. A comment directly above a construct joins its chunk.
Amaranth Python is chunked by class and method (``ast``); Markdown by section.

Line numbers are physical lines of the file as pyslang counts them (``\n``, ``\r``, ``\r\n``
and ``\n\r`` end a line; ``\x0c``, ``\x85``, ``\u2028`` … do not), taken from byte offsets, so a
`` `line `` directive cannot move a chunk (or make it span 10^11 lines). Python files count lines
as Python does. Every step is linear in the size of the file.
"""

from __future__ import annotations

import ast as pyast
import bisect
import re
from pathlib import Path
from typing import Any

from chipchat import safefs
from chipchat.errors import ParseError
from chipchat.hashing import file_digest
from chipchat.index.chunk import (
    MAX_CHUNK_LINES,
    Chunk,
    _make,
    _split_long,
    split_lines,
)
from chipchat.rtl.frontend import SourceSet, message_of, parse_text, preprocessor_options

GROUP_LINES = 25

_KIND_OF = {
    "AlwaysBlock": "always", "AlwaysFFBlock": "always", "AlwaysCombBlock": "always",
    "AlwaysLatchBlock": "always", "InitialBlock": "initial", "FinalBlock": "initial",
    "ContinuousAssign": "assign", "NetDeclaration": "declarations", "DataDeclaration": "declarations",
    "PortDeclaration": "ports", "ParameterDeclarationStatement": "parameters",
    "TypedefDeclaration": "declarations", "HierarchyInstantiation": "instance",
    "GenerateRegion": "generate", "LoopGenerate": "generate", "IfGenerate": "generate",
    "CaseGenerate": "generate", "GenerateBlock": "generate", "FunctionDeclaration": "function",
    "TaskDeclaration": "function", "ClassDeclaration": "class",
}
_GROUPED = {"assign", "declarations", "ports", "parameters"}


def file_hash(path: Path) -> str:
    """The content hash of a file, read in blocks (a 1 GB file costs time, not memory)."""
    return file_digest(path, 20)


def chunk_file(path: Path, rel: str, *, kind: str, include_dirs: list[Path] | None = None,
               defines: dict[str, str] | None = None,
               line_map: dict[int, tuple[str, int]] | None = None, root: Path | None = None) -> list[Chunk]:
    """Chunks of one file; ``kind`` is ``hdl``, ``python`` or ``doc``."""
    text = safefs.read_regular(path).decode("utf-8", errors="replace")
    lines = split_lines(text, hdl=kind == "hdl")
    if kind == "hdl":
        chunks = _chunk_hdl(path, rel, text, lines, include_dirs or [], defines or {})
    elif kind == "python":
        chunks = _chunk_python(rel, text, lines)
    else:
        chunks = _chunk_doc(rel, lines)
    glossary = signal_glossary(lines, "#" if kind == "python" else "//")
    if glossary:
        for c in chunks:
            if c.kind not in ("doc", "comment", "declarations", "ports", "parameters", "module_header"):
                used = dict.fromkeys(_IDENT.findall(c.text))
                notes = [f"{name}: {glossary[name]}" for name in used if name in glossary]
                c.context = "; ".join(notes[:10])
    if line_map:
        for c in chunks:
            seen: list[str] = []
            for ln in range(c.start_line, c.end_line + 1):
                hit = line_map.get(ln)
                if hit:
                    loc = f"{_rel(hit[0], root)}:{hit[1]}"
                    if loc not in seen:
                        seen.append(loc)
            c.src = seen[:8]
    return chunks


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KEYWORDS = frozenset(
    "input output inout wire reg logic bit integer int signed unsigned parameter localparam var tri "
    "supply0 supply1 genvar self Signal In Out const".split())


def signal_glossary(lines: list[str], marker: str) -> dict[str, str]:
    """Declared name → its comment (trailing, or the comment line just above the declaration).

    Lets an always block that assigns ``data_q`` be found by "where is the byte latched",
    the words of ``data_q``'s declaration comment.
    """
    out: dict[str, str] = {}
    decl = re.compile(r"^\s*(input|output|inout|wire|reg|logic|integer|localparam|parameter|var|"
                      r"\w+_t\b|[A-Za-z_]\w*\s*(=\s*Signal|:\s*(In|Out)\())")
    for i, line in enumerate(lines):
        code, _, comment = line.partition(marker)
        if not decl.match(code):
            continue
        if not comment.strip() and i > 0 and lines[i - 1].strip().startswith(marker):
            comment = lines[i - 1].strip()[len(marker):]
        if not comment.strip():
            continue
        head = re.split(r"[=:](?!:)", code, maxsplit=1)[0] if "Signal" in code or "In(" in code or "Out(" in code \
            else code.split("=", 1)[0]
        names = [w for w in _IDENT.findall(re.sub(r"\[[^\]\[]*\]", " ", head)) if w not in _KEYWORDS]
        if names:
            out.setdefault(names[-1], comment.strip())
    return out


def _rel(file: str, root: Path | None) -> str:
    if root is None:
        return file
    try:
        return str(Path(file).resolve().relative_to(root.resolve()))
    except ValueError:
        return file


def _comment_start(lines: list[str], line: int, memo: dict[int, int] | None = None) -> int:
    """Extend ``line`` upward over the comment lines directly above it (``memo``: answers already known)."""
    i = line - 1
    while i >= 1 and _is_comment(lines[i - 1]):
        if memo is not None and i in memo:
            return memo[i]
        i -= 1
    if memo is not None:
        memo[line - 1] = i + 1
    return i + 1


def _is_comment(line: str) -> bool:
    s = line.strip()
    return s.startswith(("//", "/*", "*")) and not s.startswith("*)")


class _Lines:
    """Physical line numbers (1-based) of pyslang locations in the main file, from byte offsets."""

    def __init__(self, text: str, sm: Any) -> None:
        data = text.encode("utf-8", errors="surrogatepass")
        self.starts = [0] + [m.end() for m in re.finditer(rb"\r\n|\n\r|\r|\n", data)]
        self.sm = sm
        buffers = sm.getAllBuffers()
        self.main = buffers[0].id if buffers else None

    def __call__(self, loc: Any) -> int | None:
        """The line of ``loc`` (a macro use counts where it is written), or None outside the main file."""
        loc = self.sm.getFullyExpandedLoc(loc)
        if loc.buffer.id != self.main:
            return None
        return bisect.bisect_right(self.starts, loc.offset)

    def column(self, loc: Any) -> int:
        loc = self.sm.getFullyExpandedLoc(loc)
        line = bisect.bisect_right(self.starts, loc.offset)
        return loc.offset - self.starts[line - 1] + 1


def _first_error(tree: Any, sm: Any, where: _Lines) -> tuple[str, int | None, int | None] | None:
    import pyslang

    for d in tree.diagnostics:
        if d.isError():
            line = where(d.location) if d.location else None
            return (message_of(pyslang.DiagnosticEngine(sm), d), line,
                    where.column(d.location) if line is not None else None)
    return None


def _chunk_hdl(path: Path, rel: str, text: str, lines: list[str], incdirs: list[Path],
               defines: dict[str, str]) -> list[Chunk]:
    tree, sm = parse_text(text, path.name, str(path),
                          preprocessor_options(SourceSet([path], list(incdirs), dict(defines))))
    line_of = _Lines(text, sm)
    error = _first_error(tree, sm, line_of)
    if error is not None:
        raise ParseError(error[0], file=rel, line=error[1], col=error[2])
    covered: set[int] = set()
    chunks: list[Chunk] = []
    memo: dict[int, int] = {}
    last = max(1, len(lines))

    def span(node: Any) -> tuple[int, int] | None:
        s, e = line_of(node.sourceRange.start), line_of(node.sourceRange.end)
        if s is None or e is None:
            return None  # from an included file: not this file's lines
        return min(s, last), min(max(s, e), last)

    root: Any = tree.root
    top_members = list(root.members) if str(root.kind).endswith("CompilationUnit") else [root]
    for member in top_members:
        kind = str(member.kind).split(".")[-1]
        if kind not in ("ModuleDeclaration", "InterfaceDeclaration", "PackageDeclaration", "ProgramDeclaration"):
            continue
        whole, head = span(member), span(member.header)
        if whole is None or head is None:
            continue
        name = member.header.name.valueText
        (mstart, mend), hend = whole, head[1]
        hstart = _comment_start(lines, mstart, memo)
        covered.update(range(hstart, hend + 1))
        header_kind = "module_header" if kind != "PackageDeclaration" else "package"
        chunks.extend(_split_long((rel, hstart, hend, header_kind, name), lines, f"{name} header"))
        ports = span(member.header.ports) if member.header.ports is not None else None
        if ports is not None and hend > mstart:
            chunks.append(_make(rel, ports[0], hend, "ports", name, lines, f"{name} ports"))
        group: list[tuple[int, int, str]] = []
        for item in member.members:
            ik = _KIND_OF.get(str(item.kind).split(".")[-1], "other")
            where = span(item)
            if where is None:
                continue
            s0, e = where
            s = _comment_start(lines, s0, memo)
            covered.update(range(s, e + 1))
            if ik in _GROUPED:
                if group and (group[0][2] != ik or e - group[0][0] >= GROUP_LINES or s > group[-1][1] + 2):
                    chunks.extend(_flush_group(group, rel, name, lines))
                group.append((s, e, ik))
                continue
            chunks.extend(_flush_group(group, rel, name, lines))
            chunks.extend(_split_long((rel, s, e, ik, name), lines, f"{name} {ik}"))
        chunks.extend(_flush_group(group, rel, name, lines))
        covered.add(mend)
    chunks.extend(_comment_blocks(rel, lines, covered))
    return chunks


def _flush_group(group: list[tuple[int, int, str]], rel: str, name: str, lines: list[str]) -> list[Chunk]:
    """One chunk for a run of small same-kind items (declarations, assigns); empties ``group``."""
    if not group:
        return []
    s, e, k = group[0][0], group[-1][1], group[0][2]
    group.clear()
    return _split_long((rel, s, e, k, name), lines, f"{name} {k}")


def _comment_blocks(rel: str, lines: list[str], covered: set[int]) -> list[Chunk]:
    """Runs of two or more comment lines not attached to any construct."""
    out: list[Chunk] = []
    run: list[int] = []
    for i, line in enumerate(lines, 1):
        if i not in covered and _is_comment(line):
            run.append(i)
            continue
        if len(run) >= 2:
            out.extend(_split_long((rel, run[0], run[-1], "comment", ""), lines, "comment"))
        run = []
    if len(run) >= 2:
        out.extend(_split_long((rel, run[0], run[-1], "comment", ""), lines, "comment"))
    return out


def _chunk_python(rel: str, text: str, lines: list[str]) -> list[Chunk]:
    try:
        tree = pyast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # not Python, a NUL byte, absurd nesting
        return [c for s in range(1, len(lines) + 1, MAX_CHUNK_LINES)
                for c in _split_long((rel, s, min(len(lines), s + MAX_CHUNK_LINES - 1), "python", ""), lines)]
    chunks: list[Chunk] = []
    doc_end = 0
    if tree.body and isinstance(tree.body[0], pyast.Expr) and isinstance(getattr(tree.body[0], "value", None),
                                                                           pyast.Constant):
        doc_end = tree.body[0].end_lineno or 1
        chunks.append(_make(rel, 1, doc_end, "comment", "", lines, "module docstring"))
    for node in tree.body:
        if isinstance(node, pyast.ClassDef):
            start = _py_start(node, lines)
            body_start = node.body[0].lineno if node.body else node.lineno
            header_end = max(node.lineno, body_start - 1)
            methods = [n for n in node.body if isinstance(n, pyast.FunctionDef | pyast.AsyncFunctionDef)]
            first_method = min((_py_start(m, lines) for m in methods), default=(node.end_lineno or node.lineno) + 1)
            chunks.append(_make(rel, start, max(header_end, first_method - 1), "module_header", node.name, lines,
                                f"class {node.name}"))
            for m in methods:
                chunks.extend(_python_body(rel, m, lines, node.name, f"{node.name}.{m.name}"))
        elif isinstance(node, pyast.FunctionDef | pyast.AsyncFunctionDef):
            chunks.extend(_python_body(rel, node, lines, "", node.name))
    return chunks


PY_GROUP_LINES = 12


def _python_body(rel: str, fn: Any, lines: list[str], module: str, title: str) -> list[Chunk]:
    """A short function is one chunk; a long one is split along its statements (``with m.Case``...)."""
    start, end = _py_start(fn, lines), fn.end_lineno or fn.lineno
    if end - start + 1 <= PY_GROUP_LINES + 3:
        return [_make(rel, start, end, "python", module, lines, title)]
    spans: list[tuple[int, int]] = []

    def visit(stmts: list[Any]) -> None:
        for st in stmts:
            s0, e0 = _py_start(st, lines), st.end_lineno or st.lineno
            children = [getattr(st, f) for f in ("body", "orelse", "finalbody") if getattr(st, f, None)]
            if e0 - s0 + 1 > PY_GROUP_LINES and children:
                spans.append((s0, st.body[0].lineno - 1 if st.body[0].lineno > s0 else s0))
                for child in children:
                    visit(child)
            else:
                spans.append((s0, e0))

    visit(fn.body)
    spans.insert(0, (start, fn.body[0].lineno - 1 if fn.body[0].lineno > start else start))
    out: list[Chunk] = []
    group: list[tuple[int, int]] = []
    for sp in sorted(set(spans)):
        if group and (sp[1] - group[0][0] + 1 > PY_GROUP_LINES or sp[0] > group[-1][1] + 2):
            out.append(_make(rel, group[0][0], group[-1][1], "python", module, lines, title))
            group = []
        group.append(sp)
    if group:
        out.append(_make(rel, group[0][0], group[-1][1], "python", module, lines, title))
    return out


def _py_start(node: Any, lines: list[str]) -> int:
    start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    i = start - 1
    while i >= 1 and lines[i - 1].strip().startswith("#"):
        i -= 1
    return i + 1


def _chunk_doc(rel: str, lines: list[str]) -> list[Chunk]:
    """Markdown/text by section: a heading starts a chunk; long sections split at blank lines."""
    heads = [i for i, ln in enumerate(lines, 1) if re.match(r"#{1,6}\s", ln)]
    if not heads or heads[0] != 1:
        heads = [1, *heads]
    chunks: list[Chunk] = []
    for n, start in enumerate(heads):
        end = (heads[n + 1] - 1) if n + 1 < len(heads) else len(lines)
        while end > start and not lines[end - 1].strip():
            end -= 1
        if end < start or not any(ln.strip() for ln in lines[start - 1:end]):
            continue
        title = lines[start - 1].lstrip("#").strip() if lines[start - 1].startswith("#") else Path(rel).name
        s = start
        while s <= end:
            e = min(end, s + MAX_CHUNK_LINES - 1)
            if e < end:  # prefer to break at a blank line
                for k in range(e, s + 10, -1):
                    if not lines[k - 1].strip():
                        e = k
                        break
            chunks.append(_make(rel, s, e, "doc", "", lines, title))
            s = e + 1
    return chunks
