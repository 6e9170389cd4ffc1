"""The placement steps with the real tools (Yosys, GrayWolf, qrouter, OpenSTA) and with bad input."""

from __future__ import annotations

import time
from dataclasses import fields
from pathlib import Path

import pytest

from chipchat.errors import ConfigError, DesignError, ToolFailed, ToolNotFound, ToolTimeout
from chipchat.formats.defio import read_def
from chipchat.place.backends import get_backend
from chipchat.steps.floorplan import Floorplan
from chipchat.steps.graywolf_place import GraywolfPlace, WireParasitics
from chipchat.steps.opensta import OpenSTA, read_results
from chipchat.steps.qrouter_route import QrouterRoute
from tests._physical import LEF, LIB, fake_tool, lef_without


def place(design, synth, timeout_s=None, **config):
    knobs = {k: config.pop(k) for k in list(config) if k in {f.name for f in fields(Floorplan)}}
    base = dict(netlist=str(synth.artifacts["netlist_v"]), top=design.top, liberty=[str(LIB)], lef=[str(LEF)])
    base.update(config)
    return GraywolfPlace(design, timeout_s=timeout_s, floorplan=Floorplan(**{"utilization": 0.6, **knobs}), **base)


@pytest.fixture(scope="module")
def placed(uart_synth):
    design, synth = uart_synth
    return design, synth, place(design, synth).start()


def test_graywolf_places_every_cell_legally(placed):
    design, synth, result = placed
    m = result.metrics
    assert m["cells"] == synth.metrics["cells"]
    assert m["overlaps"] == 0 and m["outside_core"] == 0
    assert abs(m["utilization"] - 0.6) < 0.08
    d = read_def(result.artifacts["def"])
    assert all(c.placed for c in d.components.values()) and len(d.rows) == m["rows"]
    assert {p.name for p in d.pins.values()} >= {"clk", "rst", "tx"}
    assert all(p.layer for p in d.pins.values())
    for name in ("graywolf.log", "yosys_json.log", "uart_tx.cel", "uart_tx.par", "commands.json"):
        assert (result.run_dir / name).exists(), name
    assert not (result.run_dir / "uart_tx.mver").exists()  # GrayWolf's scratch files are cleaned up


def test_second_run_is_cached(placed):
    design, synth, first = placed
    again = place(design, synth).start()
    assert again.cached and again.run_dir == first.run_dir


def test_placement_wires_slow_the_design_down(placed):
    design, synth, result = placed
    wires = WireParasitics(design, lef=[str(LEF)], **{"def": str(result.artifacts["def"])}).start()
    assert wires.metrics["nets"] > 50 and wires.metrics["wire_cap_pf"] > 0
    net = str(synth.artifacts["netlist_v"])
    before = read_results(OpenSTA(design, netlist=net).start().run_dir)
    after_step = OpenSTA(design, netlist=net, spef=str(wires.artifacts["spef"])).start()
    after = read_results(after_step.run_dir)
    assert after.paths[0].data_arrival > before.paths[0].data_arrival
    assert "not found" not in (after_step.run_dir / "sta.log").read_text()


def test_qrouter_routes_the_placement(placed):
    design, _, result = placed
    routed = QrouterRoute(design, lef=[str(LEF)], **{"def": str(result.artifacts["def"])}).start()
    assert routed.metrics["failed_nets"] == 0
    assert routed.metrics["routed_nets"] > 0.9 * routed.metrics["nets"]
    assert routed.metrics["wirelength_um"] >= 0.9 * result.metrics["hpwl_um"]


@pytest.mark.parametrize("util", [0.97, 1.5, 0.0, -0.2])
def test_utilization_too_high_says_what_to_change(uart_synth, util):
    design, synth = uart_synth
    with pytest.raises(ConfigError) as err:
        place(design, synth, utilization=util).start()
    assert "cannot be placed" in str(err.value) and "--utilization" in str(err.value.hint)


def test_lef_missing_cells_of_the_liberty(uart_synth, tmp_path):
    design, synth = uart_synth
    used = sorted(synth.metrics["cell_types"])[:2]
    lef = lef_without(tmp_path, macros=tuple(used))
    with pytest.raises(DesignError) as err:
        place(design, synth, lef=[str(lef)]).start()
    assert all(cell in str(err.value) for cell in used)
    assert "not in the LEF" in str(err.value) and "same cell library" in str(err.value.hint)


def test_lef_without_a_site_definition(uart_synth, tmp_path):
    design, synth = uart_synth
    with pytest.raises(DesignError, match="no CORE site") as err:
        place(design, synth, lef=[str(lef_without(tmp_path, site=False))]).start()
    assert "SITE" in str(err.value.hint)


def test_crashing_placer_shows_the_end_of_its_log(uart_synth, tmp_path, monkeypatch):
    design, synth = uart_synth
    tool = fake_tool(tmp_path / "bin", "graywolf", 'echo "Read 50 objects so far..."\n'
                     'echo "ERROR[yacc]: problem reading design.cel: line 9 near ncell"\nkill -SEGV $$')
    monkeypatch.setenv("CHIPCHAT_GRAYWOLF", str(tool))
    with pytest.raises(ToolFailed) as err:
        place(design, synth, seed=7).start()
    assert "problem reading design.cel" in err.value.log_tail
    assert err.value.returncode != 0 and Path(err.value.log_path).name == "graywolf.log"


def test_hung_placer_is_killed_at_the_timeout(uart_synth, tmp_path, monkeypatch):
    design, synth = uart_synth
    tool = fake_tool(tmp_path / "bin", "graywolf", 'echo "starting annealing"\nsleep 120')
    monkeypatch.setenv("CHIPCHAT_GRAYWOLF", str(tool))
    t0 = time.monotonic()
    with pytest.raises(ToolTimeout) as err:
        place(design, synth, seed=8, timeout_s=2.0).start()
    assert time.monotonic() - t0 < 30
    assert "starting annealing" in err.value.log_tail and "CHIPCHAT_TOOL_TIMEOUT" in str(err.value.hint)


def test_openroad_asked_for_but_not_installed(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CHIPCHAT_OPENROAD", raising=False)
    with pytest.raises(ToolNotFound) as err:
        get_backend("openroad")
    assert "graywolf" in str(err.value) and "--backend graywolf" in str(err.value)
    assert "github.com/The-OpenROAD-Project/OpenROAD" in str(err.value.hint)
    assert get_backend("auto").name == "graywolf"


def test_unknown_backend_lists_the_valid_ones():
    with pytest.raises(ConfigError) as err:
        get_backend("magic")
    assert "graywolf" in str(err.value.hint) and "openroad" in str(err.value.hint)
