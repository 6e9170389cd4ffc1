"""Ports, clock and reset: from a port table, a bullet list or the RTL; clock and reset from names and prose.

The RTL is the authority on what ports exist (a testbench drives the real module); the spec's
port table or bullet list is checked against it and every difference is a static finding.
The clock, its active edge, the reset, its level, its kind (synchronous or asynchronous) and
what it resets to come from the spec's words where it has them and from naming conventions
(``clk``, ``resetn``, ``areset``) where it does not — each recorded with where it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chipchat.tbgen.blocks import Finding, PortSpec, Table
from chipchat.tbgen.layouts import BulletPort
from chipchat.tbgen.text import clean

CLOCK_NAME = re.compile(r"^(?:clk|clock|i_clk|clk_i|aclk|[a-z]+_clk|clk_[a-z0-9]+)$", re.I)
RESET_NAME = re.compile(r"^(?:a?(?:sync_)?(?:reset|rst)(?:_?n|_b|_ni?)?|a?resetn|arst_?n?|i_rst_?n?|rst_?n?_i|"
                        r"[a-z]+_(?:reset|rst)(?:_?n)?)$", re.I)


@dataclass
class ResetInfo:
    port: str
    active: int  # 1: active high
    kind: str | None  # sync | async | None (the spec does not say)
    target: str = ""  # what it resets to, as written: "0", "0x34", "32'h1", "state A", "A"
    evidence: list[str] = field(default_factory=list)  # where each fact came from


def rtl_ports(spec_ports: list[PortSpec], rtl: dict[str, tuple], where: str) -> tuple[list[PortSpec], list[Finding]]:
    """Ports as the RTL has them; the spec's list (if any) is checked against them."""
    findings: list[Finding] = []
    by_name = {p.name: p for p in spec_ports}
    out: list[PortSpec] = []
    for p in spec_ports:
        if p.name not in rtl:
            findings.append(Finding(f"port {p.name}", f"{where}:{p.line}", f"a {p.direction} port {p.name}",
                                    "the RTL top module has no such port"))
    for name, facts in rtl.items():
        direction, width = facts[0], facts[1]
        lsb = facts[2] if len(facts) > 2 else 0
        declared = by_name.get(name)
        if declared is None:
            out.append(PortSpec(name, direction, str(width), "", 0, width, lsb))
            continue
        if declared.direction and declared.direction != direction:
            findings.append(Finding(f"direction of port {name}", f"{where}:{declared.line}", declared.direction,
                                    direction))
        if declared.width_text.isdigit() and int(declared.width_text) != width:
            findings.append(Finding(f"width of port {name}", f"{where}:{declared.line}", declared.width_text,
                                    str(width)))
        declared.width, declared.lsb = width, lsb
        out.append(declared)
    return out, findings


def from_bullets(bullets: list[BulletPort], default_width: int | None) -> list[PortSpec]:
    return [PortSpec(b.name, b.direction, str(b.width if b.width is not None else default_width or ""),
                     b.description, b.line, b.width or default_width or 0, b.lsb) for b in bullets]


def default_width(text: str) -> int | None:
    """"All input and output ports are one bit unless otherwise specified" → 1."""
    m = re.search(r"ports? (?:are|is) (one|1|single)[- ]bits?(?: wide)? unless", text, re.I)
    return 1 if m else None


def from_table(spec_where: str, table: Table) -> list[PortSpec]:
    ci, cd, cw = table.col("port", "name", "signal"), table.col("direction", "dir"), table.col("width", "bits")
    cdesc = table.col("description")
    out = []
    for n, row in enumerate(table.rows):
        name = clean(row[ci or 0])
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            continue
        out.append(PortSpec(name, clean(row[cd]).lower() if cd is not None else "",
                            clean(row[cw]) if cw is not None else "",
                            row[cdesc].strip() if cdesc is not None else "", table.row_line(n)))
    table.used_by.append("port list")
    return out


