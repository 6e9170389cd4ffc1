"""The edit engine finds the module the user configured as top, as the structural model does."""

from __future__ import annotations

from pathlib import Path

from chipchat.edit.source import SourceIndex
from chipchat.rtl.load import load_design

RTL = """
module core #(parameter FAST_MUL = 0) (input clk, input [7:0] a, b, output [15:0] p);
  generate if (FAST_MUL) begin : g_mul
    fast_mul u_mul (.clk(clk), .a(a), .b(b), .p(p));
  end else begin : g_none
    assign p = 16'd0;
  end endgenerate
endmodule

module fast_mul #(parameter W = 8) (input clk, input [W-1:0] a, b, output reg [2*W-1:0] p);
  always @(posedge clk) p <= a * b;
endmodule
"""


def _design(tmp_path: Path, toml: str) -> Path:
    (tmp_path / "core.v").write_text(RTL)
    (tmp_path / "chipchat.toml").write_text(toml)
    return tmp_path


def test_a_top_only_instantiated_in_a_switched_off_branch_is_editable(tmp_path: Path) -> None:
    root = _design(tmp_path, '[design]\ntop = "fast_mul"\nsources = ["core.v"]\n')
    index = SourceIndex(load_design(root))
    assert {"fast_mul", "core"} <= set(index.bodies)
    assert index.symbol("fast_mul", "p") is not None


def test_the_top_is_elaborated_with_the_configured_parameters(tmp_path: Path) -> None:
    root = _design(tmp_path, '[design]\ntop = "fast_mul"\nsources = ["core.v"]\nparameters = { W = 12 }\n')
    index = SourceIndex(load_design(root))
    width = index.symbol("fast_mul", "p").type.bitWidth
    assert width == 24
