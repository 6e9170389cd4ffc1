"""Latency-aware formal equivalence with Yosys SAT: proved, a counterexample, or the budget said plainly."""

from __future__ import annotations

from pathlib import Path

from chipchat.edit.equiv import Ports
from chipchat.edit.formal import COUNTEREXAMPLE, INCONCLUSIVE, PROVED, miter, prove, read_outcome
from chipchat.rtl.load import load_design
from chipchat.sandbox.box import Sandbox
from chipchat.sandbox.patch import diff_edits
from tests.edit.test_transforms import plan_for

PORTS = Ports("clk", "rst", 1, [("en", 1), ("a", 16)], [("acc", 32), ("valid_out", 1)])


def test_the_miter_delays_the_original_outputs_or_its_inputs() -> None:
    text, arm = miter("mac16", PORTS.clock, PORTS.reset, PORTS.reset_active, PORTS.inputs, PORTS.outputs,
                      {"acc": 2, "valid_out": 2}, {"valid_out": "valid"})
    assert arm == 3
    assert "wire chipchat_rst = (chipchat_cycle == 0) ? 1'b1 : 1'b0;" in text  # reset once, at the start
    assert "always @(posedge clk) gold_acc_d2 <= gold_acc_d1;" in text
    assert ".valid(gate_valid_out)" in text and ".valid_out(gold_valid_out)" in text  # a renamed port
    assert "if (chipchat_cycle > 3) begin assert(gate_acc == gold_acc_d2); assert(gate_valid_out == gold_valid_out_d2);" in text
    inputs, _ = miter("mac16", "clk", "rst", 1, PORTS.inputs, PORTS.outputs, {"acc": 1, "valid_out": 1}, {},
                      style="inputs")
    assert "always @(posedge clk) in_a_d1 <= a;" in inputs and ".a(in_a_d1)" in inputs
    assert "assert(gate_acc == gold_acc);" in inputs  # the original is fed late instead of read late


def test_reading_the_solver_log() -> None:
    proved = "[base case 1] Solving\nInduction step failed.\n[base case 2] Solving\nInduction step proven: SUCCESS!"
    assert read_outcome(proved, 2, False, True).status == PROVED
    cex = "[base case 1] Solving\n[base case 4] Solving\nSAT temporal induction proof finished - model found " \
          "for base case: FAIL!"
    assert read_outcome(cex, 2, False, True).status == COUNTEREXAMPLE
    timeout = "[base case 1] Solving\n[base case 2] Solving\n[base case 6] Solving"
    bounded = read_outcome(timeout, 2, True, True)
    assert (bounded.status, bounded.steps) == ("bounded", 3) and "time budget" in bounded.note
    assert read_outcome("[base case 1] Solving", 2, True, True).status == INCONCLUSIVE


def edited_copy(root: Path, transform: str, **args: object) -> tuple[Sandbox, dict[str, int]]:
    design = load_design(root)
    plan = plan_for(root, transform, **args)
    box = Sandbox(design, "formal")
    box.apply(diff_edits(design.root, plan.edits)[0])
    return box, plan.latency


def test_pipelining_the_multiplier_is_proved_and_a_wrong_latency_is_refuted(design_copy) -> None:
    root = design_copy("mac16")
    box, latency = edited_copy(root, "pipeline", signal="product")
    try:
        good = prove(load_design(root), box.design(), latency, budget_s=60)
        assert good.status == PROVED, good.sentence()
        assert "every input sequence after a reset" in good.sentence()
        wrong = prove(load_design(root), box.design(), {"acc": 2, "valid_out": 2}, budget_s=60)
        assert wrong.status == COUNTEREXAMPLE and "differ" in wrong.sentence()
    finally:
        box.remove()


def test_a_multiplier_against_its_carry_save_form_stops_at_the_budget(design_copy) -> None:
    root = design_copy("mac16")
    box, latency = edited_copy(root, "carry_save", stages=1)
    try:
        result = prove(load_design(root), box.design(), latency, budget_s=4)
        assert result.status in (INCONCLUSIVE, "bounded") and result.seconds < 20
        assert "budget" in result.note
    finally:
        box.remove()
