"""Platforms by name, by liberty path and from an OpenROAD-flow-scripts folder; the liberty reader."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from chipchat.errors import ConfigError, ParseError
from chipchat.formats.config_mk import read_config_mk
from chipchat.formats.liberty import parse_liberty, read_liberty
from chipchat.platforms import ORFS_ENV, from_liberty, from_orfs, get_platform, known_platforms

QFLOW = Path("/usr/share/qflow/tech")


@pytest.mark.parametrize(("name", "site"), [("osu018", (0.8, 10.0)), ("osu035", (1.6, 20.0)), ("osu050", (2.4, 30.0))])
def test_builtin_osu_platforms(name: str, site: tuple[float, float]) -> None:
    p = get_platform(name)
    assert p.kind == "qflow-tech" and p.name == name
    assert all(f.exists() for f in (*p.liberty, *p.lefs)) and p.cell_verilog and p.cell_verilog.exists()
    assert p.site == "core" and p.site_size() == site
    assert p.buffer and p.buffer.cell == "BUFX2" and p.buffer.inputs == ("A",) and p.buffer.output == "Y"
    lib = read_liberty(p.liberty[0])
    assert {p.buffer.cell, p.inverter.cell if p.inverter else "", p.abc_driver or ""} <= set(lib.cells)
    assert "DFFPOSX1" in lib.flops() and p.fill_cells == ("FILL",)


def test_unknown_platform_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as err:
        get_platform("nangate45x")
    text = str(err.value)
    assert "unknown platform 'nangate45x'" in text
    for name in ("osu018", "osu035", "osu050"):
        assert name in text
    assert set(known_platforms()) >= {"osu018", "osu035", "osu050"}


def test_any_liberty_by_path_finds_buffer_inverter_and_lef(tmp_path: Path) -> None:
    lib = tmp_path / "mylib.lib"
    lib.write_text((QFLOW / "osu018" / "osu018_stdcells.lib").read_text())
    lef = tmp_path / "mylib.lef"
    lef.write_text((QFLOW / "osu018" / "osu018_stdcells.lef").read_text())
    p = get_platform(str(lib))
    assert p.kind == "liberty" and p.liberty == (lib.resolve(),) and p.cell_lefs == (lef.resolve(),)
    assert p.buffer and p.buffer.cell == "BUFX2" and p.inverter and p.inverter.cell == "INVX1"
    cap = read_liberty(lib).cells["BUFX2"].pins["A"].capacitance
    assert cap > 0 and p.site == "core" and p.abc_driver == "BUFX2" and p.abc_load == pytest.approx(4 * cap, abs=1e-6)
    relative = get_platform("mylib.lib", base=tmp_path)
    assert relative.liberty == p.liberty


def test_a_liberty_that_does_not_parse_is_located(tmp_path: Path) -> None:
    broken = tmp_path / "broken.lib"
    broken.write_text('library (x) {\n  time_unit : "1ns" ;\n  cell (INV) {\n    area : 1 ;\n    pin (A) { direction : input ; }\n')
    with pytest.raises(ParseError) as err:
        from_liberty(broken)
    assert err.value.file == str(broken) and "never closed" in str(err.value) and err.value.line == 3
    truncated = tmp_path / "trunc.lib"
    truncated.write_text('library (x) {\n  cell (BUF) {\n    pin (Y) { function : "A ; }\n')
    with pytest.raises(ParseError, match="unterminated string") as err2:
        read_liberty(truncated)
    assert err2.value.line == 3
    with pytest.raises(ParseError, match="not a liberty"):
        parse_liberty("cell (X) { }\n", tmp_path / "x.lib")
    with pytest.raises(ParseError, match="cannot read"):
        read_liberty(tmp_path / "missing.lib")


def test_liberty_reader_finds_ties_fillers_and_units(tmp_path: Path) -> None:
    text = textwrap.dedent("""
        library (mini) {
          time_unit : "1ps" ;
          capacitive_load_unit (1,ff) ;
          /* a comment */
          cell (TIEHI) { area : 2 ; pin (H) { direction : output ; function : "1" ; } }
          cell (TIELO) { area : 2 ; pin (L) { direction : output ; function : "0" ; } }
          cell (FILL1) { area : 1 ; }
          cell (BUF1) { area : 4 ; pin (A) { direction : input ; capacitance : 0.002 ; }
                        pin (Y) { direction : output ; function : "A" ; } }
          cell (INV1) { area : 3 ; pin (A) { direction : input ; } pin (Y) { direction : output ; function : "!A" ; } }
          cell (DFF) { area : 9 ; ff (IQ, IQN) { next_state : "D" ; clocked_on : "CK" ; }
                       pin (D) { direction : input ; } pin (CK) { direction : input ; clock : true ; }
                       pin (Q) { direction : output ; function : "IQ" ; } }
        }
    """)
    lib = parse_liberty(text, tmp_path / "mini.lib")
    assert lib.name == "mini" and lib.time_unit_ns == pytest.approx(1e-3) and lib.capacitive_load_unit == "1ff"
    assert lib.ties() == (("TIEHI", "H"), ("TIELO", "L"))
    assert lib.fillers() == ["FILL1"] and lib.flops() == ["DFF"]
    assert [c.name for c in lib.buffers()] == ["BUF1"] and [c.name for c in lib.inverters()] == ["INV1"]
    assert lib.cells["DFF"].pins["CK"].clock


def orfs_folder(tmp_path: Path) -> Path:
    root = tmp_path / "platforms" / "tinypdk"
    (root / "lib").mkdir(parents=True)
    (root / "lef").mkdir()
    (root / "lib" / "tiny_tt.lib").write_text((QFLOW / "osu018" / "osu018_stdcells.lib").read_text())
    (root / "lef" / "tiny.tech.lef").write_text("VERSION 5.7 ;\nEND LIBRARY\n")
    (root / "lef" / "tiny.macro.lef").write_text("SITE coreSite\n  SIZE 0.19 BY 1.4 ;\nEND coreSite\n")
    (root / "config.mk").write_text(textwrap.dedent("""\
        # Process node
        export PROCESS = 45
        export TECH_LEF = $(PLATFORM_DIR)/lef/tiny.tech.lef
        export SC_LEF = $(PLATFORM_DIR)/lef/tiny.macro.lef
        export LIB_FILES = $(wildcard $(PLATFORM_DIR)/lib/*.lib) \\
                             $(ADDITIONAL_LIBS)
        export DONT_USE_CELLS = TBUFX1 TBUFX2
        export DONT_USE_CELLS += LATCH
        export FILL_CELLS ?= FILL
        export FILL_CELLS ?= NOT_THIS
        export TIEHI_CELL_AND_PORT = TIEHI H
        export TIELO_CELL_AND_PORT = TIELO L
        export MIN_BUF_CELL_AND_PORTS = BUFX2 A Y
        export ABC_DRIVER_CELL = BUFX2
        export ABC_LOAD_IN_FF = 20
        export ABC_CLOCK_PERIOD_IN_PS ?= $(shell grep -E -o -m 1 "\\-period\\s+\\S+" $(SDC_FILE))
        export PLACE_SITE = coreSite
        export WIRE_RC_LAYER = metal3
    """))
    return root


def test_orfs_platform_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = orfs_folder(tmp_path)
    p = from_orfs(root)
    assert p.kind == "orfs" and p.name == "tinypdk"
    assert p.liberty == (root / "lib" / "tiny_tt.lib",)
    assert p.tech_lef == root / "lef" / "tiny.tech.lef" and p.lefs == [root / "lef" / "tiny.tech.lef",
                                                                       root / "lef" / "tiny.macro.lef"]
    assert p.site == "coreSite" and p.site_size() == (0.19, 1.4)
    assert p.dont_use == ("TBUFX1", "TBUFX2", "LATCH") and p.fill_cells == ("FILL",)
    assert p.buffer and (p.buffer.cell, p.buffer.inputs, p.buffer.output) == ("BUFX2", ("A",), "Y")
    assert p.tie_hi and (p.tie_hi.cell, p.tie_hi.output) == ("TIEHI", "H")
    assert p.abc_driver == "BUFX2" and p.abc_load == pytest.approx(0.02)  # 20 fF in a pF library
    assert p.extra["PROCESS"] == "45" and p.extra["WIRE_RC_LAYER"] == "metal3"
    assert get_platform(str(root)).name == "tinypdk"
    monkeypatch.setenv(ORFS_ENV, str(root.parent))
    assert "tinypdk" in known_platforms() and get_platform("tinypdk").site == "coreSite"


def test_config_mk_reader(tmp_path: Path) -> None:
    mk = tmp_path / "config.mk"
    mk.write_text("A = one\nB := $(A) two\nexport C ?= $(B)\nC ?= ignored\nD = x \\\n  y # comment\n"
                  "D += z\nE = $(sort b a b)\nF = $(dir /p/q/r.lib)\nG = $(notdir /p/q/r.lib)\n\tnot = an assignment\n")
    env = read_config_mk(mk)
    assert (env["A"], env["B"], env["C"], env["D"], env["E"], env["F"], env["G"]) == (
        "one", "one two", "one two", "x y z", "a b", "/p/q/", "r.lib")
    assert "not" not in env


def test_orfs_folder_without_libs_is_an_error(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    (root / "config.mk").write_text("export PROCESS = 7\n")
    with pytest.raises(ConfigError, match="LIB_FILES"):
        from_orfs(root)
    with pytest.raises(ConfigError, match="neither a liberty"):
        get_platform(str(tmp_path))
