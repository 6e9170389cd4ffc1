"""Timing closure as one call: ``close_timing(design, 4.0)`` → a :class:`ClosureResult` with ``.answer()``.

The CLI (``chipchat close``), the agent's ``close_timing`` tool and the UI call this function.
It times the original, runs the loop (:mod:`chipchat.closure.loop`), and — when the loop
found a better design — stores it as one checked proposal (the combined diff, with the full
evidence: lint, the regression, the timing delta, the formal/simulated comparison with the
original) and, when the latency changed and the design has cocotb tests, the separate
testbench proposal that follows it (:mod:`chipchat.edit.tbproposal`). Nothing is applied:
``apply_proposal(..., confirm=True)`` does that, after the user says yes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from chipchat.answer import Answer
from chipchat.closure.limits import clock_answer, documented_claims, limit_sentences, predictions
from chipchat.closure.loop import Budget, changed, run_loop, watch
from chipchat.closure.result import ClosureResult
from chipchat.config import settings
from chipchat.errors import ConfigError
from chipchat.rtl.load import DesignArg, load_design

Progress = Callable[[str], None]


def close_timing(
    design: DesignArg,
    clock_period_ns: float | None = None,
    max_candidates: int = 12,
    time_budget_s: float = 120.0,
    iterations: int = 4,
    place: bool = True,
    propose: bool = True,
    executor: str | None = None,
    workers: int = 0,
    progress: Progress | None = None,
) -> ClosureResult:
    """Make the design meet a clock period by checked RTL edits, or show the limit with numbers.

    Args:
        design: design folder or bundled example name (e.g. ``mac16``).
        clock_period_ns: the clock period to meet in ns (default: the design's SDC / chipchat.toml clock).
        max_candidates: how many candidate designs may be evaluated in all (0 is valid: nothing is tried).
        time_budget_s: wall-clock budget of the search in seconds (the final checks come on top).
        iterations: how many rounds of edits may be stacked.
        place: check the best design after placement too (graywolf or OpenROAD).
        propose: store the best design (and the testbench update) as proposals with their evidence.
        executor: ``local`` (process pool), ``serial`` or ``dask://host:port`` (default: CHIPCHAT_EXECUTOR).
        workers: parallel evaluations (0: one per core).

    Returns:
        The ClosureResult: every candidate tried with its timing, the best design after synthesis and
        after placement, the proposals to apply, or the limit and why.
    """
    from chipchat.timing.api import effective_period, run_timing

    say = progress or (lambda _msg: None)
    t0 = time.monotonic()
    d = load_design(design)
    if d.sdc is None and not d.clocks:
        raise ConfigError("no clock to close timing against: the design has no SDC file and no [[clocks]]",
                          hint='add [[clocks]] with port = "clk" and period_ns = 10.0 to chipchat.toml')
    if max_candidates < 0 or time_budget_s < 0 or iterations < 0:
        raise ConfigError("a budget cannot be negative", hint="use 0 to try nothing, or a positive number")
    period = effective_period(d, clock_period_ns)
    assert period is not None
    from chipchat.closure.checks import black_boxes, combinational_loop
    from chipchat.errors import DesignError
    from chipchat.rtl.load import load_model

    model = load_model(d)
    loop = combinational_loop(d, model)
    if loop:
        raise DesignError(f"{d.name} has a combinational loop: {' → '.join(loop)} → back to the start. Its delay is "
                          "not defined (static timing cuts it at an arbitrary point) and a simulation of it may never "
                          "settle, so no edit can be checked against it",
                          hint="break the loop with a register (or remove the feedback), then close timing")
    config = settings()
    say(f"baseline timing at {period:g} ns")
    base = run_timing(d, clock_period_ns=period, paths=3)
    result = ClosureResult(d.name, str(d.root), period, _metrics(base), baseline_run=base,
                           budget={"candidates": max_candidates, "time_s": time_budget_s,
                                   "iterations": iterations})
    result.warnings += [w for w in base.warnings if "loop" in w.lower() or "black" in w.lower()]
    result.notes += black_boxes(d, model)
    result.fixes = predictions(base)
    result.clock = clock_answer(base, period)
    result.claims = documented_claims(d, period, base)
    fingerprint = watch(d)
    if result.baseline.get("worst_slack") is not None and result.baseline["worst_slack"] >= 0 and not place:
        result.stop = "already met"
    else:
        state = run_loop(d, period, Budget(max_candidates, time_budget_s, iterations), place=place,
                         executor=executor or config.executor, workers=workers or config.jobs, say=say,
                         result=result)
        if state.requests:
            result.best = {"worst_slack": state.slack, "requests": list(state.requests), "diff": state.diff,
                           "latency": {o: n for o, n in state.latency.items() if n},
                           **(_metrics(state.run) if state.run else {})}
            if state.run is not None:
                result.clock = clock_answer(state.run, period, placed=result.placed, original=base)
        elif result.stop == "met":
            result.stop = "already met"
        if state.box is not None:
            state.box.remove()
        stale = changed(fingerprint, d)
        if stale:
            result.stop, result.stale = "stale", stale
        elif propose and state.requests and result.best.get("worst_slack", -1e9) > (
                result.baseline.get("worst_slack") or -1e9):
            _propose(d, result, say)
    if not result.closed and result.stop != "stale":
        result.limit = limit_sentences(d, result)
        from chipchat.closure.checks import register_loop

        dom = (result.best or result.baseline).get("dominant") or {}
        why = register_loop(model, str(dom.get("target", "")))
        if why:
            result.limit.insert(3 if len(result.limit) > 3 else len(result.limit), why)
    result.seconds = round(time.monotonic() - t0, 1)
    return result


def _metrics(run: object) -> dict[str, object]:
    from chipchat.timing.run import TimingRun

    assert isinstance(run, TimingRun)
    m, s = run.sta.metrics, run.synth.metrics
    out: dict[str, object] = {"worst_slack": run.results.worst_slack, "wns": m.get("wns"), "tns": m.get("tns"),
                              "cells": s.get("cells"), "area": s.get("area"), "flops": s.get("flops"),
                              "runs": [str(run.synth.run_dir), str(run.sta.run_dir)]}
    if run.results.paths:
        start, end = run.names(run.results.paths[0])
        out["worst_path"] = f"{start} → {end}"
    if run.explanations:
        exp = run.explanations[0]
        dom = exp.dominant()
        if dom is not None and dom.statement is not None:
            out["dominant"] = {"expression": dom.expression, "delay": round(dom.delay, 3),
                               "target": dom.statement.assignment.target,
                               "percent": round(dom.percent(exp.total), 1),
                               "where": f"{run.design.relpath(dom.statement.span.file)}:{dom.statement.span.line}"}
        out["arrival"] = round(exp.total, 3)
    return out


def _propose(d: object, result: ClosureResult, say: Progress) -> None:
    """Store the best design as a checked proposal, and the testbench update that goes with it."""
    from chipchat.design import Design
    from chipchat.edit import proposal as store
    from chipchat.edit.check import CheckOptions, check_edit
    from chipchat.edit.proposal import Proposal
    from chipchat.edit.tbproposal import propose_testbench
    from chipchat.errors import ChipChatError
    from chipchat.sandbox.patch import parse_patch

    assert isinstance(d, Design)
    best = result.best
    diff = best["diff"]
    changed_files = [p for src, dst in parse_patch(diff).paths() for p in (src, dst) if p]
    title = f"Close timing at {result.period_ns:g} ns: " + "; then ".join(best["requests"])
    p = Proposal(id=store.new_id(d, "closure", diff), design=d.name,
                 request=f"make it meet {result.period_ns:g} ns", engine="closure", title=title, diff=diff,
                 files=store.fingerprint(d, changed_files),
                 notes=[f"found by the closure loop in {len(result.attempts)} evaluated candidate(s): "
                        + "; then ".join(best["requests"])], latency=best.get("latency", {}), compare="lagged")
    folder = store.save(d, p)
    say("checking the best design (lint, tests, timing, formal + simulated comparison)")
    config = settings()
    options = CheckOptions(simulators=tuple(d.tests.simulators[:1]) or ("icarus",), jobs=config.jobs,
                           executor=config.executor, formal_s=15.0,
                           inputs_first=best["requests"][0].startswith("register the inputs"))
    p.evidence = check_edit(d, diff, folder=folder, latency=p.latency, compare="lagged", options=options)
    store.save(d, p)
    ev = p.evidence
    result.proposal = {"id": p.id, "title": p.title, "summary": ev.get("summary"), "folder": str(folder),
                       "regression": bool(ev.get("regression")), "build_ok": ev.get("build_ok", True),
                       "equivalence": (ev.get("equivalence") or {}).get("method", ""),
                       "formal": ((ev.get("equivalence") or {}).get("formal") or {}).get("status", "")}
    if not p.latency:
        return
    tests = ev.get("tests") or {}
    if not tests.get("ran"):
        result.testbench = {"note": f"no testbench proposal: {tests.get('note', 'the design has no tests')}; the "
                                    "edited design is checked by the comparison with the original only"}
        return
    say("updating the testbench for the new latency (and checking it)")
    try:
        tb = propose_testbench(d, p)
    except ChipChatError as exc:
        result.testbench = {"note": f"no testbench proposal: {str(exc).splitlines()[0]}"}
        return
    tev = tb.evidence or {}
    result.testbench = {"id": tb.id, "title": tb.title, "summary": tev.get("summary"), "ok": bool(tev.get("ok")),
                        "sentence": tev.get("sentence", ""), "folder": str(store.folder(d, tb.id)),
                        "base": str(store.base_dir(d, tb))}


@dataclass
class ClockLimit:
    """The answer to "what clock can it meet?": one number, the stage it holds for, and why others differ."""

    design: str
    period_ns: float
    synthesis_ns: float | None
    placed_ns: float | None
    sentence: str
    claims: list[str]

    def answer(self) -> Answer:
        lines = [f"**What clock can {self.design} meet?** {self.sentence}."]
        lines += [f"- ⚠ {c}" for c in self.claims]
        return Answer(text="\n".join(lines), kind="timing",
                      data={"synthesis_ns": self.synthesis_ns, "placed_ns": self.placed_ns,
                            "period_ns": self.period_ns, "claims": self.claims})


def what_clock(design: DesignArg, clock_period_ns: float | None = None, place: bool = False) -> ClockLimit:
    """The shortest clock period the design meets: after synthesis (and after placement with ``place``).

    Args:
        design: design folder or bundled example name.
        clock_period_ns: the period to time at (default: the design's clock); the answer is that period
            minus the worst slack.
        place: place the design too and answer with the placed number (slower: a placement run).
    """
    from chipchat.timing.api import effective_period, run_timing

    d = load_design(design)
    period = effective_period(d, clock_period_ns)
    if period is None:
        raise ConfigError("no clock: the design has no SDC file and no [[clocks]]",
                          hint='add [[clocks]] with port = "clk" and period_ns = 10.0 to chipchat.toml')
    run = run_timing(d, clock_period_ns=period, paths=1)
    placed = None
    if place:
        from chipchat.place.api import place_design

        report = place_design(d, clock_period_ns=period)
        placed = {"worst_slack": report.worst_slack, "backend": report.backend}
    clock = clock_answer(run, period, placed=placed)
    return ClockLimit(d.name, period, clock.get("synthesis_ns"), clock.get("placed_ns"), clock["sentence"],
                      documented_claims(d, period, run))
