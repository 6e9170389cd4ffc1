"""Resets as real engineers write them, parameter overrides, and modules only reached through generate branches.

The styles come from real cores (picorv32 resets at the end of a block and under ``!resetn || trap``,
and in ternaries; verilog-axi resets at the end of a block over a declaration initializer;
common_cells resets through ``FF`` macros); the snippets here are written for these tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chipchat.errors import DesignError
from chipchat.rtl.build import parse_sources
from chipchat.rtl.frontend import SourceSet

STYLES = """\
module styles (input clk, input resetn, input trap, input rst, input rst_ni, input [7:0] d,
               output reg [7:0] at_end, output reg [7:0] or_trap, output reg [7:0] ternary,
               output reg [7:0] first, output reg [7:0] else_side, output reg [7:0] never, output reg [7:0] eq);
  reg [7:0] initialised = 8'h11;
  always @(posedge clk) begin
    at_end <= d;
    initialised <= d;
    if (!resetn) begin
      at_end <= 8'h0;
      initialised <= 8'h22;
    end
  end
  always @(posedge clk) begin
    or_trap <= d + 1;
    if (!resetn || trap) or_trap <= 8'd3;
  end
  always @(posedge clk) ternary <= resetn ? ternary + 8'd1 : 8'd7;
  always @(posedge clk or negedge rst_ni)
    if (!rst_ni) first <= 8'h5; else first <= d;
  always @(posedge clk)
    if (rst_ni) else_side <= d; else else_side <= 8'h6;
  always @(posedge clk) if (d[0]) never <= d;
  always @(posedge clk) if (rst == 1'b1) eq <= 8'h9; else eq <= d;
endmodule
"""


def _model(tmp_path: Path, text: str, top: str, parameters: dict[str, object] | None = None, name: str = "d.v"):
    path = tmp_path / name
    path.write_text(text)
    return parse_sources(SourceSet([path]), top=top, root=tmp_path, parameters=parameters, strict=True)


def _line(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


@pytest.mark.parametrize(("signal", "value", "condition", "needle"), [
    ("at_end", "8'h0", "!resetn", "at_end <= 8'h0"),            # the reset at the end overrides the block
    ("initialised", "8'h22", "!resetn", "initialised <= 8'h22"),  # a reset, not the initializer
    ("or_trap", "8'd3", "!resetn || trap", "or_trap <= 8'd3"),
    ("ternary", "8'd7", "!resetn", "ternary <= resetn"),
    ("first", "8'h5", "!rst_ni", "first <= 8'h5"),
    ("else_side", "8'h6", "!rst_ni", "else_side <= 8'h6"),
    ("eq", "8'h9", "rst == 1'b1", "eq <= 8'h9"),
])
def test_each_reset_style_gives_its_value_condition_and_line(tmp_path, signal, value, condition, needle) -> None:
    model = _model(tmp_path, STYLES, "styles")
    s = model.modules["styles"].signals[signal]
    assert (s.reset_value, s.reset_condition) == (value, condition)
    assert s.reset_span is not None and s.reset_span.line == _line(STYLES, needle)


def test_a_conditional_load_is_not_a_reset_and_an_initializer_is_not_one(tmp_path) -> None:
    m = _model(tmp_path, STYLES, "styles").modules["styles"]
    assert m.signals["never"].reset_value is None
    init = m.signals["initialised"]
    assert init.initial_value == "8'h11" and init.initial_span.line == _line(STYLES, "reg [7:0] initialised")


MACROS = """\
`define FFARN(q, d, r, clk, rst) always_ff @(posedge clk or negedge rst) if (!rst) q <= (r); else q <= (d);
module with_macros (input logic clk_i, input logic rst_ni, input logic [3:0] d, output logic [3:0] q);
  logic [3:0] q_q;
  `FFARN(q_q, d, 4'b1010, clk_i, rst_ni)
  assign q = q_q;
endmodule
"""


def test_a_reset_from_a_macro_is_its_argument_cited_at_the_use(tmp_path) -> None:
    s = _model(tmp_path, MACROS, "with_macros").modules["with_macros"].signals["q_q"]
    assert s.reset_value == "4'b1010" and s.reset_condition == "!rst_ni"
    assert s.reset_span.line == s.reset_span.end_line == _line(MACROS, "`FFARN(q_q")


HIER = """\
module mul #(parameter W = 8) (input clk, input [W-1:0] a, output reg [2*W-1:0] p);
  always @(posedge clk) p <= a * a;
endmodule
module core #(parameter ENABLE_MUL = 0, parameter W = 8) (input clk, input [W-1:0] a, output [2*W-1:0] y);
  generate if (ENABLE_MUL) begin : g_mul
    mul #(.W(W)) u_mul (.clk(clk), .a(a), .p(y));
  end else begin : g_none
    assign y = '0;
  end endgenerate
endmodule
module spare (input x, output y);
  assign y = ~x;
endmodule
"""


def test_a_module_only_in_a_switched_off_generate_is_still_in_the_model(tmp_path) -> None:
    model = _model(tmp_path, HIER, "core")
    assert set(model.modules) == {"core", "mul", "spare"}
    assert model.modules["core"].under_top and not model.modules["mul"].under_top
    (inst,) = model.modules["core"].instances
    assert (inst.name, inst.module, inst.active, inst.condition) == ("u_mul", "mul", False, "ENABLE_MUL")


def test_parameter_overrides_reach_the_model(tmp_path) -> None:
    model = _model(tmp_path, HIER, "core", {"ENABLE_MUL": 1, "W": 16})
    core = model.modules["core"]
    assert {p.name: p.value for p in core.parameters}["W"] == "16"
    assert core.signals["a"].width == 16 and model.parameters == {"ENABLE_MUL": "1", "W": "16"}
    (inst,) = core.instances
    assert inst.active and inst.parameters["W"] == "16"
    assert model.modules["mul"].under_top and model.modules["mul"].signals["p"].width == 32


def test_an_override_of_a_parameter_the_top_lacks_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(DesignError, match="'ENABLE_MULT'.*does not have") as err:
        _model(tmp_path, HIER, "core", {"ENABLE_MULT": 1})
    assert "ENABLE_MUL" in str(err.value.hint)


def test_a_top_that_is_not_defined_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(DesignError, match="'nope' is not defined") as err:
        _model(tmp_path, HIER, "nope")
    assert "core" in str(err.value.hint)


def test_a_top_instantiated_elsewhere_is_elaborated_as_the_top(tmp_path) -> None:
    model = _model(tmp_path, HIER, "mul", {"W": 4})
    assert model.top == "mul" and model.modules["mul"].under_top
    assert model.modules["mul"].signals["p"].width == 8


def test_an_unbound_continuous_assignment_is_reported_not_raised(tmp_path) -> None:
    model = _model(tmp_path, "module m (output q);\n  assign q = b_undeclared;\nendmodule\n", "m")
    assert "m" in model.modules
    assert any("b_undeclared" in d.message for d in model.diagnostics if d.severity == "error")
