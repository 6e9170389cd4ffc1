"""The pyslang model: what it reads off real RTL, and how it survives bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipchat.rtl.build import parse_sources
from chipchat.rtl.frontend import SourceSet
from chipchat.rtl.load import load_design, load_model

HIER = """\
// A two-level design for hierarchy tests.
module leaf #(parameter W = 4) (
  input clk,
  input rst_n,
  input [W-1:0] d,   // data in
  output reg [W-1:0] q
);
  always @(posedge clk or negedge rst_n)
    if (!rst_n) q <= {W{1'b0}};
    else q <= d;
endmodule

module top (input clk, input rst_n, input [7:0] a, output [7:0] y, output busy);
  wire [7:0] mid;
  assign mid = a ^ 8'h5a;
  leaf #(.W(8)) u_leaf (.clk(clk), .rst_n(rst_n), .d(mid), .q(y));
  assign busy = |y;
endmodule
"""


def _parse(tmp_path: Path, **files: str):
    paths = []
    for name, text in files.items():
        p = tmp_path / name.replace("__", ".")
        p.write_text(text) if isinstance(text, str) else p.write_bytes(text)
        paths.append(p)
    return parse_sources(SourceSet(paths))


def test_fifo_model_ports_signals_comments_resets(design_copy):
    d = load_design(design_copy("fifo"))
    m = load_model(d).modules["fifo"]
    assert [(p.name, p.direction, p.width) for p in m.ports][:3] == [
        ("clk", "input", 1), ("rst", "input", 1), ("wr_en", "input", 1)]
    assert m.port("count").width == 5  # $clog2(16)+1 resolved by elaboration
    wr_ptr = m.signals["wr_ptr"]
    assert wr_ptr.comment == "next slot to write" and wr_ptr.width == 4
    assert wr_ptr.reset_value == "{ADDR_W{1'b0}}"
    full = m.drivers("full")
    assert len(full) == 1 and full[0].kind == "continuous" and full[0].reads == ["count"]
    assert {a.target for a in m.loads("do_write")} >= {"mem", "wr_ptr", "count"}
    assert {p.name for p in m.parameters} >= {"WIDTH", "DEPTH", "ADDR_W"}
    assert next(p for p in m.parameters if p.name == "ADDR_W").local


def test_drivers_carry_conditions_and_reset_flags(design_copy):
    d = load_design(design_copy("fifo"))
    m = load_model(d).modules["fifo"]
    drivers = m.drivers("wr_ptr")
    assert drivers[0].is_reset and drivers[0].conditions == ["rst"]
    assert not drivers[-1].is_reset and "do_write" in drivers[-1].conditions
    text = Path(drivers[-1].span.file).read_text().splitlines()[drivers[-1].span.line - 1]
    assert "wr_ptr + 1'b1" in text  # the span points at the real statement


def test_systemverilog_package_and_always_ff(design_copy):
    d = load_design(design_copy("uart_tx"))
    model = load_model(d)
    assert model.top == "uart_tx" and all(f.status == "ok" for f in model.files)
    m = model.modules["uart_tx"]
    (drv,) = m.drivers("tx_ready")
    assert drv.reads == ["state"] and drv.kind == "continuous"
    kinds = {b.kind for b in m.blocks}
    assert "always_ff" in kinds or "always_comb" in kinds


def test_hierarchy_instances_async_reset(tmp_path):
    model = _parse(tmp_path, hier__v=HIER)
    assert model.top == "top"
    assert [(depth, inst, mod) for depth, inst, mod, _ in model.hierarchy()] == [
        (0, "top", "top"), (1, "u_leaf", "leaf")]
    top = model.modules["top"]
    inst = top.instances[0]
    assert inst.parameters == {"W": "8"} and inst.connections["d"] == "mid"
    assert [(i.name, p) for i, p in top.instance_drivers("y")] == [("u_leaf", "q")]
    assert [(i.name, p) for i, p in top.instance_loads("mid")] == [("u_leaf", "d")]
    leaf = model.modules["leaf"]
    assert leaf.signals["q"].reset_value == "{W{1'b0}}"
    assert leaf.blocks[0].clock == "clk" and leaf.blocks[0].reset == "rst_n"
    assert leaf.signals["d"].comment == "data in"


def test_syntax_error_is_located_and_the_rest_still_parses(tmp_path):
    model = _parse(tmp_path, good__v=HIER, bad__v="module bad(input a, output b);\n  assign b = a +;\nendmodule\n")
    bad = next(f for f in model.files if f.path.endswith("bad.v"))
    assert (bad.status, bad.line, bad.col) == ("error", 2, 17)
    assert "expected expression" in bad.message
    assert "top" in model.modules and "bad" not in model.modules


def test_unreadable_kinds_of_file(tmp_path):
    big = "module big(input a, output y);\n" + "  // padding line for a large file\n" * 160_000 + \
        "  assign y = a;\nendmodule\n"
    model = _parse(tmp_path, empty__v="", binary__v=b"\x00\x01\x02module", latin__v=(
        "// caf\xe9 r\xe9sum\xe9\nmodule latin(input a, output y); assign y = a; endmodule\n").encode("latin-1"),
        big__v=big, inc__v='`include "nowhere.vh"\nmodule inc; endmodule\n')
    status = {Path(f.path).name: f for f in model.files}
    assert status["empty.v"].status == "empty"
    assert status["binary.v"].status == "skipped" and "binary" in status["binary.v"].message
    assert status["latin.v"].status == "ok" and "Latin-1" in status["latin.v"].message
    assert status["big.v"].status == "ok" and Path(tmp_path / "big.v").stat().st_size > 5_000_000
    assert status["inc.v"].status == "error" and "nowhere.vh" in status["inc.v"].message
    assert {"latin", "big"} <= set(model.modules)
    assert model.modules["big"].drivers("y")[0].span.line == 160_002


def test_model_cache_round_trips_and_invalidates(design_copy, monkeypatch):
    root = design_copy("fifo")
    d = load_design(root)
    first = load_model(d)
    assert (d.state_dir / "model.json").exists()
    with monkeypatch.context() as m:  # unchanged sources: the cache answers, nothing is parsed
        m.setattr("chipchat.rtl.load.parse_design", lambda design: pytest.fail("parsed despite a fresh cache"))
        again = load_model(d)
    assert again.modules["fifo"].signals["wr_ptr"] == first.modules["fifo"].signals["wr_ptr"]
    assert again.to_json() == first.to_json()  # the whole model survives the cache, not one signal
    (d.state_dir / "model.json").write_bytes(b"{\"key\": [damaged")
    assert load_model(d).to_json() == first.to_json()  # a damaged cache is rebuilt
    src = root / "rtl" / "fifo.v"
    src.write_text(src.read_text().replace("reg [ADDR_W-1:0] wr_ptr;", "reg [ADDR_W-1:0] wr_ptr_q;\n"
                                           "    wire [ADDR_W-1:0] wr_ptr = wr_ptr_q;"))
    changed = load_model(d)
    assert "wr_ptr_q" in changed.modules["fifo"].signals


def test_pyverilog_and_pyslang_agree_on_verilog2001_drivers(design_copy):
    """pyslang builds the model; pyverilog's dataflow analysis is the independent cross-check."""
    from chipchat.steps.pyverilog_dataflow import dataflow_drivers

    d = load_design(design_copy("fifo"))
    ours = {s: {a.span.line for a in load_model(d).modules["fifo"].drivers(s)} for s in ("full", "do_write", "count")}
    theirs = dataflow_drivers(d, ["full", "do_write", "count"])
    for sig in ours:
        assert theirs[sig], f"pyverilog found no binding for {sig}"
    assert theirs["full"] == "(count == FULL_COUNT)" or "count" in theirs["full"]
