"""Proposed edits (issue #6, part 1): what "pipeline the multiplier" does to mac16, and how long it takes.

    python benchmarks/bench_edit.py            # mac16 cold + warm, and the planning time of every transformation
    python benchmarks/bench_edit.py --sims icarus,verilator

"Cold" is a fresh copy of designs/mac16 (no build, synthesis or STA cache); "warm" proposes
the same edit again on that copy (builds, synthesis and STA of identical sources are reused).
The checked proposal includes: pyslang parse, Verilator lint (original and edited), the
regression through the batch runner (baseline and patched), synthesis + STA before and after,
and the lagged comparison with the original. Targets: a checked proposal in ≤ 60 s cold and
≤ 20 s warm on 2 cores; the pipelined design's WNS better than the original's; planning a
transformation (no checks) ≤ 1 s. Wall-clock times depend on what else runs on the machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

ROWS: list[tuple[str, str, str, str]] = []


def row(name: str, value: str, target: str, verdict: str) -> None:
    ROWS.append((name, value, target, verdict))
    print(f"  {name:<52} {value:>22}   target {target:<14} {verdict}", flush=True)


def copy(name: str, dest: Path) -> Path:
    shutil.copytree(REPO / "designs" / name, dest / "designs" / name,
                    ignore=shutil.ignore_patterns(".chipchat", "__pycache__", "sim_build"))
    shutil.copytree(REPO / "verification" / name, dest / "verification" / name,
                    ignore=shutil.ignore_patterns("__pycache__", "sim_build", "results.xml"))
    return dest / "designs" / name


def bench_pipeline(work: Path, sims: str) -> None:
    from chipchat.edit.api import propose_edit

    root = copy("mac16", work)
    for label, limit in (("cold", 60.0), ("warm", 20.0)):
        t0 = time.monotonic()
        answer = propose_edit(root, "pipeline the multiplier", simulators=sims)
        wall = time.monotonic() - t0
        row(f"mac16 'pipeline the multiplier', checked ({label})", f"{wall:.1f} s", f"<= {limit:g} s",
            "ok" if wall <= limit else "SLOW")
    ev = answer.data["evidence"]
    t = ev["timing"]
    before, after = t["before"]["wns"], t["after"]["wns"]
    row("mac16 WNS at 4 ns: before -> after", f"{before:+.3f} -> {after:+.3f} ns", "after > before",
        "ok" if after > before else "WORSE")
    row("mac16 TNS: before -> after", f"{t['before']['tns']:+.2f} -> {t['after']['tns']:+.2f} ns", "-", "")
    row("mac16 worst path after", t["after"].get("worst_path", "n/a"), "-", "")
    for sim, r in ev["tests"]["simulators"].items():
        row(f"mac16 tests on {sim} (baseline -> pipelined)", f"{r['baseline']} -> {r['patched']}", "reported",
            "ok")
    eq = ev["equivalence"]
    row("mac16 outputs = original one cycle later", f"{eq['compared']} values, {eq['mismatches']} differ",
        "0 differ", "ok" if eq.get("equivalent") else "DIFFERS")
    print(f"\n  summary: {ev['summary']}\n")


def bench_planning(work: Path) -> None:
    from chipchat.edit.api import propose_edit

    cases = [("mac16", "pipeline the multiplier"), ("fifo", "rename wr_ptr to wptr"), ("fifo", "set DEPTH to 32"),
             ("fifo", "register the output full"), ("uart_tx", "register the output tx_ready"),
             ("mac16", "make acc 40 bits wide"), ("alu8", "register the output zero"),
             ("alu8", "rename carry_nxt to carry_next")]
    roots: dict[str, Path] = {}
    for design, request in cases:
        if design not in roots:
            roots[design] = copy(design, work / "plan")
        t0 = time.monotonic()
        answer = propose_edit(roots[design], request, check=False)
        wall = time.monotonic() - t0
        ok = "proposal_id" in answer.data
        row(f"plan '{request}' ({design})", f"{wall * 1000:.0f} ms", "<= 1000 ms",
            ("ok" if wall <= 1.0 else "SLOW") if ok else "NO PROPOSAL")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sims", default="icarus", help="simulators for the regression")
    args = parser.parse_args()
    os.environ.pop("CHIPCHAT_LLM_BASE_URL", None)
    print(f"bench_edit on {os.cpu_count()} core(s)\n")
    with tempfile.TemporaryDirectory(prefix="chipchat-bench-edit-") as tmp:
        work = Path(tmp)
        bench_pipeline(work, args.sims)
        bench_planning(work)
    bad = [r for r in ROWS if r[3] in ("SLOW", "WORSE", "DIFFERS", "NO PROPOSAL")]
    print(f"\n{len(ROWS) - len(bad)}/{len(ROWS)} figures on target")
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
