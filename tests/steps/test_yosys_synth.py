"""The Yosys synthesis step: its script as data, real synthesis with and without repair, errors, caching."""

from __future__ import annotations

import json
import os
import textwrap
import time
from pathlib import Path

import pytest

from chipchat.errors import ConfigError, DesignError, ParseError, ToolTimeout
from chipchat.platforms import get_platform
from chipchat.rtl.load import load_design
from chipchat.steps.yosys_synth import YosysSynth, recipe_path

QFLOW = Path("/usr/share/qflow/tech")
LIB018 = QFLOW / "osu018" / "osu018_stdcells.lib"

COUNTER = """
    module top #(parameter W = 8) (
        input  wire         clk,
        input  wire         rst,
        input  wire         en,
        output reg  [W-1:0] q
    );
        always @(posedge clk) begin
            if (rst) q <= {W{1'b0}};
            else if (en) q <= q + 1'b1;
        end
    endmodule
"""

FANOUT = """
    module top (input wire clk, input wire sel, input wire [127:0] d, output reg [127:0] q);
        reg sel_q;                        // one register steers 128 others
        always @(posedge clk) begin
            sel_q <= sel;
            q <= sel_q ? d : ~q;
        end
    endmodule
"""


def make(tmp_path: Path, rtl: str, toml_extra: str = "", name: str = "d") -> Path:
    folder = tmp_path / name
    (folder / "rtl").mkdir(parents=True)
    (folder / "rtl" / "top.v").write_text(textwrap.dedent(rtl).lstrip())
    (folder / "chipchat.toml").write_text(
        '[design]\nname = "d"\ntop = "top"\nsources = ["rtl/*.v"]\n' + textwrap.dedent(toml_extra)
        + '\n[[clocks]]\nport = "clk"\nperiod_ns = 5.0\n')
    return folder


def test_script_is_data(tmp_path: Path) -> None:
    folder = make(tmp_path, COUNTER, 'parameters = { W = 4 }\ndefines = { FAST = "1" }\ninclude_dirs = ["inc"]\n')
    (folder / "inc").mkdir()
    design = load_design(folder)
    step = YosysSynth(design, platform="osu018", clock_period_ns=4.0)
    script = step.script()
    body = [ln for ln in script.splitlines() if ln and not ln.startswith("#")]
    src = folder / "rtl" / "top.v"
    assert body == [
        f'read_liberty -lib "{LIB018}"',
        f'read_verilog -defer -sv -Iinc0 -DFAST=1 "{src}"',
        "hierarchy -check -top top -chparam W 4",
        "synth -top top -run :fine",
        "flatten",
        "synth -top top -run fine:check -noabc",
        f'dfflibmap -liberty "{LIB018}"',
        f'abc -liberty "{LIB018}" -constr abc.constr -D 4000',
        "setundef -zero",
        "opt_clean",
        "rename -enumerate",
        "tee -q -o stat.json stat -json",
        "write_verilog -noexpr -noattr netlist.v",
        "write_json netlist.json",
    ]
    assert step.argv("/usr/bin/yosys") == ["/usr/bin/yosys", "-q", "-l", "yosys_full.log", "-s", "synth.ys"]
    assert step.abc_constr() == "set_driving_cell BUFX2\nset_load 0.02\n"
    plain = YosysSynth(design, platform="osu018", repair="none")
    assert plain.abc_command([f'"{LIB018}"']) == f'abc -liberty "{LIB018}"'
    assert not any("-purge" in ln for ln in recipe_path().read_text().splitlines() if not ln.startswith("#"))


def test_bad_options_are_rejected(tmp_path: Path) -> None:
    design = load_design(make(tmp_path, COUNTER))
    with pytest.raises(ConfigError, match="unknown repair"):
        YosysSynth(design, repair="magic")
    with pytest.raises(ConfigError, match="unknown option"):
        YosysSynth(design, effort="max")
    with pytest.raises(ConfigError, match="positive"):
        YosysSynth(design, clock_period_ns=0)
    weird = tmp_path / 'we"ird'
    weird.mkdir()
    (weird / "x.v").write_text("module top(); endmodule\n")
    design.sources = [weird / "x.v"]
    with pytest.raises(ConfigError, match="quote"):
        YosysSynth(design).script()


def test_real_synthesis_metrics_and_cache(tmp_path: Path) -> None:
    folder = make(tmp_path, COUNTER)
    design = load_design(folder)
    first = YosysSynth(design, clock_period_ns=5.0).start()
    assert not first.cached
    m = first.metrics
    assert m["flops"] == 8 and m["cells"] > 8 and m["area"] > 0 and m["repair"] == "abc"
    netlist = first.artifacts["netlist_v"].read_text()
    assert "DFFPOSX1" in netlist and "module top" in netlist
    data = json.loads(first.artifacts["netlist_json"].read_text())
    names = data["modules"]["top"]["netnames"]
    assert "q" in names and "src" in names["q"]["attributes"]  # RTL names and locations survive
    cells = data["modules"]["top"]["cells"]
    assert all(name.startswith("_") for name in cells)  # same enumerated names as netlist.v
    assert all(f"{name} (" in netlist for name in list(cells)[:5])
    again = YosysSynth(design, clock_period_ns=5.0).start()
    assert again.cached and again.run_dir == first.run_dir
    (folder / "rtl" / "top.v").write_text((folder / "rtl" / "top.v").read_text().replace("q + 1'b1", "q + 2'd2"))
    changed = YosysSynth(design, clock_period_ns=5.0).start()
    assert not changed.cached and changed.run_dir != first.run_dir


