"""The evidence behind a proposal: parse, lint, regression, timing delta, comparison with the original.

Everything runs on a sandbox copy (the user's files are never written):

1. the diff is applied (strictly) and the sources are parsed by pyslang — for Amaranth the
   design is re-elaborated first; errors come back as ``file:line: message``;
2. ``verilator --lint-only`` on the original and the edited design: errors, and new warnings;
3. the regression through the verification batch runner (baseline vs patched, every test);
4. the timing delta through ``timing.api`` (WNS/TNS before vs after, the new worst path);
5. for edits that keep the function (rename, reset, retiming), the edited design against the original
   delayed by the declared latency: a formal proof with Yosys's SAT solver within a time budget
   (:mod:`chipchat.edit.formal`: proved, bounded to N cycles, or a counterexample), and a lagged
   comparison of every output under one random stimulus (:mod:`chipchat.edit.equiv`). Outputs that
   really differ — not just later — make the verdict a regression.

A build failure is a result (``build_ok`` False with the compiler's message), not an exception.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chipchat.design import Design
from chipchat.errors import ChipChatError, ToolNotFound
from chipchat.sandbox.box import SandboxDesign
from chipchat.sandbox.run import NOT_APPLY, REJECTED, SandboxPaths, Unsandboxed, run_patched


@dataclass
class CheckOptions:
    simulators: tuple[str, ...] = ("icarus",)
    tests: bool = True
    timing: bool = True
    compare: bool = True
    jobs: int = 0
    executor: str = "local"
    formal_s: float = 20.0  # budget of the formal proof (0: simulation only)
    inputs_first: bool = False  # the edit registers the inputs: try that miter style first


def check_edit(design: Design, diff: str, *, folder: Path, latency: dict[str, int] | None = None,
               compare: str = "none", port_map: dict[str, str] | None = None,
               options: CheckOptions | None = None) -> dict[str, Any]:
    """Check ``diff`` against ``design`` in a sandbox; returns the evidence as JSON-able data."""
    from chipchat.edit.evidence import render

    opts = options or CheckOptions()
    t0 = time.monotonic()
    ev: dict[str, Any] = {"build_ok": True, "build_errors": [], "stage": "ok", "latency": dict(latency or {})}

    def work(sd: Design, paths: SandboxPaths | Unsandboxed) -> None:
        assert isinstance(sd, SandboxDesign)
        errors = parse_errors(sd)
        ev["parse"] = {"ok": not errors, "errors": [paths.strip(e) for e in errors]}
        if errors:
            _fail(ev, "parse", ev["parse"]["errors"])
            return
        ev["lint"] = _lint(design, sd, paths)
        if not ev["lint"]["ok"] and ev["lint"].get("ran", True):
            _fail(ev, "lint", ev["lint"]["errors"])
            return
        with ThreadPoolExecutor(max_workers=3) as pool:
            # each thread runs in a copy of this context: its tools stay this call's (chipchat._calls)
            tests = pool.submit(copy_context().run, _tests, design, diff, folder, opts) if opts.tests else None
            timing = pool.submit(copy_context().run, _timing, design, sd) if opts.timing else None
            equiv = pool.submit(copy_context().run, _equivalence, design, sd, latency or {}, port_map or {}, opts) \
                if opts.compare and compare != "none" else None
            ev["tests"] = tests.result() if tests else {"ran": False, "note": "switched off"}
            ev["timing"] = timing.result() if timing else {"ran": False, "note": "switched off"}
            ev["equivalence"] = equiv.result() if equiv else {
                "ran": False, "note": "not applicable: this edit changes the function" if compare == "none"
                else "not run: switched off"}
        for key in ("tests", "timing"):
            if ev[key].get("build_errors"):
                _fail(ev, key, ev[key]["build_errors"])
        if ev["tests"].get("refused"):  # it reached outside the simulation: never an acceptable edit
            _fail(ev, "sandbox", ev["tests"]["refused"])

    done = run_patched(design, diff, work, name=folder.name)
    if not done.ok:
        _fail(ev, "apply" if done.status in (NOT_APPLY, REJECTED) else done.status, [done.message])
    return _finish(ev, t0, render)


def _fail(ev: dict[str, Any], stage: str, errors: list[str]) -> None:
    ev["build_ok"] = False
    ev["stage"] = stage
    ev["build_errors"] = [e for e in errors if e][:12] or ["the build failed"]


def _finish(ev: dict[str, Any], t0: float, render: Any) -> dict[str, Any]:
    from chipchat.edit.evidence import regression

    ev["wall_s"] = round(time.monotonic() - t0, 2)
    ev["regression"] = regression(ev)
    summary, markdown = render(ev)
    ev["summary"], ev["markdown"] = summary, markdown
    return ev


def parse_errors(sd: SandboxDesign) -> list[str]:
    """Elaboration (Amaranth) and pyslang errors of the sandboxed design, as ``file:line:col: message``."""
    from chipchat.rtl.frontend import SourceSet, compile_sources
    from chipchat.steps.amaranth_elab import hdl_sources

    try:
        files = hdl_sources(sd)
    except ChipChatError as exc:  # Amaranth elaboration failed: ParseError carries the user's file:line
        return [str(exc).split("\n  fix:")[0]]
    return compile_sources(SourceSet.of(sd, files)).errors()


def _lint(design: Design, sd: SandboxDesign, paths: SandboxPaths | Unsandboxed) -> dict[str, Any]:
    from chipchat.steps.verilator_lint import lint

    try:
        before = lint(design)
        after = lint(sd)
    except ToolNotFound as exc:
        return {"ran": False, "ok": True, "errors": [], "new_warnings": [], "note": str(exc).splitlines()[0]}
    known = {_warning_key(w) for w in before.warnings}
    new = [w for w in after.warnings if _warning_key(w) not in known]
    return {"ran": True, "ok": after.ok, "errors": [paths.strip(str(e)) for e in after.errors],
            "new_warnings": [paths.strip(str(w)) for w in new], "warnings": len(after.warnings),
            "run_dir": after.run_dir}


def _warning_key(w: Any) -> tuple[str, str, str, str]:
    """A warning's identity across two runs: no line numbers, no content hash in generated file names,
    no Amaranth-generated ``$n`` names (they are renumbered by any edit)."""
    name = re.sub(r"-[0-9a-f]{16,}(?=\.s?v$)", "", w.file.rsplit("/", 1)[-1])
    return (w.severity, w.code, name, re.sub(r"'\$\d+'", "'$n'", w.message))


def _tests(design: Design, diff: str, folder: Path, opts: CheckOptions) -> dict[str, Any]:
    from chipchat.verify.api import verify
    from chipchat.verify.batch import NOT_COMPILE, OK, REJECTED
    from chipchat.verify.testbench import resolve_modules

    try:
        resolve_modules(design)
    except ChipChatError as exc:
        return {"ran": False, "note": f"no tests to run: {str(exc).splitlines()[0]}"}
    try:
        report = verify(design, [diff], list(opts.simulators), opts.jobs, opts.executor,
                        report_dir=folder / "verify")
    except ChipChatError as exc:
        return {"ran": False, "note": f"the regression could not run: {str(exc).splitlines()[0]}"}
    verdict = report.patches[0]
    out: dict[str, Any] = {"ran": True, "verdict": verdict.verdict, "report": report.files.get("markdown", ""),
                           "simulators": {}}
    for sim in report.simulators:
        base = report.baseline.get(sim)
        cmp = verdict.sims.get(sim)
        job = next((o for o in report.outcomes if o.patch == verdict.patch and o.simulator == sim), None)
        row: dict[str, Any] = {
            "status": cmp.status if cmp else verdict.verdict,
            "baseline": base.run.summary() if base and base.run else (base.status if base else "—"),
            "patched": job.run.summary() if job and job.run else (cmp.status if cmp else verdict.verdict),
            "newly_failing": [{"test": d.test, "message": d.message} for d in (cmp.newly_failing if cmp else [])],
            "newly_passing": [d.test for d in (cmp.newly_passing if cmp else [])],
            "message": (cmp.message if cmp else verdict.message) or "",
        }
        if job and job.run:
            row["total"] = len(job.run.tests)
            row["passed"] = sum(1 for t in job.run.tests if not t.failed)
        out["simulators"][sim] = row
    if verdict.verdict == NOT_COMPILE or any(r["status"] == NOT_COMPILE for r in out["simulators"].values()):
        out["build_errors"] = [verdict.message] if verdict.message else \
            [r["message"] for r in out["simulators"].values() if r["message"]]
    elif verdict.verdict == REJECTED:
        out["refused"] = [verdict.message]
    elif verdict.verdict not in (OK, "clean", "regression", "improves"):
        out["note"] = verdict.message
    return out


def _timing(design: Design, sd: SandboxDesign) -> dict[str, Any]:
    from chipchat.timing.api import run_timing

    if design.sdc is None and not design.clocks:
        return {"ran": False, "note": "no clock constraint (no SDC, no [[clocks]]), so no timing"}
    out: dict[str, Any] = {"ran": True}
    for side, d in (("before", design), ("after", sd)):
        try:
            run = run_timing(d, paths=1)
        except ToolNotFound as exc:
            return {"ran": False, "note": str(exc).splitlines()[0]}
        except ChipChatError as exc:
            if side == "before":
                return {"ran": False, "note": f"the original design could not be timed: {str(exc).splitlines()[0]}"}
            return {"ran": False, "note": "synthesis of the edited design failed",
                    "build_errors": [str(exc).replace(str(sd.root) + "/", "").split("\n  fix:")[0]]}
        m = run.sta.metrics
        out[side] = {"wns": m.get("wns"), "tns": m.get("tns"), "worst_slack": m.get("worst_slack"),
                     "cells": run.synth.metrics.get("cells"), "area": run.synth.metrics.get("area"),
                     "flops": run.synth.metrics.get("flops"), "run_dir": str(run.sta.run_dir)}
        out["period_ns"] = run.period_ns
        if run.results.paths:
            start, end = run.names(run.results.paths[0])
            out[side]["worst_path"] = f"{start} → {end}"
    return out


def _equivalence(design: Design, sd: SandboxDesign, latency: dict[str, int], port_map: dict[str, str],
                 opts: CheckOptions | None = None) -> dict[str, Any]:
    return equivalence(design, sd, latency, port_map, opts or CheckOptions())


def equivalence(design: Design, edited: Design, latency: dict[str, int], port_map: dict[str, str],
                opts: CheckOptions) -> dict[str, Any]:
    """The edited design against the original delayed by ``latency``: formal (within a budget), then simulation."""
    from chipchat.edit.equiv import compare_designs
    from chipchat.edit.formal import BOUNDED, COUNTEREXAMPLE, PROVED, prove

    try:
        result = compare_designs(design, edited, latency, rename=port_map)
    except ChipChatError as exc:
        return {"ran": False, "note": str(exc).splitlines()[0]}
    data = result.to_json()
    if result.ran and result.compared == 0:  # every output unknown (a black box, no reset): no evidence either way
        data["ran"] = False
    sim = result.sentence()
    try:
        formal = prove(design, edited, latency, rename=port_map, budget_s=opts.formal_s,
                       inputs_first=opts.inputs_first)
    except ChipChatError as exc:
        from chipchat.edit.formal import NOT_RUN, FormalResult

        formal = FormalResult(NOT_RUN, note=str(exc).splitlines()[0])
    data["formal"] = formal.to_json()
    if formal.status == COUNTEREXAMPLE:
        data["ran"], data["equivalent"] = True, False
    if formal.status == PROVED:
        data["method"] = "formal proof (Yosys SAT, every input sequence) and simulation"
    elif formal.status == BOUNDED:
        data["method"] = f"formal, bounded to {formal.steps} cycle(s) after reset, and simulation"
    else:
        data["method"] = f"simulation ({result.cycles} random cycles); formal: {formal.status}"
    data["sentence"] = f"{formal.sentence()}; simulation: {sim}" if formal.status != "not run" else sim
    return data
