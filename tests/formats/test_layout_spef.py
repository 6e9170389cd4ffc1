"""Pin positions, wirelength and the SPEF placement estimate, on hand-made placements."""

from __future__ import annotations

import pytest

from chipchat.formats.defio import Component, DefDesign, Net, Pin, Row
from chipchat.formats.layout import net_geometry, placement_stats, transform
from chipchat.formats.spef import WireRC, estimate, spef_name, write_spef


def test_orientations_mirror_pins_inside_the_cell(osu018_lef):
    inv = osu018_lef.macros["INVX1"]  # 1.6 x 10 um
    px, py = inv.pins["A"].center
    at = dict(x=1000, y=2000)
    assert transform(Component("u", "INVX1", **at, orient="N"), inv, px, py, 1000) == \
        (1000 + round(px * 1000), 2000 + round(py * 1000))
    assert transform(Component("u", "INVX1", **at, orient="FS"), inv, px, py, 1000) == \
        (1000 + round(px * 1000), 2000 + 10000 - round(py * 1000))
    assert transform(Component("u", "INVX1", **at, orient="FN"), inv, px, py, 1000) == \
        (1000 + 1600 - round(px * 1000), 2000 + round(py * 1000))
    assert transform(Component("u", "INVX1", **at, orient="S"), inv, px, py, 1000) == \
        (1000 + 1600 - round(px * 1000), 2000 + 10000 - round(py * 1000))


def two_cell_design() -> DefDesign:
    """in -> u1 (INVX1 at x=0) -> n1 -> u2 (INVX1 100 um to the right, one row up) -> out."""
    d = DefDesign(name="t", dbu=1000, die=(0, 0, 200000, 30000))
    d.rows = [Row("r0", "core", 0, 0, "N", 250, 1, 800, 0), Row("r1", "core", 0, 10000, "FS", 250, 1, 800, 0)]
    d.components = {"u1": Component("u1", "INVX1", 0, 0, "N", "PLACED"),
                    "u2": Component("u2", "INVX1", 100000, 10000, "N", "PLACED")}
    d.pins = {"in": Pin("in", "in", "INPUT", 0, 5000, "metal3", "PLACED"),
              "out": Pin("out", "out", "OUTPUT", 200000, 15000, "metal3", "PLACED")}
    d.nets = {"in": Net("in", [("PIN", "in"), ("u1", "A")]), "n1": Net("n1", [("u1", "Y"), ("u2", "A")]),
              "out": Net("out", [("u2", "Y"), ("PIN", "out")])}
    return d


def test_net_geometry_finds_drivers_and_hpwl(osu018_lef):
    d = two_cell_design()
    geo = net_geometry(d, osu018_lef)
    assert geo["n1"].driver_pin == "u1:Y" and geo["n1"].sink_pins == ["u2:A"]
    assert geo["in"].driver_pin == "in" and geo["out"].sink_pins == ["out"]
    y = osu018_lef.macros["INVX1"].pins["Y"].center
    a = osu018_lef.macros["INVX1"].pins["A"].center
    dx = 100000 + round(a[0] * 1000) - round(y[0] * 1000)
    dy = 10000 + round(a[1] * 1000) - round(y[1] * 1000)
    assert geo["n1"].hpwl() == (abs(dx), abs(dy))
    stats = placement_stats(d, osu018_lef, geo)
    assert stats.cells == 2 and stats.overlaps == 0 and stats.outside_core == 0
    assert stats.core_area_um2 == pytest.approx(200 * 20)
    assert stats.utilization == pytest.approx(2 * 16 / (200 * 20))


def test_overlapping_cells_are_counted(osu018_lef):
    d = two_cell_design()
    d.components["u2"] = Component("u2", "INVX1", 800, 0, "N", "PLACED")  # inside u1's 1.6 um footprint
    assert placement_stats(d, osu018_lef).overlaps == 1


def test_star_rc_follows_the_lef_layers(osu018_lef):
    d = two_cell_design()
    geo = net_geometry(d, osu018_lef)
    rc = WireRC.from_lef(osu018_lef)
    assert rc.layers == ("metal3", "metal2")
    nets = {n.name: n for n in estimate(d, osu018_lef, geo, rc)}
    n1 = nets["n1"]
    dx, dy = (v / 1000 for v in geo["n1"].hpwl())
    assert n1.total_cap == pytest.approx(rc.c_h * dx + rc.c_v * dy)
    assert n1.sinks[0][1] == pytest.approx(rc.r_h * dx + rc.r_v * dy)
    assert n1.driver_cap == pytest.approx(n1.total_cap / 2)


def test_routed_length_replaces_hpwl_for_capacitance(osu018_lef):
    d = two_cell_design()
    d.nets["n1"].wire_length = {"metal2": 30000, "metal3": 120000}
    nets = {n.name: n for n in estimate(d, osu018_lef, net_geometry(d, osu018_lef), WireRC.from_lef(osu018_lef))}
    metal2, metal3 = osu018_lef.layers["metal2"], osu018_lef.layers["metal3"]
    assert nets["n1"].total_cap == pytest.approx(30 * metal2.cap_per_um + 120 * metal3.cap_per_um)
    assert nets["n1"].wire_um == pytest.approx(150)


def test_spef_names_escape_what_spef_reserves():
    assert spef_name("acc[3]") == "acc[3]"
    assert spef_name("_0123_") == "_0123_"
    assert spef_name("u_core.state[1]") == "u_core\\.state[1]"
    assert spef_name("a/b") == "a\\/b"


def test_spef_file_shape(tmp_path, osu018_lef):
    d = two_cell_design()
    nets = estimate(d, osu018_lef, net_geometry(d, osu018_lef), WireRC.from_lef(osu018_lef))
    text = write_spef(tmp_path / "t.spef", "t", nets, program="test").read_text()
    assert "*C_UNIT 1 PF" in text and "*R_UNIT 1 OHM" in text
    block = text[text.index("*D_NET n1"):]
    block = block[:block.index("*END")]
    assert "*I u1:Y O" in block and "*I u2:A I" in block
    assert "*RES\n1 u1:Y u2:A " in block
    port = text[text.index("*D_NET in"):]
    assert "*P in I" in port[:200]