def test_buffering_and_sizing_cut_the_fanout(tmp_path: Path) -> None:
    design = load_design(make(tmp_path, FANOUT))
    plain = YosysSynth(design, clock_period_ns=5.0, repair="none").start().metrics
    repaired = YosysSynth(design, clock_period_ns=5.0, repair="abc").start().metrics
    assert plain["max_fanout"] >= 128 and plain["buffers"] == 0 and plain["repair"] == "none"
    assert repaired["max_fanout"] <= 16 and repaired["buffers"] > 0
    assert "buffer" in repaired["repair_note"] and "no buffering" in plain["repair_note"]


def test_rtl_that_does_not_synthesize_is_located(tmp_path: Path) -> None:
    folder = make(tmp_path, "module top(input a, output b);\n  assign b = a &;\nendmodule\n")
    with pytest.raises(ParseError) as err:
        YosysSynth(load_design(folder)).start()
    assert err.value.file == "rtl/top.v" and err.value.line == 2 and "syntax error" in str(err.value)


def test_missing_module_points_at_the_instance(tmp_path: Path) -> None:
    folder = make(tmp_path, "module top(input clk, input a, output b);\n  assign b = a;\n  nosuch u_x (.a(a));\n"
                            "endmodule\n")
    with pytest.raises(ParseError) as err:
        YosysSynth(load_design(folder)).start()
    assert err.value.file == "rtl/top.v" and err.value.line == 3 and "nosuch" in str(err.value)


def test_wrong_top_is_a_design_error(tmp_path: Path) -> None:
    design = load_design(make(tmp_path, COUNTER))
    design.top = "nothere"
    with pytest.raises(DesignError, match="nothere"):
        YosysSynth(design).start()


def test_pad_cells_are_never_used(tmp_path: Path) -> None:
    design = load_design(make(tmp_path, FANOUT))
    result = YosysSynth(design, platform="osu050", clock_period_ns=20.0).start()
    types = set(result.metrics["cell_types"])
    assert types and not any(t.startswith("PAD") for t in types)
    assert get_platform("osu050").liberty[0].name == "osu05_stdcells.lib"
    assert (result.run_dir / "dont_use_osu05_stdcells.lib").exists()


def sleeper(tmp_path: Path, version_flag: str, version: str) -> tuple[Path, Path]:
    pid_file = tmp_path / "pid"
    script = tmp_path / "hung-tool"
    script.write_text(f'#!/bin/sh\nif [ "$1" = "{version_flag}" ]; then echo "{version}"; exit 0; fi\n'
                      f'echo $$ > "{pid_file}"\nexec sleep 300\n')
    script.chmod(0o755)
    return script, pid_file


def assert_killed(pid_file: Path) -> None:
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail(f"the hung tool (pid {pid}) is still running")


def test_a_hung_yosys_is_killed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script, pid_file = sleeper(tmp_path, "-V", "Yosys 0.23 (hung test double)")
    monkeypatch.setenv("CHIPCHAT_YOSYS", str(script))
    design = load_design(make(tmp_path, COUNTER))
    with pytest.raises(ToolTimeout) as err:
        YosysSynth(design, timeout_s=1.0).start()
    assert err.value.timeout_s == 1.0 and "yosys" in str(err.value)
    assert_killed(pid_file)


def test_an_include_folder_and_a_tab_in_a_define(tmp_path: Path) -> None:
    """Includes by path (common_cells' `include "common_cells/registers.svh"`) reach Yosys; a define whose value
    holds whitespace cannot split into a second file name on Yosys's command line."""
    folder = make(tmp_path, '`include "lib/regs.svh"\nmodule top(input clk, input d, output reg q);\n'
                            "  `REG(q, d)\nendmodule\n", 'include_dirs = ["inc"]\n')
    (folder / "inc" / "lib").mkdir(parents=True)
    (folder / "inc" / "lib" / "regs.svh").write_text("`define REG(q, d) always @(posedge clk) q <= d;\n")
    result = YosysSynth(load_design(folder), clock_period_ns=5.0).start()
    assert result.metrics["flops"] == 1
    design = load_design(folder)
    design.defines = {"WIDTH": "8\t/etc/passwd"}
    with pytest.raises(ConfigError, match="without spaces, tabs"):
        YosysSynth(design).script()


ALIASED = """\
    module top(input clk, input [3:0] a, output reg [7:0] y, output [7:0] z);
        wire [7:0] imm = {{4{a[3]}}, a};
        always @(posedge clk) y <= imm;
        assign z = {imm[7:4], 4'b0000};
    endmodule
"""


def test_the_netlist_opensta_reads_has_one_net_on_the_left_of_every_assign(tmp_path: Path) -> None:
    folder = make(tmp_path, ALIASED)
    result = YosysSynth(load_design(folder), clock_period_ns=5.0).start()
    netlist = result.artifacts["netlist_v"].read_text()
    assert "assign {" not in netlist
    from chipchat.steps.opensta import OpenSTA

    sta = OpenSTA(load_design(folder), netlist=result.artifacts["netlist_v"], top="top",
                  ports={"inputs": ["clk", "a"], "outputs": ["y", "z"]}).start()
    assert sta.metrics.get("endpoints", 0) > 0
