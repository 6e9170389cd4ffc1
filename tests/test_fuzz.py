"""The CI fuzz: a few hundred mutated inputs through index/tree/show/ask; no traceback, hang, crash or blow-up.

The same mutations and supervisor as benchmarks/bench_fuzz.py (which runs 10,000), on the seed
files under 12 kB, with a fixed seed. Inputs that fail inside chipchat/rtl/ (the parser and model,
fixed by the RTL owner) are kept as reproducers in tests/fuzz_cases/ and skipped here by id, each
with the reason; every other case must pass.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEED, FIRST, CASES = 16, 100_000, 300

_spec = importlib.util.spec_from_file_location("bench_fuzz", REPO / "benchmarks" / "bench_fuzz.py")
assert _spec is not None and _spec.loader is not None
fuzz = importlib.util.module_from_spec(_spec)
sys.modules["bench_fuzz"] = fuzz
_spec.loader.exec_module(fuzz)

# case id -> where it fails in chipchat/rtl/ (reproducer: tests/fuzz_cases/seed16-case<id>.* and its .txt)
KNOWN_RTL: dict[int, str] = {
    100007: "`include of a FIFO (pipe.vh) blocks pyslang: hang in rtl/frontend.py quick_hierarchy",
    100028: "AttributeError 'InvalidExpression' has no attribute 'left' in rtl/build.py _continuous",
    100066: "`line directive: IndexError in rtl/build.py _procedural",
    100087: "`include of a FIFO (pipe.vh) blocks pyslang: hang in rtl/frontend.py quick_hierarchy",
    100095: "deep nesting (20,000 levels): pyslang segfaults in rtl/frontend.py quick_hierarchy",
    100107: "`include of a FIFO (pipe.vh) blocks pyslang: hang in rtl/frontend.py quick_hierarchy",
    100137: "`include of a FIFO (pipe.vh) blocks pyslang: hang in rtl/frontend.py quick_hierarchy",
    100140: "AttributeError 'InvalidExpression' has no attribute 'left' in rtl/build.py _continuous",
    100144: "AttributeError 'InvalidExpression' has no attribute 'left' in rtl/build.py _continuous",
    100156: "AttributeError 'InvalidExpression' has no attribute 'left' in rtl/build.py _continuous",
    100167: "AttributeError 'InvalidExpression' has no attribute 'left' in rtl/build.py _continuous",
    100168: "AttributeError 'InvalidExpression' has no attribute 'left' in rtl/build.py _continuous",
    100187: "`include of a FIFO (pipe.vh) blocks pyslang: hang in rtl/frontend.py quick_hierarchy",
    100195: "deep nesting (20,000 levels): pyslang segfaults in rtl/frontend.py quick_hierarchy",
    100215: "deep nesting: RecursionError in rtl/build.py _members",
    100217: "`include '/dev/zero': memory passes 3 GB in rtl/frontend.py quick_hierarchy",
    100285: "deep nesting (20,000 levels): pyslang segfaults in rtl/frontend.py quick_hierarchy",
    100287: "`include of a FIFO (pipe.vh) blocks pyslang: hang in rtl/frontend.py quick_hierarchy",
}


@pytest.mark.skipif(not fuzz.CORPUS.is_dir(), reason="needs the corpus in /work/shared/corpus")
def test_mutated_inputs_never_crash_hang_or_blow_up(tmp_path: Path) -> None:
    ids = [i for i in range(FIRST, FIRST + CASES) if i not in KNOWN_RTL]
    results: list[dict] = []
    fuzz.Supervisor(SEED, tmp_path, timeout_s=30, small=True).run(ids, 2, results.append, progress=False)
    assert len(results) == len(ids)
    bad = {r["id"]: fuzz.failures(r) for r in results if fuzz.failures(r)}
    detail = "\n".join(f"case {i}: {', '.join(sorted(set(f)))} ({next(r for r in results if r['id'] == i)['kinds']})"
                       for i, f in bad.items())
    assert not bad, f"{len(bad)} failing case(s) (bench_fuzz.py --first ID --small --dump DIR):\n{detail}"
    assert sum(len(r["commands"]) for r in results) == 4 * len(ids)


@pytest.mark.parametrize("case", sorted(KNOWN_RTL) or [None])
def test_known_rtl_reproducers(case: int | None) -> None:
    if case is None:
        pytest.skip("no known chipchat/rtl/ failures in the CI range")
    pytest.skip(f"owned by rtl fix: case {case}: {KNOWN_RTL[case]} (tests/fuzz_cases/seed{SEED}-case{case}.*)")
