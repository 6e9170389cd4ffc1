"""A few VerilogEval spec-to-rtl problems, one per kind of spec, from ../shared/corpus (skipped when absent).

The full measurement is benchmarks/bench_tbgen_corpus.py; this keeps one problem of each kind honest in the
test suite: the generated testbench passes on the reference implementation and nothing is reported as a
disagreement (on a correct reference every disagreement would be false).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from chipchat.tbgen.api import generate

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ["CHIPCHAT_CORPUS"]) if os.environ.get("CHIPCHAT_CORPUS") else next(
    (p for p in (REPO.parent / "shared" / "corpus", Path("/work/shared/corpus")) if p.is_dir()),
    REPO.parent / "shared" / "corpus")
EVAL = CORPUS / "verilog-eval-dev"
CASES = {  # problem -> what chipchat must read from its spec
    "Prob050_kmap1": "combinational",  # K-map without a --- row, axis variables on their own lines
    "Prob102_circuit3": "combinational",  # whitespace waveform listing of a combinational circuit
    "Prob098_circuit7": "test_waveform_line_13",  # clocked listing with 5 ns rows
    "Prob110_fsm2": "state-machine",  # arrow diagram, asynchronous reset
    "Prob100_fsm3comb": "combinational",  # state table, the state is an input port
    "Prob046_dff8p": "d-flip-flop",  # prose: negative edge, reset to 0x34
}

pytestmark = pytest.mark.skipif(not EVAL.is_dir(), reason=f"the VerilogEval corpus is not at {EVAL} "
                                "(set CHIPCHAT_CORPUS to the folder holding verilog-eval-dev/)")


@pytest.mark.parametrize("name", sorted(CASES))
def test_corpus_problem_passes_on_its_reference(name: str, tmp_path: Path) -> None:
    design = tmp_path / name
    (design / "rtl").mkdir(parents=True)
    ref = (EVAL / f"{name}_ref.sv").read_text()
    (design / "rtl" / "TopModule.sv").write_text(re.sub(r"\bRefModule\b", "TopModule", ref))
    shutil.copyfile(EVAL / f"{name}_prompt.txt", design / "spec.txt")
    result = generate(design, str(design / "spec.txt"), grade=False)
    assert result.tests and result.runs["icarus"]["ok"], result.runs.get("icarus", {}).get("summary")
    assert not result.disagreements, [d.line() for d in result.disagreements]
    want = CASES[name]
    assert want in result.tests or want in (result.model.get("kind"), result.model.get("timing"))
