"""Waveform listings (``time  clk a  q`` then ``15ns  1  0  1`` rows): values, radix, timing.

A listing is a record of a simulation: each row holds every signal's value at that time.
Multi-bit values are hexadecimal when any multi-bit cell of the listing has a hex letter
(simulators print hex), decimal otherwise; ``x`` / ``z`` are unknown (an unknown input is
not driven, an unknown output is not checked). A listing with a clock column is replayed
with its own timing — the clock toggled as the rows show and the other inputs changed
just after each edge, as a simulator's stimulus does — so times are never taken for cycles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chipchat.tbgen.blocks import PortSpec, Table
from chipchat.tbgen.ports import CLOCK_NAME, RESET_NAME

UNITS = {"fs": 1e-6, "ps": 1e-3, "ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


@dataclass
class Listing:
    columns: list[str]  # port per column (after the time column)
    times_ns: list[float]
    rows: list[dict[str, int | None]]  # port -> value (None: x/z)
    lines: list[int]
    clock: str | None
    radix: int
    unknown_inputs: int = 0
    notes: list[str] = field(default_factory=list)


def column_port(name: str, ports: dict[str, PortSpec], clock: str | None, reset: str | None) -> str | None:
    base = re.sub(r"\[.*\]$", "", name)
    if base in ports:
        return base
    low = {n.lower(): n for n in ports}
    if base.lower() in low:
        return low[base.lower()]
    if clock and CLOCK_NAME.match(base):
        return clock
    if reset and RESET_NAME.match(base):
        return reset
    return None


def read(table: Table, ports: dict[str, PortSpec], clock: str | None, reset: str | None) -> Listing | str:
    head = table.header
    if not re.fullmatch(r"t|time|t\(ns\)|time\(ns\)", head[0], re.I):
        return "its first column is not a time column"
    cols = [column_port(h, ports, clock, reset) for h in head[1:]]
    missing = [h for h, c in zip(head[1:], cols, strict=True) if c is None]
    if missing:
        return "columns " + ", ".join(f"'{m}'" for m in missing) + " are not ports of the design"
    wide = [i for i, c in enumerate(cols) if c is not None and ports[c].width > 1]
    cells = [r[1:] for r in table.rows]
    radix = 16 if any(re.search(r"[a-fA-F]", row[i]) and not re.fullmatch(r"[xXzZ]+", row[i])
                      for row in cells for i in wide) else 10
    times: list[float] = []
    rows: list[dict[str, int | None]] = []
    for row, line, raw in zip(cells, table.lines, table.rows, strict=True):
        m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([a-z]*)", raw[0])
        if not m:
            return f"line {line}: '{raw[0]}' is not a time"
        times.append(float(m.group(1)) * UNITS.get(m.group(2) or "ns", 1.0))
        values: dict[str, int | None] = {}
        for cell, port in zip(row, cols, strict=True):
            assert port is not None
            value = _value(cell, ports[port].width, radix)
            if value == "bad":
                return f"line {line}: '{cell}' is not a value of {port}"
            values[port] = value  # type: ignore[assignment]
        rows.append(values)
    listing = Listing([c for c in cols if c is not None], times, rows, list(table.lines),
                      clock if clock in cols else None, radix)
    listing.unknown_inputs = sum(1 for r in rows for p, v in r.items()
                                 if v is None and ports[p].direction == "input" and p != listing.clock)
    return listing


def _value(cell: str, width: int, radix: int) -> int | None | str:
    t = cell.strip().lower()
    if re.fullmatch(r"[xz?-]+", t):
        return None
    t = t.replace("_", "")
    m = re.fullmatch(r"(?:\d+)?'([hdbo])([0-9a-f]+)", t)
    if m:
        return int(m.group(2), {"h": 16, "d": 10, "b": 2, "o": 8}[m.group(1)])
    if t.startswith("0x"):
        t, radix = t[2:], 16
    try:
        value = int(t, radix if width > 1 else 2)
    except ValueError:
        return "bad"
    return value if value < (1 << max(width, 1)) else "bad"


def vectors(listing: Listing, inputs: list[str], outputs: list[str]) -> tuple[dict[tuple[int, ...], dict[str, int]],
                                                                                dict[tuple[int, ...], int], str]:
    """Combinational reading: inputs → known outputs, the line of each, and a reason if rows conflict."""
    table: dict[tuple[int, ...], dict[str, int]] = {}
    where: dict[tuple[int, ...], int] = {}
    for row, line in zip(listing.rows, listing.lines, strict=True):
        drive = [row.get(i) for i in inputs]
        key = tuple(v for v in drive if v is not None)
        if len(key) != len(inputs):
            continue
        known = {o: v for o in outputs if (v := row.get(o)) is not None}
        seen = table.setdefault(key, {})
        for o, v in known.items():
            if seen.get(o, v) != v:
                return {}, {}, (f"line {line}: the same inputs give {o} = {v} here and {seen[o]} at line "
                                f"{where[key]} — the listing is not of a combinational circuit")
            seen[o] = v
        where.setdefault(key, line)
    return table, where, ""


REPLAY = r'''

async def replay_listing(dut, listing):
    """Drive a waveform listing with its own timing: the clock as the rows show it, other inputs just after,
    and compare every known output at each row (x in the listing: not checked)."""
    clock, rows = listing["clock"], listing["rows"]
    for name in INPUTS:
        getattr(dut, name).value = 0
    if clock:
        getattr(dut, clock).value = 0
    for k, (t, ins, outs, source) in enumerate(rows):
        step = (rows[k + 1][0] - t) if k + 1 < len(rows) else (t - rows[k - 1][0] if k else 1.0)
        if clock and ins.get(clock) is not None:
            getattr(dut, clock).value = ins[clock]
        await Timer(step / 10, unit="ns")
        for name, value in ins.items():
            if name != clock and value is not None:
                getattr(dut, name).value = value
        await Timer(step / 2, unit="ns")
        for name, value in outs.items():
            if value is None:
                continue
            try:
                got = int(getattr(dut, name).value)
            except ValueError:
                got = None
            if got != value:
                shown = ", ".join(f"{n}={'x' if v is None else v}" for n, v in ins.items())
                raise AssertionError(f"{name} = {show(got)}, spec expects {show(value)} [{source}] at "
                                     f"{t:g} ns; inputs {shown}")
        await Timer(step - step / 10 - step / 2, unit="ns")
'''
