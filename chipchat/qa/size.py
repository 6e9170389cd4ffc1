"""How big a design is: cells, area and flip-flops from a real synthesis, and where the area goes in the RTL.

``design_size`` synthesizes with Yosys to the design's cell library (the same cached step
timing uses, at the design's clock when it has one — no clock is needed) and reads the
statistics: cell count, area, flip-flops, buffers, the cell types. Yosys keeps each cell's
``src`` attribute, so the area is also attributed to the RTL lines that produced it: "is the
multiplier most of the area?" is answered by the line ``product = a * b`` and its share.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from chipchat.answer import Answer
from chipchat.config import settings
from chipchat.design import Design
from chipchat.rtl.load import DesignArg, load_design
from chipchat.steps.step import StepResult
from chipchat.types import Span

TOP_LINES = 6


@dataclass
class AreaShare:
    """Area produced by one RTL line (cells whose ``src`` names it)."""

    file: str
    line: int
    area: float
    cells: int
    text: str = ""
    signal: str = ""


@dataclass
class SizeReport:
    """Synthesis statistics of a design and the RTL lines that hold its area."""

    design: Design
    platform: str
    cells: int
    area: float
    flops: int
    buffers: int
    cell_types: dict[str, int]
    period_ns: float | None
    run_dir: str
    cached: bool
    shares: list[AreaShare] = field(default_factory=list)
    register_bits: int = 0

    def answer(self) -> Answer:
        d = self.design
        ans = Answer(text="", kind="size", data={
            "cells": self.cells, "area_um2": self.area, "flops": self.flops, "buffers": self.buffers,
            "platform": self.platform, "clock_period_ns": self.period_ns, "register_bits": self.register_bits,
            "cell_types": self.cell_types,
            "by_signal": [{"signal": s.signal, "file": s.file, "line": s.line, "area": round(s.area, 1),
                           "cells": s.cells} for s in self.shares]})
        head = (f"**{d.name} is {self.cells:,} cells, {self.area:,.0f} µm²** on {self.platform}, "
                f"with {self.flops} flip-flop{'s' if self.flops != 1 else ''}.")
        lines = [head, ""]
        target = f"at the {self.period_ns:g} ns clock" if self.period_ns else "without a clock target (area mapping)"
        lines.append(f"From a Yosys synthesis {target}" + (" (reused from the cache)" if self.cached else "")
                     + f"; {self.buffers} of the cells are buffers.")
        if self.register_bits:
            lines.append(f"The RTL declares {self.register_bits} register bit(s) (flip-flops the synthesis "
                         "kept or merged are counted above).")
        if self.shares and self.area > 0:
            lines += ["", "Where the area goes, by the RTL signal each cell computes:", "",
                      "| signal | computed at | cells | area (µm²) | share |", "|---|---|---:|---:|---:|"]
            for s in self.shares[:TOP_LINES]:
                where = ans.cite(Span(s.file, s.line), d.root, f"area of {s.signal}") if s.line else ""
                text = f" `{s.text}`" if s.text else ""
                lines.append(f"| `{s.signal}` | {where}{text} | {s.cells} | {s.area:,.0f} | "
                             f"{100 * s.area / self.area:.0f}% |")
        top = sorted(self.cell_types.items(), key=lambda kv: -kv[1])[:8]
        if top:
            lines += ["", "Cell types: " + ", ".join(f"{n}× `{t}`" for t, n in top)
                      + (" …" if len(self.cell_types) > len(top) else "")]
        ans.text = "\n".join(lines)
        ans.runs.append(self.run_dir)
        return ans


def design_size(design: DesignArg, clock_period_ns: float | None = None) -> SizeReport:
    """How big the design is after synthesis: cells, area (µm²), flip-flops, and the RTL lines that hold the area.

    Args:
        clock_period_ns: the clock the synthesis targets (default: the design's clock, if it has one; a design
            without a clock is mapped for area).
    """
    from chipchat.platforms import get_platform
    from chipchat.timing.api import effective_period
    from chipchat.timing.synth import synthesize

    d = load_design(design)
    plat = get_platform(d.platform, base=d.root)
    period = effective_period(d, clock_period_ns)
    synth = synthesize(d, platform=plat, clock_period_ns=period, repair="abc", timeout_s=settings().tool_timeout_s)
    m = synth.metrics
    return SizeReport(d, plat.name, int(m.get("cells", 0)), float(m.get("area", 0.0)), int(m.get("flops", 0)),
                      int(m.get("buffers", 0)), dict(m.get("cell_types", {})), period, str(synth.run_dir),
                      synth.cached, area_by_signal(d, synth, plat), _register_bits(d))


def area_by_signal(design: Design, synth: StepResult, platform: Any) -> list[AreaShare]:
    """The synthesized cells' area grouped by the RTL signal each cell computes, largest first.

    ABC's mapped gates carry no ``src``; each one is charged to the first net with an RTL name
    that its output reaches (``product[17]`` for a gate of the multiplier), and that signal is
    cited where the RTL assigns it.
    """
    from collections import deque

    from chipchat.formats.liberty import read_liberty
    from chipchat.formats.yosys_json import Netlist

    areas = {name: cell.area for lib in platform.liberty for name, cell in read_liberty(lib).cells.items()}
    net = Netlist.load(synth.artifacts["netlist_json"], top=design.top)

    def owner(bits: list[int]) -> str | None:
        seen: set[int] = set()
        todo = deque((b, 0) for b in bits)
        while todo:
            bit, depth = todo.popleft()
            if bit in seen or depth > 64:
                continue
            seen.add(bit)
            names = [n for n, _i, _nn in net.rtl_names(bit) if not n.startswith("$")]
            if names:
                best = min(names, key=lambda n: (n in net.ports, n.count("."), len(n))).rsplit(".", 1)[-1]
                return re.sub(r"\[\d+\]$", "", best)  # the memory mem[3] is mem
            for cell_name, _pin in net.loads.get(bit, []):
                cell = net.cells.get(cell_name)
                if cell is not None:
                    todo.extend((b, depth + 1) for b in cell.bits("output"))
        return None

    by: dict[str, list[float]] = defaultdict(list)
    for cell in net.cells.values():
        name = owner(cell.bits("output"))
        if name is not None:
            by[name].append(areas.get(cell.type, 0.0))
    where = _signal_lines(design)
    shares = []
    for name, cell_areas in by.items():
        file, line, text = where.get(name, ("", 0, ""))
        shares.append(AreaShare(file, line, sum(cell_areas), len(cell_areas), text, signal=name))
    return sorted(shares, key=lambda s: -s.area)


def _signal_lines(design: Design) -> dict[str, tuple[str, int, str]]:
    """signal → (file, line, statement) of the assignment that computes it (else its declaration)."""
    from chipchat.rtl.load import load_model

    try:
        model = load_model(design)
    except Exception:  # noqa: BLE001 - without the model the table names signals only
        return {}
    out: dict[str, tuple[str, int, str]] = {}
    for mod in model.modules.values():
        for name, sig in mod.signals.items():
            drivers = [a for a in mod.drivers(name) if not a.is_reset]
            span = drivers[-1].span if drivers else sig.span
            text = drivers[-1].text if drivers else ""
            out.setdefault(name, (design.relpath(span.file), span.line, text if len(text) <= 60 else text[:57] + "..."))
    return out


def _register_bits(design: Design) -> int:
    """Bits of the registers the top's hierarchy declares (signals a clocked block assigns, memories included,
    once per instance); modules of the sources the top does not instantiate are not counted."""
    from chipchat.rtl.load import load_model

    try:
        model = load_model(design)
    except Exception:  # noqa: BLE001 - the synthesis numbers stand without it
        return 0
    own: dict[str, int] = {}
    for mod in model.modules.values():
        clocked = {s for b in mod.blocks if b.clock for s in b.drives}
        own[mod.name] = sum(storage_bits(sig.width, sig.type) for name in clocked
                            if (sig := mod.signals.get(name)) is not None and not name.startswith("$"))
    if design.top not in model.modules:
        return sum(own.values())

    @functools.cache
    def below(name: str, depth: int = 0) -> int:  # each instance counts (a module instantiated twice, twice)
        mod = model.modules.get(name)
        if mod is None or depth > 64:
            return 0
        return own[name] + sum(below(i.module, depth + 1) for i in mod.instances if i.active)

    return below(design.top)


def storage_bits(width: int, type_text: str) -> int:
    """Bits a declaration holds: ``reg[7:0]$[0:15]`` (an array of 16 bytes) → 128."""
    ranges = [(int(a), int(b)) for a, b in re.findall(r"\[(-?\d+):(-?\d+)\]", type_text)]
    if not ranges:
        return max(width, 1)
    bits = 1
    for a, b in ranges:
        bits *= abs(a - b) + 1
    return bits if width == 0 or "$" in type_text else max(width, bits)
