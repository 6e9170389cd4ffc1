"""Wire parasitics from a placement (or a routing), written as SPEF for OpenSTA.

Placement estimate (what the ``graywolf`` backend feeds to OpenSTA): each net becomes a
star RC network rooted at its driver pin. Every sink hangs off the driver through a
resistor of ``r_h * |dx| + r_v * |dy|`` (the Manhattan distance, split per routing
direction); the net's wire capacitance is ``c_h * HPWL_x + c_v * HPWL_y`` (its
half-perimeter wirelength, which is the exact Steiner length for 2- and 3-pin nets and
a lower bound above that), half of it on the driver node and half spread over the sinks
in proportion to their distance. r and c per micron come from the LEF layers chosen by
:meth:`LefLibrary.signal_layers` (OpenROAD's ``set_wire_rc -layer`` formula).

Routed nets (a DEF with ``ROUTED`` wiring, e.g. from qrouter) use the routed length on
each layer instead of the HPWL for the capacitance and scale the branch resistances by
routed length / star length.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from chipchat.formats.defio import DefDesign
from chipchat.formats.layout import NetGeometry
from chipchat.formats.lef import LefLibrary


@dataclass(frozen=True)
class WireRC:
    """Per-micron wire resistance (ohm) and capacitance (pF) for horizontal and vertical wires."""

    r_h: float
    c_h: float
    r_v: float
    c_v: float
    layers: tuple[str, str] = ("", "")

    @classmethod
    def from_lef(cls, lef: LefLibrary) -> WireRC:
        horizontal, vertical = lef.signal_layers()
        if horizontal is None or vertical is None:
            return cls(0.0, 0.0, 0.0, 0.0)
        return cls(horizontal.res_per_um, horizontal.cap_per_um, vertical.res_per_um, vertical.cap_per_um,
                   (horizontal.name, vertical.name))


@dataclass
class NetRC:
    name: str
    driver: str
    sinks: list[tuple[str, float, float]]  # (pin, branch resistance ohm, node cap pF)
    driver_cap: float
    wire_um: float

    @property
    def total_cap(self) -> float:
        return self.driver_cap + sum(c for _, _, c in self.sinks)


def estimate(design: DefDesign, lef: LefLibrary, nets: dict[str, NetGeometry], rc: WireRC) -> list[NetRC]:
    """An RC star per net with a driver and at least one sink (see the module docstring)."""
    out: list[NetRC] = []
    dbu = design.dbu
    for name, geo in nets.items():
        if geo.driver is None or not geo.sinks:
            continue
        dx, dy = (v / dbu for v in geo.hpwl())
        routed = design.nets.get(name)
        if routed is not None and routed.routed:
            wire_um, cap = _routed_cap(routed.wire_length, lef, dbu)
        else:
            wire_um, cap = dx + dy, rc.c_h * dx + rc.c_v * dy
        branches = []
        for pin, (sx, sy) in zip(geo.sink_pins, geo.sinks, strict=True):
            bx, by = abs(sx - geo.driver[0]) / dbu, abs(sy - geo.driver[1]) / dbu
            branches.append((pin, rc.r_h * bx + rc.r_v * by, bx + by))
        star = sum(length for _, _, length in branches)
        if routed is not None and routed.routed and star > 0:
            scale = wire_um / star
            branches = [(p, r * scale, length) for p, r, length in branches]
        sinks = []
        for pin, res, length in branches:
            share = (length / star) if star > 0 else 1.0 / len(branches)
            sinks.append((pin, res, cap / 2 * share if star > 0 else 0.0))
        driver_cap = cap / 2 if star > 0 else cap
        out.append(NetRC(name, geo.driver_pin, sinks, driver_cap, wire_um))
    return out


def _routed_cap(lengths: dict[str, int], lef: LefLibrary, dbu: int) -> tuple[float, float]:
    total, cap = 0.0, 0.0
    for layer_name, length in lengths.items():
        um = length / dbu
        total += um
        layer = lef.layers.get(layer_name)
        cap += um * (layer.cap_per_um if layer else 0.0)
    return total, cap


_SAFE = re.compile(r"[A-Za-z0-9_]")


def spef_name(name: str) -> str:
    """Escape a net/instance name for SPEF; a trailing ``[n]`` stays a bus index."""
    match = re.fullmatch(r"(.*?)(\[\d+\])?", name)
    base, index = (match.group(1), match.group(2) or "") if match else (name, "")
    return "".join(ch if _SAFE.match(ch) else "\\" + ch for ch in base) + index


def _pin_ref(pin: str) -> str:
    if ":" in pin:
        inst, port = pin.rsplit(":", 1)
        return f"{spef_name(inst)}:{spef_name(port)}"
    return spef_name(pin)


def write_spef(path: str | Path, design: str, nets: list[NetRC], *, program: str) -> Path:
    """Write ``nets`` as a SPEF file (ns, pF, ohm) that OpenSTA's ``read_spef`` accepts."""
    stamp = time.strftime("%a %b %d %H:%M:%S %Y")
    lines = ['*SPEF "IEEE 1481-1998"', f'*DESIGN "{design}"', f'*DATE "{stamp}"', '*VENDOR "chipchat"',
             f'*PROGRAM "{program}"', '*VERSION "1"', '*DESIGN_FLOW "PIN_CAP NONE"', "*DIVIDER /",
             "*DELIMITER :", "*BUS_DELIMITER [ ]", "*T_UNIT 1 NS", "*C_UNIT 1 PF", "*R_UNIT 1 OHM",
             "*L_UNIT 1 HENRY", ""]
    for net in nets:
        lines.append(f"*D_NET {spef_name(net.name)} {net.total_cap:.6g}")
        lines.append("*CONN")
        lines.append(f"{_conn(net.driver, True)}")
        lines.extend(_conn(pin, False) for pin, _, _ in net.sinks)
        lines.append("*CAP")
        lines.append(f"1 {_pin_ref(net.driver)} {net.driver_cap:.6g}")
        lines.extend(f"{i} {_pin_ref(pin)} {cap:.6g}" for i, (pin, _, cap) in enumerate(net.sinks, start=2))
        lines.append("*RES")
        lines.extend(f"{i} {_pin_ref(net.driver)} {_pin_ref(pin)} {max(res, 1e-4):.6g}"
                     for i, (pin, res, _) in enumerate(net.sinks, start=1))
        lines += ["*END", ""]
    out = Path(path)
    out.write_text("\n".join(lines))
    return out


def _conn(pin: str, driver: bool) -> str:
    if ":" in pin:
        return f"*I {_pin_ref(pin)} {'O' if driver else 'I'}"
    return f"*P {spef_name(pin)} {'I' if driver else 'O'}"
