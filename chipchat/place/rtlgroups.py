"""Which RTL statement each placed cell implements: the labels of the picture's ``group`` colouring.

The rule is the timing explainer's (:mod:`chipchat.timing.explain`): a gate's output net
has a *support* (the registers and inputs it is computed from); it belongs to the RTL
statement, among those feeding a register or an output, whose support covers it with
the least to spare. Flip-flops are labelled with the register they hold.
"""

from __future__ import annotations

from pathlib import Path

from chipchat.design import Design
from chipchat.formats.yosys_json import Netlist
from chipchat.timing.explain import _choose  # the explainer's own matching rule, not a copy of it
from chipchat.timing.rtlmap import RtlMap, Statement, split


def load_context(design: Design, netlist_json: Path, liberty: list[Path]) -> tuple[Netlist, RtlMap]:
    """The synthesized netlist graph and the RTL map of ``design`` (names preferred as the explainer does)."""
    from chipchat.formats.liberty import read_liberty
    from chipchat.rtl.build import parse_design

    flops = {c for lib in liberty for c in read_liberty(lib).flops()}
    net = Netlist.load(netlist_json, top=design.top, sequential_types=flops)
    rtl = RtlMap(parse_design(design), design.root)
    net.prefer = rtl.name_preference
    return net, rtl


def cell_statements(net: Netlist, rtl: RtlMap) -> dict[str, str]:
    """Instance -> short label of its RTL statement (``acc + product``) or register (``reg acc``)."""
    candidates: dict[tuple[str, str, int], tuple[Statement, frozenset[str], frozenset[str]]] = {}
    ends = {split(net.display_name(b))[1] for cell in net.cells.values() if net.is_sequential(cell)
            for b in [net.flop_output_bit(cell)] if b is not None}
    ends |= {p.name for p in net.ports.values() if p.direction == "output"}
    for end in sorted(ends):
        for statement in rtl.cone(end):
            key = (statement.scope, statement.span.file, statement.span.line)
            if key not in candidates:
                candidates[key] = (statement, rtl.statement_support(statement), rtl.data_support(statement))
    options = list(candidates.values())
    out: dict[str, str] = {}
    for cell in net.cells.values():
        if net.is_sequential(cell):
            bit = net.flop_output_bit(cell)
            if bit is not None:
                out[cell.name] = "reg " + split(net.display_name(bit))[1]
            continue
        outputs = cell.bits("output")
        if not outputs:
            continue
        chosen = _choose(net.support(outputs[0]), options)
        if chosen is not None:
            out[cell.name] = _short(chosen.expression)
    return out


def _short(text: str, width: int = 28) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
