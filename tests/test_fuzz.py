"""The CI fuzz: a few hundred mutated inputs through index/tree/show/ask; no traceback, hang, crash or blow-up.

The same mutations and supervisor as benchmarks/bench_fuzz.py (which runs 10,000), on the seed
files under 12 kB, with a fixed seed. Inputs that once failed (a hang on an included FIFO, a segfault
on deep nesting, an include of /dev/zero, crashes in the model builder) are kept in tests/fuzz_cases/
with what they did, and each must now be refused or read cleanly, without the corpus.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
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

@pytest.mark.skipif(not fuzz.CORPUS.is_dir(), reason="needs the corpus in /work/shared/corpus")
def test_mutated_inputs_never_crash_hang_or_blow_up(tmp_path: Path) -> None:
    ids = list(range(FIRST, FIRST + CASES))
    results: list[dict] = []
    fuzz.Supervisor(SEED, tmp_path, timeout_s=30, small=True).run(ids, 2, results.append, progress=False)
    assert len(results) == len(ids)
    bad = {r["id"]: fuzz.failures(r) for r in results if fuzz.failures(r)}
    detail = "\n".join(f"case {i}: {', '.join(sorted(set(f)))} ({next(r for r in results if r['id'] == i)['kinds']})"
                       for i, f in bad.items())
    assert not bad, f"{len(bad)} failing case(s) (bench_fuzz.py --first ID --small --dump DIR):\n{detail}"
    assert sum(len(r["commands"]) for r in results) == 4 * len(ids)


REPRODUCERS = sorted(p for p in (REPO / "tests" / "fuzz_cases").iterdir() if p.suffix in (".v", ".sv"))


@pytest.mark.parametrize("source", REPRODUCERS, ids=[p.stem for p in REPRODUCERS])
def test_former_failures_are_refused_or_read_cleanly(source: Path, tmp_path: Path) -> None:
    """Each reproducer alone in a folder (with the FIFO ``pipe.vh`` some include): ``chipchat tree`` answers
    or refuses with a located reason, in bounded time, with no traceback and no signal."""
    design = tmp_path / "d"
    design.mkdir()
    (design / source.name).write_bytes(source.read_bytes())
    os.mkfifo(design / "pipe.vh")
    try:
        proc = subprocess.run([sys.executable, "-m", "chipchat", "tree", str(design)], capture_output=True,
                              text=True, timeout=60, cwd=tmp_path, env={**os.environ, "CHIPCHAT_EMBEDDINGS": "none"})
    except subprocess.TimeoutExpired:
        pytest.fail(f"{source.name}: `chipchat tree` still running after 60 s (hang)")
    assert proc.returncode in (0, 2), f"{source.name}: exit {proc.returncode}\n{proc.stderr[-2000:]}"
    assert "Traceback" not in proc.stderr + proc.stdout
    if proc.returncode == 2:
        assert re.search(r"\.s?v:\d+", proc.stderr), f"refusal without file:line: {proc.stderr}"
