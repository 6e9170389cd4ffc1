"""Index a ~1,000,000-line tree of real SystemVerilog and Verilog, as a new user would (no chipchat.toml).

The tree is built from the real designs in ../shared/corpus (common_cells, verilog-axi, picorv32):
several copies, each with its modules, packages and interfaces renamed (``c3_cc_fifo``) so the
copies do not collide — a stress test of scale, said so, not a new design. Measured:

- ``chipchat index TREE`` cold, in its own process: wall time and peak RSS (targets: ≤ 5 min, ≤ 8 GB);
- answers on the indexed tree: ``what drives X``, ``where is X assigned``, a search question and the
  tree, each in one warm process (the chat's case: target ≤ 1 s each), and ``chipchat ask`` as a fresh process.

    .venv/bin/python benchmarks/bench_scale.py [--lines 1000000] [--keep]

Skips (exit 0, with the reason) when ../shared/corpus is absent.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("CHIPCHAT_CORPUS") or next((p for p in (REPO.parent / "shared" / "corpus", Path("/work/shared/corpus")) if p.is_dir()), REPO.parent / "shared" / "corpus"))
PARTS = [("common_cells", "src"), ("verilog-axi", "rtl"), ("picorv32", ".")]
DECL = re.compile(r"^\s*(?:module|macromodule|package|interface)\s+(?:automatic\s+|static\s+)?(\w+)", re.M)
TARGETS = {"index_s": 300.0, "rss_gb": 8.0, "answer_s": 1.0}


def build_tree(dest: Path, lines: int) -> tuple[int, int]:
    """(lines written, copies) of the corpus designs under ``dest``."""
    files = [(name, p) for name, sub in PARTS for p in sorted((CORPUS / name / sub).glob("*.*v"))
             if p.suffix in (".v", ".sv")]
    texts = {p: p.read_text(encoding="utf-8", errors="replace") for _, p in files}
    names = sorted({n for t in texts.values() for n in DECL.findall(t)}, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    per_copy = sum(t.count("\n") for t in texts.values())
    shutil.copytree(CORPUS / "common_cells" / "include", dest / "include")
    copies = max(1, -(-lines // per_copy))
    for k in range(copies):
        for name, p in files:
            out = dest / f"copy{k:02d}" / name / p.name
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(pattern.sub(lambda m, k=k: f"c{k}_{m.group(1)}", texts[p]))
    return per_copy * copies, copies


def timed(argv: list[str], timeout: float = 1800.0) -> tuple[float, float, str, int]:
    """(seconds, peak RSS in GB of the child, output, exit code)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    wall = time.monotonic() - t0
    peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024 / 1024
    return wall, peak, proc.stdout + proc.stderr, proc.returncode


def warm_answers(tree: Path) -> list[tuple[str, float, str]]:
    """Answer latencies in one process that has loaded the design once (the chat's case)."""
    sys.path.insert(0, str(REPO))
    from chipchat.agent.planner import answer
    from chipchat.rtl.load import load_design, load_model

    design = load_design(tree)
    load_model(design)
    out = []
    for q in ("what drives mem_valid?", "where is usage_o assigned?", "where is the write pointer wrapped?",
              "show me the hierarchy"):
        answer(design, q)  # the first call per kind warms imports and the index handle
        t0 = time.monotonic()
        ans = answer(design, q)
        out.append((q, time.monotonic() - t0, ans.text.splitlines()[0][:70] if ans.text else ""))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated tree")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"skipped: no corpus at {CORPUS} (set CHIPCHAT_CORPUS)")
        return 0
    work = Path(tempfile.mkdtemp(prefix="chipchat-scale-"))
    tree = work / "tree"
    written, copies = build_tree(tree, args.lines)
    print(f"tree: {written:,} lines of RTL in {copies} renamed copies of the corpus designs at {tree}")
    chipchat = [sys.executable, "-m", "chipchat"]
    index_s, rss, out, code = timed([*chipchat, "index", str(tree)])
    print(f"index (cold): {index_s:.1f} s, peak RSS {rss:.2f} GB, exit {code}")
    if code != 0:
        print(out[-2000:])
    ask_s, _, ask_out, _ = timed([*chipchat, "ask", str(tree), "what drives mem_valid?"])
    print(f"`chipchat ask` as a new process (model and index cached): {ask_s:.2f} s — {ask_out.splitlines()[0][:80]}")
    answers = warm_answers(tree)
    for q, s, first in answers:
        print(f"  warm: {s * 1000:7.0f} ms  {q!r}: {first}")
    worst = max(s for _, s, _ in answers)
    misses = [name for name, ok in (("index time", index_s <= TARGETS["index_s"]), ("peak RSS", rss <= TARGETS["rss_gb"]),
                                    ("answer latency", worst <= TARGETS["answer_s"]), ("index exit", code == 0))
              if not ok]
    print(f"targets: index ≤ {TARGETS['index_s']:.0f} s ({index_s:.0f}), RSS ≤ {TARGETS['rss_gb']:.0f} GB "
          f"({rss:.1f}), answers ≤ {TARGETS['answer_s']:.0f} s (worst {worst:.2f})"
          + (f" — MISSED: {', '.join(misses)}" if misses else " — all met"))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
