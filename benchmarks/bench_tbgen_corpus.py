"""`chipchat tbgen` on the spec text of a public benchmark (VerilogEval v2 spec-to-rtl, 78 problems), offline.

For every problem: the spec (`<name>_prompt.txt`) and a correct implementation (`<name>_ref.sv`,
renamed TopModule) are set up as a new user would (no chipchat.toml), `chipchat tbgen` generates
and runs a testbench with no language model, and grades it on up to --mutants mutants. The
benchmark's own SystemVerilog testbench (`<name>_test.sv`, RefModule vs TopModule, "Mismatches:
N in M samples") is run on the same mutants, so both kill rates sit side by side.

Measures (issue 15): the fraction of problems whose generated testbench passes on the reference
(target >= 60%), the mean mutation score over those (target >= 85%), and false disagreements on
correct references (target 0). Problems are split into dev (number % 4 == 2, used while building
the readers) and held-out (number % 4 == 0); both are reported. Exit 1 when a target is missed.

    .venv/bin/python benchmarks/bench_tbgen_corpus.py [--only kmap,fsm2] [--limit N] [--jobs 2]
                                                      [--mutants 20] [--split all|dev|held-out] [--json out.json]

The corpus is read from ../shared/corpus/verilog-eval-dev/ (or $CHIPCHAT_CORPUS/verilog-eval-dev/);
when it is absent the benchmark says so and exits 0. Nothing is written into the corpus.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TARGET_VALID, TARGET_SCORE = 0.60, 0.85
KINDS = ("combinational", "K-map", "waveform", "FSM", "sequential")


def corpus_dir() -> Path:
    repo = Path(__file__).resolve().parents[1]
    root = Path(os.environ["CHIPCHAT_CORPUS"]) if os.environ.get("CHIPCHAT_CORPUS") else next(
        (p for p in (repo.parent / "shared" / "corpus", Path("/work/shared/corpus")) if p.is_dir()),
        repo.parent / "shared" / "corpus")
    return root / "verilog-eval-dev"


def problems(corpus: Path) -> list[str]:
    return sorted(p.name[: -len("_prompt.txt")] for p in corpus.glob("*_prompt.txt"))


def split_of(name: str) -> str:
    return "dev" if int(re.match(r"Prob(\d+)", name).group(1)) % 4 == 2 else "held-out"  # type: ignore[union-attr]


def kind_of(prompt: str, ref: str) -> tuple[str, bool]:
    """(kind, prose-only) from the spec's text alone — independent of what chipchat reads."""
    clocked = re.search(r"\binput\s+(?:wire\s+|logic\s+)?clk\b", ref) is not None
    has_listing = re.search(r"^\s*time\s+\w+.*\n\s*\d+\s*ns\b", prompt, re.M | re.I) is not None
    has_table = re.search(r"^\s*\S.*\|.*\|", prompt, re.M) is not None
    has_code = re.search(r"^\s*module\s+\w+\s*\(", prompt, re.M) is not None
    prose_only = not (has_listing or has_table or has_code or "-->" in prompt)
    if re.search(r"karnaugh|k-map", prompt, re.I):
        return "K-map", False
    if has_listing:
        return "waveform", False
    if "-->" in prompt or re.search(r"state (?:transition )?table|state machine|\bFSM\b", prompt, re.I):
        return "FSM", prose_only
    return ("sequential" if clocked else "combinational"), prose_only


def own_testbench(corpus: Path, name: str, design: Path, patch: str | None, work: Path) -> str:
    """Run `<name>_test.sv` with the reference as RefModule and (a mutant of) the design as TopModule:
    killed | survived | invalid | timeout."""
    from chipchat.sandbox.patch import apply_patch

    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(design / "rtl", work / "rtl")
    if patch:
        try:
            apply_patch(patch, work)
        except Exception:  # a patch that does not apply is not a mutant the testbench can judge
            return "invalid"
    sim = work / "sim.vvp"
    build = subprocess.run(["iverilog", "-g2012", "-o", str(sim), str(corpus / f"{name}_test.sv"),
                            str(corpus / f"{name}_ref.sv"), str(work / "rtl" / "TopModule.sv")],
                           capture_output=True, text=True, timeout=120)
    if build.returncode != 0:
        return "invalid"
    try:
        run = subprocess.run(["vvp", "-n", str(sim)], capture_output=True, text=True, timeout=60, cwd=work)
    except subprocess.TimeoutExpired:
        return "timeout"
    m = re.search(r"Mismatches:\s*(\d+)\s+in\s+(\d+)\s+samples", run.stdout)
    if m is None:
        return "killed" if "TIMEOUT" in run.stdout else "invalid"
    return "killed" if int(m.group(1)) > 0 else "survived"


