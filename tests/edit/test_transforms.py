"""Verilog transformations on the real example designs: exact edits, located by pyslang, that compile."""

from __future__ import annotations

from pathlib import Path

from chipchat.edit.check import parse_errors
from chipchat.edit.context import Context, Plan, Unsupported
from chipchat.edit.transforms import run_transform
from chipchat.rtl.load import load_design
from chipchat.sandbox.box import Sandbox
from chipchat.sandbox.patch import diff_edits


def plan_for(root: Path, transform: str, **args: object) -> Plan:
    result = run_transform(transform, Context.load(load_design(root)), dict(args))
    assert isinstance(result, Plan), getattr(result, "reason", result)
    return result


def refusal(root: Path, transform: str, **args: object) -> Unsupported:
    result = run_transform(transform, Context.load(load_design(root)), dict(args))
    assert isinstance(result, Unsupported), "expected the transformation to refuse"
    return result


def edited(root: Path, plan: Plan) -> tuple[str, dict[str, str]]:
    """(diff, new text by file) — and the edited design must compile without errors."""
    design = load_design(root)
    diff, texts = diff_edits(design.root, plan.edits)
    with Sandbox(design, "t") as box:
        box.apply(diff)
        assert parse_errors(box.design()) == []
    return diff, texts


def test_pipeline_the_multiplier_of_mac16(design_copy) -> None:
    root = design_copy("mac16")
    plan = plan_for(root, "pipeline", operator="*")
    diff, texts = edited(root, plan)
    new = texts["rtl/mac16.v"]
    assert "product_q <= product;" in new
    # enable and clear are delayed with the product; valid_out follows the delayed enable
    assert "en_q    <= en;" in new and "clear_q <= clear;" in new
    assert "    always @(posedge clk) begin\n        product_q <= product;\n    end\n" in new
    assert "valid_out <= en_q;" in new
    assert "acc <= acc + product_q;" in new and "acc <= en_q ? product_q : 32'd0;" in new
    assert "if (clear_q) begin" in new and "end else if (en_q) begin" in new
    # the reset and the clock are not delayed; the original multiply stays where it was
    assert "if (rst) begin" in new and "wire [31:0] product = a * b;" in new
    assert plan.latency == {"acc": 1, "valid_out": 1}
    assert "-            valid_out <= en;" in diff


def test_pipeline_a_named_signal_is_the_same_edit_as_by_operator(design_copy) -> None:
    """'pipeline product' names the signal instead of the operator: the same registers, the same diff."""
    root = design_copy("mac16")
    by_name = plan_for(root, "pipeline", signal="product")
    by_operator = plan_for(root, "pipeline", operator="*")
    diff, texts = edited(root, by_name)
    assert "product_q <= product;" in texts["rtl/mac16.v"] and by_name.latency == {"acc": 1, "valid_out": 1}
    assert diff == edited(root, by_operator)[0]


def test_pipeline_refusals(design_copy) -> None:
    mac16, fifo = design_copy("mac16"), design_copy("fifo")
    assert "already a register" in refusal(mac16, "pipeline", signal="acc").reason
    assert "loop" in refusal(fifo, "pipeline", signal="do_write").reason
    assert "no signal of fifo is assigned from a `*`" in refusal(fifo, "pipeline", operator="*").reason
    assert "no signal 'prodcut'" in refusal(mac16, "pipeline", signal="prodcut").reason


def test_register_an_output(design_copy) -> None:
    root = design_copy("uart_tx")
    plan = plan_for(root, "register_output", name="tx_ready")
    _, texts = edited(root, plan)
    new = texts["rtl/uart_tx.sv"]
    assert "logic tx_ready_comb;" in new and "tx_ready <= tx_ready_comb;" in new
    # internal readers keep the combinational value, so only the port moves by a cycle
    assert "assign accept   = tx_start && tx_ready_comb;" in new
    assert "assign busy     = ~tx_ready_comb;" in new
    assert plan.latency == {"tx_ready": 1}


def test_register_a_verilog_wire_output_becomes_reg(design_copy) -> None:
    root = design_copy("fifo")
    _, texts = edited(root, plan_for(root, "register_output", name="full"))
    new = texts["rtl/fifo.v"]
    assert "    output reg                    full,   // count == DEPTH" in new  # column of the comment kept
    assert "assign full_comb = (count == FULL_COUNT);" in new
    assert "wire do_write = wr_en && !full_comb;" in new


def test_register_output_refusals(design_copy) -> None:
    root = design_copy("fifo")
    already = refusal(root, "register_output", name="dout")
    assert "already registered" in already.reason and "rtl/fifo.v:" in already.reason
    assert already.suggestions == ["combinational outputs that could be registered: full, empty"]
    assert "not an output" in refusal(root, "register_output", name="wr_ptr").reason
    assert "say which output" in refusal(root, "register_output").reason


