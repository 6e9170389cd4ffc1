"""What chipchat finds in a folder by itself: RTL apart from testbenches, include folders, per-module tests."""

from __future__ import annotations

from pathlib import Path

from chipchat.design import read_design
from chipchat.rtl.load import load_design


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def test_testbenches_are_left_out_of_the_sources_and_said_so(tmp_path) -> None:
    root = _tree(tmp_path / "d", {
        "src/fifo.sv": "module fifo(input clk); endmodule\n",
        "test/fifo_tb.sv": "module fifo_tb; fifo u(.clk(1'b0)); endmodule\n",
        "src/tb_helper.sv": "module tb_helper; endmodule\n",
    })
    d = load_design(root)
    assert [p.name for p in d.sources] == ["fifo.sv"] and d.top == "fifo"
    note = next(n for n in d.inferred if n.startswith("sources:"))
    assert "2 testbench file(s) left out" in note and "test/fifo_tb.sv" in note


def test_an_include_by_path_adds_the_folder_that_resolves_it(tmp_path) -> None:
    root = _tree(tmp_path / "d", {
        "include/lib/registers.svh": "`define FF(q, d, clk) always_ff @(posedge clk) q <= d;\n",
        "src/counter.sv": '`include "lib/registers.svh"\nmodule counter(input clk, input d, output logic q);\n'
                          "  `FF(q, d, clk)\nendmodule\n",
    })
    d = read_design(root)
    assert root / "include" in d.include_dirs
    from chipchat.rtl.load import load_model

    model = load_model(load_design(root))
    assert not model.skipped and "counter" in model.modules


def test_a_toml_without_sources_still_finds_them(tmp_path) -> None:
    root = _tree(tmp_path / "d", {"rtl/a.v": "module a(input x, output y); assign y = x; endmodule\n",
                                  "chipchat.toml": '[design]\ntop = "a"\n'})
    d = load_design(root)
    assert [p.name for p in d.sources] == ["a.v"] and d.top == "a"
    assert any("chipchat.toml lists no `sources`" in n for n in d.inferred)


def test_per_module_test_folders_are_chosen_by_the_top(tmp_path) -> None:
    cocotb = "import cocotb\n\n@cocotb.test()\nasync def t(dut):\n    pass\n"
    root = _tree(tmp_path / "d", {
        "rtl/axi_fifo.v": "module axi_fifo(input clk); endmodule\n",
        "rtl/axi_ram.v": "module axi_ram(input clk); endmodule\n",
        "tb/axi_fifo/test_axi_fifo.py": cocotb, "tb/axi_ram/test_axi_ram.py": cocotb,
        "chipchat.toml": '[design]\ntop = "axi_ram"\n',
    })
    d = load_design(root)
    assert d.tests.dir == root / "tb" / "axi_ram" and d.tests.modules == ("test_axi_ram",)
    assert any("the folder for `axi_ram`" in n for n in d.inferred)


def test_a_cocotb_makefile_names_the_tests_and_the_toplevel_wherever_they_are(tmp_path) -> None:
    """The Makefile is what the author runs: its MODULE (with $(VAR) expanded) wins over file names, in a
    folder not named like a testbench, and its TOPLEVEL picks the folder for the top."""
    cocotb = "import cocotb\n\n@cocotb.test()\nasync def t(dut):\n    pass\n"
    makefile = ("TOPLEVEL_LANG = verilog\nDUT      = {dut}\nTOPLEVEL = $(DUT)\nMODULE   = {module}\n"
                "VERILOG_SOURCES += ../rtl/$(DUT).v \\\n  ../rtl/extra.v\n"
                "include $(shell cocotb-config --makefiles)/Makefile.sim\n")
    root = _tree(tmp_path / "d", {
        "rtl/counter.v": "module counter(input clk); endmodule\n",
        "rtl/timer.v": "module timer(input clk); endmodule\n",
        "checks/Makefile": makefile.format(dut="counter", module="counter_checks,missing_module"),
        "checks/counter_checks.py": cocotb, "checks/test_helpers.py": cocotb,
        "timer_cocotb/Makefile": makefile.format(dut="timer", module="timer_tb"),
        "timer_cocotb/timer_tb.py": cocotb,
        "chipchat.toml": '[design]\ntop = "counter"\n',
    })
    d = load_design(root)
    assert d.tests.dir == root / "checks" and d.tests.modules == ("counter_checks",)
    (root / "chipchat.toml").write_text('[design]\ntop = "timer"\n')
    d = load_design(root)
    assert d.tests.dir == root / "timer_cocotb" and d.tests.modules == ("timer_tb",)


def test_a_makefile_without_cocotb_is_not_a_test_folder(tmp_path) -> None:
    from chipchat.discover import read_cocotb_makefile

    root = _tree(tmp_path / "d", {"Makefile": "MODULE = build\nall:\n\tyosys -p synth\n", "build.py": ""})
    assert read_cocotb_makefile(root / "Makefile") is None
