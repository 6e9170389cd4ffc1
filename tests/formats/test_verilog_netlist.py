"""Yosys's aliased-bit assignments, rewritten one bit per line for OpenSTA."""

from __future__ import annotations

from chipchat.formats.verilog_netlist import split_concat_assigns

NETLIST = """\
module m(a, y);
  input [3:0] a;
  output [7:0] y;
  wire [7:0] imm;
  wire \\odd.name ;
  assign { y[7:6], \\odd.name , y[0] } = { a[1:0], 2'b10 };
  assign { imm[7:5], imm[0] } = { a[3], a[3], a[3], 1'hx };
  assign y[5] = a[2];
endmodule
"""


def test_concatenations_on_the_left_become_one_assign_per_bit_msb_first() -> None:
    text, count = split_concat_assigns(NETLIST)
    assert count == 2 and "assign {" not in text
    assert "  assign y[7] = a[1];\n  assign y[6] = a[0];\n  assign \\odd.name  = 1'b1;\n  assign y[0] = 1'b0;" in text
    assert "assign imm[5] = a[3];\n  assign imm[0] = 1'bx;" in text
    assert "  assign y[5] = a[2];" in text  # already one net: left alone


def test_a_statement_that_cannot_be_sized_is_left_as_it_is() -> None:
    text = "module m;\n  assign { undeclared, b } = { c, d };\nendmodule\n"
    assert split_concat_assigns(text) == (text, 0)
