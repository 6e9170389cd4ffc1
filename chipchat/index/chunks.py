"""Split a design's files into retrievable chunks that each map to a line span.

RTL is chunked along its syntax (pyslang, per file, no elaboration, so a changed file
is re-chunked on its own): module header, port list, declarations, each always/initial
block, groups of continuous assignments, instances, generate blocks, functions, and
standalone comment blocks. A comment directly above a construct joins its chunk.
Amaranth Python is chunked by class and method (``ast``); Markdown by section.
"""

from __future__ import annotations

import ast as pyast
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chipchat.errors import ParseError
from chipchat.rtl.frontend import SourceSet, first_error, parse_text, preprocessor_options

MAX_CHUNK_LINES = 60
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


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:20]


def chunk_file(path: Path, rel: str, *, kind: str, include_dirs: list[Path] | None = None,
               defines: dict[str, str] | None = None,
               line_map: dict[int, tuple[str, int]] | None = None, root: Path | None = None) -> list[Chunk]:
    """Chunks of one file; ``kind`` is ``hdl``, ``python`` or ``doc``."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    lines = text.splitlines()
    if kind == "hdl":
        chunks = _chunk_hdl(path, rel, lines, include_dirs or [], defines or {})
    elif kind == "python":
        chunks = _chunk_python(rel, text, lines)
    else:
        chunks = _chunk_doc(rel, lines)
    glossary = signal_glossary(lines, "#" if kind == "python" else "//")
    if glossary:
        for c in chunks:
            if c.kind not in ("doc", "comment", "declarations", "ports", "parameters", "module_header"):
                used = dict.fromkeys(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", c.text))
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
        names = [w for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", re.sub(r"\[[^\]]*\]", " ", head))
                 if w not in _KEYWORDS]
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


def _comment_start(lines: list[str], line: int) -> int:
    """Extend ``line`` upward over the comment lines directly above it."""
    i = line - 1
    while i >= 1 and _is_comment(lines[i - 1]):
        i -= 1
    return i + 1


def _is_comment(line: str) -> bool:
    s = line.strip()
    return s.startswith(("//", "/*", "*")) and not s.startswith("*)")


def _chunk_hdl(path: Path, rel: str, lines: list[str], incdirs: list[Path], defines: dict[str, str]) -> list[Chunk]:
    tree, sm = parse_text("\n".join(lines), path.name, str(path),
                          preprocessor_options(SourceSet([path], list(incdirs), dict(defines))))
    error = first_error(tree, sm)
    if error is not None:
        raise ParseError(error[0], file=rel, line=error[1], col=error[2])
    covered: set[int] = set()
    chunks: list[Chunk] = []

    def line_of(loc: Any) -> int:
        return int(sm.getLineNumber(loc))

    root: Any = tree.root
    top_members = list(root.members) if str(root.kind).endswith("CompilationUnit") else [root]
    for member in top_members:
        kind = str(member.kind).split(".")[-1]
        if kind not in ("ModuleDeclaration", "InterfaceDeclaration", "PackageDeclaration", "ProgramDeclaration"):
            continue
        name = member.header.name.valueText
        mstart, mend = line_of(member.sourceRange.start), line_of(member.sourceRange.end)
        hstart = _comment_start(lines, mstart)
        hend = line_of(member.header.sourceRange.end)
        covered.update(range(hstart, hend + 1))
        header_kind = "module_header" if kind != "PackageDeclaration" else "package"
        chunks.extend(_split_long((rel, hstart, hend, header_kind, name), lines, f"{name} header"))
        if member.header.ports is not None and hend > mstart:
            pstart = line_of(member.header.ports.sourceRange.start)
            chunks.append(_make(rel, pstart, hend, "ports", name, lines, f"{name} ports"))
        group: list[tuple[int, int, str]] = []
        for item in member.members:
            ik = _KIND_OF.get(str(item.kind).split(".")[-1], "other")
            s0, e = line_of(item.sourceRange.start), line_of(item.sourceRange.end)
            s = _comment_start(lines, s0)
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
    except SyntaxError:
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
