"""The testbench proposal that goes with a latency-changing design edit: made, checked, stored apart.

It is a separate, labelled proposal whose diff is relative to the design's testbench folder
(``[tests] dir``, often outside the design folder, e.g. ``verification/mac16``). It is confined
there: its paths must resolve inside that folder *and* name one of the configured test modules
(``[tests] modules``); ``apply`` writes nothing else, and only after the user's confirmation.

The check runs the configured cocotb tests three ways on the first configured simulator:

1. the rewritten testbench on the edited design — it must pass;
2. the rewritten testbench on the original design — it must fail (the checks really depend on
   the new latency, they were not weakened);
3. the original testbench on the original design — for the stimulus: every test must run exactly
   as long as before plus the final flush (the same shift for every test), so the transactions —
   back-to-back ones included — are the same, cycle for cycle.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

from chipchat.design import Design, TestConfig
from chipchat.edit.tbfollow import Rewrite, rewrite
from chipchat.errors import ChipChatError
from chipchat.sandbox.patch import unified_diff


def clock_port(design: Design) -> str:
    return design.clocks[0].port if design.clocks else "clk"


def make_rewrites(design: Design, latency: dict[str, int], label: str) -> tuple[dict[str, Rewrite], str]:
    """(test file name -> Rewrite, note) for every configured test module; the note says why none."""
    from chipchat.verify.testbench import resolve_modules, tests_dir

    try:
        folder = tests_dir(design)
        modules = resolve_modules(design)
    except ChipChatError as exc:
        return {}, f"{design.name} has no cocotb tests ({str(exc).splitlines()[0]}): only the comparison with the " \
                   "original checks the edited design"
    out: dict[str, Rewrite] = {}
    for mod in modules:
        path = folder / f"{mod}.py"
        if path.is_file():
            out[path.name] = rewrite(path.read_text(encoding="utf-8"), latency, label=label, clock=clock_port(design))
    return out, ""


def tb_diff(design: Design, rewrites: dict[str, Rewrite]) -> str:
    from chipchat.verify.testbench import tests_dir

    folder = tests_dir(design)
    parts = []
    for name, rw in sorted(rewrites.items()):
        if rw.refused:
            continue
        parts.append(unified_diff(name, (folder / name).read_text(encoding="utf-8"), rw.source))
    return "".join(parts)


def with_tests(design: Design, folder: Path) -> Design:
    t = design.tests
    return dataclasses.replace(design, tests=TestConfig(dir=folder, modules=t.modules, simulators=t.simulators,
                                                        timeout_s=t.timeout_s))


def check_testbench(original: Design, edited: Design, rewrites: dict[str, Rewrite], work: Path,
                    simulator: str | None = None) -> dict[str, Any]:
    """Run the three checks (see the module docstring); the evidence as JSON-able data."""
    from chipchat.verify.simulate import simulate
    from chipchat.verify.testbench import tests_dir

    sim = simulator or (original.tests.simulators[0] if original.tests.simulators else "icarus")
    folder = tests_dir(original)
    new = work / "tests"
    shutil.rmtree(new, ignore_errors=True)
    shutil.copytree(folder, new, ignore=shutil.ignore_patterns("__pycache__", "sim_build", "*.pyc", "results.xml"))
    for name, rw in rewrites.items():
        if not rw.refused:
            (new / name).write_text(rw.source, encoding="utf-8")
    runs = {"edited": simulate(with_tests(edited, new), sim), "original": simulate(with_tests(original, new), sim),
            "before": simulate(original, sim)}
    rows = {k: {t.name: t for t in r.tests} for k, r in runs.items()}
    ev: dict[str, Any] = {"simulator": sim}
    for k, r in runs.items():
        ev[k] = {"passed": sum(1 for t in r.tests if not t.failed), "total": len(r.tests),
                 "built": bool(r.build and r.build.ok),
                 "failing": [{"test": t.name, "message": (t.message or "").splitlines()[0][:200] if t.message else ""}
                             for t in r.tests if t.failed]}
    ev["passes_on_edited"] = ev["edited"]["total"] > 0 and ev["edited"]["passed"] == ev["edited"]["total"]
    ev["fails_on_original"] = ev["original"]["passed"] < ev["original"]["total"]
    shifts = {}
    for name, t in rows["edited"].items():
        old = rows["before"].get(name)
        if old is not None and not t.failed and not old.failed:
            shifts[name] = round(t.sim_time_ns - old.sim_time_ns, 3)
    values = sorted(set(shifts.values()))
    ev["shifts_ns"] = shifts
    ev["same_stimulus"] = bool(shifts) and len(values) == 1 and values[0] >= 0 and \
        len(shifts) == len(rows["before"])
    ev["flush_ns"] = values[0] if len(values) == 1 else None
    ev["ok"] = ev["passes_on_edited"] and ev["fails_on_original"] and ev["same_stimulus"]
    ev["sentence"] = sentence(ev)
    return ev


def sentence(ev: dict[str, Any]) -> str:
    e, o, b = ev["edited"], ev["original"], ev["before"]
    parts = [f"the updated tests pass on the edited design ({e['passed']}/{e['total']})" if ev["passes_on_edited"]
             else f"the updated tests do NOT all pass on the edited design ({e['passed']}/{e['total']}"
                  + (f"; first: {e['failing'][0]['test']}: {e['failing'][0]['message']}" if e["failing"] else "") + ")",
             f"and fail on the original ({o['total'] - o['passed']}/{o['total']} fail: the checks depend on the new "
             "latency)" if ev["fails_on_original"] else
             "but they also pass on the original design, so they do not tell the latencies apart"]
    if ev["same_stimulus"]:
        parts.append(f"every test drives the same stimulus as before — each runs exactly {ev['flush_ns']:g} ns "
                     f"longer (the final flush), so back-to-back transactions are still tested back to back "
                     f"(baseline: {b['passed']}/{b['total']} pass on the original)")
    else:
        parts.append("the stimulus is not shown to be unchanged: " + (
            ", ".join(f"{k} {v:+g} ns" for k, v in sorted(ev["shifts_ns"].items())) or "no test ran on both sides"))
    return "; ".join(parts)


def notes_for(rewrites: dict[str, Rewrite]) -> list[str]:
    """What the rewrite did, per test module, in words."""
    notes: list[str] = []
    for name, rw in sorted(rewrites.items()):
        if rw.refused:
            notes.append(f"{name}: not changed — {rw.refused}")
            continue
        cycles = sorted({n for _, n, _ in rw.deferred})
        notes.append(f"{name}: {len(rw.deferred)} check(s) of the delayed outputs now run "
                     f"{'/'.join(map(str, cycles))} cycle(s) after the point where the test makes them (lines "
                     + ", ".join(str(ln) for ln, _, _ in rw.deferred[:12]) + ("…" if len(rw.deferred) > 12 else "")
                     + f"); {len(rw.tests)} test(s) wait for their last checks at the end")
        if rw.dropped:
            notes.append(f"{name}: immediate reads of a delayed output that only those checks used are dropped "
                         f"(lines {', '.join(map(str, rw.dropped))})")
        for line, why in rw.left:
            notes.append(f"{name}:{line}: check left as it was — {why}")
        if rw.reads:
            notes.append(f"{name}: other reads of a delayed output are left as they are (lines "
                         f"{', '.join(map(str, rw.reads))}); they now see its value from earlier cycles")
    return notes


def evidence_markdown(ev: dict[str, Any]) -> tuple[str, str]:
    """(summary, Markdown) of the testbench checks."""
    ok = "checked" if ev.get("ok") else "CHECK FAILED"
    summary = (f"testbench {ok}: {ev['edited']['passed']}/{ev['edited']['total']} pass on the edited design, "
               f"{ev['original']['total'] - ev['original']['passed']}/{ev['original']['total']} fail on the original"
               + ("; same stimulus" if ev.get("same_stimulus") else "; stimulus changed"))
    lines = [f"**Testbench evidence** ({ev['simulator']}): {ev['sentence']}."]
    for f in ev["edited"]["failing"][:5]:
        lines.append(f"- on the edited design `{f['test']}` fails: {f['message']}")
    return summary, "\n".join(lines)


def propose_testbench(design: Design, paired: Any, *, check: bool = True, simulator: str | None = None) -> Any:
    """Make, check and store the testbench proposal that goes with the design proposal ``paired``."""
    from chipchat.edit import proposal as store
    from chipchat.edit.proposal import APPLIED, Proposal
    from chipchat.errors import ConfigError
    from chipchat.sandbox.box import Sandbox
    from chipchat.sandbox.patch import apply_patch
    from chipchat.verify.testbench import tests_dir

    latency = {o: n for o, n in (paired.latency or {}).items() if n}
    if not latency:
        raise ConfigError(f"proposal {paired.id} does not change the latency of any output, so the testbench "
                          "needs no update")
    rewrites, why = make_rewrites(design, latency, f"goes with proposal {paired.id}")
    if why:
        raise ConfigError(why)
    diff = tb_diff(design, rewrites)
    if not diff:
        reasons = "; ".join(f"{n}: {rw.refused}" for n, rw in rewrites.items()) or "no test module"
        raise ConfigError(f"the testbench could not be updated for the new latency: {reasons}",
                          hint="update the checks by hand, or keep the old design")
    folder = tests_dir(design)
    p = Proposal(id=store.new_id(design, f"testbench-{paired.id}", diff), design=design.name,
                 request=f"update the testbench for the latency of {paired.id}", engine="testbench",
                 title=f"Testbench follows {paired.id}: checks of {', '.join(sorted(latency))} moved "
                       f"{max(latency.values())} cycle(s) later",
                 diff=diff, files={n: h for n in rewrites if (h := store.sha256(folder / n)) is not None},
                 notes=notes_for(rewrites), latency=latency, compare="none", root="tests", pair=paired.id)
    out = store.save(design, p)
    if check:
        with Sandbox(design, f"tb-{p.id}") as box:
            edited: Design
            original: Design
            if paired.status == APPLIED:  # the design has the edit: the original comes from the backup
                edited = design
                backup = store.folder(design, paired.id) / "backup"
                for rel in paired.changed_files():
                    if (backup / rel).is_file():
                        shutil.copy2(backup / rel, box.root / rel)
                original = box.design()
            else:
                apply_patch(paired.diff, box.root)
                edited, original = box.design(), design
            ev = check_testbench(original, edited, rewrites, out, simulator)
        summary, markdown = evidence_markdown(ev)
        p.evidence = {**ev, "summary": summary, "markdown": markdown, "build_ok": ev["edited"]["built"]}
        store.save(design, p)
    return p
