"""The health check finds what a reviewer looks for, cites it, and says when a check could not run."""

from __future__ import annotations

import pytest

from chipchat.qa import checks
from chipchat.qa.health import health_check
from chipchat.rtl.load import load_design, load_model

BAD = """module bad (
    input  wire       clk_a,
    input  wire       clk_b,
    input  wire       rst,
    input  wire [1:0] sel,
    input  wire       d,
    output reg        q,
    output reg        y,
    output wire       z
);
    reg stage_a;
    reg no_rst;
    reg lat;
    reg sync1, sync2;
    wire loop1, loop2;
    assign loop1 = loop2 ^ d;
    assign loop2 = loop1 & sel[0];
    assign z = loop2 ^ sync2;
    always @(posedge clk_a) begin
        if (rst) stage_a <= 1'b0;
        else stage_a <= d;
        no_rst <= d;
    end
    always @(posedge clk_b) begin
        if (rst) q <= 1'b0;
        else q <= stage_a ^ no_rst ^ lat;
    end
    always @(posedge clk_b) begin
        sync1 <= stage_a;
        sync2 <= sync1;
    end
    always @* begin
        if (sel == 2'd1) lat = d;
    end
    always @(posedge clk_b) y <= d;
    always @(posedge clk_a) y <= ~d;
endmodule
"""
TOML = """[design]
name = "bad"
top = "bad"
sources = ["rtl/bad.v"]
platform = "osu018"
[[clocks]]
port = "clk_a"
period_ns = 10.0
[[clocks]]
port = "clk_b"
period_ns = 8.0
"""


@pytest.fixture
def bad(tmp_path):
    (tmp_path / "rtl").mkdir()
    (tmp_path / "rtl" / "bad.v").write_text(BAD)
    (tmp_path / "chipchat.toml").write_text(TOML)
    return load_design(tmp_path)


def test_the_structural_checks_find_each_problem_where_it_is(bad):
    model = load_model(bad)
    resets = {f.message.split("`")[1] for f in checks.missing_resets(model)}
    assert {"no_rst", "y"} <= resets and "stage_a" not in resets
    (multi,) = checks.multiple_drivers(model)
    assert "`y`" in multi.message and sorted(s.line for s, _ in multi.spans) == [35, 36]
    (loop,) = checks.combinational_loops(model)
    assert "loop1" in loop.message and "loop2" in loop.message
    crossings, clocks = checks.clock_crossings(model, ["clk_a", "clk_b"])
    assert clocks == ["clk_a", "clk_b"]
    bad_cdc = {f.message.split("`")[5] for f in crossings if f.severity == "problem"}
    assert bad_cdc == {"no_rst", "stage_a"}  # q reads them unsynchronized …
    assert any(f.severity == "note" and "synchronizer" in f.message for f in crossings)  # … sync1 is a chain


def test_the_health_check_answers_first_and_cites(bad):
    report = health_check(bad, "latches,resets,multiple_drivers,loops,cdc")
    ans = report.answer()
    first = ans.text.splitlines()[0]
    assert first.startswith("**Yes:") and "problems" in first
    assert "latch for `lat`" in ans.text and any(c.line == 32 for c in ans.citations)  # Yosys's own inference
    assert report.verdicts["cdc"].startswith("yes:")


def test_a_clean_design_and_a_single_question(design_copy):
    fifo = load_design(design_copy("fifo"))
    report = health_check(fifo, "resets")
    first = report.answer().text.splitlines()[0]
    assert first == "**1 of 5 register(s) have no reset: `mem`**"  # the one question, answered on line one
    assert health_check(fifo, "cdc").verdicts["cdc"].startswith("no: one clock domain")


def test_a_check_that_cannot_run_says_so(design_copy):
    root = design_copy("fifo")
    toml = root / "chipchat.toml"
    text = toml.read_text()
    head = "\n".join(line for line in text[:text.index("[[clocks]]")].splitlines() if not line.startswith("sdc"))
    toml.write_text(head + "\n" + text[text.index("[tests]"):])
    design = load_design(root)
    report = health_check(design, "timing")
    assert report.verdicts["timing"].startswith("not run:")


def test_unknown_checks_are_named():
    from chipchat.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown check"):
        health_check("fifo", "lint,spelling")


def test_a_library_folder_is_checked_for_the_top_only(tmp_path):
    """common_cells-style folder: a problem in a module the top does not instantiate is not the design's."""
    (tmp_path / "rtl").mkdir()
    (tmp_path / "rtl" / "top.v").write_text(
        "module top(input clk, input d, output q);\n  leaf a(.clk(clk), .d(d), .q(q));\n  leaf b(.clk(clk), .d(d), .q());\n"
        "endmodule\n"
        "module leaf(input clk, input d, output reg q);\n  always @(posedge clk) q <= d;\nendmodule\n")
    (tmp_path / "rtl" / "other.v").write_text(
        "module other(input a, input b, output y);\n  assign y = a;\n  assign y = b;\nendmodule\n")
    (tmp_path / "chipchat.toml").write_text('[design]\ntop = "top"\n')
    report = health_check(tmp_path, "multiple_drivers")
    assert report.verdicts["multiple_drivers"].startswith("no") and "`other`" not in report.answer().text
    assert "Only the 2 module(s) under `top` were checked; the sources hold 1 more" in report.answer().text
    from chipchat.qa.size import _register_bits
    from chipchat.rtl.load import load_design

    assert _register_bits(load_design(tmp_path)) == 2  # `leaf`'s one bit, once per instance
