"""The lagged comparison of an edited design with the original (trace logic, and real Icarus runs)."""

from __future__ import annotations

from chipchat.edit.context import Context, Plan
from chipchat.edit.equiv import compare_designs, compare_traces
from chipchat.edit.transforms import run_transform
from chipchat.rtl.load import load_design
from chipchat.sandbox.box import Sandbox
from chipchat.sandbox.patch import diff_edits


def rows(values: list[int], resets: set[int] | None = None) -> list[tuple[int, dict[str, str]]]:
    return [(1 if i in (resets or set()) else 0, {"y": f"{v:x}"}) for i, v in enumerate(values)]


def test_same_values_one_cycle_later_match_with_latency_one() -> None:
    before = rows([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    after = rows([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    assert compare_traces(before, after, {"y": 1}, {}, 1).equivalent
    exact = compare_traces(before, after, {}, {}, 1)
    assert not exact.equivalent and exact.first == {"cycle": 0, "output": "y", "got": "0x0", "expected": "0x1",
                                                    "original_cycle": 0}


def test_cycles_next_to_a_reset_and_unknown_values_are_not_compared() -> None:
    before = rows([1, 2, 3, 0, 0, 6, 7, 8, 9, 10, 11, 12], resets={3})
    after = rows([0, 1, 2, 9, 9, 9, 6, 7, 8, 9, 10, 11], resets={3})
    result = compare_traces(before, after, {"y": 1}, {}, 1)
    assert result.equivalent and result.compared < 11
    unknown = [(0, {"y": "x"}), (0, {"y": "x"}), (0, {"y": "5"})]
    assert compare_traces(unknown, [(0, {"y": "7"}), (0, {"y": "1"}), (0, {"y": "5"})], {}, {}, 1).compared == 1


def test_an_output_that_never_changes_is_named() -> None:
    result = compare_traces(rows([4] * 8), rows([4] * 8), {}, {}, 1)
    assert result.equivalent and result.static == ["y"]
    assert "never changed" in result.sentence()


def test_renamed_ports_are_compared_under_their_new_name() -> None:
    before = [(0, {"a": "1"}), (0, {"a": "2"})]
    after = [(0, {"b": "1"}), (0, {"b": "2"})]
    assert compare_traces(before, after, {}, {"a": "b"}, 1).equivalent


def test_pipelined_mac16_is_the_original_one_cycle_later(design_copy) -> None:
    root = design_copy("mac16")
    design = load_design(root)
    plan = run_transform("pipeline", Context.load(design), {"operator": "*"})
    assert isinstance(plan, Plan)
    diff, _ = diff_edits(design.root, plan.edits)
    with Sandbox(design, "eq") as box:
        box.apply(diff)
        right = compare_designs(design, box.design(), plan.latency, cycles=600)
        wrong = compare_designs(design, box.design(), {}, cycles=600)
    assert right.ran and right.equivalent and right.compared > 500, right.sentence()
    assert right.latency == {"acc": 1, "valid_out": 1} and not right.static
    assert (design.state_dir / "runs").is_dir() and right.run_dir.startswith(str(design.state_dir))
    assert wrong.ran and not wrong.equivalent and wrong.mismatches > 0
    assert "do NOT match" in wrong.sentence() and "`acc`" in wrong.sentence()


def test_a_design_without_a_clock_is_not_compared(tmp_path) -> None:
    (tmp_path / "rtl").mkdir()
    (tmp_path / "rtl" / "inv.v").write_text("module inv(input wire a, output wire y); assign y = ~a; endmodule\n")
    design = load_design(tmp_path)
    result = compare_designs(design, design, {})
    assert not result.ran and "no clock" in result.note
    assert result.sentence().startswith("not compared with the original")


def test_the_generated_testbench_is_plain_verilog_data() -> None:
    from chipchat.edit.equiv import Ports, testbench

    ports = Ports("clk", "rst_n", 0, [("en", 1), ("a", 40)], [("y", 8)])
    tb = testbench("dut_top", ports, 100, 7, {"W": 8}, rename={"y": "result"})
    assert "dut_top #(.W(8)) dut (.clk(clk), .rst_n(rst_n), .en(en), .a(a), .result(y));" in tb
    assert "rst_n = (i < 3 || ($random(seed) & 255) == 0) ? 1'b0 : 1'b1;" in tb  # active-low reset
    assert "a = {$random(seed), $random(seed)};" in tb  # 40 bits from two 32-bit draws
    assert "if (i % 128 == 0) begin" in tb and "bias_en = {$random(seed)} % 3;" in tb
    assert '$fdisplay(f, "%0d %b %h", i, rst_n, y);' in tb and "seed = 7;" in tb
