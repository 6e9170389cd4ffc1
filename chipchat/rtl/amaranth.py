"""Amaranth designs: elaborate the user's Python to Verilog and map lines back.

Elaboration runs in a child Python (through ``_exec``) so a user design that hangs,
crashes or pollutes ``sys.modules`` cannot take chipchat down with it. Amaranth's
Verilog carries ``(* src = "design.py:10" *)`` attributes; :func:`line_map_for` turns
them into a table from generated line to the user's Python line (Amaranth's own
library frames are filtered out), which the parser uses so citations point at Python.
"""

from __future__ import annotations

import json
import re
import sys
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
    argv = [sys.executable, "-m", "chipchat.rtl._amaranth_child", str(cfg.file), cfg.elaboratable,
            design.top or "top", str(verilog) + ".tmp"]
    result = _exec.run(argv, cwd=cfg.file.parent, timeout=timeout_s, tool="amaranth")
    if not result.ok:
        raise _elaboration_error(result.output, cfg.file)
    Path(str(verilog) + ".tmp").replace(verilog)
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
    for lineno, line in enumerate(verilog.read_text(encoding="utf-8").splitlines(), 1):
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
    return table


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
