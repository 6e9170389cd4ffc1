"""Specs in the layouts people write, turned into testbenches and run on real RTL with Icarus: combinational
maps, waveform listings with their own timing, state machines with reset-kind checks, prose, and bad input.
Every spec here is written for these tests."""

from __future__ import annotations

import time
from pathlib import Path

from chipchat.tbgen.api import generate, generate_testbench

KMAP_SPEC = """Ports are one bit unless otherwise specified.

 - input  w (4 bits)
 - output y

Implement y from this map (d is a don't-care); the spec numbers w's bits 1 to 4:

                w[1]w[2]
  w[3]w[4]   00  01  11  10
        00 | 1 | 0 | d | 1 |
        01 | 0 | 0 | 1 | d |
        11 | 1 | 1 | 0 | 0 |
        10 | 0 | 1 | 1 | 0 |
"""
KMAP_RTL = """module mapped (input [3:0] w, output reg y);
  always @* case (w)
    4'h0: y = 1; 4'h1: y = 1; 4'h6: y = 1; 4'h7: y = 1; 4'hb: y = 1; 4'hc: y = 1; 4'he: y = 1;
    4'h3: y = 1'bx; 4'h9: y = 1'bx;
    default: y = 0;
  endcase
endmodule
"""


def make(root: Path, name: str, rtl: str, spec: str) -> Path:
    design = root / name
    (design / "rtl").mkdir(parents=True)
    (design / "rtl" / f"{name}.v").write_text(rtl)
    (design / "spec.txt").write_text(spec)
    return design


def test_plain_kmap_gives_an_exhaustive_combinational_check_that_catches_a_wrong_cell(tmp_path: Path) -> None:
    good = generate(make(tmp_path, "mapped", KMAP_RTL, KMAP_SPEC), grade=False)
    assert good.tests == ["test_combinational"] and good.model["timing"] == "combinational"
    assert good.runs["icarus"]["ok"] and not good.disagreements
    assert "exhaustive" not in good.model["summary"] and "Karnaugh map of y" in good.model["summary"]
    wrong = make(tmp_path / "b", "mapped", KMAP_RTL.replace("4'h0: y = 1;", "4'h0: y = 0;"), KMAP_SPEC)
    result = generate(wrong, grade=False)
    (d,) = result.disagreements
    assert d.kind == "spec-vs-rtl" and d.source.startswith("spec.txt:10 Karnaugh map of y")
    assert (d.expected, d.observed) == ("y = 1", "0") and "w=0" in d.message


REG_RTL = """module regx (input clk, input a, output reg q);
  always @(posedge clk) q <= ~a;
endmodule
"""
REG_SPEC = """The circuit is sequential. Its simulation:

  time  clk a  q
  0ns   0   0  x
  5ns   1   0  1
  10ns  0   1  1
  15ns  1   1  0
  20ns  0   0  0
  25ns  1   0  1
  30ns  0   0  1
"""


def test_a_clocked_listing_is_replayed_with_its_own_timing(tmp_path: Path) -> None:
    """5 ns rows are half clock periods, not cycles: replayed at their times, the reference agrees."""
    result = generate(make(tmp_path, "regx", REG_RTL, REG_SPEC), grade=False)
    assert result.tests == ["test_waveform_line_3"] and result.runs["icarus"]["ok"], result.runs
    listing = next(t for t in result.spec.tables if t.kind == "listing")
    assert listing.used_by == ["test_waveform_line_3 (7 rows replayed at their times, decimal values)"]
    broken = generate(make(tmp_path / "b", "regx", REG_RTL.replace("~a", "a"), REG_SPEC), grade=False)
    assert broken.disagreements and broken.disagreements[0].source == "spec.txt:5 waveform listing"


MUX_RTL = """module pick (input [3:0] p, input [3:0] q, input s, output [3:0] o);
  assign o = s ? q : p;
endmodule
"""
XZ_SPEC = """A combinational circuit:

  time  p  q  s  o
  0ns   x  x  x  x
  5ns   3  c  0  3
  10ns  3  c  1  c
  15ns  z  c  1  c
  20ns  a  5  0  x
"""


def test_a_listing_with_x_and_z_drives_only_known_inputs_and_checks_only_known_outputs(tmp_path: Path) -> None:
    result = generate(make(tmp_path, "pick", MUX_RTL, XZ_SPEC), grade=False)
    assert result.runs["icarus"]["ok"] and not result.disagreements
    listing = next(t for t in result.spec.tables if t.kind == "listing")
    assert listing.used_by == ["combinational check of 3 distinct input vectors (hexadecimal values; "
                               "4 x inputs not driven)"]


