"""Retrieval quality: recall@1 and recall@5 of lexical, semantic and fused search, for each
embedder (``static``, the default, and ``minilm``), with the time each took to index.

Each question in retrieval_questions.json names the file and line span that answers
it; a retrieved chunk counts when it is in that file and its span overlaps the answer.
Target (issue #2): fused recall@5 >= 0.9 with the default embeddings.

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

from chipchat.index import DesignIndex  # noqa: E402
from chipchat.rtl.load import load_design  # noqa: E402

TARGET_FUSED_R5 = 0.9
DEFAULT = "static"
EMBEDDERS = ("static", "minilm")


def main() -> int:
    questions = json.loads((REPO / "benchmarks" / "retrieval_questions.json").read_text())
    work = Path(tempfile.mkdtemp(prefix="chipchat-bench-retrieval-"))
    names = sorted({q["design"] for q in questions})
    indexes: dict[str, dict[str, DesignIndex]] = {}
    for embedder in EMBEDDERS:  # a copy of the designs per embedder: each index lives in its design's folder
        t0 = time.monotonic()
        for name in names:
            shutil.copytree(REPO / "designs" / name, work / embedder / name, ignore=shutil.ignore_patterns(".chipchat"))
            index = DesignIndex(load_design(work / embedder / name), embeddings=embedder)
            index.update()
            indexes.setdefault(embedder, {})[name] = index
        print(f"indexed {len(names)} designs with {embedder} embeddings in {time.monotonic() - t0:.1f} s")
    modes = [("lexical", DEFAULT, "lexical")] + [(f"{m} ({e})", e, m) for e in EMBEDDERS for m in ("semantic", "fused")]
    results: dict[str, list[int | None]] = {label: [] for label, _, _ in modes}
    misses: dict[str, list[str]] = {label: [] for label in results}
    for q in questions:
        lo, hi = q["lines"]
        for label, embedder, mode in modes:
            hits = indexes[embedder][q["design"]].search(q["q"], k=5, mode=mode)
            rank = next((i for i, h in enumerate(hits, 1) if h.chunk.file == q["file"]
                         and h.chunk.start_line <= hi and h.chunk.end_line >= lo), None)
            results[label].append(rank)
            if rank is None:
                misses[label].append(f"{q['design']}: {q['q']!r} (want {q['file']}:{lo}-{hi}; got "
                                    + ", ".join(h.chunk.cite() for h in hits[:3]) + ")")
    n = len(questions)
    print(f"\n{n} questions over {len(names)} designs\n")
    print(f"{'mode':<20}{'recall@1':>10}{'recall@5':>10}")
    for label, ranks in results.items():
        r1 = sum(1 for r in ranks if r == 1) / n
        r5 = sum(1 for r in ranks if r is not None) / n
        print(f"{label:<20}{r1:>10.2f}{r5:>10.2f}")
    fused_r5 = sum(1 for r in results[f"fused ({DEFAULT})"] if r is not None) / n
    verdict = "PASS" if fused_r5 >= TARGET_FUSED_R5 else "FAIL"
    print(f"\nfused recall@5 with the default ({DEFAULT}) embeddings = {fused_r5:.2f} "
          f"(target >= {TARGET_FUSED_R5}) {verdict}")
    for mode, items in misses.items():
        for item in items:
            print(f"  miss [{mode}] {item}")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
