"""GrayWolf's file formats: what chipchat writes for it and how its placement becomes DEF."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipchat.errors import DesignError
from chipchat.formats import graywolf as gw
from chipchat.formats.lef import check_against_lef, read_lef
from chipchat.formats.yosys_json import Cell, Netlist
from tests._physical import LEF


def tiny_netlist() -> Netlist:
    """a -> INVX1 u1 -> n5 -> BUFX2 u2 -> y, plus a constant-driven pin that must be skipped."""
    def cell(kind: str, a: int | str, y: int) -> dict:
        return {"type": kind, "connections": {"A": [a], "Y": [y]}, "port_directions": {"A": "input", "Y": "output"}}

    return Netlist.from_json({"modules": {"tiny": {
        "attributes": {"top": 1},
        "ports": {"a": {"direction": "input", "bits": [2]}, "y": {"direction": "output", "bits": [3]}},
        "cells": {"u1": cell("INVX1", 2, 5), "u2": cell("BUFX2", 5, 3), "u3": cell("INVX1", "0", 6)},
        "netnames": {"a": {"bits": [2]}, "y": {"bits": [3]}, "n5": {"bits": [5]}, "dangling": {"bits": [6]}},
    }}})


def test_cel_units_follow_the_manufacturing_grid(osu018_lef):
    assert gw.cel_units(osu018_lef) == 100  # grid 0.05 um -> 20 -> first of 100, 200, ... divisible


def test_padding_accumulates_fractions_to_reach_the_target():
    carry, total = 0.0, 0
    for _ in range(10):
        pad, carry = gw.pad_sites(3, 0.6, carry)
        total += pad
    assert total == 20  # 10 cells x 3 sites x (1/0.6 - 1) = 20 sites of whitespace


def test_row_count_gives_a_square_core_for_aspect_one():
    assert gw.row_count(10000.0, 10.0, 1.0) == 10  # 100 um x 100 um / 10 um rows
    assert gw.row_count(10000.0, 10.0, 4.0) == 20  # height / width = 4: 50 um wide, 200 um tall


def test_cel_file_has_cells_pins_relative_to_centre_and_pads(tmp_path, osu018_lef):
    cel = tmp_path / "tiny.cel"
    cmap = gw.write_cel(tiny_netlist(), osu018_lef, cel, utilization=1.0)
    text = cel.read_text().splitlines()
    # INVX1 is 1.6 um wide (2 sites), 10 um tall: centred, in centimicrons
    assert text[0:2] == ["cell 0 c0", "left -80 right 80 bottom -500 top 500"]
    # its pin A, relative to the cell's centre
    a = osu018_lef.macros["INVX1"].pins["A"].center
    assert f"pin name A signal n2 layer 1 {round(a[0] * 100) - 80} {round(a[1] * 100) - 500}" in text
    # the constant-driven pin of u3 and the single-pin net are not in the .cel
    assert not any("n6" in line or "signal 0" in line for line in text)
    assert "pad 1 name twpin_p1" in text and "pin name p2 signal n3 layer 1 0 0" in text
    assert cmap.cells == {"c0": "u1", "c1": "u2", "c2": "u3"} and cmap.pads == {"twpin_p1": "a", "twpin_p2": "y"}


def test_utilization_pads_cell_slots(tmp_path, osu018_lef):
    cmap = gw.write_cel(tiny_netlist(), osu018_lef, tmp_path / "t.cel", utilization=0.5)
    assert cmap.padded_area_um2 == pytest.approx(2 * cmap.cell_area_um2)
    assert cmap.left_pad["c0"] == 1  # 2 sites of padding for INVX1: 1 left, 1 right
    assert cmap.left_pad["c1"] == 1  # 3 sites for BUFX2: 1 left, 2 right


def test_lef_without_core_site_is_a_clear_error(tmp_path):
    no_site = tmp_path / "nosite.lef"
    text = LEF.read_text()
    start = text.index("SITE  core")
    no_site.write_text(text[:start] + text[text.index("END  core", start) + len("END  core"):])
    with pytest.raises(DesignError, match="no CORE site"):
        gw.write_cel(tiny_netlist(), read_lef([no_site]), tmp_path / "x.cel", utilization=0.6)


def test_cells_missing_from_the_lef_are_named():
    lef = read_lef([Path("/usr/share/qflow/tech/osu018/osu018_stdcells.lef")])
    netlist = tiny_netlist()
    netlist.cells["u9"] = Cell("u9", "sky130_fd_sc_hd__inv_1", {"A": [2], "Y": [7]}, {"A": "input", "Y": "output"})
    with pytest.raises(DesignError) as err:
        check_against_lef(netlist, lef, "osu018_stdcells.lef")
    assert "sky130_fd_sc_hd__inv_1" in str(err.value) and "liberty" in str(err.value.hint)


def test_placement_becomes_legal_def_with_pins_on_tracks(tmp_path, osu018_lef):
    netlist = tiny_netlist()
    cmap = gw.write_cel(netlist, osu018_lef, tmp_path / "t.cel", utilization=1.0)
    # two rows: u1 (N) and u2 (FN) in row 2, u3 (FS) in row 1; pads left (-1) and top (-4)
    pl1 = [gw.PlacedObject("c0", 0, 1000, 160, 2000, 0, 2), gw.PlacedObject("c1", 160, 1000, 400, 2000, 2, 2),
           gw.PlacedObject("c2", 0, 0, 160, 1000, 1, 1), gw.PlacedObject("twpin_p1", -90, 1450, -10, 1550, 7, -1),
           gw.PlacedObject("twpin_p2", 200, 2010, 280, 2090, 3, -4)]
    pl2 = [gw.PlacedObject("1", 0, 0, 400, 1000, 0, 0), gw.PlacedObject("2", 0, 1000, 400, 2000, 0, 0)]
    design = gw.to_def(netlist, osu018_lef, cmap, pl1, pl2, core_space_um=4.0)
    assert design.die == (0, 0, 4000 + 4000 + 4000, 4000 + 20000 + 4000)
    assert [(r.y, r.orient) for r in design.rows] == [(4000, "FS"), (14000, "N")]
    u1, u2, u3 = (design.components[n] for n in ("u1", "u2", "u3"))
    assert (u1.x, u1.y, u1.orient) == (4000, 14000, "N")
    assert (u2.x, u2.orient) == (4000 + 1600, "FN") and (u3.y, u3.orient) == (4000, "FS")
    a, y = design.pins["a"], design.pins["y"]
    assert a.x < 4000 and a.layer == "metal3" and y.y > 24000 and y.layer == "metal2"
    tracks = {t.split()[-1]: t for t in design.tracks}
    # tracks keep the LEF offset from the core origin: metal2 at 4000 + 400 + k*800
    start = int(tracks["metal2"].split()[2])
    assert (start - 4000 - 400) % 800 == 0 and (y.x - start) % 800 == 0
    assert design.nets["n5"].conns == [("u1", "Y"), ("u2", "A")]
