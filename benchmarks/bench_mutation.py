"""Mutation testing and generated testbenches on every example design.

Measures (issue #6, part 2; 2-core machine):
  * the mutation score of the handwritten testbenches (verification/<name>/) on every example design;
  * the mutation score of the testbenches `chipchat tbgen` generates from each spec.md —
    target: >= 80% of valid mutants killed on designs whose spec has tables (all four do);
  * the wall time to grade a design with 50 mutants on 2 cores (--jobs 2), per design.

Both testbenches are graded on the same mutants (same --max and --seed). Everything runs
in a temporary copy of the designs (the checkout is never written).

    .venv/bin/python benchmarks/bench_mutation.py [--designs fifo,mac16,uart_tx,alu8] [--max 50] [--jobs 2]
                                                  [--sim icarus] [--seed 1] [--json out.json]

On a machine shared with other work, the load average printed next to each time shows
how much of the machine the run got.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from chipchat.mutate.api import mutate  # noqa: E402
from chipchat.tbgen.api import generate  # noqa: E402

TARGET_GENERATED = 0.80
DESIGNS = ("fifo", "mac16", "uart_tx", "alu8")


def copy_design(name: str, root: Path) -> Path:
    shutil.copytree(REPO / "designs" / name, root / "designs" / name,
                    ignore=shutil.ignore_patterns(".chipchat", "__pycache__"))
    shutil.copytree(REPO / "verification" / name, root / "verification" / name,
                    ignore=shutil.ignore_patterns("__pycache__", "sim_build"))
    return root / "designs" / name


def grade(design: Path, tests: Path | None, args: argparse.Namespace) -> dict[str, Any]:
    load = os.getloadavg()[0]
    t0 = time.monotonic()
    report = mutate(design, tests, args.sim, args.max, args.jobs, "local", args.seed)
    wall = time.monotonic() - t0
    data = report.to_json()
    return {"score": report.score, "killed": report.killed, "valid": report.valid, "mutants": len(report.results),
            "timeouts": data["counts"]["timeout"], "invalid": data["counts"]["invalid"], "wall_s": round(wall, 1),
            "load": round(load, 1), "survivors": [f"{r.mutant.where} {r.mutant.description}"
                                                  for r in report.by_status("survived")]}


def pct(score: float | None) -> str:
    return "  n/a " if score is None else f"{100 * score:5.1f}%"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--designs", default=",".join(DESIGNS))
    parser.add_argument("--max", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--sim", default="icarus")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", default=None, help="also write the figures here")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-mutation-") as tmp:
        for name in args.designs.split(","):
            design = copy_design(name, Path(tmp))
            t0 = time.monotonic()
            gen = generate(design, grade=False, simulator=args.sim, seed=args.seed)
            gen_s = time.monotonic() - t0
            row: dict[str, Any] = {"generated_tests": len(gen.tests), "generate_s": round(gen_s, 1),
                                   "disagreements": len(gen.disagreements),
                                   "not_used": len(gen.spec.unused()),
                                   "model": gen.model.get("kind", "none"),
                                   "spec_tables": sum(1 for t in gen.spec.tables)}
            row["handwritten"] = grade(design, None, args)
            row["generated"] = grade(design, Path(gen.folder), args) if gen.usable else None
            results[name] = row
            hand, made = row["handwritten"], row["generated"]
            print(f"{name:8} handwritten {pct(hand['score'])} ({hand['killed']}/{hand['valid']}, "
                  f"{hand['wall_s']:5.1f} s, load {hand['load']})   generated {pct(made and made['score'])} "
                  f"({made and made['killed']}/{made and made['valid']}, {made and made['wall_s']} s)   "
                  f"[{row['generated_tests']} generated tests, model {row['model']}, "
                  f"{row['disagreements']} disagreements]", flush=True)
    print()
    print(f"target: generated testbenches kill >= {100 * TARGET_GENERATED:.0f}% of valid mutants on designs whose "
          "spec has tables")
    ok = True
    for name, row in results.items():
        made = row["generated"]
        score = made["score"] if made else None
        hit = score is not None and score >= TARGET_GENERATED
        ok &= hit or row["spec_tables"] == 0
        print(f"  {name:8} generated {pct(score)}  {'meets' if hit else 'MISSES'} the target"
              + (f"; surviving: {'; '.join(made['survivors'][:4])}" if made and made["survivors"] else ""))
    print(f"grading time with {args.max} mutants on {args.jobs} workers ({args.sim}): "
          + ", ".join(f"{n} {r['handwritten']['wall_s']:.0f} s (handwritten) / "
                      f"{r['generated']['wall_s'] if r['generated'] else 0:.0f} s (generated)" for n, r in results.items()))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
