"""The OpenROAD backend without OpenROAD: exact scripts, a recording Tcl interpreter, real logs.

OpenROAD is not installable on these machines. The generated script is compared with a
reviewed golden file, then run in tclsh under flows/openroad/recorder.tcl, where every
OpenROAD command checks its options against OpenROAD's documented syntax and records
the call. Log parsing and failure diagnosis use real OpenROAD output
(tests/golden/openroad, copied from ../shared/fixtures/openroad) and OpenROAD's documented message texts. The one test
that runs the binary is marked ``openroad`` and skips here.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from chipchat.errors import ConfigError, DesignError, ToolFailed, ToolNotFound
from chipchat.formats.lef import read_lef
from chipchat.formats.openroad_log import diagnose, parse_openroad_log
from chipchat.steps.floorplan import Floorplan
from chipchat.steps.openroad_script import (
    PlaceScriptInputs,
    openroad_argv,
    record_script,
    render_place_script,
)
from tests._physical import FIXTURES, LEF, LIB, REPO, lef_without

GOLDEN = REPO / "tests" / "golden" / "place" / "openroad_place_mac16.tcl"


def inputs(**over) -> PlaceScriptInputs:
    knobs = {k: over.pop(k) for k in list(over) if k in {f.name for f in fields(Floorplan)}}
    base = dict(top="mac16", netlist=Path("/work/run/netlist.v"), sdc=Path("/work/mac16/constraints.sdc"),
                lefs=(Path("/pdk/osu018/osu018_stdcells.lef"),), liberty=(Path("/pdk/osu018/osu018_stdcells.lib"),),
                site="core", hor_layer="metal3", ver_layer="metal2", def_out=Path("/work/run/placed.def"),
                wire_rc_layer="metal2")
    base.update(over)
    return PlaceScriptInputs(**base, floorplan=Floorplan(**{"utilization": 0.5, **knobs}))


def test_script_matches_the_reviewed_golden_file():
    assert render_place_script(inputs()) == GOLDEN.read_text()


def test_utilization_is_passed_in_percent_and_density_above_it():
    script = render_place_script(inputs(utilization=0.62))
    assert "-utilization 62 " in script and "global_placement -density 0.72" in script


def test_paths_with_tcl_metacharacters_stay_literal(tmp_path):
    odd = tmp_path / "my design [v2] $HOME" / "net list.v"
    script = render_place_script(inputs(netlist=odd))
    assert "read_verilog " + str(odd).replace(" ", "\\ ").replace("[", "\\[").replace("]", "\\]") \
        .replace("$", "\\$") in script


def test_platform_rc_script_replaces_set_wire_rc():
    script = render_place_script(inputs(rc_script=Path("/orfs/platforms/nangate45/setRC.tcl")))
    assert "source /orfs/platforms/nangate45/setRC.tcl" in script and "set_wire_rc" not in script


@pytest.mark.parametrize("util", [0.0, 1.0, 1.5])
def test_impossible_utilization_is_refused(util):
    with pytest.raises(ConfigError, match="utilization"):
        render_place_script(inputs(utilization=util))


def test_density_below_utilization_is_refused():
    with pytest.raises(ConfigError, match="density"):
        render_place_script(inputs(utilization=0.7, density=0.6))


def test_bad_layer_name_cannot_inject_tcl():
    with pytest.raises(ConfigError, match="not a valid identifier"):
        render_place_script(inputs(hor_layer="metal3; exec rm -rf /"))


def test_openroad_command_line():
    assert openroad_argv("/opt/or/openroad", "place.tcl", "m.json") == [
        "/opt/or/openroad", "-no_init", "-no_splash", "-exit", "-metrics", "m.json", "place.tcl"]


def test_recorder_runs_the_script_and_checks_order_and_arguments(tmp_path):
    script = tmp_path / "place.tcl"
    script.write_text(render_place_script(inputs(def_out=tmp_path / "placed.def")))
    calls = record_script(script, tmp_path)
    order = [c.command for c in calls]
    assert order == ["read_lef", "read_liberty", "read_verilog", "link_design", "read_sdc", "set_wire_rc",
                     "set_wire_rc", "initialize_floorplan", "make_tracks", "place_pins", "global_placement",
                     "detailed_placement", "check_placement", "estimate_parasitics", "report_checks", "report_wns",
                     "report_tns", "report_design_area", "write_def"]
    fp = calls[order.index("initialize_floorplan")]
    assert (fp.option("-site"), fp.option("-utilization"), fp.option("-core_space")) == ("core", "50", "5")
    assert calls[order.index("place_pins")].args == ("-hor_layers", "metal3", "-ver_layers", "metal2")
    assert calls[order.index("estimate_parasitics")].args == ("-placement",)
    checks = calls[order.index("report_checks")]
    assert checks.option("-path_delay") == "max" and checks.option("-group_path_count") == "5"
    assert calls[-1].args == (str(tmp_path / "placed.def"),)
    assert order.index("global_placement") < order.index("detailed_placement") < order.index("estimate_parasitics")


@pytest.mark.parametrize("edit, complaint", [
    (("-group_path_count", "-group_pathcount"), "unknown option -group_pathcount"),
    (("-site core ", ""), "use -site to add placement rows"),
    (("place_pins -hor_layers metal3 ", "place_pins "), "-hor_layers is required"),
    (("estimate_parasitics -placement", "estimate_parasitics"), "missing -placement"),
    (("-density 0.6", "-density 1.6"), "-density must be a number in (0, 1]"),
])
def test_recorder_rejects_what_openroad_would_reject(tmp_path, edit, complaint):
    script = tmp_path / "bad.tcl"
    script.write_text(render_place_script(inputs()).replace(*edit))
    with pytest.raises(ToolFailed) as err:
        record_script(script, tmp_path)
    assert complaint in str(err.value)


def test_real_global_placement_log():
    log = parse_openroad_log((FIXTURES / "global_placement_gcd.log").read_text())
    assert log.utilization_pct == pytest.approx(54.233)
    assert log.hpwl_um == pytest.approx(2881.644)  # the last Nesterov iteration (237)
    assert not log.errors and log.has("GPL-1001")


def test_real_dbsta_log_messages():
    log = parse_openroad_log((FIXTURES / "report_checks_dbsta.log").read_text())
    assert [m.id for m in log.messages][:2] == ["ODB-0227", "ODB-0128"]
    assert log.has("ORD-2056") and not log.errors  # liberty cells without LEF masters: a warning


def test_script_sections_and_reports_are_read():
    text = ("chipchat-stage: timing\nchipchat-section: report_wns\nwns max -0.04\nchipchat-section: report_tns\n"
            "tns max -0.55\nchipchat-section: report_design_area\nDesign area 586 um^2 9% utilization.\n"
            "chipchat-section: end\n")
    log = parse_openroad_log(text)
    assert (log.wns, log.tns, log.design_area_um2, log.design_util_pct) == (-0.04, -0.55, 586.0, 9.0)
    assert log.stages == ["timing"] and log.sections["report_tns"] == "tns max -0.55"
    old = parse_openroad_log("wns -3.25\ntns -43.46\nDesign area 64848 u^2 59% utilization.\n")
    assert (old.wns, old.tns, old.design_area_um2) == (-3.25, -43.46, 64848.0)


# OpenROAD's own message texts (docs/user/MessagesFinal.md), as its logs print them
@pytest.mark.parametrize("log_text, expect", [
    ("[ERROR GPL-0302] Use a higher -density or re-floorplan with a larger core area.\n"
     "Given target density: 0.60\nSuggested target density: 0.97\nError: place.tcl, 21 GPL-0302\n",
     "lower --utilization"),
    ("[ERROR GPL-0301] Utilization 122.025 % exceeds 100%.\n", "lower --utilization"),
    ("[ERROR DPL-0036] Detailed placement failed.\n", "free sites left"),
    ("[WARNING IFP-0011] use -site to add placement rows.\n[ERROR DPL-0012] no rows found.\n", "SITE"),
    ("[WARNING ORD-2013] instance _12_ LEF master BUFX2 not found.\n", "same cell library"),
])
def test_known_failures_are_explained(log_text, expect):
    found = diagnose(parse_openroad_log(log_text))
    assert found is not None and expect in found.hint


def test_unknown_failure_is_not_guessed():
    log = parse_openroad_log("[ERROR DRT-0073] No access point for _1_/A.\nError: place.tcl, 40 DRT-0073\n")
    assert diagnose(log) is None and log.tcl_error == "place.tcl line 40: DRT-0073"


@pytest.mark.openroad
def test_real_openroad_places_mac16(design_copy):
    from chipchat.toolchain import have_tool

    if not have_tool("openroad"):
        pytest.skip("OpenROAD is not installed (not packaged for Debian 12 or PyPI)")
    from chipchat.place.api import place_design

    answer = place_design(str(design_copy("mac16")), backend="openroad", utilization=0.5).answer()
    assert answer.data["backend"] == "openroad" and answer.data["wns"] is not None
    assert Path(answer.artifacts["def"]).exists()


def test_rows_site_and_pin_layers_come_from_the_lef(osu018_lef, tmp_path):
    from chipchat.steps.openroad_place import rows_and_pin_layers

    assert rows_and_pin_layers(osu018_lef, [LEF]) == ("core", "metal3", "metal2")
    no_site = lef_without(tmp_path, site=False)
    with pytest.raises(DesignError, match="no placement site") as err:
        rows_and_pin_layers(read_lef([no_site]), [no_site])
    assert "SITE" in str(err.value.hint)
    with pytest.raises(DesignError, match="no placement site unit"):
        rows_and_pin_layers(osu018_lef, [LEF], site="unit")


def test_openroad_step_without_the_binary_says_how_to_install(design_copy, monkeypatch, tmp_path):
    from chipchat.rtl.load import load_design
    from chipchat.steps.openroad_place import OpenroadPlace

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CHIPCHAT_OPENROAD", raising=False)
    design = load_design(design_copy("mac16"))
    step = OpenroadPlace(design, netlist=str(design.sources[0]), top="mac16", sdc=str(design.sdc),
                         liberty=[str(LIB)], lef=[str(LEF)])
    with pytest.raises(ToolNotFound) as err:
        step.start()
    assert err.value.tool == "openroad" and "graywolf" in str(err.value.hint)
    assert not (design.root / ".chipchat" / "runs").exists()  # nothing ran, nothing was written
