"""Render a proposal's evidence: a one-line summary and a Markdown section.

The summary is what a user reads first — "WNS −2.78 → −1.55 ns; 0/7 tests pass on icarus
(all 7 assume the old latency); latency grew by one cycle (acc, valid_out)" — and every
number in it comes from a tool run recorded in the evidence.
"""

from __future__ import annotations

from typing import Any


def ns(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.2f}".replace("-", "−")


def slack(side: dict[str, Any]) -> float | None:
    """The worst slack when it is known (OpenSTA reports WNS 0 for a design that meets timing), else WNS."""
    ws = side.get("worst_slack")
    return ws if ws is not None else side.get("wns")


def cycles(n: int) -> str:
    return {1: "one cycle", 2: "two cycles"}.get(n, f"{n} cycles")


def latency_phrase(latency: dict[str, int]) -> str:
    moved = {o: n for o, n in latency.items() if n}
    if not moved:
        return ""
    most = max(moved.values())
    return f"latency grew by {cycles(most)} ({', '.join(sorted(moved))})"


def regression(ev: dict[str, Any]) -> bool:
    """The comparison with the original shows outputs that really differ (data lost, not just delayed)."""
    eq = ev.get("equivalence") or {}
    return bool(eq.get("ran")) and not eq.get("equivalent", True)


def failure_reason(ev: dict[str, Any]) -> str:
    """Why tests that passed before fail now, as far as the evidence shows it."""
    eq = ev.get("equivalence") or {}
    phrase = latency_phrase(ev.get("latency", {}))
    if regression(ev):
        return "is a regression: the outputs differ from the original's, not just later"
    if not phrase:
        return ""
    if eq.get("ran") and eq.get("equivalent"):
        return f"assumes the old latency: the outputs are the original's, {phrase.split(' (')[0].split('by ')[-1]} later"
    return "probably assumes the old latency (not confirmed: the comparison with the original did not run)"


def render(ev: dict[str, Any]) -> tuple[str, str]:
    """(one-line summary, Markdown) for the evidence ``ev`` produced by :func:`check_edit`."""
    if not ev.get("build_ok", True):
        first = (ev.get("build_errors") or ["the build failed"])[0]
        stage = {"apply": "the diff does not apply", "parse": "does not parse", "lint": "does not compile (lint)",
                 "tests": "does not compile (simulator build)", "timing": "does not synthesize",
                 "sandbox": "was refused: it reaches outside the simulation"}.get(
            ev.get("stage", ""), "does not build")
        summary = f"BUILD FAILS — {stage}: {first}"
        lines = [f"**The edited design {stage}.** The compiler's message:", "", "```text",
                 *ev.get("build_errors", []), "```"]
        return summary, "\n".join(lines)
    parts: list[str] = []
    lines = ["**Evidence** (checked on a sandbox copy; the design folder was not written"
             + (f"; {ev['wall_s']:.1f} s" if "wall_s" in ev else "") + ")", ""]
    parse = ev.get("parse") or {}
    if parse:
        lines.append("- **Parse** (pyslang" + (", Amaranth elaboration" if ev.get("amaranth") else "") + "): ok")
    lint = ev.get("lint") or {}
    if lint.get("ran"):
        new = lint.get("new_warnings", [])
        lines.append("- **Lint** (verilator --lint-only -Wall): no errors"
                     + (f"; {len(new)} new warning(s): " + "; ".join(f"`{w}`" for w in new[:4]) if new
                        else "; no new warnings"))
        if new:
            parts.append(f"{len(new)} new lint warning(s)")
    elif lint:
        lines.append(f"- **Lint**: not run ({lint.get('note', '')})")
    timing = ev.get("timing") or {}
    if timing.get("ran"):
        b, a = timing["before"], timing["after"]
        period = timing.get("period_ns")
        verdict = "" if a.get("wns") is None else (
            " (still misses timing" if a["wns"] < 0 else " (meets timing") + (f" at {period:g} ns)" if period else ")")
        label = "WNS" if (b.get("wns") or 0) < 0 or (a.get("wns") or 0) < 0 else "worst slack"
        parts.insert(0, f"{label} {ns(slack(b))} → {ns(slack(a))} ns{verdict}")
        lines.append(f"- **Timing**{f' at {period:g} ns' if period else ''} (Yosys + OpenSTA): worst slack "
                     f"{ns(slack(b))} → {ns(slack(a))} ns (WNS {ns(b['wns'])} → {ns(a['wns'])} ns), "
                     f"TNS {ns(b['tns'])} → {ns(a['tns'])} ns; "
                     f"{b.get('cells')} → {a.get('cells')} cells, {b.get('flops')} → {a.get('flops')} flip-flops"
                     + (f"; worst path now {a['worst_path']} (was {b.get('worst_path', 'n/a')})"
                        if a.get("worst_path") else ""))
    elif timing:
        lines.append(f"- **Timing**: not run ({timing.get('note', '')})")
    test_lines, test_parts = _tests(ev)
    lines += test_lines
    parts += test_parts
    phrase = latency_phrase(ev.get("latency", {}))
    if phrase:
        parts.append(phrase)
    eq = ev.get("equivalence") or {}
    if eq.get("ran"):
        how = f" ({eq['method']})" if eq.get("method") else ""
        lines.append(f"- **Compared with the original**{how}: {eq.get('sentence', '')}")
        if not eq.get("equivalent"):
            parts.insert(0, "REGRESSION: the outputs differ from the original"
                         + (" beyond the latency change (data lost, not just delayed)" if phrase else ""))
        elif phrase:
            parts.append("otherwise the same outputs as the original")
    elif eq:
        lines.append(f"- **Compared with the original**: {eq.get('note', 'not run')}")
    return "; ".join(parts) or "checked", "\n".join(lines)


def _tests(ev: dict[str, Any]) -> tuple[list[str], list[str]]:
    tests = ev.get("tests") or {}
    if not tests.get("ran"):
        return ([f"- **Tests**: not run ({tests.get('note', '')})"] if tests else []), []
    reason = failure_reason(ev)
    lines: list[str] = []
    parts: list[str] = []
    for sim, row in tests.get("simulators", {}).items():
        total, passed = row.get("total"), row.get("passed")
        failing = row.get("newly_failing", [])
        head = f"- **Tests** ({sim}): baseline {row.get('baseline')} → {row.get('patched')}"
        if row.get("status") not in ("ok", None) and not failing:
            head += f" ({row.get('status')}: {row.get('message', '')})"
        lines.append(head)
        for f in failing:
            lines.append(f"  - `{f['test']}` now fails: {f.get('message') or 'see the report'}")
        if failing and reason:
            lines.append(f"  - why: every newly failing test {reason}")
        for p in row.get("newly_passing", []):
            lines.append(f"  - `{p}` now passes")
        if total is not None:
            part = f"{passed}/{total} tests pass on {sim}"
            if failing:
                part += f" ({len(failing)} newly failing" + (
                    f", all {len(failing)} assume the old latency)" if reason.startswith("assumes") else ")")
            elif passed != total:
                part += " (the same as the baseline)"
            parts.append(part)
        else:
            parts.append(f"tests on {sim}: {row.get('patched')}")
    if reason and any(r.get("newly_failing") for r in tests.get("simulators", {}).values()):
        lines.append("  - The testbench was **not** changed by this proposal. A separate, checked testbench proposal "
                     "can follow the new latency (its checks move later, its stimulus stays): "
                     "`chipchat propose <design> \"update the testbench for the new latency\"`.")
    if tests.get("report"):
        lines.append(f"  - full report: `{tests['report']}`")
    return lines, parts
