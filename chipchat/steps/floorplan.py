"""The floorplan and placement knobs, declared once: their types, defaults, documentation and checks.

Every placement entry point — the CLI flags, ``place_design`` (agent, UI), the GrayWolf and
OpenROAD steps, the OpenROAD script and the ORFS export — takes a :class:`Floorplan`, so a
default cannot differ between them (it used to: 0.5 here, 0.6 there) and a bad value is
refused the same way everywhere. After LibreLane's typed ``Variable`` declarations.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from chipchat.errors import ConfigError

EFFORTS = {"normal": 1, "fast": 4}  # GrayWolf's annealing: qflow's schedule, or a quarter of the moves
MAX_UTILIZATION = 0.95


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


@dataclass(frozen=True)
class Floorplan:
    """How big the core is and how hard the placer works."""

    utilization: float = field(default=0.5, metadata=_doc(
        "cell area / core area, 0 < u <= 0.95 (0.5 leaves room to place and route)"))
    aspect_ratio: float = field(default=1.0, metadata=_doc("core height / width"))
    core_space: float = field(default=5.0, metadata=_doc("space between the core rows and the die edge, microns"))
    density: float | None = field(default=None, metadata=_doc(
        "OpenROAD global placement target density (default: utilization + 0.1)"))
    effort: str = field(default="normal", metadata=_doc("GrayWolf effort: `normal` or `fast` (a quarter of the moves)"))
    seed: int = field(default=1, metadata=_doc("the placer's random seed, for repeatable placements"))

    def __post_init__(self) -> None:
        check_utilization(self.utilization)
        if not self.aspect_ratio > 0:
            raise ConfigError(f"aspect ratio {self.aspect_ratio:g} must be positive (core height / width)")
        if self.core_space < 0:
            raise ConfigError(f"core space {self.core_space:g} must not be negative (microns)")
        if self.density is not None and not self.utilization < self.density <= 1.0:
            raise ConfigError(f"placement density {self.density:g} must be above the utilization "
                              f"{self.utilization:g} and at most 1")
        if self.effort not in EFFORTS:
            raise ConfigError(f"unknown effort {self.effort!r}", hint="use: " + ", ".join(EFFORTS))

    @property
    def target_density(self) -> float:
        """gpl's -density: above the utilization (else GPL-0302) and below 1 (room to legalize)."""
        return self.density if self.density is not None else round(min(0.95, self.utilization + 0.1), 3)

    @classmethod
    def documentation(cls) -> dict[str, str]:
        """Knob name → what it means and its default (for ``--help`` and step contracts)."""
        return {f.name: f"{f.metadata['doc']} (default {f.default})" for f in fields(cls)}

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def check_utilization(utilization: float) -> None:
    """Reject utilizations a row placer cannot reach, saying what to change."""
    if not 0.0 < utilization <= MAX_UTILIZATION:
        raise ConfigError(
            f"utilization {utilization:g} cannot be placed: the cells need some free space in the rows "
            f"to be legalized (the limit here is {MAX_UTILIZATION:g})",
            hint="pass a fraction of the core area between 0.3 and 0.8 (--utilization 0.6 is a good start); "
                 "lower it further if the design is hard to route")
