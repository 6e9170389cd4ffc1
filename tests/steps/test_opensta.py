"""The OpenSTA step: its Tcl as data, constraints, injection safety, errors, timeouts, real results."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from chipchat.design import Clock
from chipchat.errors import ConfigError, ParseError, ToolTimeout
from chipchat.formats.sdc import generated_sdc, sdc_period
from chipchat.platforms import Platform, get_platform
from chipchat.rtl.load import load_design
from chipchat.steps.opensta import EndpointQuery, OpenSTA, read_results
from chipchat.tcl import tcl_quote
from chipchat.toolchain import find_tool

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "sta"
LIB018 = Path("/usr/share/qflow/tech/osu018/osu018_stdcells.lib")
PORTS = {"inputs": ["clk", "a", "b", "c"], "outputs": ["y", "z"]}
EVIL = "x]; exec touch {pwned}; #"


def tiny(tmp_path: Path, *, sdc: str | None = None, clocks: str = "", folder: str = "tiny") -> Path:
    """A design folder around the golden hand-written netlist (it is valid Verilog for load_design too)."""
    root = tmp_path / folder
    (root / "rtl").mkdir(parents=True)
    shutil.copy(GOLDEN / "tiny.v", root / "rtl" / "tiny.v")
    toml = '[design]\nname = "tiny"\ntop = "tiny"\nsources = ["rtl/tiny.v"]\n'
    if sdc is not None:
        (root / "constraints.sdc").write_text(sdc)
        toml += 'sdc = "constraints.sdc"\n'
    (root / "chipchat.toml").write_text(toml + clocks)
    return root


def step(root: Path, **config: object) -> OpenSTA:
    design = load_design(root)
    return OpenSTA(design, netlist=root / "rtl" / "tiny.v", top="tiny", platform="osu018", ports=PORTS, **config)


def direct_sta(script: str, cwd: Path) -> str:
    sta = find_tool("sta")
    proc = subprocess.run([str(sta.path), "-no_splash", "-exit"], input=script, capture_output=True, text=True,
                          cwd=cwd, timeout=60, check=False)
    return proc.stdout + proc.stderr


def test_script_with_the_design_sdc_and_a_what_if_period(tmp_path: Path) -> None:
    root = tiny(tmp_path, sdc=(GOLDEN / "tiny.sdc").read_text())
    s = step(root, clock_period_ns=2.5, paths=3, to=EndpointQuery("y", pins=["r3/D"]))
    lines = [ln for ln in s.script().splitlines() if ln and not ln.startswith("#")]
    sdc = root / "constraints.sdc"
    assert lines[:4] == [f"read_liberty {LIB018}", f"read_verilog {root / 'rtl' / 'tiny.v'}", "link_design tiny",
                         f"read_sdc {sdc}"]
    assert "set chipchat_main [lindex [all_clocks] 0]" in lines
    assert ("  create_clock -name [get_name $chipchat_main] -period 2.5 -waveform [list 0 1.25] "
            "[get_property $chipchat_main sources]") in lines
    assert ("report_checks -path_delay max -to [concat [get_pins [list r3/D]]] -group_count 3 -endpoint_count 1 "
            "-fields {slew cap input_pins nets fanout} -digits 3 > to.rpt") in lines
    assert ("report_checks -path_delay max -group_count 3 -endpoint_count 1 -fields {slew cap input_pins nets "
            "fanout} -digits 3 > paths.rpt") in lines
    assert s.argv("/usr/bin/sta") == ["/usr/bin/sta", "-no_splash", "-exit", "timing.tcl"]
    assert sdc_period(sdc) == 1.0


def test_generated_constraints_from_chipchat_toml(tmp_path: Path) -> None:
    text = generated_sdc([Clock("clk", 10.0)], ["clk", "a", "b[0]"], ["y"])
    assert text.splitlines()[1:] == [
        "create_clock -name clk -period 10 [get_ports clk]",
        "set_input_delay 2 -clock clk [get_ports [list a b\\[0\\]]]",
        "set_output_delay 2 -clock clk [get_ports [list y]]",
    ]
    assert "-period 4 " in generated_sdc([Clock("clk", 10.0)], ["clk"], [], period_ns=4.0)
    root = tiny(tmp_path, clocks='[[clocks]]\nport = "clk"\nperiod_ns = 10.0\n')
    constraints, sdc_text = step(root).constraints_tcl()
    assert constraints == "read_sdc constraints.sdc" and sdc_text is not None and "create_clock" in sdc_text


def test_no_clock_is_a_clear_error(tmp_path: Path) -> None:
    root = tiny(tmp_path)
    with pytest.raises(ConfigError, match="no clock"):
        step(root).validate()
    root2 = tiny(tmp_path, sdc="set_load 0.01 [all_outputs]\n", folder="tiny2")
    with pytest.raises(ConfigError, match="no clock"):
        step(root2).validate()


def test_clock_on_a_missing_port_from_chipchat_toml(tmp_path: Path) -> None:
    root = tiny(tmp_path, clocks='[[clocks]]\nport = "clkx"\nperiod_ns = 10.0\n')
    with pytest.raises(ConfigError) as err:
        step(root).validate()
    assert "clkx" in str(err.value) and "input ports are: a, b, c, clk" in str(err.value)


def test_evil_port_name_in_chipchat_toml_runs_nothing(tmp_path: Path) -> None:
    pwned = tmp_path / "pwned"
    port = EVIL.format(pwned=pwned).replace("\\", "\\\\").replace('"', '\\"')
    root = tiny(tmp_path, clocks=f'[[clocks]]\nport = "{port}"\nperiod_ns = 10.0\n')
    with pytest.raises(ConfigError, match="not a valid identifier"):
        step(root).start()
    assert not pwned.exists()


def test_evil_port_name_reaches_sta_only_as_a_literal(tmp_path: Path) -> None:
    """Even past validation, a quoted name is a literal for OpenSTA: nothing is executed."""
    pwned = tmp_path / "pwned"
    evil = tcl_quote(EVIL.format(pwned=pwned))
    script = (f"read_liberty {LIB018}\nread_verilog {GOLDEN / 'tiny.v'}\nlink_design tiny\n"
              f"create_clock -name {evil} -period 5 [get_ports {evil}]\n"
              f"report_checks -to [get_ports {evil}]\nputs done\n")
    out = direct_sta(script, tmp_path)
    assert "done" in out and "not found" in out
    assert not pwned.exists()


def test_real_run_matches_a_direct_sta_run(tmp_path: Path) -> None:
    root = tiny(tmp_path, sdc=(GOLDEN / "tiny.sdc").read_text())
    for period in (None, 0.4):
        result = step(root, clock_period_ns=period).start()
        parsed = read_results(result.run_dir)
        override = (f"create_clock -name clk -period {period} [get_ports clk]\n" if period else "")
        out = direct_sta(f"read_liberty {LIB018}\nread_verilog {GOLDEN / 'tiny.v'}\nlink_design tiny\n"
                         f"read_sdc {root / 'constraints.sdc'}\n{override}report_worst_slack -digits 3\n"
                         "report_tns -digits 3\n", tmp_path)
        worst = float(re.search(r"^worst slack (\S+)$", out, re.M).group(1))
        tns = float(re.search(r"^tns (\S+)$", out, re.M).group(1))
        assert parsed.worst_slack == worst and result.metrics["tns"] == tns
        assert result.metrics["wns"] == min(worst, 0.0)
        assert result.metrics["clocks"] == [{"name": "clk", "period_ns": period or 1.0}]
        assert len(parsed.endpoints) == 5 and parsed.paths[0].slack == worst
    assert result.metrics["violating_endpoints"] > 0  # 0.4 ns is too fast for this netlist


def test_worst_path_to_a_named_endpoint(tmp_path: Path) -> None:
    root = tiny(tmp_path, sdc=(GOLDEN / "tiny.sdc").read_text())
    result = step(root, to=EndpointQuery("y", pins=["r3/D"])).start()
    to_paths = read_results(result.run_dir).to_paths
    assert [(p.startpoint, p.endpoint) for p in to_paths] == [("r1", "r3")]


def test_sdc_clock_on_a_missing_port_names_the_sdc_line(tmp_path: Path) -> None:
    root = tiny(tmp_path, sdc="# constraints\ncreate_clock -name clk -period 5 [get_ports clkx]\n")
    with pytest.raises(ConfigError) as err:
        step(root).start()
    assert "constraints.sdc:2" in str(err.value) and "clkx" in str(err.value)


def test_sdc_syntax_error_names_the_sdc_line(tmp_path: Path) -> None:
    root = tiny(tmp_path, sdc="create_clock -name clk -period 5 [get_ports clk]\nset_input_delay -clock\n")
    with pytest.raises(ParseError) as err:
        step(root).start()
    assert err.value.file == "constraints.sdc" and err.value.line == 2


def test_a_liberty_that_sta_cannot_read(tmp_path: Path) -> None:
    broken = tmp_path / "broken.lib"
    broken.write_text("library (x) {\n  cell (A {\n")
    root = tiny(tmp_path, sdc=(GOLDEN / "tiny.sdc").read_text())
    plat = Platform(name="broken", kind="liberty", liberty=(broken,))
    with pytest.raises(ParseError) as err:
        OpenSTA(load_design(root), netlist=root / "rtl" / "tiny.v", top="tiny", platform=plat, ports=PORTS).start()
    assert err.value.file and err.value.file.endswith("broken.lib") and err.value.line is not None


def test_nothing_to_time(tmp_path: Path) -> None:
    root = tmp_path / "comb"
    (root / "rtl").mkdir(parents=True)
    (root / "rtl" / "comb.v").write_text("module comb(clk, a, b, y);\n input clk, a, b;\n output y;\n"
                                         " AND2X1 u (.A(a), .B(b), .Y(y));\nendmodule\n")
    (root / "constraints.sdc").write_text("create_clock -name clk -period 5 [get_ports clk]\n")
    (root / "chipchat.toml").write_text('[design]\nname = "comb"\ntop = "comb"\nsources = ["rtl/comb.v"]\n'
                                        'sdc = "constraints.sdc"\n')
    result = OpenSTA(load_design(root), netlist=root / "rtl" / "comb.v", top="comb", platform=get_platform("osu018"),
                     ports={"inputs": ["clk", "a", "b"], "outputs": ["y"]}).start()
    assert result.metrics["nothing_to_time"] and result.metrics["worst_slack"] is None
    assert result.metrics["wns"] == 0.0 and result.metrics["endpoints"] == 0


def test_a_hung_sta_is_killed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pid_file = tmp_path / "pid"
    script = tmp_path / "hung-sta"
    script.write_text(f'#!/bin/sh\nif [ "$1" = "-version" ]; then echo 2.0.17; exit 0; fi\n'
                      f'echo $$ > "{pid_file}"\nexec sleep 300\n')
    script.chmod(0o755)
    monkeypatch.setenv("CHIPCHAT_STA", str(script))
    root = tiny(tmp_path, sdc=(GOLDEN / "tiny.sdc").read_text())
    t0 = time.monotonic()
    with pytest.raises(ToolTimeout):
        step(root, timeout_s=1.0).start()
    assert time.monotonic() - t0 < 10
    pid = int(pid_file.read_text())
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the hung sta is still running")


def test_paths_of_all_groups_are_ordered_by_slack(tmp_path: Path) -> None:
    sdc = ("create_clock -name clk -period 1.0 [get_ports clk]\ncreate_clock -name vclk -period 0.45\n"
           "set_input_delay 0.2 -clock clk [get_ports {a b c}]\nset_output_delay 0.3 -clock vclk [get_ports {y z}]\n")
    root = tiny(tmp_path, sdc=sdc)
    result = step(root, paths=3).start()
    paths = read_results(result.run_dir).paths
    assert len({p.group for p in paths}) == 2  # per-group reports, merged
    slacks = [p.slack for p in paths]
    assert slacks == sorted(slacks) and result.metrics["worst_slack"] == slacks[0]
    saved = result.run_dir / "paths.json"
    assert len(json.loads(saved.read_text())) == 3


@pytest.mark.parametrize("folder", ["lib[1]", "my libs", "a{b}"])
def test_a_liberty_path_tcl_would_take_apart_is_still_read(tmp_path: Path, folder: str) -> None:
    """OpenSTA's read_liberty splits its argument as a Tcl list: such a file is copied under a plain name."""
    lib = tmp_path / folder / "cells.lib"
    lib.parent.mkdir()
    shutil.copy(LIB018, lib)
    root = tiny(tmp_path, sdc=(GOLDEN / "tiny.sdc").read_text())
    plat = Platform(name="odd", kind="liberty", liberty=(lib,))
    result = OpenSTA(load_design(root), netlist=root / "rtl" / "tiny.v", top="tiny", platform=plat,
                     ports=PORTS).start()
    assert not result.metrics["nothing_to_time"] and result.metrics["worst_slack"] is not None
    script = (result.run_dir / "timing.tcl").read_text()
    assert f"read_liberty {result.run_dir / 'liberty0.lib'}" in script


def test_an_error_line_without_a_location_fails_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenSTA prints `Error: cannot read file …` and goes on to "time" nothing: that is a failure."""
    from chipchat.steps import opensta

    monkeypatch.setattr(opensta, "_plain_path", lambda path, run, n: path)  # as before the fix
    lib = tmp_path / "lib[1]" / "cells.lib"
    lib.parent.mkdir()
    shutil.copy(LIB018, lib)
    root = tiny(tmp_path, sdc=(GOLDEN / "tiny.sdc").read_text())
    plat = Platform(name="odd", kind="liberty", liberty=(lib,))
    with pytest.raises(ParseError, match="OpenSTA cannot read the liberty file: cannot read file"):
        OpenSTA(load_design(root), netlist=root / "rtl" / "tiny.v", top="tiny", platform=plat, ports=PORTS).start()
