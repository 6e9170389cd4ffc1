"""The closure result as an Answer: the verdict first, then the candidates tried, the proposals, the limit."""

from __future__ import annotations

from typing import Any

from chipchat.answer import Answer

STOPS = {
    "met": "the clock is met after synthesis and after placement",
    "met at synthesis (placement failed)": "the clock is met after synthesis; placement could not be run",
    "no improvement": "no candidate improved the worst slack",
    "nothing applies": "no transformation applies to the worst path any more",
    "budget": "the budget ran out",
    "iterations": "the iteration limit was reached",
    "stale": "the design was edited while the loop ran",
    "already met": "the design already meets the clock",
}


def _ns(v: Any) -> str:
    return "n/a" if v is None else f"{v:+.3f}".replace("-", "−")


def closure_answer(r: Any) -> Answer:  # a ClosureResult (not imported: it imports this module)
    base, best = r.baseline, r.best
    lines: list[str] = []
    if r.stop == "stale":
        lines.append(f"**Refused: {', '.join(r.stale)} changed while the closure loop ran**, so its results describe "
                     "a design that no longer exists. Nothing was proposed; run it again on the current files.")
    elif r.closed:
        if best:
            placed = r.placed or {}
            lines.append(f"**{r.design} meets {r.period_ns:g} ns**: worst slack {_ns(base.get('worst_slack'))} → "
                         f"{_ns(best.get('worst_slack'))} ns after synthesis"
                         + (f", {_ns(placed.get('worst_slack'))} ns after placement ({placed.get('backend')})"
                            if placed.get("worst_slack") is not None else "")
                         + f", with: {'; then '.join(best['requests'])}"
                         + (f"; latency +{max(best['latency'].values())} cycle(s) on "
                            f"{', '.join(sorted(best['latency']))}" if best.get("latency") else "") + ".")
        else:
            lines.append(f"**{r.design} already meets {r.period_ns:g} ns** (worst slack {_ns(base.get('worst_slack'))} "
                         f"ns after synthesis" + (f", {_ns((r.placed or {}).get('worst_slack'))} ns after placement"
                                                   if r.placed else "") + "): nothing to change.")
    else:
        lines.append(f"**{r.design} does not meet {r.period_ns:g} ns yet**: {STOPS.get(r.stop, r.stop)}. Worst slack "
                     f"{_ns(base.get('worst_slack'))} ns" + (f" → {_ns(best.get('worst_slack'))} ns with "
                                                             f"{'; then '.join(best['requests'])}" if best else "")
                     + " after synthesis.")
    if r.clock.get("sentence"):
        lines += ["", f"**What clock can it meet?** {r.clock['sentence']}."]
    for claim in r.claims:
        lines.append(f"- ⚠ {claim}")
    if r.attempts:
        lines += ["", f"**Candidates tried** ({len(r.attempts)}, evaluated in parallel; each is the original plus "
                      "the edits listed, compared with the original under random stimulus and timed):", "",
                  "| round | edit | latency | worst slack (synthesis) | change | kept |", "|---:|---|---:|---:|---:|:---:|"]
        for a in r.attempts:
            o = a.outcome
            slack = _ns(o.worst_slack) if o.ok else f"{o.status}: {o.message[:60]}"
            lines.append(f"| {a.iteration} | {a.request} | +{a.latency} | {slack} | {_ns(a.gain)} | "
                         f"{'✔' if a.kept else ''} |")
    if r.skipped:
        lines += ["", "Not applicable here:"] + [f"- \"{s.request}\": {s.reason}" for s in r.skipped[:6]]
    if r.fixes and r.attempts:
        lines += ["", _prediction_table(r)]
    if r.proposal:
        p = r.proposal
        lines += ["", f"**Design proposal** `{p['id']}` — {p.get('summary')}. Compared with the original by "
                      f"{p.get('equivalence') or 'simulation'}."]
    if r.testbench:
        t = r.testbench
        if t.get("id"):
            lines.append(f"**Testbench proposal** `{t['id']}` (separate; its diff is relative to `{t['base']}` and may "
                         f"only change the configured test modules) — {t.get('summary')}: {t.get('sentence')}.")
        else:
            lines.append(f"_{t.get('note')}_")
    if r.proposal:
        ids = " and ".join(f"`chipchat apply {r.root} {i} --yes`" for i in (r.proposal["id"], r.testbench.get("id"))
                           if i)
        lines.append(f"Nothing was applied. To apply after review: {ids} (or say \"apply it\").")
    if r.limit:
        lines += ["", "**The limit:**"] + [f"- {s}" for s in r.limit]
    for n in r.notes:
        lines.append(f"- note: {n}")
    lines.append(f"\n_{r.seconds:.0f} s; budget: {r.budget.get('candidates')} candidate(s), "
                 f"{r.budget.get('time_s'):g} s, {r.budget.get('iterations')} round(s)._")
    data = r.to_json()
    return Answer(text="\n".join(lines), kind="timing", data=data, warnings=list(r.warnings),
                  runs=[str(x) for x in base.get("runs", [])], artifacts=_artifacts(r))


def _artifacts(r: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    if r.proposal.get("folder"):
        out["proposal"] = r.proposal["folder"]
    if r.testbench.get("folder"):
        out["testbench_proposal"] = r.testbench["folder"]
    return out


def prediction_rows(r: Any) -> list[dict[str, Any]]:
    """Each ranked fix of the original's explanation next to what the edit that performs it achieved."""
    rows = []
    first = [a for a in r.attempts if a.iteration == 1 and a.outcome.ok and a.gain is not None]
    for f in r.fixes:
        done = [a for a in first if a.fix == f["kind"]]
        # the most direct realization of the fix: the least added latency (then the best result)
        best = min(done, key=lambda a: (a.latency, -(a.gain or -1e9))) if done else None
        achieved = best.gain if best else None
        err = None
        if achieved is not None and f["predicted"]:
            err = (achieved - f["predicted"]) / abs(f["predicted"])
        edit = best.request if best else ""
        if not best and f.get("how"):
            skipped = next((sk for sk in r.skipped if sk.request == f["how"]), None)
            edit = f"not applicable: {skipped.reason[:60]}…" if skipped else f"\"{f['how']}\" (not tried)"
        rows.append({**f, "edit": edit, "achieved": achieved, "error": err})
    return rows


def _prediction_table(r: Any) -> str:
    lines = ["**Predicted vs achieved** (the ranked fixes of the original's worst path):", "",
             "| rank | fix | performed by | predicted gain | achieved | error |", "|---:|---|---|---:|---:|---:|"]
    for row in prediction_rows(r):
        err = f"{row['error'] * 100:+.0f}%" if row["error"] is not None else "—"
        bound = " (upper bound)" if row.get("upper_bound") else ""
        lines.append(f"| {row['rank']} | {row['title']}{bound} | {row['edit'] or row.get('label', 'manual')} | "
                     f"{_ns(row['predicted'])} | {_ns(row['achieved'])} | {err} |")
    return "\n".join(lines)
