"""The closure loop: propose → check → keep the best → next, until the clock is met or the limit is shown.

Each iteration explains the current design's worst path (:mod:`chipchat.timing`), plans the
candidate edits it suggests (:mod:`chipchat.closure.candidates`) and evaluates them in
parallel through the batch-verification executor (a local process pool, or Dask): every
candidate is the original design plus one combined diff, compared with the original under
random stimulus and timed. The best one is kept — the lowest added latency among those that
reach the target, else the most slack — and the loop goes on from it. It stops when

* the slack target is met after synthesis *and* after placement (a placement miss raises the
  synthesis target by the gap placement showed, and the loop goes on),
* nothing improves (or nothing applies): the limit is shown with the numbers behind it,
* the budget is spent: candidates evaluated, wall time, or iterations (a budget of 0 is valid).

The user's files are fingerprinted at the start and checked after every iteration: a design
edited while the loop runs makes the result ``stale`` and nothing is proposed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chipchat.closure.candidates import Candidate, suggest
from chipchat.closure.evaluate import Job, Outcome, evaluate
from chipchat.closure.result import Attempt, ClosureResult, Skipped
from chipchat.design import Design
from chipchat.edit.context import Context
from chipchat.sandbox.box import Sandbox
from chipchat.sandbox.patch import unified_diff
from chipchat.timing.run import TimingRun
from chipchat.types import apply_edits

Progress = Callable[[str], None]
EPS = 0.005  # ns: a gain smaller than this is not an improvement
NEAR = 0.05  # ns: slacks this close are about as good (then the lower latency wins)


@dataclass
class Budget:
    """How much the loop may spend. ``candidates`` = 0 or ``time_s`` = 0 evaluates nothing (valid)."""

    candidates: int = 12
    time_s: float = 120.0
    iterations: int = 4


@dataclass
class State:
    """The design the loop stands on: the original plus ``diff``, with the latency it adds."""

    diff: str = ""
    latency: dict[str, int] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    run: TimingRun | None = None
    box: Sandbox | None = None
    slack: float | None = None
    placed: float | None = None


def watch(design: Design) -> dict[str, str | None]:
    """SHA-256 of every source file and test module (to notice the user editing them meanwhile)."""
    from chipchat.edit.proposal import sha256

    files = [Path(p) for p in design.sources]
    if design.tests.dir is not None:
        files += sorted(Path(design.tests.dir).glob("*.py"))
    return {str(p): sha256(p) for p in files}


def changed(before: dict[str, str | None], design: Design) -> list[str]:
    now = watch(design)
    return [design.relpath(p) for p in sorted(set(before) | set(now)) if before.get(p) != now.get(p)]


def combined_diff(original: Design, state_box: Sandbox | None, ctx: Context, edits: list[Any]) -> str:
    """The diff from the original files to the current design with ``edits`` (made on ``ctx``) applied."""
    by_file: dict[str, list[Any]] = {}
    for e in edits:
        by_file.setdefault(e.file, []).append(e)
    root = Path(ctx.design.root).resolve()
    parts: list[str] = []
    for src in ctx.design.sources:
        key = str(Path(src).resolve())
        if not Path(key).is_relative_to(root):
            continue
        rel = Path(key).relative_to(root).as_posix()
        new = apply_edits(Path(key).read_bytes(), by_file.get(key, []))
        old = (original.root / rel).read_bytes() if (original.root / rel).is_file() else b""
        if new != old:
            parts.append(unified_diff(rel, old.decode("utf-8"), new.decode("utf-8")))
    return "".join(parts)


def materialize(original: Design, diff: str) -> Sandbox:
    box = Sandbox(original, "closure-current")
    if diff:
        box.apply(diff)
    return box


def run_loop(d: Design, period: float, budget: Budget, *, place: bool, executor: str, workers: int,
             say: Progress, result: ClosureResult) -> State:
    """Iterate until met, stuck or out of budget; fills ``result`` (attempts, skipped, stop reason)."""
    from chipchat.timing.api import run_timing
    from chipchat.verify.executor import run_jobs

    t0 = time.monotonic()
    fingerprint = watch(d)
    state = State(run=result.baseline_run, slack=result.baseline.get("worst_slack"))
    target = 0.0
    evaluated = 0
    iteration = 0
    last: list[Pick] = []
    history: list[Pick] = []  # every evaluated candidate, to go back to when a branch is a dead end
    tried: list[list[str]] = []
    expanded: list[list[str]] = []
    while True:
        if changed(fingerprint, d):
            result.stale = changed(fingerprint, d)
            result.stop = "stale"
            return state
        slack = state.slack if state.slack is not None else -1e9
        if slack >= target:
            if place and state.placed is None:
                say("placement of the best design (graywolf)")
                state.placed = _placed(d, state, period, result)
                if state.placed is None or state.placed >= 0:
                    result.stop = "met" if state.placed is not None else "met at synthesis (placement failed)"
                    return state
                target = slack - state.placed + 0.05  # placement costs this much: aim above it
                result.notes.append(f"after placement the worst slack is {state.placed:+.3f} ns (synthesis: "
                                    f"{slack:+.3f} ns): the target after synthesis is raised to {target:+.2f} ns")
                alt = _pick(last, target)  # a candidate of the same round that already has that margin?
                if alt is not None and (alt.outcome.worst_slack or -1e9) >= target:
                    state = _adopt(d, state, alt, run_timing, period)
                    continue
            else:
                result.stop = "met"
                return state
        if iteration >= budget.iterations:
            result.stop = "iterations"
            return state
        left = budget.time_s - (time.monotonic() - t0)
        if evaluated >= budget.candidates or left <= 0:
            result.stop = "budget"
            return state
        iteration += 1
        say(f"iteration {iteration}: planning candidates")
        design_now = state.box.design() if state.box else d
        ctx = Context.load(design_now)
        exp = state.run.explanations[0] if state.run and state.run.explanations else None
        from_inputs, to_outputs = _other_paths(state.run)
        sugg = suggest(ctx, exp, from_inputs=from_inputs, to_outputs=to_outputs)
        result.skipped += [Skipped(iteration, c.request, c.reason) for c in sugg.skipped
                           if all(s.request != c.request for s in result.skipped)]
        cands = [c for c in sugg.candidates if [*state.requests, c.request] not in tried]
        cands = cands[:max(0, budget.candidates - evaluated)]
        expanded.append(list(state.requests))
        if not cands:
            state, moved = _backtrack(d, state, history, expanded, run_timing, period)
            if moved:
                result.notes.append(f"nothing more applies on top of {'; '.join(expanded[-1]) or 'the original'}: "
                                    f"going on from {'; '.join(state.requests)}")
                continue
            result.stop = "nothing applies"
            return state
        jobs, meta = [], []
        for n, c in enumerate(cands):
            assert c.plan is not None
            diff = combined_diff(d, state.box, ctx, c.plan.edits)
            latency = {o: state.latency.get(o, 0) + c.plan.latency.get(o, 0)
                       for o in set(state.latency) | set(c.plan.latency)}
            jobs.append(Job(str(d.root), diff, latency, period, f"i{iteration}c{n}"))
            meta.append((c, diff, latency))
        say(f"iteration {iteration}: evaluating {len(jobs)} candidate(s) in parallel ({executor})")
        outcomes = run_jobs(evaluate, jobs, executor=executor, workers=workers)
        evaluated += len(jobs)
        last = [Pick(c, o, diff, lat, [*state.requests, c.request])
                for (c, diff, lat), o in zip(meta, outcomes, strict=True)]
        history += last
        tried += [pk.steps for pk in last]
        for pk in last:
            o = pk.outcome
            gain = (o.worst_slack - slack) if o.worst_slack is not None and state.slack is not None else None
            result.attempts.append(Attempt(iteration, pk.candidate.request, pk.candidate.transform,
                                           dict(pk.candidate.args), pk.candidate.why, pk.candidate.fix,
                                           max(pk.latency.values(), default=0), o, gain, False, pk.steps))
        best = _pick(last, target)
        if best is None or best.outcome.worst_slack is None or best.outcome.worst_slack <= slack + EPS:
            state, moved = _backtrack(d, state, history, expanded, run_timing, period)
            if moved:
                result.notes.append(f"no candidate improved {'; '.join(expanded[-1]) or 'the original'}: going on "
                                    f"from {'; '.join(state.requests)}")
                continue
            result.stop = "no improvement"
            return state
        state = _adopt(d, state, best, run_timing, period)
        for a in result.attempts:
            a.kept = a.steps == state.requests[:len(a.steps)] and a.iteration <= iteration


@dataclass
class Pick:
    """One evaluated candidate of a round: what it is, what timing showed, its diff and latency, its edits."""

    candidate: Candidate
    outcome: Outcome
    diff: str
    latency: dict[str, int]
    steps: list[str]

    @property
    def added(self) -> int:
        return max(self.latency.values(), default=0)


def _pick(round_: list[Pick], target: float) -> Pick | None:
    ok = [r for r in round_ if r.outcome.ok and r.outcome.worst_slack is not None]
    if not ok:
        return None
    meeting = [r for r in ok if (r.outcome.worst_slack or 0) >= target]
    if meeting:  # the least latency, then the least area, then the most slack
        return min(meeting, key=lambda r: (r.added, r.outcome.area or 0, -(r.outcome.worst_slack or 0)))
    return max(ok, key=lambda r: (r.outcome.worst_slack or -1e9, -r.added))


def _adopt(d: Design, state: State, pick: Pick, run_timing: Any, period: float) -> State:
    if state.box is not None:
        state.box.remove()
    box = materialize(d, pick.diff)
    run = run_timing(box.design(), clock_period_ns=period, paths=3)
    return State(diff=pick.diff, latency=pick.latency, requests=list(pick.steps), run=run, box=box,
                 slack=run.results.worst_slack)


def _backtrack(d: Design, state: State, history: list[Pick], expanded: list[list[str]], run_timing: Any,
               period: float) -> tuple[State, bool]:
    """Go on from the best evaluated candidate not yet expanded (the most slack, then the least latency)."""
    rest = [p for p in history if p.outcome.ok and p.outcome.worst_slack is not None and p.steps not in expanded
            and p.steps != state.requests]
    if not rest:
        return state, False
    top = max(p.outcome.worst_slack or -1e9 for p in rest)
    near = [p for p in rest if (p.outcome.worst_slack or -1e9) >= top - NEAR]  # about as good: the least latency
    pick = min(near, key=lambda p: (p.added, -(p.outcome.worst_slack or -1e9)))
    return _adopt(d, state, pick, run_timing, period), True


def _other_paths(run: TimingRun | None) -> tuple[bool, list[str]]:
    """Whether a violating path among the worst ones starts at an input pin; the outputs they end at."""
    if run is None:
        return False, []
    bad = [p for p in run.results.paths if p.slack is not None and p.slack < 0]
    return (any("port" in p.startpoint_kind for p in bad),
            [run.names(p)[1] for p in bad if "port" in p.endpoint_kind])


def _placed(d: Design, state: State, period: float, result: ClosureResult) -> float | None:
    from chipchat.errors import ChipChatError
    from chipchat.place.api import place_design

    target = state.box.design() if state.box else d
    try:
        report = place_design(target, clock_period_ns=period, effort="fast")
    except ChipChatError as exc:
        result.warnings.append(f"placement failed: {str(exc).splitlines()[0]}")
        return None
    result.placed = {"worst_slack": report.worst_slack, "wns": report.wns, "tns": report.tns,
                     "backend": f"{report.backend}, fast effort", "utilization": report.utilization,
                     "runs": report.runs[-3:],
                     "pre_worst_slack": report.pre_worst_slack, "requests": list(state.requests)}
    return report.worst_slack
