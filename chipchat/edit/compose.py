"""Two transformations in a row: the second reads the design as the first left it.

"Pipeline the multiplier" inside an ``always`` block first names the product (a new
``wire``), then pipelines that wire; the second step needs a model of the design *with*
the wire. :func:`staged` applies the first edits to private copies of the changed files,
runs the second transformation on that intermediate design, and returns one Plan whose
edits turn the original files into the final ones (so the diff is against the user's
files). Line citations in the second step's notes are mapped back to the original lines.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from chipchat.edit.context import Context, Plan
from chipchat.types import Citation, Edit, apply_edits


def staged(ctx: Context, first: list[Edit], then: Callable[[Context], Plan]) -> Plan:
    """``then`` run on the design with ``first`` applied, as one Plan against the original files."""
    design = ctx.design
    root = design.root.resolve()
    tmp = design.ensure_state_dir() / "tmp" / f"compose-{uuid.uuid4().hex[:8]}"
    by_file: dict[str, list[Edit]] = {}
    for e in first:
        by_file.setdefault(e.file, []).append(e)
    try:
        sources: list[Path] = []
        middle: dict[str, bytes] = {}  # original file -> intermediate text
        for src in design.sources:
            key = str(Path(src).resolve())
            if not Path(key).is_relative_to(root):
                sources.append(Path(src))
                continue
            target = tmp / Path(key).relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            data = ctx.index.data.get(key, Path(key).read_bytes())
            if key in by_file:
                data = apply_edits(data, by_file[key])
                middle[key] = data
            target.write_bytes(data)
            sources.append(target)
        include = [tmp / Path(d).resolve().relative_to(root) if Path(d).resolve().is_relative_to(root) else d
                   for d in design.include_dirs]
        for d, new in zip(design.include_dirs, include, strict=True):
            if new != d and Path(d).is_dir() and not new.exists():
                shutil.copytree(d, new, ignore=shutil.ignore_patterns(".chipchat"))
        inner = dataclasses.replace(design, root=tmp, sources=sources, include_dirs=include, config_file=None)
        plan = then(Context.load(inner))
        edits: list[Edit] = []
        texts: dict[str, bytes] = {}
        mapped = {str((tmp / Path(k).relative_to(root)).resolve()): k for k in
                  (str(Path(s).resolve()) for s in design.sources) if Path(k).is_relative_to(root)}
        second: dict[str, list[Edit]] = {}
        for e in plan.edits:
            second.setdefault(mapped.get(str(Path(e.file).resolve()), e.file), []).append(
                dataclasses.replace(e, file=mapped.get(str(Path(e.file).resolve()), e.file)))
        for key in set(middle) | set(second):
            base = middle.get(key, ctx.index.data.get(key, b""))
            texts[key] = apply_edits(base, second.get(key, []))
            original = ctx.index.data.get(key) or Path(key).read_bytes()
            edits.append(Edit(key, 0, len(original), texts[key].decode("utf-8")))
        lines = {ctx.rel(k): _line_map(ctx.index.data.get(k, b""), v) for k, v in middle.items()}
        plan.edits = edits
        plan.notes = [_remap(n, lines) for n in plan.notes]
        plan.citations = [_remap_citation(c, lines) for c in plan.citations]
        return plan
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _line_map(original: bytes, middle: bytes) -> dict[int, int]:
    """Intermediate line number -> original line number (lines the first step inserted map to the next
    original line)."""
    a = original.decode("utf-8").splitlines()
    b = middle.decode("utf-8").splitlines()
    out: dict[int, int] = {}
    sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        for j in range(j1, j2):
            out[j + 1] = (i1 + (j - j1) + 1) if tag == "equal" else min(i1 + 1, max(i2, i1 + 1))
    return out


def _remap(text: str, lines: dict[str, dict[int, int]]) -> str:
    def sub(m: re.Match[str]) -> str:
        table = lines.get(m.group(1))
        return f"{m.group(1)}:{table.get(int(m.group(2)), int(m.group(2)))}" if table else m.group(0)

    return re.sub(r"([\w./-]+\.s?v):(\d+)", sub, text)


def _remap_citation(c: Citation, lines: dict[str, dict[int, int]]) -> Citation:
    table = lines.get(c.file)
    if not table:
        return c
    return dataclasses.replace(c, line=table.get(c.line, c.line),
                               end_line=table.get(c.end_line, c.end_line) if c.end_line else 0)
