"""LEF and DEF readers: on the osu018 library, on real OpenROAD output, and on broken input."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipchat.errors import ParseError
from chipchat.formats.defio import read_def, write_def
from chipchat.formats.lef import read_lef

OSU018_LEF = Path("/usr/share/qflow/tech/osu018/osu018_stdcells.lef")
FIXTURES = Path(__file__).resolve().parents[1] / "golden" / "openroad"
GCD_DEF = FIXTURES / "gcd_nangate45_placed.def"



def test_osu018_lef_macros_sites_and_layer_rc():
    lib = read_lef([OSU018_LEF])
    assert lib.dbu_per_micron == 1000
    assert lib.manufacturing_grid == pytest.approx(0.05)
    assert len(lib.macros) == 33
    buf = lib.macros["BUFX2"]
    assert (buf.width, buf.height, buf.site) == (2.4, 10.0, "core")
    assert buf.pins["Y"].direction == "OUTPUT" and buf.pins["A"].direction == "INPUT"
    assert buf.pins["A"].center == pytest.approx((0.4, 4.3))
    assert {p.name for p in buf.signal_pins()} == {"A", "Y"}
    site = lib.core_site()
    assert site is not None and (site.name, site.width, site.height) == ("core", 0.8, 10.0)
    metal2 = lib.layers["metal2"]
    # OpenROAD's dblayer_wire_rc: R = RPERSQ / width, C = width * CPERSQDIST + 2 * EDGECAPACITANCE
    assert metal2.res_per_um == pytest.approx(0.08 / 0.3)
    assert metal2.cap_per_um == pytest.approx(0.3 * 1.9e-5 + 2 * 6e-5)
    horizontal, vertical = lib.signal_layers()
    assert (horizontal.name, vertical.name) == ("metal3", "metal2")


def test_lef_with_unclosed_macro_names_it(tmp_path):
    bad = tmp_path / "bad.lef"
    bad.write_text("VERSION 5.4 ;\nMACRO INVX1\n  CLASS CORE ;\n  SIZE 1.0 BY 10.0 ;\n  PIN A\n"
                   "    DIRECTION INPUT ;\n  END A\n")
    with pytest.raises(ParseError, match="MACRO INVX1 is not closed"):
        read_lef([bad])


def test_lef_with_mismatched_end_gives_the_line(tmp_path):
    bad = tmp_path / "bad.lef"
    bad.write_text("MACRO INVX1\n  SIZE 1.0 BY 10.0 ;\nEND INVX2\n")
    with pytest.raises(ParseError) as err:
        read_lef([bad])
    assert err.value.line == 3 and "END INVX2 closes MACRO INVX1" in str(err.value)


def test_lef_with_bad_number_is_a_parse_error(tmp_path):
    bad = tmp_path / "bad.lef"
    bad.write_text("MACRO INVX1\n  SIZE wide BY 10.0 ;\nEND INVX1\n")
    with pytest.raises(ParseError, match="SIZE wide"):
        read_lef([bad])


def test_missing_lef_file(tmp_path):
    with pytest.raises(ParseError, match="does not exist"):
        read_lef([tmp_path / "nope.lef"])


def test_openroad_placed_def_fixture():
    d = read_def(GCD_DEF)
    assert (d.name, d.dbu, d.die) == ("gcd", 2000, (0, 0, 65480, 65480))
    assert len(d.rows) == 21 and d.rows[1].orient == "FS"
    assert d.core == (2280, 2800, 2280 + 161 * 380, 2800 + 21 * 2800)
    assert len(d.components) == 734 and len(d.pins) == 54 and len(d.nets) == 497
    assert d.components["rebuffer9"].macro == "BUF_X4"
    assert (d.components["rebuffer9"].x, d.components["rebuffer9"].y) == (20900, 8400)
    assert d.pins["clk"].direction == "INPUT" and d.pins["clk"].layer == "metal5"
    net = d.nets["_000_"]
    assert net.conns == [("_672_", "D"), ("_504_", "ZN")]
    # ROUTED metal3 ( 52630 55580 ) ( 53770 * ) NEW metal2 ( 52630 55580 ) ( * 57540 ) + 4 vias
    assert net.wire_length == {"metal3": 1140, "metal2": 1960}
    assert net.vias == 4


def test_def_round_trip(tmp_path):
    d = read_def(GCD_DEF)
    again = read_def(write_def(d, tmp_path / "copy.def"))
    assert again.die == d.die and again.core == d.core
    assert len(again.components) == len(d.components)
    assert again.components["rebuffer9"] == d.components["rebuffer9"]
    assert again.nets["_003_"].conns == d.nets["_003_"].conns


def test_malformed_def_statement_reports_the_line(tmp_path):
    bad = tmp_path / "bad.def"
    bad.write_text("VERSION 5.8 ;\nDESIGN t ;\nUNITS DISTANCE MICRONS 1000 ;\nDIEAREA ( 0 0 ) ( x 10 ) ;\n")
    with pytest.raises(ParseError) as err:
        read_def(bad)
    assert err.value.line == 4
