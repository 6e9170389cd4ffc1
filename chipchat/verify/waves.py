"""Waveform excerpts around a failure: the checked signals, a window of clock cycles.

Waveforms are read with ``pywellen`` (the Python binding of wellen, the reader behind
the Surfer viewer): one maintained library that reads both formats chipchat produces —
FST from Icarus and VCD from Verilator — and is fast because it is written in Rust.
(``vcdvcd`` reads VCD only; ``pyvcd`` only writes.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chipchat.errors import ParseError
from chipchat.formats.cocotb_results import WaveExcerpt

DEFAULT_CYCLES = 8


@dataclass
class WaveSignal:
    name: str
    full_name: str
    width: int
    var: Any


class Waves:
    """An opened waveform file; signals of one scope (the DUT's top) by local name."""

    def __init__(self, path: Path, top: str) -> None:
        import pywellen

        try:
            self.wave = pywellen.Waveform(str(path))
        except Exception as exc:  # pywellen raises plain exceptions for unreadable files
            raise ParseError(f"cannot read waveform: {exc}", file=path) from None
        self.path = path
        ts = self.wave.timescale
        exponent = ts.unit.to_exponent() if ts is not None else -12
        self.ns_per_tick = (ts.factor if ts is not None else 1) * 10.0 ** ((exponent or -12) + 9)
        self.signals: dict[str, WaveSignal] = {}
        for var in self.wave.all_vars():
            full = var.full_name
            scope, _, local = full.rpartition(".")
            if scope.split(".")[-1] == top and local not in self.signals:
                self.signals[local] = WaveSignal(local, full, int(var.bitwidth or 1), var)

    def tick(self, ns: float) -> int:
        return int(round(ns / self.ns_per_tick))

    def value(self, name: str, ns: float) -> str:
        sig = self.signals[name]
        raw = sig.var.signal.value_at(self.tick(ns))
        return format_value(raw, sig.width)

    def rising_edges(self, clock: str, start_ns: float, stop_ns: float) -> list[float]:
        """Times of ``clock``'s rising edges in [start, stop]."""
        var = self.signals[clock].var
        changes: list[tuple[int, Any]] = []
        self.wave.stream_changes(lambda t, _sid, v: changes.append((t, v)), [var])
        edges: list[float] = []
        previous: Any = None
        for t, v in changes:
            ns = t * self.ns_per_tick
            if str(v) == "1" and str(previous) != "1" and start_ns <= ns <= stop_ns:
                edges.append(ns)
            previous = v
        return edges


def format_value(raw: Any, width: int) -> str:
    if raw is None:
        return "-"
    if isinstance(raw, int):
        return str(raw) if width == 1 else f"0x{raw:0{(width + 3) // 4}x}"
    text = str(raw).lower()
    if width > 1 and set(text) <= {"0", "1"}:
        return f"0x{int(text, 2):0{(width + 3) // 4}x}"
    return text


def excerpt(
    path: Path,
    top: str,
    signals: list[str],
    fail_time_ns: float,
    *,
    test: str,
    clock: str | None = None,
    period_ns: float | None = None,
    cycles: int = DEFAULT_CYCLES,
    start_ns: float | None = None,
) -> WaveExcerpt:
    """Values of ``signals`` sampled just before each of the last ``cycles`` rising clock edges
    up to ``fail_time_ns`` (and at the failure itself); without a clock, at their changes."""
    waves = Waves(path, top)
    names = [s for s in signals if s in waves.signals]
    if not names:
        raise ParseError(f"none of the signals {signals} is in the waveform of {top}", file=path)
    clk = clock if clock in waves.signals else next((c for c in ("clk", "clock", "clk_i") if c in waves.signals), None)
    lower = start_ns if start_ns is not None else 0.0
    if clk is not None:
        span = (period_ns or 10.0) * (cycles + 2)
        edges = waves.rising_edges(clk, max(lower, fail_time_ns - span), fail_time_ns)[-cycles:]
        times = [max(lower, e - waves.ns_per_tick) for e in edges]
    else:
        times = _change_times(waves, names, lower, fail_time_ns)[-cycles:]
    if not times or times[-1] < fail_time_ns:
        times.append(fail_time_ns)
    times = sorted(set(times))
    values = {n: [waves.value(n, t) for t in times] for n in names}
    result = WaveExcerpt(test=test, file=str(path), signals=names, times_ns=times, values=values,
                         fail_time_ns=fail_time_ns, clock=clk)
    result.text = render_text(result)
    return result


def _change_times(waves: Waves, names: list[str], start_ns: float, stop_ns: float) -> list[float]:
    found: set[float] = set()
    vars_ = [waves.signals[n].var for n in names]
    waves.wave.stream_changes(lambda t, _sid, _v: found.add(t * waves.ns_per_tick), vars_)
    return sorted(t for t in found if start_ns <= t <= stop_ns)


def render_text(ex: WaveExcerpt) -> str:
    """A fixed-width table: one row per sample time, one column per signal; ``*`` marks changes."""
    header = ["t (ns)", *ex.signals]
    rows: list[list[str]] = []
    for i, t in enumerate(ex.times_ns):
        row = [f"{t:g}" + (" <- fail" if abs(t - ex.fail_time_ns) < 1e-9 else "")]
        for name in ex.signals:
            v = ex.values[name][i]
            changed = i > 0 and ex.values[name][i - 1] != v
            row.append(v + ("*" if changed else ""))
        rows.append(row)
    widths = [max(len(h), *(len(r[c]) for r in rows)) for c, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)
    note = f"sampled just before each rising edge of {ex.clock}" if ex.clock else "sampled at each change"
    return "\n".join(lines) + f"\n({note}; * = changed since the previous row)"


def render_png(ex: WaveExcerpt, out: Path) -> Path:
    """Draw the excerpt as a timing diagram (matplotlib, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(ex.signals)
    fig, axes = plt.subplots(n, 1, figsize=(10, 0.6 * n + 1.0), sharex=True, squeeze=False)
    times = ex.times_ns
    step = (times[-1] - times[0]) / max(len(times) - 1, 1) if len(times) > 1 else 10.0
    xs = [*times, times[-1] + step]
    for ax, name in zip(axes[:, 0], ex.signals, strict=True):
        vals = ex.values[name]
        if all(v in ("0", "1") for v in vals):
            ys = [int(v) for v in vals]
            ax.step(xs, [*ys, ys[-1]], where="post", color="tab:green", linewidth=1.5)
            ax.set_ylim(-0.3, 1.3)
            ax.set_yticks([])
        else:
            ax.set_ylim(0, 1)
            ax.set_yticks([])
            for i, v in enumerate(vals):
                ax.fill_between([xs[i], xs[i + 1]], 0.15, 0.85, color="tab:blue" if v[:1] != "x" else "tab:red",
                                alpha=0.15)
                ax.text((xs[i] + xs[i + 1]) / 2, 0.5, v, ha="center", va="center", fontsize=7)
        ax.set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
        ax.axvline(ex.fail_time_ns, color="tab:red", linestyle="--", linewidth=1)
        for spine in ("top", "right", "left"):
            ax.spines[spine].set_visible(False)
    axes[-1, 0].set_xlabel("time (ns)")
    fig.suptitle(f"{ex.test}: failure at {ex.fail_time_ns:g} ns", fontsize=9)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
