"""The whole placement flow through the API and the CLI, on real tools."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from chipchat.cli import main
from chipchat.formats.defio import read_def
from chipchat.formats.lef import read_lef
from chipchat.place.api import place_design, placement_backends
from chipchat.place.picture import render_placement
from tests._physical import FIXTURES, LEF


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def uart_answer(tmp_path_factory):
    import shutil

    from tests._physical import REPO

    root = tmp_path_factory.mktemp("flow") / "uart_tx"
    shutil.copytree(REPO / "designs" / "uart_tx", root, ignore=shutil.ignore_patterns(".chipchat"))
    return root, place_design(str(root), backend="graywolf", utilization=0.6).answer()


def test_answer_has_timing_before_and_after_and_the_evidence(uart_answer):
    root, answer = uart_answer
    data = answer.data
    assert answer.kind == "placement" and data["backend"] == "graywolf" and data["platform"] == "osu018"
    assert data["clock_period_ns"] == 10.0
    assert data["worst_slack"] is not None and data["pre_worst_slack"] is not None
    assert data["worst_slack"] < data["pre_worst_slack"]  # wires only add delay
    assert data["slack_delta"] == pytest.approx(data["worst_slack"] - data["pre_worst_slack"], abs=1e-3)
    assert 0.5 < data["utilization"] < 0.7 and data["cells"] > 50 and data["hpwl_um"] > 0
    assert "WNS / TNS after placement" in answer.text and "worst slack after placement" in answer.text
    for key in ("picture", "def", "report", "timing_report"):
        assert Path(answer.artifacts[key]).exists(), key
    stages = [Path(r).name.split("-", 2)[2].rsplit("-", 1)[0] for r in answer.runs]
    assert stages == ["yosys_synth", "opensta", "graywolf_place", "wire_parasitics", "opensta", "place_report"]
    assert all(str(root / ".chipchat") in r for r in answer.runs)  # chipchat writes only below .chipchat/


def test_worst_path_is_explained_in_rtl_terms(uart_answer):
    root, answer = uart_answer
    assert "Worst path after placement (graywolf)" in answer.text
    assert any(c.file.startswith("rtl/") for c in answer.citations)
    assert answer.data["paths"][0]["slack"] == answer.data["worst_slack"]


def test_picture_is_a_png_of_the_die(uart_answer):
    _, answer = uart_answer
    width, height = png_size(Path(answer.artifacts["picture"]))
    assert 600 < width < 1200 and 400 < height < 1600


def test_picture_draws_the_path_and_the_colours(uart_answer, tmp_path):
    _, answer = uart_answer
    design = read_def(answer.artifacts["def"])
    lef = read_lef([LEF])
    cells = sorted(design.components)[:6]
    plain = render_placement(design, lef, tmp_path / "a.png", color_by="kind")
    path = render_placement(design, lef, tmp_path / "b.png", color_by="kind", path_cells=cells)
    slack = render_placement(design, lef, tmp_path / "c.png", color_by="slack", cell_slack={c: -1.0 for c in cells})
    assert plain.read_bytes() != path.read_bytes() and plain.read_bytes() != slack.read_bytes()
    with pytest.raises(ValueError, match="color_by"):
        render_placement(design, lef, tmp_path / "d.png", color_by="rainbow")  # type: ignore[arg-type]


def test_backends_listing():
    answer = placement_backends()
    assert answer.data["graywolf"] is True and "openroad" in answer.data


def test_cli_place_json(uart_answer, capsys):
    root, _ = uart_answer
    assert main(["place", str(root), "--backend", "graywolf", "--utilization", "0.6", "--json"]) == 0
    out = capsys.readouterr()
    data = json.loads(out.out)
    assert data["kind"] == "placement" and data["data"]["backend"] == "graywolf"
    assert "placement (graywolf)" in out.err  # progress goes to stderr, never into the JSON


def test_cli_bad_input_exits_2_with_the_fix(uart_answer, capsys, monkeypatch, tmp_path):
    root, _ = uart_answer
    assert main(["place", str(root), "--utilization", "1.2"]) == 2
    assert "--utilization" in capsys.readouterr().err
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CHIPCHAT_OPENROAD", raising=False)
    assert main(["place", str(root), "--backend", "openroad", "--utilization", "0.5"]) == 2
    err = capsys.readouterr().err
    assert "openroad" in err and "--backend graywolf" in err and "fix:" in err


def test_cli_check_openroad_script(uart_answer, capsys):
    root, _ = uart_answer
    assert main(["place", str(root), "--backend", "openroad", "--check-script", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    commands = [c[0] for c in data["data"]["calls"]]
    assert commands[:5] == ["read_lef", "read_liberty", "read_verilog", "link_design", "read_sdc"]
    assert "global_placement" in commands and commands[-1] == "write_def"


def test_cli_export_and_import_orfs(uart_answer, capsys, tmp_path):
    root, _ = uart_answer
    out = tmp_path / "orfs"
    assert main(["export-orfs", str(root), "--platform", "sky130hd", "-o", str(out)]) == 0
    assert "export PLATFORM = sky130hd" in (out / "config.mk").read_text()
    assert (out / "src" / "uart_tx.sv").exists() and (out / "src" / "uart_pkg.sv").exists()
    capsys.readouterr()
    metrics = FIXTURES / "gcd_nangate45.metrics.json"
    if metrics.exists():
        assert main(["import-orfs", str(metrics), "--json"]) == 0
        data = json.loads(capsys.readouterr().out)
        assert data["kind"] == "orfs-import" and data["data"]["worst_slack"] == pytest.approx(-0.04397, abs=1e-4)


@pytest.mark.slow
def test_mac16_misses_timing_and_the_multiplier_is_to_blame(design_copy):
    answer = place_design(str(design_copy("mac16")), color_by="group").answer()
    data = answer.data
    assert data["worst_slack"] < 0 and data["worst_slack"] < data["pre_worst_slack"]
    assert data["cells"] > 1000 and data["overlaps"] == 0
    assert "a * b" in answer.text and "rtl/mac16.v:28" in answer.text
    assert sum(data["stage_seconds"].values()) < 120


def test_import_orfs_run_with_a_known_platform_draws_and_explains(uart_answer, tmp_path, monkeypatch):
    """An ORFS-shaped run folder on a platform folder chipchat can read (osu018 files behind a config.mk)."""
    from chipchat.place.api import import_orfs
    from tests._physical import LIB

    root, placed = uart_answer
    platform = tmp_path / "platforms" / "osu018_orfs"
    platform.mkdir(parents=True)
    (platform / "config.mk").write_text(f"export LIB_FILES = {LIB}\nexport SC_LEF = {LEF}\nexport PLACE_SITE = core\n")
    monkeypatch.setenv("CHIPCHAT_ORFS_PLATFORMS", str(tmp_path / "platforms"))
    run = tmp_path / "flow"
    reports = run / "reports" / "osu018_orfs" / "uart_tx" / "base"
    results = run / "results" / "osu018_orfs" / "uart_tx" / "base"
    reports.mkdir(parents=True)
    results.mkdir(parents=True)
    checks = Path(placed.artifacts["timing_report"]).read_text()
    bar, dash = "=" * 74, "-" * 74
    (reports / "6_finish.rpt").write_text(f"{bar}\nfinish report_checks -path_delay max\n{dash}\n{checks}\n"
                                          f"{bar}\nfinish report_wns\n{dash}\nwns max 0.00\n")
    (results / "6_final.def").write_text(Path(placed.artifacts["def"]).read_text())
    synth = next(Path(r) for r in placed.runs if "yosys_synth" in r)
    (results / "6_final.v").write_text((synth / "netlist.v").read_text())
    answer = import_orfs(str(run), design=str(root))
    assert answer.kind == "orfs-import" and answer.data["platform"] == "osu018_orfs"
    assert answer.data["worst_slack"] == pytest.approx(placed.data["worst_slack"], abs=1e-3)
    assert png_size(Path(answer.artifacts["picture"]))[0] > 600
    assert "Worst path after placement (orfs)" in answer.text and answer.citations


def test_ask_place_it_routes_to_the_placement_flow(uart_answer):
    from chipchat.agent.planner import answer
    from chipchat.rtl.load import load_design

    root, _ = uart_answer
    reply = answer(load_design(root), "place it and show me where the critical path runs")
    assert reply.kind == "placement" and reply.data["intent"] == "place"
    assert Path(reply.artifacts["picture"]).exists()
