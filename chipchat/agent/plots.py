"""Interactive figures for the chat UI (Plotly): waveforms, the endpoint-slack histogram, the placement.

Built from the files the tools left in their run directories, so the UI shows what the
answer rests on and a user can hover, zoom and pan:

- :func:`waveform_figure`: the DUT's signals over the whole simulation, read with
  ``pywellen`` (the reader behind the Surfer viewer), the clock drawn as a trace, buses with
  their values, the failure marked, opened zoomed on the cycles before it. Zoom and pan are
  Plotly's own; hovering shows a signal's value at that time.
- :func:`slack_histogram_figure`: endpoint slacks from OpenSTA's results; hovering a bar
  lists the endpoints in it.
- :func:`placement_figure`: every placed cell from the DEF and the LEF, coloured by kind,
  the worst path's cells drawn over it; hovering names the instance and its cell type.

Each returns None when its files are missing (the UI then keeps the PNG the tool wrote).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from chipchat.design import Design

MAX_SIGNALS = 24
FONT = {"family": "ui-sans-serif, system-ui, sans-serif", "size": 13}


def _go() -> Any:
    import plotly.graph_objects as go

    return go


# -- waveforms ------------------------------------------------------------------------------------
def waveform_figure(result: dict[str, Any], design: Design, test: str | None = None) -> Any:
    """The waveform around a failing test of a simulation result (its first one, or ``test``)."""
    from chipchat.verify.waves import Waves, format_value

    excerpts = result.get("data", {}).get("excerpts", [])
    ex = next((e for e in excerpts if test is None or e.get("test") == test), None)
    if ex is None or not Path(str(ex.get("file", ""))).is_file():
        return None
    waves = Waves(Path(ex["file"]), design.top or "")
    clock = ex.get("clock") or next((c for c in ("clk", "clock", "clk_i") if c in waves.signals), None)
    wanted = [s for s in [clock, *ex.get("signals", [])] if s and s in waves.signals]
    wanted += [s for s in waves.signals if s not in wanted]
    names = wanted[:MAX_SIGNALS]
    changes: dict[str, list[tuple[float, Any]]] = {n: [] for n in names}
    by_id: dict[str, list[str]] = defaultdict(list)  # aliases share one signal id
    for n in names:
        by_id[str(waves.signals[n].var.signal_id)].append(n)

    def record(t: int, sid: Any, value: Any) -> None:
        for name in by_id.get(str(sid), ()):
            changes[name].append((t * waves.ns_per_tick, value))

    waves.wave.stream_changes(record, [waves.signals[n].var for n in names])
    end = max((c[-1][0] for c in changes.values() if c), default=ex["fail_time_ns"]) + 1.0
    go = _go()
    fig = go.Figure()
    xs: list[float | None]
    ys: list[float | None]
    for row, name in enumerate(names):
        y0 = len(names) - 1 - row
        width = waves.signals[name].width
        points = changes[name] or [(0.0, None)]
        if width == 1:
            xs, ys = [], []
            hover: list[str] = []
            for i, (t, v) in enumerate(points):
                level = {"1": 0.8, "0": 0.1}.get(str(v), 0.45)
                xs.append(t)
                ys.append(y0 + level)
                hover.append(f"{name} = {format_value(v, 1)} at {t:g} ns")
                if i == len(points) - 1:
                    xs.append(end)
                    ys.append(y0 + level)
                    hover.append(hover[-1])
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"shape": "hv", "width": 2,
                                                                     "color": "#2563eb" if name == clock else "#15803d"},
                                     name=name, hovertext=hover, hoverinfo="text", showlegend=False))
        else:
            xs, ys = [], []
            tx: list[float] = []
            ty: list[float] = []
            labels: list[str] = []
            for i, (t, v) in enumerate(points):
                t1 = points[i + 1][0] if i + 1 < len(points) else end
                d = min((t1 - t) / 4, 0.4)
                xs += [t, t + d, t1 - d, t1, t1 - d, t + d, t, None]
                ys += [y0 + 0.45, y0 + 0.8, y0 + 0.8, y0 + 0.45, y0 + 0.1, y0 + 0.1, y0 + 0.45, None]
                tx.append((t + t1) / 2)
                ty.append(y0 + 0.45)
                labels.append(format_value(v, width))
            bad = any(str(v).lower().startswith("x") for _t, v in points if v is not None)
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", fill="toself", line={"width": 1.5, "color": "#b45309"},
                                     fillcolor="rgba(220,38,38,0.12)" if bad else "rgba(245,158,11,0.12)",
                                     hoverinfo="skip", showlegend=False, name=name))
            fig.add_trace(go.Scatter(x=tx, y=ty, mode="text", text=labels, textfont={"size": 11},
                                     hovertext=[f"{name} = {lb}" for lb in labels], hoverinfo="text",
                                     showlegend=False, name=name))
    fail = float(ex["fail_time_ns"])
    period = _period(changes.get(clock or "", []))
    start = max(0.0, fail - 10 * period)
    fig.add_vline(x=fail, line={"color": "#dc2626", "dash": "dash", "width": 1.5},
                  annotation={"text": f"failure {fail:g} ns", "font": {"color": "#dc2626", "size": 12}})
    fig.update_layout(
        title={"text": f"{ex.get('test', '')} — failure at {fail:g} ns", "font": {"size": 14}},
        height=max(260, 34 * len(names) + 110), margin={"l": 10, "r": 20, "t": 40, "b": 40}, font=FONT,
        plot_bgcolor="white", dragmode="zoom", hovermode="closest",
        xaxis={"title": "time (ns)", "range": [start, fail + 2 * period], "showgrid": True, "gridcolor": "#eee"},
        yaxis={"tickvals": [len(names) - 1 - i + 0.45 for i in range(len(names))], "ticktext": names,
               "tickfont": {"size": 13, "family": "ui-monospace, monospace"}, "range": [-0.2, len(names)],
               "fixedrange": True, "showgrid": False})
    return fig


def _period(clock_changes: list[tuple[float, Any]]) -> float:
    rises = [t for (t, v), (_p, prev) in zip(clock_changes[1:], clock_changes, strict=False)
             if str(v) == "1" and str(prev) != "1"]
    return (rises[-1] - rises[-2]) if len(rises) >= 2 else 10.0


# -- timing ----------------------------------------------------------------------------------------------
def slack_histogram_figure(result: dict[str, Any]) -> Any:
    """Endpoint slacks of a timing result as a histogram; hovering a bar names its endpoints."""
    png = result.get("artifacts", {}).get("slack_histogram.png")
    sta = Path(png).parent / "sta_result.json" if png else None
    if sta is None or not sta.is_file():
        return None
    endpoints = [e for e in json.loads(sta.read_text()).get("endpoints", []) if e.get("slack") is not None]
    if not endpoints:
        return None
    slacks = [float(e["slack"]) for e in endpoints]
    lo, hi = min(slacks), max(slacks)
    bins = 24
    step = (hi - lo) / bins or 1.0
    groups: dict[int, list[str]] = defaultdict(list)
    for e, s in zip(endpoints, slacks, strict=True):
        groups[min(int((s - lo) / step), bins - 1)].append(f"{e['endpoint']} ({s:.3f} ns)")
    xs = [lo + (i + 0.5) * step for i in range(bins)]
    counts = [len(groups[i]) for i in range(bins)]
    hover = ["<br>".join(groups[i][:12]) + (f"<br>… {len(groups[i]) - 12} more" if len(groups[i]) > 12 else "")
             for i in range(bins)]
    go = _go()
    colors = ["#dc2626" if x < 0 else "#16a34a" for x in xs]
    fig = go.Figure(go.Bar(x=xs, y=counts, width=step * 0.95, marker={"color": colors}, hovertext=hover,
                           hoverinfo="text+y"))
    fig.add_vline(x=0, line={"color": "#444", "dash": "dot"})
    fig.update_layout(title={"text": "Endpoint slack (ns) — hover a bar for its endpoints", "font": {"size": 14}},
                      xaxis={"title": "slack (ns)"}, yaxis={"title": "endpoints"}, height=340, font=FONT,
                      margin={"l": 50, "r": 20, "t": 40, "b": 40}, plot_bgcolor="white", bargap=0.02)
    return fig


# -- placement ----------------------------------------------------------------------------------------------
def placement_figure(result: dict[str, Any], design: Design) -> Any:
    """The placed cells (DEF + the platform's LEF), coloured by kind, with the worst path over them."""
    from chipchat.formats.defio import read_def
    from chipchat.formats.layout import footprint
    from chipchat.formats.lef import read_lef
    from chipchat.place.picture import cell_kind
    from chipchat.platforms import get_platform

    data = result.get("data", {})
    def_path = result.get("artifacts", {}).get("def") or data.get("artifacts", {}).get("def")
    if not def_path or not Path(def_path).is_file():
        return None
    placed = read_def(def_path)
    lef = read_lef(get_platform(data.get("platform") or design.platform, base=design.root).lefs)
    dbu = placed.dbu or 1000
    colors = {"flop / latch": "#2563eb", "buffer / inverter": "#9ca3af", "logic": "#f59e0b"}
    shapes: dict[str, tuple[list[Any], list[Any], list[float], list[float], list[str]]] = {
        k: ([], [], [], [], []) for k in colors}
    centers: dict[str, tuple[float, float]] = {}
    for comp in placed.components.values():
        macro = lef.macros.get(comp.macro)
        if macro is None or not comp.placed:
            continue
        x0, y0, x1, y1 = (v / dbu for v in footprint(comp, macro, dbu))
        kind = cell_kind(comp.macro, list(getattr(macro, "pins", {}) or []))
        xs, ys, cx, cy, text = shapes[kind]
        xs += [x0, x1, x1, x0, x0, None]
        ys += [y0, y0, y1, y1, y0, None]
        cx.append((x0 + x1) / 2)
        cy.append((y0 + y1) / 2)
        text.append(f"{comp.name} ({comp.macro})")
        centers[comp.name] = ((x0 + x1) / 2, (y0 + y1) / 2)
    go = _go()
    fig = go.Figure()
    for kind, (xs, ys, cx, cy, text) in shapes.items():
        if not cx:
            continue
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", fill="toself", line={"width": 0.5, "color": colors[kind]},
                                 fillcolor=colors[kind], opacity=0.55, hoverinfo="skip", name=kind))
        fig.add_trace(go.Scatter(x=cx, y=cy, mode="markers", marker={"size": 4, "color": colors[kind], "opacity": 0},
                                 hovertext=text, hoverinfo="text", showlegend=False, name=kind))
    worst = (data.get("paths") or [{}])[0]
    path = [centers[c.get("instance", "")] for c in worst.get("cells", []) if c.get("instance", "") in centers]
    if len(path) > 1:
        fig.add_trace(go.Scatter(x=[p[0] for p in path], y=[p[1] for p in path], mode="lines+markers",
                                 line={"color": "#dc2626", "width": 2}, marker={"size": 6}, name="worst path",
                                 hovertext=[c.get("instance") for c in worst.get("cells", [])], hoverinfo="text"))
    x0, y0, x1, y1 = (v / dbu for v in placed.die)
    fig.update_layout(title={"text": f"{placed.name}: {len(centers)} placed cells — hover for names, drag to zoom",
                             "font": {"size": 14}}, height=520, font=FONT, plot_bgcolor="white",
                      margin={"l": 40, "r": 10, "t": 40, "b": 40}, legend={"orientation": "h", "y": -0.08},
                      xaxis={"range": [x0, x1], "title": "µm", "constrain": "domain"},
                      yaxis={"range": [y0, y1], "scaleanchor": "x", "scaleratio": 1})
    return fig
