"""Honest numbers: what clock a design meets, where the documents disagree, and why closure stopped.

* :func:`clock_answer` — one number first: the shortest period at which the synthesized design
  meets timing (the requested period minus its worst slack), then the placed one when placement
  ran, and why the numbers a user may have seen elsewhere differ.
* :func:`documented_claims` — comments in the SDC and the spec that state a WNS or a clock the
  design meets, checked against this measurement.
* :func:`predictions` — the explanation's ranked fixes, each labelled with the edit that performs
  it (or *manual*), kept so the loop can check the predicted gain against the achieved one.
* :func:`limit_sentences` — when the loop stops short: the path that is left, what was tried,
  why other edits did not apply, and the next lever.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from chipchat.design import Design


def mhz(period: float) -> str:
    return f"{1000.0 / period:.0f} MHz" if period > 0 else "—"


def clock_answer(run: Any, period: float, *, placed: dict[str, Any] | None = None,
                 original: Any = None) -> dict[str, Any]:
    """The shortest clock period the design meets: after synthesis, and after placement when known."""
    ws = run.results.worst_slack
    if ws is None or run.results.nothing_to_time:
        return {"sentence": "no constrained path, so no clock limit could be measured"}
    synth = round(period - ws, 3)
    out: dict[str, Any] = {"synthesis_ns": synth, "stage": "synthesis"}
    lines = [f"**{synth:.2f} ns ({mhz(synth)}) after synthesis**: at {period:g} ns the worst path has "
             f"{ws:+.3f} ns of slack, so the period can be {period:g} − ({ws:+.3f}) = {synth:.2f} ns"]
    if placed and placed.get("worst_slack") is not None:
        p = round(period - placed["worst_slack"], 3)
        out.update(placed_ns=p, stage="placed")
        lines.append(f"after placement ({placed.get('backend', 'graywolf')}, wire delays from the placed cells): "
                     f"**{p:.2f} ns** — the wires add {p - synth:+.2f} ns; that is the number to trust for the chip")
    if original is not None and original is not run and original.results.worst_slack is not None:
        lines.append(f"the original design: {period - original.results.worst_slack:.2f} ns after synthesis")
    lines.append("why other numbers differ: a what-if run *at* another period re-maps and re-sizes the logic for "
                 "that target (ABC), so it lands within a few percent of this one; 'relax the clock by X' in the "
                 "ranked fixes is this same number; placement adds the wires")
    out["sentence"] = "; ".join(lines)
    return out


CLAIM = re.compile(r"(?i)(wns|worst slack|slack|meets?|met|could be|first meets)[^\n]{0,80}?(-?−?\d+(?:\.\d+)?)\s*ns")
PERIOD_ROW = re.compile(r"(?i)period\s+(\d+(?:\.\d+)?)\s*ns\s*:\s*(?:wns|worst slack)\s*(-?\d+(?:\.\d+)?)")


def documented_claims(design: Design, period: float, run: Any) -> list[str]:
    """Statements in the SDC comments and the docs that disagree with the measured timing."""
    ws = run.results.worst_slack
    if ws is None:
        return []
    wns = min(ws, 0.0)
    limit = period - ws
    files = ([design.sdc] if design.sdc else []) + [Path(p) for p in design.docs]
    out: list[str] = []
    for path in files:
        try:
            text = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for n, line in _statements(text, comments_only=path.suffix in (".sdc", ".tcl")):
            for kind, value, words in _claims(line, period):
                measured = wns if kind == "wns" else limit
                if abs(value - measured) <= max(0.1, 0.05 * abs(measured)):
                    continue
                what = f"WNS {wns:+.3f} ns at {period:g} ns" if kind == "wns" else \
                    f"it meets {limit:.2f} ns (at {period:g} ns the worst slack is {ws:+.3f} ns)"
                out.append(f"{design.relpath(path)}:{n} says \"{' '.join(words.split())}\" — measured here: {what} "
                           "after synthesis (Yosys with ABC buffering and sizing, then OpenSTA); the document was "
                           "measured with another flow, or is out of date")
    return out[:6]


def _statements(text: str, *, comments_only: bool) -> list[tuple[int, str]]:
    """(first line, text) of each line of a constraints file's comments, or of each sentence of a document
    (a sentence may run over several lines of a paragraph)."""
    lines = text.splitlines()
    if comments_only:
        return [(n, ln) for n, ln in enumerate(lines, 1) if ln.lstrip().startswith("#")]
    out: list[tuple[int, str]] = []
    start, buf = 0, ""
    for n, ln in enumerate(lines + [""], 1):
        if not ln.strip() or ln.lstrip().startswith(("|", "#", "-", "*")):
            out += _sentences(start, buf)
            start, buf = 0, ""
            if ln.strip():
                out.append((n, ln))
            continue
        start = start or n
        buf += " " + ln.strip()
    return out


def _sentences(start: int, text: str) -> list[tuple[int, str]]:
    return [(start, s.strip()) for s in re.split(r"(?<=[.;])\s+(?=[A-Z(`*])", text) if s.strip()] if text else []


def _claims(line: str, period: float) -> list[tuple[str, float, str]]:
    """(kind, value, the words that say it) for each WNS-at-this-period or meets-a-clock statement."""
    row = PERIOD_ROW.search(line)
    if row:
        return [("wns", float(row.group(2)), row.group(0))] if abs(float(row.group(1)) - period) < 1e-6 else []
    at_period = re.search(rf"(?<![\d.]){re.escape(f'{period:g}')}(?:\.0+)?\s*ns", line) is not None
    out: list[tuple[str, float, str]] = []
    for m in CLAIM.finditer(line):
        value = float(m.group(2).replace("−", "-"))
        word = m.group(1).lower()
        if word in ("wns", "worst slack", "slack"):
            if value <= 0 and at_period:
                out.append(("wns", value, m.group(0)))
        elif value > 0 and ("meet" in word or "could" in word):
            out.append(("period", value, m.group(0)))
    return out


def predictions(run: Any) -> list[dict[str, Any]]:
    """The baseline explanation's ranked fixes, with the edit that performs each (or manual)."""
    if not run.explanations:
        return []
    exp = run.explanations[0]
    out = []
    for rank, fix in enumerate(exp.fixes, 1):
        out.append({"rank": rank, "kind": fix.kind, "title": fix.title, "predicted": fix.gain_ns,
                    "how": fix.how, "label": fix.label, "upper_bound": fix.upper_bound, "slack": exp.path.slack})
    return out