FSM_RTL = """module door (input clk, input areset, input push, output open_o);
  reg s;
  always @(posedge clk, posedge areset)
    if (areset) s <= 0; else if (push) s <= ~s;
  assign open_o = s;
endmodule
"""
FSM_SPEC = """ - input  clk
 - input  areset
 - input  push
 - output open_o

A door toggles on each push. areset is an asynchronous active-high reset to state SHUT.

  SHUT (open_o=0) --push=0--> SHUT
  SHUT (open_o=0) --push=1--> OPEN
  OPEN (open_o=1) --push=0--> OPEN
  OPEN (open_o=1) --push=1--> SHUT
"""


def test_state_diagram_model_and_the_reset_kind(tmp_path: Path) -> None:
    good = generate(make(tmp_path, "door", FSM_RTL, FSM_SPEC), max_mutants=6, jobs=1, executor="serial")
    assert good.model["kind"] == "state-machine" and {"test_reset_kind", "test_random"} <= set(good.tests)
    assert good.runs["icarus"]["ok"] and not good.disagreements
    assert good.mutation is not None and good.mutation["killed"] >= 4, good.mutation["markdown"]
    sync = FSM_RTL.replace("always @(posedge clk, posedge areset)", "always @(posedge clk)")
    result = generate(make(tmp_path / "b", "door", sync, FSM_SPEC), grade=False)
    kinds = [d for d in result.disagreements if d.test == "test_reset_kind"]
    assert kinds and "asynchronous: before the clock edge" in kinds[0].source


STATE_IN_RTL = """module nxt (input go, input [1:0] state, output reg [1:0] next_state, output busy);
  always @* case (state) 2'd0: next_state = go ? 2'd1 : 2'd0; 2'd1: next_state = 2'd2; 2'd2: next_state = go ? 2'd0 : 2'd2;
    default: next_state = 2'bxx; endcase
  assign busy = state != 0;
endmodule
"""
STATE_IN_SPEC = """The next-state and output logic of a machine; the input state is its present state, with codes
I=2'd0, W=2'd1, D=2'd2.

  State | Next state go=0, Next state go=1 | Output
  I     | I, W                             | 0
  W     | D, D                             | 1
  D     | D, I                             | 1
"""


def test_state_table_with_the_state_as_an_input_is_checked_combinationally(tmp_path: Path) -> None:
    result = generate(make(tmp_path, "nxt", STATE_IN_RTL, STATE_IN_SPEC), grade=False)
    assert result.model["timing"] == "combinational" and result.runs["icarus"]["ok"], result.to_json()["not_used"]
    assert not result.disagreements and set(result.model["checks"]) == {"next_state", "busy"}
    wrong = STATE_IN_RTL.replace("2'd1: next_state = 2'd2;", "2'd1: next_state = 2'd0;")
    broken = generate(make(tmp_path / "b", "nxt", wrong, STATE_IN_SPEC), grade=False)
    assert broken.disagreements[0].source == "spec.txt:4 state table"


PROSE_RTL = """module blocks (input clk, input reset, output reg [3:0] q);
  always @(posedge clk) if (reset) q <= 1; else q <= (q == 10) ? 1 : q + 1;
endmodule
"""


def test_prose_counter_and_equation(tmp_path: Path) -> None:
    counter = generate(make(tmp_path, "blocks", PROSE_RTL, " - input clk\n - input reset\n - output q (4 bits)\n\n"
                            "Build a decade counter that counts 1 through 10. reset is active high synchronous and "
                            "resets the counter to 1.\n"), grade=False)
    assert counter.model["kind"] == "counter" and counter.runs["icarus"]["ok"] and not counter.disagreements
    assert "test_reset_kind" in counter.tests
    eq = generate(make(tmp_path, "eq", "module eq (input x, input y, output z);\n  assign z = (x ^ y) & x;\n"
                       "endmodule\n", "The module computes z = (x^y) & x.\n"), grade=False)
    assert eq.runs["icarus"]["ok"] and eq.model["summary"].startswith("spec.txt:1 equation `z = (x^y) & x`")
    low = generate(make(tmp_path, "mn", "module mn (input [7:0] a, b, c, d, output [7:0] m);\n  wire [7:0] x = "
                        "a < b ? a : b;\n  wire [7:0] y = c < d ? c : d;\n  assign m = x < y ? x : y;\nendmodule\n",
                        "Output m is the minimum of the four inputs.\n"), grade=False)
    assert low.runs["icarus"]["ok"] and not low.disagreements


