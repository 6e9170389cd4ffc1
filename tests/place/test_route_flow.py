"""Place AND route with the graywolf backend (GrayWolf + qrouter) and time with the routed wires."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chipchat.place.api import place_design


def _stage(run: str) -> str:
    return Path(run).name.split("-", 2)[2].rsplit("-", 1)[0]  # 20261201-092453-qrouter_route-64120f


def test_routed_flow_times_with_post_route_parasitics(design_copy) -> None:
    root = design_copy("uart_tx")
    answer = place_design(str(root), backend="graywolf", utilization=0.5, route=True, clock_period_ns=2.5).answer()
    data = answer.data

    # routing ran: a qrouter stage with its log, every net routed, between placement and the parasitics
    stages = [_stage(r) for r in answer.runs]
    assert stages == ["yosys_synth", "opensta", "graywolf_place", "qrouter_route", "wire_parasitics", "opensta",
                      "place_report"]
    route_dir = Path(answer.runs[3])
    assert "qrouter" in (route_dir / "qrouter.log").read_text().lower()
    routed_def = route_dir / "routed.def"
    assert "ROUTED" in routed_def.read_text()
    route_metrics = json.loads((route_dir / "metrics.json").read_text())
    assert route_metrics["failed_nets"] == 0 and route_metrics["routed_nets"] > 0
    assert data["routed_wirelength_um"] == route_metrics["wirelength_um"] >= 0.9 * data["hpwl_um"]
    assert "routing (qrouter)" in data["stage_seconds"]
    assert "timing after routing (opensta + routed wires)" in data["stage_seconds"]

    # the parasitics come from the routed DEF, and the post-route OpenSTA run read exactly that SPEF
    wires_dir, post_dir = Path(answer.runs[4]), Path(answer.runs[5])
    assert json.loads((wires_dir / "step.json").read_text())["config"]["def"] == str(routed_def)
    wires = json.loads((wires_dir / "metrics.json").read_text())
    assert wires["model"].startswith("post-route") and wires["routed_nets"] == wires["nets"] > 0
    assert f"read_spef {wires_dir / 'wires.spef'}" in (post_dir / "timing.tcl").read_text()
    assert data["parasitics"].startswith("post-route (routed length per layer)")
    assert f"| wire parasitics | {data['parasitics']} |" in answer.text
    assert answer.artifacts["def"] == str(routed_def)

    # the reported timing is the post-route OpenSTA run's, with a numeric (here negative) WNS
    post = json.loads((post_dir / "metrics.json").read_text())
    assert isinstance(data["wns"], float) and data["wns"] < 0
    assert data["wns"] == pytest.approx(post["wns"]) and data["worst_slack"] == pytest.approx(post["worst_slack"])
    assert data["worst_slack"] < data["pre_worst_slack"]  # the routed wires only add delay
    assert "misses timing after routing" in answer.text or "meets timing after routing" in answer.text
    assert f"| WNS / TNS after routing | {data['wns']:.3f} ns / {data['tns']:.3f} ns" in answer.text
    assert data["clock_period_ns"] == 2.5