def one(args: tuple[str, str, int, int]) -> dict[str, Any]:
    from chipchat.tbgen.api import generate

    corpus_s, name, mutants, seed = args
    corpus = Path(corpus_s)
    prompt = (corpus / f"{name}_prompt.txt").read_text()
    ref = (corpus / f"{name}_ref.sv").read_text()
    kind, prose_only = kind_of(prompt, ref)
    row: dict[str, Any] = {"name": name, "split": split_of(name), "kind": kind, "prose_only": prose_only,
                           "generated": False, "valid": False, "false_disagreements": 0, "score": None,
                           "own_kill": None, "tests": [], "model": "", "error": ""}
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tbgen-corpus-") as tmp:
        design = Path(tmp) / name
        (design / "rtl").mkdir(parents=True)
        (design / "rtl" / "TopModule.sv").write_text(re.sub(r"\bRefModule\b", "TopModule", ref))
        (design / "spec.txt").write_text(prompt)
        try:
            result = generate(design, str(design / "spec.txt"), grade=mutants > 0, max_mutants=mutants,
                              seed=seed, jobs=1, executor="serial")
        except Exception as exc:  # one problem must report, not stop the benchmark
            row["error"] = f"{type(exc).__name__}: {exc}"
            return row
        run = result.runs.get("icarus", {})
        false = [d for d in result.disagreements if d.kind in ("spec-vs-rtl", "testbench-error", "static")]
        row.update(generated=bool(result.tests), tests=result.tests, model=result.model.get("kind", ""),
                   valid=bool(result.tests) and bool(run.get("ok")) and not false,
                   false_disagreements=len(false), disagreements=[d.line()[:300] for d in false],
                   not_used=len(result.spec.unused()))
        mutation = result.mutation
        if mutation is not None and row["valid"]:
            row["score"] = mutation["score"]
            both = kills = 0
            for r in mutation["results"]:
                if r["status"] not in ("killed", "survived", "timeout"):
                    continue
                own = own_testbench(corpus, name, design, r["mutant"]["patch"], Path(tmp) / "own")
                if own == "invalid":
                    continue
                both += 1
                kills += own in ("killed", "timeout")
            row["own_kill"] = kills / both if both else None
            row["own_baseline"] = own_testbench(corpus, name, design, None, Path(tmp) / "own")
    row["wall_s"] = round(time.monotonic() - t0, 1)
    return row


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def pct(value: float | None) -> str:
    return "   n/a" if value is None else f"{100 * value:5.1f}%"


def line(label: str, rows: list[dict[str, Any]]) -> str:
    valid = [r for r in rows if r["valid"]]
    score = mean([r["score"] for r in valid if r["score"] is not None])
    own = mean([r["own_kill"] for r in valid if r["own_kill"] is not None])
    return (f"{label:<22} {len(rows):>8} {sum(r['generated'] for r in rows):>9} {len(valid):>6} "
            f"{pct(len(valid) / len(rows) if rows else None):>7} {pct(score):>9} "
            f"{sum(r['false_disagreements'] > 0 for r in rows):>6} {pct(own):>9}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="", help="comma-separated name fragments (e.g. kmap,fsm2)")
    parser.add_argument("--limit", type=int, default=0, help="at most this many problems")
    parser.add_argument("--jobs", type=int, default=2, help="problems run in parallel")
    parser.add_argument("--mutants", type=int, default=20, help="mutants per problem (0: no grading)")
    parser.add_argument("--split", default="all", choices=("all", "dev", "held-out"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", default=None, help="also write every row here")
    args = parser.parse_args()
    corpus = corpus_dir()
    if not corpus.is_dir():
        print(f"SKIP: the VerilogEval corpus is not at {corpus} (set CHIPCHAT_CORPUS to the folder holding "
              "verilog-eval-dev/)")
        return 0
    names = problems(corpus)
    if args.only:
        names = [n for n in names if any(f in n for f in args.only.split(","))]
    if args.split != "all":
        names = [n for n in names if split_of(n) == args.split]
    if args.limit:
        names = names[: args.limit]
    t0 = time.monotonic()
    jobs = [(str(corpus), n, args.mutants, args.seed) for n in names]
    rows = []
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for row in pool.map(one, jobs):  # in order, printed as they finish
            rows.append(row)
            print(f"[{len(rows)}/{len(jobs)}] {row['name']}: {'valid' if row['valid'] else 'not valid'}", flush=True)
    print()
    for r in rows:
        flag = "VALID" if r["valid"] else ("FAILS" if r["generated"] else "none ")
        print(f"{r['name']:<34} {r['split']:<8} {r['kind']:<13} {flag} score={pct(r['score'])} "
              f"own={pct(r['own_kill'])} model={r['model'] or '-'} {r['error']}")
        for d in r.get("disagreements", [])[:2]:
            print(f"    {d}")
    head = f"{'kind':<22} {'problems':>8} {'generated':>9} {'valid':>6} {'valid%':>7} {'mut.score':>9} " \
           f"{'false':>6} {'own tb':>9}"
    print("\n" + head + "\n" + "-" * len(head))
    for kind in KINDS:
        print(line(kind, [r for r in rows if r["kind"] == kind]))
    print(line("prose-only (subset)", [r for r in rows if r["prose_only"]]))
    print("-" * len(head))
    for split in ("dev", "held-out"):
        print(line(split, [r for r in rows if r["split"] == split]))
    print(line("all", rows))
    valid = [r for r in rows if r["valid"]]
    frac = len(valid) / len(rows) if rows else 0.0
    score = mean([r["score"] for r in valid if r["score"] is not None])
    false = sum(r["false_disagreements"] > 0 for r in rows)
    ok = frac >= TARGET_VALID and (args.mutants == 0 or (score or 0) >= TARGET_SCORE) and false == 0
    print(f"\noverall: valid {len(valid)}/{len(rows)} = {pct(frac)} (target >= {TARGET_VALID:.0%}), mean mutation "
          f"score {pct(score)} (target >= {TARGET_SCORE:.0%}), false disagreements {false} (target 0) -> "
          f"{'TARGETS MET' if ok else 'TARGET MISSED'}  [{time.monotonic() - t0:.0f} s, --mutants {args.mutants}]")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
