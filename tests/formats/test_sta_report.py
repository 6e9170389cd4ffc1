"""The report_checks parser on golden files of real OpenSTA 2.0.17 and OpenROAD output (no tool runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipchat.formats.sta_report import (
    TimingPath,
    parse_report_checks,
    parse_report_end,
    parse_report_summary,
    parse_scalar,
)

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
STA = GOLDEN / "sta"
OPENROAD = GOLDEN / "openroad"


def golden(name: str) -> str:
    return (STA / name).read_text()


def pins(path: TimingPath) -> list[str]:
    return [p.pin for p in path.points if p.kind in ("pin", "port")]


def test_all_fields_debian_format_fanout_on_net_lines() -> None:
    paths = parse_report_checks(golden("full_allfields.txt"))
    assert [(p.startpoint, p.endpoint, p.slack) for p in paths] == [
        ("c", "z", 0.358), ("r1", "r3", 0.381), ("r3", "y", 0.494)]
    reg = paths[1]
    assert reg.startpoint_kind == "rising edge-triggered flip-flop clocked by clk"
    assert (reg.group, reg.path_type, reg.status, reg.clock) == ("clk", "max", "MET", "clk")
    assert (reg.data_arrival, reg.required) == (0.435, 0.816)
    assert pins(reg) == ["r1/CLK", "r1/Q", "u1/A", "u1/Y", "u2/A", "u2/Y", "u3/A", "u3/Y", "r3/D"]
    q = reg.points[3]
    # the "(net)" line after r1/Q carries fanout and load: they belong to the driving pin
    assert (q.pin, q.cell, q.net, q.fanout, q.cap, q.slew, q.incr, q.arrival, q.edge) == (
        "r1/Q", "DFFPOSX1", "q1", 2, 0.047, 0.085, 0.203, 0.203, "fall")
    assert reg.points[4].fanout is None and reg.points[4].net == ""  # an input pin drives nothing
    setup = [p for p in reg.required_points if p.kind == "setup"]
    assert setup and setup[0].incr == -0.184 and setup[0].arrival == 0.816


def test_no_fields_and_fanout_only_give_delay_and_time_only() -> None:
    for name in ("full_nofields.txt", "full_fanout.txt"):
        reg = parse_report_checks(golden(name))[1]
        assert pins(reg) == ["r1/CLK", "r1/Q", "u1/Y", "u2/Y", "u3/Y", "r3/D"]
        assert all(p.slew is None and p.cap is None and p.fanout is None for p in reg.points)
        assert reg.points[-1].arrival == pytest.approx(reg.data_arrival)


def test_nets_field_puts_fanout_on_net_lines_without_cap() -> None:
    reg = parse_report_checks(golden("full_nets.txt"))[1]
    q = next(p for p in reg.points if p.pin == "r1/Q")
    assert (q.net, q.fanout, q.cap) == ("q1", 2, None)
    assert (reg.slack, reg.data_arrival) == (0.38, 0.44)


def test_input_pins_and_slew_cap_fields() -> None:
    with_inputs = parse_report_checks(golden("full_input_pins.txt"))[1]
    assert "u1/A" in pins(with_inputs) and all(p.slew is None for p in with_inputs.points)
    slew_cap = parse_report_checks(golden("full_slew_cap.txt"))[0]
    port = next(p for p in slew_cap.points if p.pin == "c")
    assert (port.kind, port.cell, port.cap, port.slew) == ("port", "in", 0.01, 0.0)  # -digits 2


def test_min_paths_and_cap_on_the_pin_line() -> None:
    paths = parse_report_checks(golden("full_min.txt"))
    assert [p.path_type for p in paths] == ["min", "min"]
    a = next(p for p in paths[0].points if p.pin == "a")
    assert (a.cap, a.slew, a.incr, a.arrival) == (0.009, 0.0, 0.0, 0.2)
    assert [p.kind for p in paths[0].required_points if p.kind == "hold"] == ["hold"]


def test_clock_expanded_and_full_clock_formats() -> None:
    (exp,) = parse_report_checks(golden("clock_expanded.txt"))
    kinds = [p.kind for p in exp.points]
    assert kinds[:3] == ["clock", "clock_latency", "port"]
    assert pins(exp) == ["clk", "cb/A", "cb/Y", "r3/CLK", "r3/Q", "y"]
    cb = next(p for p in exp.points if p.pin == "cb/Y")
    assert (cb.net, cb.fanout, cb.incr) == ("clkb", 3, 0.156)
    assert (exp.slack, exp.data_arrival, exp.required) == (0.332, 0.368, 0.7)
    (full,) = parse_report_checks(golden("full_clock.txt"))
    assert pins(full) == ["clk", "cb/Y", "r3/CLK", "r3/Q", "y"] and full.slack == 0.332


def test_unconstrained_paths_have_no_slack() -> None:
    paths = parse_report_checks(golden("unconstrained.txt"))
    assert [(p.startpoint, p.endpoint, p.status, p.slack, p.group) for p in paths] == [
        ("r1", "r3", "unconstrained", None, "(none)"), ("clk", "r1/CLK", "unconstrained", None, "(none)")]
    assert not paths[0].constrained and paths[0].data_arrival == 0.441


def test_no_paths_found() -> None:
    assert parse_report_checks(golden("no_paths.txt")) == []
    assert parse_report_end(golden("end_noclock.txt")) == []
    assert parse_report_checks("") == []


def test_end_and_summary_formats() -> None:
    rows = parse_report_end(golden("end.txt"))
    assert [(r.endpoint, r.cell, r.required, r.arrival, r.slack, r.status) for r in rows[:2]] == [
        ("z", "output", 0.7, 0.34, 0.36, "MET"), ("r3/D", "DFFPOSX1", 0.82, 0.44, 0.38, "MET")]
    assert len(rows) == 5 and {r.group for r in rows} == {"clk"}
    uart = parse_report_end(golden("uart_end.txt"))
    assert uart[0].endpoint == "_187_/D" and uart[0].slack == 7.141 and len(uart) == 23
    summary = parse_report_summary(golden("summary.txt"))
    assert summary[0] == ("c", "z", 0.36) and ("r1/Q", "r3/D", 0.38) in summary and len(summary) == 5


def test_real_yosys_netlist_report() -> None:
    paths = parse_report_checks(golden("uart_allfields.txt"))
    assert [p.endpoint for p in paths] == ["_187_", "_186_", "_185_"]
    first = paths[0]
    assert first.startpoint == "rst" and first.slack == 7.141
    buf = next(p for p in first.points if p.pin == "_94_/Y")
    assert (buf.cell, buf.net, buf.fanout, buf.cap) == ("BUFX2", "_51_", 8, 0.111)
    total = sum(p.incr or 0.0 for p in first.points)
    assert total == pytest.approx(first.data_arrival, abs=0.002)


def test_openroad_format_fanout_on_the_pin_line() -> None:
    paths = parse_report_checks((OPENROAD / "report_checks_sky130_rsz.log").read_text())
    assert [(p.startpoint, p.endpoint, p.slack, p.status) for p in paths] == [
        ("_69_", "_68_", -0.12, "VIOLATED"), ("_70_", "_68_", -0.13, "VIOLATED")]
    after = paths[1]
    gain = next(p for p in after.points if p.pin == "gain1/X")
    assert (gain.cell, gain.fanout, gain.incr, gain.arrival, gain.edge) == (
        "sky130_fd_sc_hd__buf_2", 5, 0.13, 0.39, "fall")
    q = next(p for p in after.points if p.pin == "_70_/Q")
    assert q.fanout == 2 and q.net == ""
    assert (after.data_arrival, after.required) == (1.05, 0.92)


def test_openroad_log_with_info_lines_and_min_max_paths() -> None:
    paths = parse_report_checks((OPENROAD / "report_checks_dbsta.log").read_text())
    assert [(p.startpoint, p.endpoint, p.path_type, p.slack) for p in paths] == [
        ("in1", "r1", "min", 0.0), ("r2", "r3", "max", 9.43)]
    assert pins(paths[1]) == ["r2/CK", "r2/Q", "u1/Z", "u2/ZN", "r3/D"]
    assert paths[0].status == "VIOLATED"


def test_round_trip_json_and_scalars() -> None:
    path = parse_report_checks(golden("full_allfields.txt"))[1]
    assert TimingPath.from_json(path.to_json()) == path
    assert parse_scalar("worst slack -3.251\ntns -43.460\n", "worst slack") == -3.251
    assert parse_scalar("worst slack -3.251\ntns -43.460\n", "tns") == -43.46
    assert parse_scalar("nothing", "tns") is None


def test_parser_module_needs_no_tools() -> None:
    import ast

    tree = ast.parse((Path(__file__).resolve().parents[2] / "chipchat" / "formats" / "sta_report.py").read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert imported <= {"__future__", "re", "dataclasses", "typing"}
