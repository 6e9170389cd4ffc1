"""Timing results as Markdown (with citations) and pictures: path tables, explanations, slack histogram."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from chipchat.answer import Answer
from chipchat.formats.sta_report import EndpointSlack, TimingPath
from chipchat.timing.explain import PathExplanation

MAX_CODE = 80


def short(text: str, limit: int = MAX_CODE) -> str:
    """One line of code, shortened in the middle-free way readers expect: ``head …``."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _ns(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f} ns"


def _cite(answer: Answer, exp_span: object, root: Path) -> str:
    from chipchat.types import Span

    if not isinstance(exp_span, Span):
        return ""
    return answer.cite(exp_span, root)


def explanation_markdown(exp: PathExplanation, answer: Answer, root: Path, *, heading: str = "Worst path") -> str:
    """The path in RTL terms; citations are recorded on ``answer``."""
    p = exp.path
    status = "MET" if (p.slack or 0) >= 0 else "VIOLATED"
    lines = [f"### {heading}: `{exp.start}` → `{exp.end}` (slack {_ns(p.slack)}, {status})", ""]
    start_at = _cite(answer, exp.start_span, root)
    end_at = _cite(answer, exp.end_span, root)
    lines.append(f"- starts at the {exp.start_kind} `{exp.start}`" + (f" (declared at {start_at})" if start_at else "")
                 + f"; ends at the {exp.end_kind} `{exp.end}`" + (f" (declared at {end_at})" if end_at else ""))
    lines.append(f"- data arrives after {exp.total:.3f} ns through {exp.logic_depth} levels of logic"
                 + (f"; {exp.setup:.3f} ns setup/output delay at the end" if exp.setup > 0 else ""))
    dom = exp.dominant()
    if dom is not None and dom.statement is not None and exp.total > 0:
        where = answer.cite(dom.statement.span, root, label=dom.expression)
        lines.append(f"- **{dom.percent(exp.total):.0f}% of the delay is the `{short(dom.expression)}` at {where}**")
    lines += ["", "| share | delay | gates | RTL | where |", "|---:|---:|---:|---|---|"]
    for share in exp.shares:
        where = answer.cite(share.statement.span, root, label=share.expression) if share.statement else ""
        if share.statement is None:
            text = share.label
        elif share.control:
            text = f"{short(share.expression)} around `{short(share.label)}`"
        else:
            text = f"`{short(share.label)}`"
        percent = "—" if share.kind == "setup" else f"{share.percent(exp.total):.0f}%"
        lines.append(f"| {percent} | {share.delay:.3f} | {share.cells} | {text} | {where} |")
    chain = _chain(exp, answer, root)
    if chain:
        lines += ["", "Along the path: " + chain]
    if exp.high_fanout:
        nets = ", ".join(f"`{s.net}` (fanout {s.fanout}, {s.delay:.3f} ns)" for s in exp.high_fanout[:5])
        lines += ["", f"High-fanout nets on the path: {nets}"]
    if exp.fixes:
        lines += ["", "**Fixes, ranked by the evidence:**", ""]
        for n, fix in enumerate(exp.fixes, 1):
            gain = f" — expected gain ≈ {fix.gain_ns:.2f} ns" if fix.gain_ns is not None else ""
            after = ""
            if fix.gain_ns is not None and p.slack is not None:
                after = f" (slack ≈ {p.slack + fix.gain_ns:+.2f} ns)"
            where = f" [{answer.cite(fix.span, root)}]" if fix.span is not None else ""
            bound = " at most" if fix.upper_bound else ""
            gain = gain.replace("expected gain ≈", f"expected gain{bound} ≈") if gain else gain
            lines.append(f"{n}. **{fix.title}** ({fix.label}){where}: {fix.detail}{gain}{after}. "
                         f"_Evidence: {fix.evidence}._")
    elif p.slack is not None and p.slack >= 0:
        lines += ["", f"This path meets timing with {p.slack:.3f} ns to spare, so there is nothing to fix."]
    return "\n".join(lines)


def _chain(exp: PathExplanation, answer: Answer, root: Path) -> str:
    parts = [f"`{exp.start}`"]
    current: tuple[object, bool] | None = None
    count = 0
    for stage in exp.stages:
        if stage.kind != "logic":
            continue
        key = (stage.statement, stage.control)
        if current is not None and key != current:
            parts.append(_seg(current, count, answer, root))
            count = 0
        current = key
        count += 1
    if current is not None:
        parts.append(_seg(current, count, answer, root))
    parts.append(f"`{exp.end}`")
    return " → ".join(parts)


def _seg(key: tuple[object, bool], count: int, answer: Answer, root: Path) -> str:
    from chipchat.timing.rtlmap import Statement

    statement, control = key
    if isinstance(statement, Statement):
        what = statement.control if control else statement.expression
        return f"`{short(what, 60)}` ({answer.cite(statement.span, root)}, {count} gates)"
    return f"({count} gates not traced to RTL)"


def path_table(paths: list[TimingPath], names: Callable[[TimingPath], tuple[str, str]]) -> str:
    """A Markdown table of paths: RTL start and end names, slack, arrival, logic depth."""
    lines = ["| # | startpoint | endpoint | slack (ns) | arrival (ns) | required (ns) | levels |",
             "|---:|---|---|---:|---:|---:|---:|"]
    for n, p in enumerate(paths, 1):
        start, end = names(p)
        levels = logic_levels(p)
        lines.append(f"| {n} | `{start}` | `{end}` | {_num(p.slack)} | {_num(p.data_arrival)} | "
                     f"{_num(p.required)} | {levels} |")
    return "\n".join(lines)


def logic_levels(path: TimingPath) -> int:
    """Gates between launch and capture: the driving pins, less a register's launching Q pin (a path
    that starts at an input port has no launch gate)."""
    points = path.cells
    drivers = sum(1 for pt in points if pt.kind == "pin" and pt.fanout is not None)
    launch = 1 if points and points[0].kind == "pin" else 0
    return max(drivers - launch, 0)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def slack_histogram(endpoints: list[EndpointSlack], out: Path, *, title: str) -> Path | None:
    """A PNG histogram of endpoint slacks (violations in red); None when there is nothing to plot."""
    slacks = [e.slack for e in endpoints if e.slack is not None]
    if not slacks:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=80)
    fig.subplots_adjust(left=0.11, right=0.97, top=0.9, bottom=0.15)
    lo, hi = min(slacks), max(slacks)
    bins = 30 if hi > lo else 1
    _counts, edges, patches = ax.hist(slacks, bins=bins, color="#4c8c4a", edgecolor="white")
    for n, left in enumerate(edges[:-1]):
        if left < 0:
            patches[n].set_facecolor("#c0392b")  # type: ignore[index,union-attr]
    ax.axvline(0.0, color="black", linewidth=1)
    ax.set_xlabel("endpoint slack (ns)")
    ax.set_ylabel("endpoints")
    ax.set_title(title)
    fig.savefig(out)
    plt.close(fig)
    return out
