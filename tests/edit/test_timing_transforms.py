"""The timing transformations: carry-save accumulation, a split multiplier, registered inputs, operators
inside always blocks, accumulator loops explained, untyped outputs registered — each checked by building
the edited design and comparing it with the original (Icarus) under random stimulus."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipchat.edit.context import Context
from chipchat.edit.equiv import compare_designs
from chipchat.edit.transforms import run_transform
from chipchat.rtl.load import load_design
from chipchat.sandbox.box import Sandbox
from chipchat.sandbox.patch import diff_edits
from tests.edit.test_transforms import edited, plan_for, refusal

MUL_IN_ALWAYS = """module mulreg (
    input clk,
    input [7:0] a, b,
    input [15:0] c,
    output pulse,
    output reg [15:0] y
);
    reg [7:0] a_r, b_r;
    always @(posedge clk) begin
        a_r <= a;
        b_r <= b;
    end
    always @(posedge clk) y <= a_r * b_r + c;
    assign pulse = a[0] ^ b[0];
endmodule
"""


def write(tmp_path: Path, name: str, rtl: str, top: str) -> Path:
    root = tmp_path / name
    (root / "rtl").mkdir(parents=True)
    (root / "rtl" / f"{name}.v").write_text(rtl)
    (root / "chipchat.toml").write_text(f'[design]\ntop = "{top}"\nsources = ["rtl/*.v"]\n\n[[clocks]]\n'
                                        'port = "clk"\nperiod_ns = 10.0\n')
    return root


def same_later(root: Path, transform: str, **args: object) -> tuple[str, dict[str, int]]:
    """Apply the plan in a sandbox; the edited outputs must be the original's, later by the declared latency."""
    design = load_design(root)
    plan = plan_for(root, transform, **args)
    diff, _ = diff_edits(design.root, plan.edits)
    with Sandbox(design, "t") as box:
        box.apply(diff)
        result = compare_designs(design, box.design(), plan.latency)
    assert result.ran and result.equivalent and result.compared > 100, result.sentence()
    return diff, plan.latency


def test_carry_save_accumulation_of_mac16_keeps_the_sums(design_copy) -> None:
    root = design_copy("mac16")
    diff, latency = same_later(root, "carry_save", stages=2)
    assert latency == {"acc": 2, "valid_out": 2}
    _, texts = edited(root, plan_for(root, "carry_save", stages=2))
    new = texts["rtl/mac16.v"]
    assert "function [63:0] acc_csa;" in new and "reg [31:0] acc_s, acc_c;" in new
    # the block's decisions are copied, not re-derived: reset, clear with en, accumulate
    assert "acc_keep = 1'b0; acc_add = (en);  // acc <= en ? product : 32'd0;" in new
    assert "acc_keep = 1'b1; acc_add = 1'b1;  // acc <= acc + product;" in new
    # the accumulator's assignments left the clocked block; valid_out follows two cycles later
    assert "acc <= acc + product" not in new.split("function")[0] and "valid_out_early <= en;" in new
    assert "wire [31:0] product = a * b;" not in new  # folded into the tree, so its declaration goes
    assert "acc <= {acc_s0[15:0] + acc_c0[15:0] + acc_lo0[16], acc_lo0[15:0]};" in new


def test_carry_save_refusals(design_copy) -> None:
    fifo, mac16 = design_copy("fifo"), design_copy("mac16")
    several = refusal(fifo, "carry_save")
    assert several.reason == "say which accumulator" and "count" in several.suggestions[0]
    assert "also read elsewhere" in refusal(fifo, "carry_save", register="count").reason
    assert "out of range" in refusal(mac16, "carry_save", stages=0).reason


def test_the_multiplier_split_in_carry_save_form(design_copy) -> None:
    root = design_copy("mac16")
    for stages in (1, 2):
        _, latency = same_later(root, "pipeline", signal="product", form="carry_save", stages=stages)
        assert latency == {"acc": stages, "valid_out": stages}
    _, texts = edited(root, plan_for(root, "pipeline", operator="*", form="carry_save", stages=1))
    new = texts["rtl/mac16.v"]
    assert "{product_c, product_s} <= product_csa(a, b);" in new and "wire [31:0] product_q = product_s + product_c;" in new


def test_registered_inputs_delay_every_output_by_one_cycle(design_copy) -> None:
    root = design_copy("mac16")
    diff, latency = same_later(root, "register_inputs")
    assert latency == {"acc": 1, "valid_out": 1}
    assert "+        a_q     <= a;" in diff and "+        rst_q   <= rst;" in diff and "clk_q" not in diff


def test_pipeline_the_adder_of_an_accumulator_says_why_not(design_copy) -> None:
    reason = refusal(design_copy("mac16"), "pipeline", operator="+")
    assert "`acc + product` (rtl/mac16.v:40) is in a loop" in reason.reason
    assert "interleaving two sums" in reason.reason
    assert any("carry-save accumulation for acc" in s for s in reason.suggestions)


def test_a_multiplier_inside_an_always_block_is_found_and_pipelined(tmp_path: Path) -> None:
    root = write(tmp_path, "mulreg", MUL_IN_ALWAYS, "mulreg")
    plan = plan_for(root, "pipeline", operator="*")
    assert "named `y_prod` first" in plan.notes[0] and plan.latency == {"y": 1}
    _, texts = edited(root, plan)
    new = texts["rtl/mulreg.v"]
    assert "wire [15:0] y_prod = a_r * b_r;" in new and "y <= y_prod_q + c_q;" in new
    same_later(root, "pipeline", operator="*")


def test_a_multiplier_that_is_a_whole_register_input_is_split_not_registered(tmp_path: Path) -> None:
    rtl = MUL_IN_ALWAYS.replace("y <= a_r * b_r + c;", "y <= a_r * b_r;")
    root = write(tmp_path, "mulwhole", rtl, "mulreg")
    reason = refusal(root, "pipeline", operator="*")
    assert "whole right-hand side of the register `y`" in reason.reason
    assert "split the multiplier into two stages" in reason.suggestions[0]


def test_register_an_output_declared_without_a_type(tmp_path: Path) -> None:
    root = write(tmp_path, "mulreg", MUL_IN_ALWAYS, "mulreg")
    plan = plan_for(root, "register_output", name="pulse")
    _, texts = edited(root, plan)  # builds: `output pulse` became a variable
    assert "    output reg pulse," in texts["rtl/mulreg.v"]
    same_later(root, "register_output", name="pulse")


def test_edits_from_a_combined_plan_cite_the_original_lines(tmp_path: Path) -> None:
    root = write(tmp_path, "mulreg", MUL_IN_ALWAYS, "mulreg")
    plan = plan_for(root, "pipeline", operator="*")
    # the block at line 13 of the original (line 15 of the intermediate, after the two-line declaration)
    assert any("rtl/mulreg.v:13" in n for n in plan.notes), plan.notes


@pytest.mark.parametrize("request_text", ["split the multiplier into two stages", "register the inputs",
                                          "use carry-save accumulation for acc"])
def test_requests_reach_the_timing_transformations(design_copy, request_text: str) -> None:
    from chipchat.edit.api import plan_edit
    from chipchat.edit.context import Plan

    plan = plan_edit(load_design(design_copy("mac16")), request_text)
    assert isinstance(plan, Plan), getattr(plan, "reason", plan)


def test_transforms_list_includes_the_new_ones(design_copy) -> None:
    ctx = Context.load(load_design(design_copy("mac16")))
    assert run_transform("carry_save", ctx, {"register": "nope"}).reason.startswith("there is no register")
