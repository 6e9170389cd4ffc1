"""The design workspace: chipchat.toml, filelists, inference, and the errors users hit."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipchat.errors import ConfigError, DesignError
from chipchat.rtl.load import load_design

TWO_MODULES = """
module leaf(input clk, output reg q);
  always @(posedge clk) q <= ~q;
endmodule
module top(input clk, output q);
  leaf u_leaf(.clk(clk), .q(q));
endmodule
"""


def test_bundled_designs_load_from_their_toml(design_copy):
    for name in ("mac16", "fifo", "uart_tx", "alu8"):
        d = load_design(design_copy(name))
        assert d.name == name and d.top
        assert d.clocks and d.clocks[0].port == "clk"
        assert d.sdc is not None and d.sdc.exists()
        assert d.tests.dir is not None and d.tests.dir.is_dir() and d.tests.modules
        assert not d.inferred


def test_inferred_design_says_what_it_inferred(tmp_path):
    (tmp_path / "rtl").mkdir()
    (tmp_path / "rtl" / "all.v").write_text(TWO_MODULES)
    (tmp_path / "notes.md").write_text("# notes\n")
    d = load_design(tmp_path)
    assert d.top == "top"
    assert any("top: top (the module nobody instantiates)" in n for n in d.inferred)
    assert any("1 .v/.sv file(s) found by extension" in n for n in d.inferred)
    assert d.docs == [tmp_path / "notes.md"]


def test_filelist_with_incdir_define_nesting(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "inc").mkdir()
    (tmp_path / "src" / "a.v").write_text("module a; endmodule\n")
    (tmp_path / "src" / "b.v").write_text("module b; a u(); endmodule\n")
    (tmp_path / "inner.f").write_text("src/b.v\n")
    (tmp_path / "files.f").write_text("// comment\n+incdir+inc\n+define+WIDTH=8\nsrc/a.v\n-f inner.f\n")
    (tmp_path / "chipchat.toml").write_text('[design]\nsources = ["files.f"]\n')
    d = load_design(tmp_path)
    assert [p.name for p in d.sources] == ["a.v", "b.v"]
    assert d.include_dirs == [tmp_path / "inc"]
    assert d.defines == {"WIDTH": "8"}
    assert d.top == "b"


def test_filelist_naming_a_missing_file_points_at_the_line(tmp_path):
    (tmp_path / "files.f").write_text("+incdir+.\n\nmissing.v\n")
    (tmp_path / "chipchat.toml").write_text('[design]\nsources = ["files.f"]\n')
    with pytest.raises(DesignError, match=r"files\.f:3: file missing\.v named in the filelist does not exist"):
        load_design(tmp_path)


def test_folder_without_rtl(tmp_path):
    (tmp_path / "README.md").write_text("nothing here")
    with pytest.raises(DesignError, match="no RTL sources found") as info:
        load_design(tmp_path)
    assert "chipchat.toml" in str(info.value)


def test_a_vhdl_only_folder_says_vhdl_is_not_read(tmp_path):
    (tmp_path / "hdl").mkdir()
    (tmp_path / "hdl" / "uart.vhd").write_text("entity uart is end uart;\n")
    with pytest.raises(DesignError, match=r"1 VHDL file\(s\) such as hdl/uart.vhd: .*not VHDL"):
        load_design(tmp_path)


def test_missing_folder_and_bad_toml(tmp_path):
    with pytest.raises(DesignError, match="does not exist"):
        load_design(tmp_path / "nope")
    (tmp_path / "chipchat.toml").write_text("[design\n")
    with pytest.raises(ConfigError, match="fix the TOML syntax"):
        load_design(tmp_path)


def test_toml_errors_are_specific(tmp_path):
    (tmp_path / "a.v").write_text("module a; endmodule\n")
    cases = {
        '[design]\nsources = ["a.v"]\n[tests]\nsimulators = ["modelsim"]\n': "unknown simulator",
        '[design]\nsources = ["*.sv"]\n': "matches no file",
        '[design]\nsources = ["a.v"]\n[[clocks]]\nport = "clk"\nperiod_ns = -1\n': "must be positive",
        '[design]\nsources = ["a.v"]\n[extras]\n': "unknown section",
        '[design]\nsources = ["a.v"]\nsdc = "none.sdc"\n': "sdc file none.sdc does not exist",
    }
    for text, message in cases.items():
        (tmp_path / "chipchat.toml").write_text(text)
        with pytest.raises((ConfigError, DesignError), match=message):
            load_design(tmp_path)


def test_loading_writes_nothing(design_copy):
    root = design_copy("fifo")
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    load_design(root)
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_amaranth_design_is_inferred(tmp_path):
    (tmp_path / "blink.py").write_text(
        "from amaranth import *\n\nclass Blink(Elaboratable):\n    def elaborate(self, platform):\n"
        "        return Module()\n")
    d = load_design(tmp_path)
    assert d.amaranth is not None and d.amaranth.elaboratable == "Blink"
    assert d.top == "top"


def test_relpath_inside_and_outside(tmp_path):
    (tmp_path / "a.v").write_text("module a; endmodule\n")
    d = load_design(tmp_path)
    assert d.relpath(tmp_path / "a.v") == "a.v"
    assert d.relpath(Path("/etc/hosts")) == "/etc/hosts"


def test_a_configured_top_hidden_by_a_syntax_error_names_the_broken_file(tmp_path):
    """`cell` is a SystemVerilog keyword: the file that defines the top does not parse, and the error says so
    (not only "not defined")."""
    (tmp_path / "top.v").write_text("module top(input d, output q);\n  cell u(.d(d), .q(q));\nendmodule\n")
    (tmp_path / "other.v").write_text("module other(input a, output y); assign y = a; endmodule\n")
    (tmp_path / "chipchat.toml").write_text('[design]\ntop = "top"\n')
    from chipchat.rtl.load import load_model

    with pytest.raises(DesignError, match=r"'top' is not defined in the sources; files that do not parse may hide "
                                          r"it:\n  .*top\.v:2:3: expected member"):
        load_model(load_design(tmp_path))


def test_when_no_top_can_be_inferred_the_files_that_do_not_parse_are_named(tmp_path):
    """Every module instantiated by another (a loop), and a file that does not parse: the error points at it."""
    (tmp_path / "a.v").write_text("module a; b u(); endmodule\nmodule b; a u(); endmodule\n")
    (tmp_path / "c.v").write_text("wire w = ;\n")
    with pytest.raises(DesignError, match=r"no module found that is not instantiated .*\n  c\.v:1:\d+: "):
        load_design(tmp_path)


def test_a_binary_source_is_refused_at_its_first_nul_byte(tmp_path):
    (tmp_path / "top.v").write_bytes(b"// header\n// more\nmodule top;\0\1 endmodule\n")
    with pytest.raises(DesignError, match=r"top\.v:3: binary file \(a NUL byte on line 3\), not Verilog"):
        load_design(tmp_path)