def test_rename_everywhere_but_comments_and_strings(counter: Path) -> None:
    plan = plan_for(counter, "rename", old="count", new="cnt")
    _, texts = edited(counter, plan)
    new = texts["rtl/counter.v"]
    assert "reg [3:0] cnt;    // count: increments while en" in new  # comment untouched, column kept
    assert "cnt <= cnt + 4'd1;" in new and "q    <= cnt ^ d;" in new
    assert "assign big = cnt[3];  // \"count\" in a comment" in new
    assert '$display("count=%d", cnt);' in new
    with_comments = plan_for(counter, "rename", old="count", new="cnt", comments=True)
    _, texts = edited(counter, with_comments)
    assert "// cnt: increments while en" in texts["rtl/counter.v"]
    assert '"cnt" in a comment' in texts["rtl/counter.v"]
    assert '$display("count=%d"' in texts["rtl/counter.v"]  # strings never


def test_rename_in_fifo_and_refusals(design_copy) -> None:
    root = design_copy("fifo")
    _, texts = edited(root, plan_for(root, "rename", old="wr_ptr", new="wptr"))
    assert "wr_ptr" not in texts["rtl/fifo.v"]
    assert texts["rtl/fifo.v"].count("wptr") == 7
    assert "already exists" in refusal(root, "rename", old="wr_ptr", new="rd_ptr").reason
    assert "not a valid Verilog identifier" in refusal(root, "rename", old="wr_ptr", new="module").reason
    assert "did you mean: wr_ptr" in refusal(root, "rename", old="wr_pt", new="x").suggestions[0]


def test_rename_a_top_port_records_the_port_map(design_copy) -> None:
    root = design_copy("mac16")
    plan = plan_for(root, "rename", old="valid_out", new="valid")
    edited(root, plan)
    assert plan.port_map == {"valid_out": "valid"}
    assert any("testbenches" in n for n in plan.notes)


def test_set_parameter_and_width(design_copy) -> None:
    fifo, mac16 = design_copy("fifo"), design_copy("mac16")
    plan = plan_for(fifo, "set_parameter", name="DEPTH", value="32")
    _, texts = edited(fifo, plan)
    assert "    parameter DEPTH = 32   // number of words" in texts["rtl/fifo.v"]
    assert any("ADDR_W" in n for n in plan.notes)
    _, texts = edited(mac16, plan_for(mac16, "set_width", name="acc", width=40))
    assert "output reg  [39:0] acc," in texts["rtl/mac16.v"]
    _, texts = edited(mac16, plan_for(mac16, "set_width", name="en", width=2))
    assert "input  wire [1:0]  en,        // accept a and b" in texts["rtl/mac16.v"]
    assert "no parameter 'DEPHT'" in refusal(fifo, "set_parameter", name="DEPHT", value="4").reason
    assert "not a valid constant expression" in refusal(fifo, "set_parameter", name="DEPTH", value="3;").reason
    assert "already 32 bit(s)" in refusal(mac16, "set_width", name="acc", width=32).reason
    assert "is a parameter" in refusal(fifo, "set_width", name="DEPTH", width=8).reason


def test_add_sync_reset_extends_and_wraps_blocks(counter: Path) -> None:
    plan = plan_for(counter, "add_sync_reset")
    _, texts = edited(counter, plan)
    new = texts["rtl/counter.v"]
    # the block with a reset branch gets the missing register in it
    assert "            count <= 4'd0;\n            seen <= 1'b0;\n        end else if (en) begin" in new
    # the block without one is wrapped in `if (rst) ... else` with its old body re-indented
    assert ("    always @(posedge clk) begin\n        if (rst) begin\n            q <= 4'd0;\n"
            "            last <= 4'd0;\n        end else begin\n            q    <= count ^ d;\n") in new
    assert plan.citations[0].label == "seen"
    only = plan_for(counter, "add_sync_reset", signal="last")
    _, texts = edited(counter, only)
    assert "last <= 4'd0;" in texts["rtl/counter.v"] and "q <= 4'd0;" not in texts["rtl/counter.v"]


def test_add_sync_reset_refusals(design_copy, counter: Path) -> None:
    fifo = design_copy("fifo")
    assert "memory array(s) mem" in refusal(fifo, "add_sync_reset").reason
    assert "already has a reset" in refusal(counter, "add_sync_reset", signal="count").reason
    assert "not a clocked register" in refusal(counter, "add_sync_reset", signal="big").reason
    text = (counter / "rtl" / "counter.v").read_text().replace("input  wire       rst,\n", "")
    text = text.replace("if (rst) begin\n            count <= 4'd0;\n        end else if (en)", "if (en)")
    (counter / "rtl" / "counter.v").write_text(text)
    assert "no reset input" in refusal(counter, "add_sync_reset").reason


def test_a_register_assigned_after_the_reset_branch_gets_its_own(counter: Path) -> None:
    src = counter / "rtl" / "counter.v"
    src.write_text(src.read_text().replace("            seen  <= 1'b1;\n        end\n    end",
                                           "        end\n        seen <= en;\n    end"))
    _, texts = edited(counter, plan_for(counter, "add_sync_reset", signal="seen"))
    new = texts["rtl/counter.v"]
    # `seen` is assigned after the if/else, where a reset inside the branch would be overridden: wrapped instead
    assert "        if (rst) begin\n            seen <= 1'b0;\n        end else begin\n            if (rst) begin" in new