def test_a_spec_with_no_usable_structure_says_what_it_looked_for_and_found(tmp_path: Path) -> None:
    design = make(tmp_path, "regx", REG_RTL, "The block does something clever with a.\n")
    answer = generate_testbench(design, grade=False)
    data = answer.data
    assert not data["usable"] and not data["tests"]
    assert any("waveform listings" in x for x in data["looked_for"])
    assert data["extracted"]["port_source"] == "the RTL (the spec lists no ports)"
    assert "Found: 3 ports from the RTL (the spec lists no ports); clock clk; reset none" in answer.text
    assert "paragraph 'The block does something clever with a.' (`spec.txt:1`)" in answer.text


def test_a_one_megabyte_spec(tmp_path: Path) -> None:
    filler = "This paragraph is commentary about the design and its history, with no behaviour in it.\n\n"
    spec = KMAP_SPEC + filler * (1_000_000 // len(filler))
    assert len(spec) > 1_000_000
    t0 = time.monotonic()
    result = generate(make(tmp_path, "mapped", KMAP_RTL, spec), grade=False)
    assert time.monotonic() - t0 < 60
    assert result.runs["icarus"]["ok"] and result.tests == ["test_combinational"]
    answer = generate_testbench(tmp_path / "mapped", grade=False)
    assert len(answer.data["not_used"]) > 10_000 and answer.text.count("\n- paragraph") == 40


HTML_SPEC = """<html><body><h2>Parity</h2><p>Ports:</p><ul><li>input\ta (2 bits)</li><li>output\tp</li></ul>
<table><tr><th>a</th><th>p</th></tr><tr><td>0</td><td>0</td></tr><tr><td>1</td><td>1</td></tr>
<tr><td>2</td><td>1</td></tr><tr><td>3</td><td>0</td></tr></table></body></html>
"""


def test_an_html_spec_with_tabs_becomes_a_combinational_check(tmp_path: Path) -> None:
    rtl = "module par (input [1:0] a, output p);\n  assign p = ^a;\nendmodule\n"
    design = make(tmp_path, "par", rtl, HTML_SPEC)
    (design / "spec.txt").rename(design / "spec.html")
    result = generate(design, str(design / "spec.html"), grade=False)
    assert result.runs["icarus"]["ok"] and not result.disagreements and result.tests == ["test_combinational"]
    table = next(t for t in result.spec.tables if t.layout == "markdown")
    assert table.used_by == ["combinational check (4 rows)"]
    bad = generate(make(tmp_path / "b", "par", rtl.replace("^a", "&a"), HTML_SPEC), grade=False)
    assert bad.disagreements and "table 'Parity'" in bad.disagreements[0].source


DUAL_RTL = """module dual (input clk, input d, output q);
  reg p, n;
  always @(posedge clk) p <= d;
  always @(negedge clk) n <= d;
  assign q = clk ? p : n;
endmodule
"""


def test_a_dual_edge_flip_flop_is_checked_every_half_period(tmp_path: Path) -> None:
    spec = " - input clk\n - input d\n - output q\n\nA flip-flop triggered on both edges of the clock (dual-edge).\n"
    good = generate(make(tmp_path, "dual", DUAL_RTL, spec), grade=False)
    assert good.model["timing"] == "clocked (both edge)" and good.runs["icarus"]["ok"] and not good.disagreements
    single = DUAL_RTL.replace("assign q = clk ? p : n;", "assign q = p;")
    bad = generate(make(tmp_path / "b", "dual", single, spec), grade=False)
    assert bad.disagreements and bad.disagreements[0].expected.startswith("q = ")


def test_grading_a_design_that_declares_several_nets_on_one_line(tmp_path: Path) -> None:
    """`wire t0, t1;` once crashed mutant search (the declarator list holds the comma tokens too)."""
    rtl = ("module two (input a, input b, output y);\n  wire t0, t1;\n  assign t0 = a & b;\n  assign t1 = a | b;\n"
           "  assign y = t0 ^ t1;\nendmodule\n")
    result = generate(make(tmp_path, "two", rtl, "The module computes y = a ^ b.\n"), max_mutants=4, jobs=1,
                      executor="serial")
    assert result.runs["icarus"]["ok"] and result.mutation is not None and result.mutation["valid"] >= 3
    assert result.mutation["killed"] == result.mutation["valid"], result.mutation["markdown"]
