"""A PNG of a placed design for the chat UI: rows, cells, pins and the critical path.

Cells are coloured by slack (the worst slack of any reported path through the cell; cells on
no reported path are grey), by a group label (the RTL module or signal a cell implements)
or by cell kind. The critical path is drawn as a polyline through its cells in path order,
from the startpoint (a port or a flop) to the endpoint.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from chipchat.formats.defio import DefDesign
from chipchat.formats.layout import footprint
from chipchat.formats.lef import LefLibrary

ColorBy = Literal["slack", "group", "kind"]
COLOR_MODES: tuple[str, ...] = ("slack", "group", "kind")
_GROUP_COLORS = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f",
                 "#e15759", "#bab0ac")


def cell_kind(macro_name: str, pins: Sequence[str]) -> str:
    """A coarse kind for colouring: flop / latch, buffer / inverter, or logic."""
    upper = macro_name.upper()
    if any(p.upper() in ("CLK", "CK", "CLKN", "GATE", "G") for p in pins) or upper.startswith(("DFF", "SDFF", "LATCH")):
        return "flop / latch"
    if upper.startswith(("BUF", "INV", "CLKBUF", "CLKINV")):
        return "buffer / inverter"
    return "logic"


def render_placement(
    design: DefDesign,
    lef: LefLibrary,
    out: str | Path,
    *,
    color_by: ColorBy = "slack",
    cell_slack: Mapping[str, float] | None = None,
    cell_group: Mapping[str, str] | None = None,
    path_cells: Sequence[str] = (),
    path_label: str = "",
    title: str = "",
    dpi: int = 110,
) -> Path:
    """Draw ``design`` into the PNG ``out`` and return its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import PatchCollection
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.patches import Patch, Rectangle

    if color_by not in COLOR_MODES:
        raise ValueError(f"unknown color_by {color_by!r}; use one of {', '.join(COLOR_MODES)}")
    dbu = design.dbu
    x0, y0, x1, y1 = design.die
    width_um, height_um = (x1 - x0) / dbu, (y1 - y0) / dbu
    aspect = height_um / width_um if width_um else 1.0
    fig_w = 8.0
    fig, ax = plt.subplots(figsize=(fig_w, max(3.0, min(12.0, fig_w * aspect)) + 0.6))
    ax.add_patch(Rectangle((x0 / dbu, y0 / dbu), width_um, height_um, fill=False, lw=1.0, ec="#333333"))
    for i, row in enumerate(design.rows):
        height = _row_height(design, lef)
        ax.add_patch(Rectangle((row.x / dbu, row.y / dbu), row.num_x * row.step_x / dbu, height / dbu,
                               fc="#f3f3f3" if i % 2 else "#e9e9e9", ec="none", zorder=0))

    rects, values, colors, centers = [], [], [], {}
    groups = _top_groups(cell_group or {}) if color_by == "group" else {}
    for comp in design.components.values():
        macro = lef.macros.get(comp.macro)
        if macro is None or not comp.placed:
            continue
        llx, lly, urx, ury = footprint(comp, macro, dbu)
        rect = Rectangle((llx / dbu, lly / dbu), (urx - llx) / dbu, (ury - lly) / dbu)
        centers[comp.name] = ((llx + urx) / 2 / dbu, (lly + ury) / 2 / dbu)
        rects.append(rect)
        if color_by == "slack":
            values.append((cell_slack or {}).get(comp.name))
        elif color_by == "group":
            label = (cell_group or {}).get(comp.name, "")
            colors.append(groups.get(label, "#cfcfcf"))
        else:
            kind = cell_kind(macro.name, list(macro.pins))
            colors.append({"flop / latch": "#4e79a7", "buffer / inverter": "#f28e2b"}.get(kind, "#9fbf8f"))

    legend: list[Patch] = []
    if color_by == "slack":
        known = [v for v in values if v is not None]
        grey = [r for r, v in zip(rects, values, strict=True) if v is None]
        ax.add_collection(PatchCollection(grey, fc="#d0d0d0", ec="#b0b0b0", lw=0.2))
        colored = [r for r, v in zip(rects, values, strict=True) if v is not None]
        if colored:
            lo, hi = min(known), max(known)
            norm = TwoSlopeNorm(vcenter=0.0, vmin=min(lo, -1e-3), vmax=max(hi, 1e-3))
            coll = PatchCollection(colored, cmap="RdYlGn", norm=norm, ec="#555555", lw=0.2)
            coll.set_array([v for v in values if v is not None])
            ax.add_collection(coll)
            fig.colorbar(coll, ax=ax, fraction=0.04, pad=0.02, label="worst slack through cell (ns)")
        legend.append(Patch(fc="#d0d0d0", ec="#b0b0b0", label="not on a reported path"))
    else:
        ax.add_collection(PatchCollection(rects, facecolors=colors, ec="#555555", lw=0.2))
        names = groups if color_by == "group" else {"flop / latch": "#4e79a7", "buffer / inverter": "#f28e2b",
                                                     "logic": "#9fbf8f"}
        legend += [Patch(fc=c, label=n or "(unmapped)") for n, c in names.items()]

    for pin in design.pins.values():
        if pin.status != "UNPLACED":
            ax.plot(pin.x / dbu, pin.y / dbu, marker="s", ms=2.5, color="#333333", zorder=4)

    pts = [centers.get(name) or _pin_point(design, name) for name in path_cells]
    pts = [p for p in pts if p is not None]
    if len(pts) >= 2:
        xs, ys = zip(*pts, strict=True)
        ax.plot(xs, ys, "-", color="#1f1fbf", lw=1.6, zorder=5, label=path_label or "critical path")
        ax.plot(xs[0], ys[0], "o", color="#1f1fbf", ms=6, zorder=6)
        ax.plot(xs[-1], ys[-1], "D", color="#1f1fbf", ms=6, zorder=6)
        legend.append(Patch(fc="#1f1fbf", label=path_label or "critical path (start o, end \u25c6)"))
    ax.set_xlim(x0 / dbu - width_um * 0.02, x1 / dbu + width_um * 0.02)
    ax.set_ylim(y0 / dbu - height_um * 0.02, y1 / dbu + height_um * 0.02)
    ax.set_aspect("equal")
    ax.set_xlabel("x (um)")
    ax.set_ylabel("y (um)")
    ax.set_title(title or f"{design.name}: {len(rects)} cells", fontsize=10)
    if legend:
        ax.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3, fontsize=7,
                  frameon=False)
    fig.tight_layout()
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=dpi)
    plt.close(fig)
    return target


def _row_height(design: DefDesign, lef: LefLibrary) -> int:
    if design.rows and design.rows[0].site in lef.sites:
        return round(lef.sites[design.rows[0].site].height * design.dbu)
    ys = sorted({r.y for r in design.rows})
    return min((b - a for a, b in zip(ys, ys[1:], strict=False)), default=design.dbu)


def _pin_point(design: DefDesign, name: str) -> tuple[float, float] | None:
    pin = design.pins.get(name)
    if pin is None or pin.status == "UNPLACED":
        return None
    return pin.x / design.dbu, pin.y / design.dbu


def _top_groups(cell_group: Mapping[str, str], limit: int = len(_GROUP_COLORS)) -> dict[str, str]:
    """Colours for the most common group labels (the rest are drawn grey)."""
    common = [label for label, _ in Counter(cell_group.values()).most_common(limit)]
    return {label: _GROUP_COLORS[i] for i, label in enumerate(common)}
