"""Structural answers: every claim carries a file:line that really holds what it says."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipchat.qa import structure
from chipchat.qa.structure import UnknownName
from chipchat.qa.tree import hierarchy
from chipchat.rtl.load import load_design


def _line(root: Path, cite) -> str:
    return (root / cite.file).read_text().splitlines()[cite.line - 1]


def test_what_drives_full(design_copy):
    root = design_copy("fifo")
    ans = structure.drivers(load_design(root), "full")
    assert "rtl/fifo.v:38" in ans.text and "count" in ans.text
    driver = next(c for c in ans.citations if c.label == "drives full")
    assert "assign full" in _line(root, driver)
    decl = next(c for c in ans.citations if c.label == "declaration")
    assert "full" in _line(root, decl)


def test_tx_ready_in_systemverilog(design_copy):
    root = design_copy("uart_tx")
    ans = structure.drivers(load_design(root), "tx_ready")
    (drv,) = [c for c in ans.citations if c.label == "drives tx_ready"]
    assert "tx_ready" in _line(root, drv) and "S_IDLE" in _line(root, drv)


def test_show_signal_combines_everything(design_copy):
    root = design_copy("fifo")
    ans = structure.show_signal(load_design(root), "wr_ptr", depth=2)
    assert ans.data["reset_value"] == "{ADDR_W{1'b0}}"
    assert {d["line"] for d in ans.data["drivers"]} == {51, 54, 56}
    assert any(ld["target"] == "mem" for ld in ans.data["loads"])
    assert any(c["signal"] == "do_write" for c in ans.data["cone"])
    for c in ans.citations:
        assert 1 <= c.line <= len((root / c.file).read_text().splitlines())


def test_bit_select_and_unknown_names(design_copy):
    d = load_design(design_copy("mac16"))
    ans = structure.drivers(d, "acc[31]")
    assert ans.data["signal"] == "acc" and any("bit/part select" in w for w in ans.warnings)
    with pytest.raises(UnknownName) as info:
        structure.drivers(d, "acum")
    assert "did you mean `acc`" in str(info.value)


def test_ports_parameters_hierarchy_summary(design_copy):
    d = load_design(design_copy("fifo"))
    ports = structure.ports(d)
    assert [p["name"] for p in ports.data["ports"]][:2] == ["clk", "rst"] and "| `din` | input | 8 |" in ports.text
    params = structure.parameters(d)
    assert {"WIDTH", "DEPTH"} <= {p["name"] for p in params.data["parameters"]}
    assert hierarchy(d).data["tree"][0]["instance"] == "fifo"
    summary = structure.summarize_module(d)
    assert "wr_ptr" in summary.text and "always on `clk`" in summary.text


def test_amaranth_answers_cite_python_lines(design_copy):
    root = design_copy("alu8")
    ans = structure.drivers(load_design(root), "result")
    py = [c for c in ans.citations if c.file == "rtl/alu8.py"]
    assert len(py) >= 4
    assert any("self.a + self.b" in _line(root, c) or "self.a - self.b" in _line(root, c) for c in py)
    assert "`a`" in ans.text and "`b`" in ans.text  # temporaries resolved to the user's signals


def test_amaranth_assignments_without_src_cite_their_eq_calls(design_copy):
    """Amaranth gives no `src` to `x.eq(...)`: registers and case arms are matched to the user's `.eq()` calls
    in order, so every driver of `carry_nxt` (eight case arms) and of the register `carry` cites Python."""
    root = design_copy("alu8")
    design = load_design(root)
    arms = structure.drivers(design, "carry_nxt").citations
    cited = [(c.file, _line(root, c)) for c in arms if c.file.endswith(".py") and "carry_nxt.eq(" in _line(root, c)]
    assert len(cited) == 8 and not [c for c in arms if ".chipchat" in c.file]
    python = (root / "rtl" / "alu8.py").read_text().splitlines()
    shl = next(n for n, ln in enumerate(python, 1) if "carry_nxt.eq(self.a[7])" in ln)
    assert any(c.line == shl for c in arms)  # `carry_nxt = a[7]` in the Verilog is this line
    reg = structure.drivers(design, "carry").citations
    assert not [c for c in reg if ".chipchat" in c.file]
    assert [c for c in reg if "self.carry.eq(carry_nxt)" in _line(root, c)]


def test_assignments_are_left_unmapped_when_the_order_is_uncertain(tmp_path):
    from chipchat.formats.src_attr import _map_assignments_in_order

    py = tmp_path / "d.py"
    py.write_text("class A:\n    def elaborate(self):\n        m.d.comb += x.eq(1)\n        m.d.comb += x.eq(2)\n")
    lines = ["module top;", "  x = 1'h1;", "endmodule"]  # one assignment for two calls: no mapping
    table = {1: (str(py), 1)}
    _map_assignments_in_order(lines, table)
    assert 2 not in table
    _map_assignments_in_order(["module top;", "  x = 1'h1;", "  x = 1'h0;"], table)
    assert table[2] == (str(py), 3) and table[3] == (str(py), 4)


BLACK_BOX = """// top with a vendor black box
module top(input clk, input [7:0] d, output [7:0] q);
  wire [7:0] mid;
  vendor_ram u_ram (.clk(clk), .din(d), .dout(mid));   // not in the sources
  assign q = mid ^ 8'h5a;
endmodule
"""


def test_an_instance_of_a_module_not_in_the_sources_is_a_black_box(tmp_path):
    """Vendor IP left out of the sources: its connections are answered with their unknown direction,
    never as 'nothing drives it'."""
    (tmp_path / "rtl").mkdir()
    (tmp_path / "rtl" / "top.v").write_text(BLACK_BOX)
    design = load_design(tmp_path)
    drives = structure.drivers(design, "mid")
    assert "never assigned" not in drives.text
    assert "port `dout` of instance `u_ram` at rtl/top.v:4" in drives.text and "`vendor_ram` is not in" in drives.text
    assert drives.data["drivers"] == [{"instance": "u_ram", "module": "vendor_ram", "port": "dout",
                                       "direction": "unknown"}]
    reads = structure.loads(design, "d")
    assert "port `din` of instance `u_ram`" in reads.text and "nothing reads it" not in reads.text
    # the comment above `module` describes the module, not the port declared on the module's line
    assert "vendor black box" not in structure.drivers(design, "q").text
    assert "top with a vendor black box" in structure.summarize_module(design).text


def test_an_elaboration_error_is_shown_with_the_answer_it_affects(tmp_path) -> None:
    """`q <= a & missing_sig` is not in the model: the answer must not say plainly that q is never assigned."""
    from chipchat.qa.structure import drivers
    from chipchat.rtl.load import load_design

    (tmp_path / "t.v").write_text("module t(input clk, input a, output reg q);\n"
                                  "  always @(posedge clk) q <= a & missing_sig;\nendmodule\n")
    ans = drivers(load_design(tmp_path), "q")
    assert "never assigned" not in ans.text and "has errors" in ans.text
    assert any("t.v:2: use of undeclared identifier 'missing_sig'" in w for w in ans.warnings)