def find_clock(ports: list[PortSpec], clocks: list[str], text: str) -> tuple[str | None, str]:
    """(clock port, active edge: rising | falling | both)."""
    clock = None
    for p in ports:
        if p.direction == "input" and p.width == 1 and (p.name in clocks or CLOCK_NAME.match(p.name) or
                                                        re.search(r"\bclock\b", p.description, re.I)):
            clock = p.name
            break
    if clock is None:
        return None, "rising"
    name = re.escape(clock)
    if re.search(r"\b(?:dual|double)[- ]edge|\bboth edges\b", text, re.I):
        return clock, "both"
    if re.search(rf"\b(?:negative|falling)[- ]edge of (?:the )?(?:{name}|clock)\b|negedge\s+{name}", text, re.I):
        return clock, "falling"
    return clock, "rising"


def find_reset(ports: list[PortSpec], text: str, where: str) -> ResetInfo | None:
    """The reset input, its level and kind, and what it resets to (from prose when the spec says)."""
    candidates = [p for p in ports if p.direction == "input" and p.width == 1 and
                  (RESET_NAME.match(p.name) or re.search(r"\breset\b", p.description, re.I))]
    if not candidates and re.search(r"\breset\b", text, re.I):  # "D flip-flop with ... reset" and an input `r`
        candidates = [p for p in ports if p.direction == "input" and p.width == 1 and
                      re.fullmatch(r"r|clr|clear|rs", p.name, re.I)]
    if not candidates:
        return None
    port = candidates[0]
    name = port.name
    lowered = name.lower()
    info = ResetInfo(name, 0 if re.search(r"(?:_n|n|_b|_ni)$", lowered) and not lowered.endswith("in") else 1, None)
    info.evidence.append(f"{name}: a reset by its name")
    if lowered.startswith("a") and re.match(r"^a(?:reset|rst)", lowered):
        info.kind = "async"
        info.evidence.append(f"{name}: asynchronous by its name (a- prefix)")
    said = _reset_sentences(text, name)
    for sentence, line in said:
        low = sentence.lower()
        if re.search(r"active[- ]low|\bnegative\b(?! edge)|low[- ]active", low):
            info.active = 0
            info.evidence.append(f"{where}:{line}: active low")
        elif re.search(r"active[- ]high|high[- ]active|positive[- ]edge[- ]triggered asynchronous", low):
            info.active = 1
            info.evidence.append(f"{where}:{line}: active high")
        if re.search(r"\basynchronous(?:ly)?\b|\basync\b", low):
            info.kind = "async"
            info.evidence.append(f"{where}:{line}: asynchronous")
        elif re.search(r"\bsynchronous(?:ly)?\b|\bsync\b", low):
            info.kind = "sync"
            info.evidence.append(f"{where}:{line}: synchronous")
        target = re.search(r"(?i:\breset(?:s|ting|ing)?\b[^.;]*?\b(?:in)?to\s+(?:state\s+)?)(?P<t>\d+'[sS]?[hdboHDBO]"
                           r"[0-9a-fA-F_]+|0x[0-9a-fA-F_]+|\d+|[A-Z][A-Za-z0-9_]*|(?i:zero|one))\b", sentence)
        if target and not info.target:
            info.target = target.group("t")
            info.evidence.append(f"{where}:{line}: resets to {info.target}")
    return info


def _reset_sentences(text: str, name: str) -> list[tuple[str, int]]:
    from bisect import bisect_right

    out = []
    offsets = [0] + [m.end() for m in re.finditer(r"\n", text)]
    mention = re.compile(r"\b(?:reset\w*|" + re.escape(name) + r")\b", re.I)
    for m in re.finditer(r"[^.!?]+[.!?]?", text):  # sentences, in linear time
        if not mention.search(m.group(0)):
            continue
        start = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
        out.append((" ".join(m.group(0).split()), bisect_right(offsets, start)))
        if len(out) >= 50:
            break
    return out
