"""OpenROAD-flow-scripts interop: the exported design folder and reading ORFS results."""

from __future__ import annotations

import pytest

from chipchat.errors import ConfigError, ParseError
from chipchat.formats.sta_report import parse_report_checks
from chipchat.place.orfs import export_orfs, import_orfs, parse_finish_report, read_metrics
from chipchat.rtl.load import load_design
from tests._physical import FIXTURES

METRICS = FIXTURES / "gcd_nangate45.metrics.json"
CHECKS = FIXTURES / "report_checks_sky130_rsz.log"


def test_export_writes_config_mk_sdc_and_sources(design_copy, tmp_path):
    design = load_design(design_copy("mac16"))
    out = export_orfs(design, "nangate45", tmp_path / "orfs", utilization=0.4)
    config = out.config_mk.read_text()
    for line in ("export DESIGN_NAME = mac16", "export PLATFORM = nangate45",
                 f"export VERILOG_FILES = {tmp_path / 'orfs' / 'src' / 'mac16.v'}",
                 f"export SDC_FILE = {tmp_path / 'orfs' / 'constraint.sdc'}", "export CORE_UTILIZATION = 40",
                 "export PLACE_DENSITY = 0.5", "export CORE_ASPECT_RATIO = 1", "export CORE_MARGIN = 2"):
        assert line in config.splitlines(), line
    assert (tmp_path / "orfs" / "src" / "mac16.v").read_text() == (design.root / "rtl" / "mac16.v").read_text()
    sdc = out.sdc.read_text()
    assert "create_clock -name clk -period 4.0 [get_ports clk]" in sdc
    # the SDC names an osu018 cell: the user is told to replace it for nangate45
    assert any("INVX1" in w and "nangate45" in w for w in out.warnings)


def test_export_without_sdc_writes_clocks_from_the_toml(design_copy, tmp_path):
    root = design_copy("fifo")
    toml = root / "chipchat.toml"
    toml.write_text(toml.read_text().replace('sdc = "constraints.sdc"\n', ""))
    out = export_orfs(load_design(root), "sky130hd", tmp_path / "o")
    assert out.sdc.read_text().splitlines()[1] == "create_clock -name clk -period 10 [get_ports {clk}]"


def test_export_to_an_unknown_platform_lists_the_valid_ones(design_copy, tmp_path):
    with pytest.raises(ConfigError) as err:
        export_orfs(load_design(design_copy("mac16")), "nangate46", tmp_path / "o")
    assert "nangate45" in str(err.value.hint) and "sky130hd" in str(err.value.hint)


def test_metrics_with_repeated_keys_keep_the_last_stage():
    metrics = read_metrics(METRICS)
    assert metrics["route__wirelength"] == 6521
    assert metrics["design__instance__displacement__max"] == 2.19  # the third (last) occurrence


def test_import_real_metrics_file():
    res = import_orfs(METRICS)
    assert res.wns == pytest.approx(-0.04396638733084503)  # DRT::worst_slack_max, after routing
    assert res.tns == pytest.approx(-0.5491557919393143)
    assert res.design_area_um2 == 586 and res.utilization == pytest.approx(0.092)
    assert res.instance_count == 363 and res.wirelength_um == 6521


def test_import_run_folder_with_finish_report(tmp_path):
    reports = tmp_path / "reports" / "nangate45" / "gcd" / "base"
    reports.mkdir(parents=True)
    checks = CHECKS.read_text().split("[WARNING EST-0027]")[0]  # the first real report_checks path
    bar, dash = "=" * 74, "-" * 74
    (reports / "6_finish.rpt").write_text(
        f"{bar}\nfinish report_checks -path_delay max\n{dash}\n{checks}\n"
        f"{bar}\nfinish report_tns\n{dash}\ntns max -0.55\n\n"
        f"{bar}\nfinish report_wns\n{dash}\nwns max -0.12\n\n"
        f"{bar}\nfinish report_design_area\n{dash}\nDesign area 586 um^2 9% utilization.\n")
    res = import_orfs(tmp_path)
    assert (res.platform, res.design) == ("nangate45", "gcd")
    assert (res.wns, res.tns, res.design_area_um2, res.utilization) == (-0.12, -0.55, 586.0, 0.09)
    paths = parse_report_checks(res.checks_text)  # the timing parser reads the imported section
    assert len(paths) == 1 and paths[0].startpoint == "_69_" and paths[0].slack == -0.12


def test_finish_report_sections():
    text = "=" * 20 + "\nfinish report_wns\n" + "-" * 20 + "\nwns max 0.10\n"
    assert parse_finish_report(text) == {"finish report_wns": "wns max 0.10"}


def test_import_of_a_folder_without_orfs_output(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing here")
    with pytest.raises(ParseError, match="no ORFS report"):
        import_orfs(tmp_path)