def limit_sentences(design: Design, result: Any) -> list[str]:
    """Why the loop stopped short, with the numbers: the path left, the best reached, what did not apply."""
    from chipchat.closure.render import STOPS

    base = result.baseline
    best = result.best or {}
    now = best if best else base
    ws = now.get("worst_slack")
    lines: list[str] = []
    if result.stop in STOPS:
        lines.append(f"the loop stopped: {STOPS[result.stop]}"
                     + (f" ({len(result.attempts)} candidate(s) evaluated)" if result.attempts or result.stop ==
                        "budget" else ""))
    if ws is not None:
        reached = result.period_ns - ws
        lines.append(f"best reached: worst slack {ws:+.3f} ns at {result.period_ns:g} ns after synthesis, i.e. "
                     f"{reached:.2f} ns ({mhz(reached)})" + (f" with {'; then '.join(best['requests'])}" if best
                                                            else " with the design as it is"))
    dom = now.get("dominant")
    if dom:
        lines.append(f"what is left on the worst path ({now.get('worst_path', '')}): `{dom['expression']}` at "
                     f"{dom['where']} takes {dom['delay']:.2f} ns ({dom['percent']:.0f}% of the "
                     f"{now.get('arrival', 0):.2f} ns arrival) in one clock cycle")
    reasons = [s for s in result.skipped if s.reason][:4]
    for s in reasons:
        lines.append(f"not applicable: \"{s.request}\" — {s.reason}")
    failed = [a for a in result.attempts if not a.outcome.ok][:3]
    for a in failed:
        lines.append(f"rejected: \"{a.request}\" — {a.outcome.status}: {a.outcome.message[:200]}")
    if ws is not None and ws < 0:
        lines.append(f"the next lever: relax the clock to {result.period_ns - ws:.2f} ns, or restructure "
                     "the logic left on the path by hand (chipchat's transformations stop here)")
    return lines
