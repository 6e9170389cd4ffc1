"""Retrieval quality: recall@1 and recall@5 of lexical, semantic and fused search.

Each question in retrieval_questions.json names the file and line span that answers
it; a retrieved chunk counts when it is in that file and its span overlaps the answer.
Target (issue #2): fused recall@5 >= 0.9.

    .venv/bin/python benchmarks/bench_retrieval.py
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from chipchat.design import load_design  # noqa: E402
from chipchat.index import DesignIndex  # noqa: E402

TARGET_FUSED_R5 = 0.9


def main() -> int:
    questions = json.loads((REPO / "benchmarks" / "retrieval_questions.json").read_text())
    work = Path(tempfile.mkdtemp(prefix="chipchat-bench-retrieval-"))
    indexes: dict[str, DesignIndex] = {}
    t0 = time.monotonic()
    for name in sorted({q["design"] for q in questions}):
        shutil.copytree(REPO / "designs" / name, work / "designs" / name)
        index = DesignIndex(load_design(work / "designs" / name), embeddings="minilm")
        index.update()
        indexes[name] = index
    print(f"indexed {len(indexes)} designs in {time.monotonic() - t0:.1f} s")
    results: dict[str, list[int | None]] = {"lexical": [], "semantic": [], "fused": []}
    misses: dict[str, list[str]] = {m: [] for m in results}
    for q in questions:
        index = indexes[q["design"]]
        lo, hi = q["lines"]
        for mode in results:
            hits = index.search(q["q"], k=5, mode=mode)
            rank = next((i for i, h in enumerate(hits, 1) if h.chunk.file == q["file"]
                         and h.chunk.start_line <= hi and h.chunk.end_line >= lo), None)
            results[mode].append(rank)
            if rank is None:
                misses[mode].append(f"{q['design']}: {q['q']!r} (want {q['file']}:{lo}-{hi}; got "
                                    + ", ".join(h.chunk.cite() for h in hits[:3]) + ")")
    n = len(questions)
    print(f"\n{n} questions over {len(indexes)} designs\n")
    print(f"{'mode':<10}{'recall@1':>10}{'recall@5':>10}")
    for mode, ranks in results.items():
        r1 = sum(1 for r in ranks if r == 1) / n
        r5 = sum(1 for r in ranks if r is not None) / n
        print(f"{mode:<10}{r1:>10.2f}{r5:>10.2f}")
    fused_r5 = sum(1 for r in results["fused"] if r is not None) / n
    verdict = "PASS" if fused_r5 >= TARGET_FUSED_R5 else "FAIL"
    print(f"\nfused recall@5 = {fused_r5:.2f} (target >= {TARGET_FUSED_R5}) {verdict}")
    for mode, items in misses.items():
        for item in items:
            print(f"  miss [{mode}] {item}")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
