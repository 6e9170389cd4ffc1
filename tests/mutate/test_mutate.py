"""Mutation runs with real simulators: score, survivors, hangs, invalid mutants, bad input, CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chipchat.errors import ConfigError, DesignError
from chipchat.mutate.api import find_mutants, mutate

WEAK_TEST = '''
import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge


@cocotb.test()
async def test_only_reset(dut):
    """Checks nothing but the flags after reset: most bugs get through."""
    dut.rst.value = 1
    dut.wr_en.value = 0
    dut.rd_en.value = 0
    dut.din.value = 0
    Clock(dut.clk, 10, unit="ns").start()
    for _ in range(3):
        await FallingEdge(dut.clk)
    assert int(dut.empty.value) == 1, f"empty = {int(dut.empty.value)} after reset"
'''

HANG_RTL = """module osc (
    input  wire       clk,
    input  wire       rst,
    input  wire       go,
    output reg  [3:0] n
);
    wire loop_en = go & 1'b0;           // the mutant 1'b1 turns `spin` into a zero-delay loop
    wire spin = loop_en ? ~spin : 1'b0;
    always @(posedge clk) begin
        if (rst) n <= 4'd0;
        else     n <= n + {3'd0, go} + {3'd0, spin};
    end
endmodule
"""

HANG_TEST = '''
import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge


@cocotb.test()
async def test_counts(dut):
    dut.rst.value = 1
    dut.go.value = 0
    Clock(dut.clk, 10, unit="ns").start()
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    dut.go.value = 1
    for i in range(1, 6):
        await FallingEdge(dut.clk)
        assert int(dut.n.value) == i
'''


def test_score_and_surviving_mutants_of_a_weak_test(design_copy, tmp_path: Path) -> None:
    fifo = design_copy("fifo")
    weak = tmp_path / "weak" / "test_weak.py"
    weak.parent.mkdir()
    weak.write_text(WEAK_TEST)
    answer = mutate(fifo, tests=weak, max_mutants=6, jobs=2, seed=3).answer()
    data = answer.data
    assert data["mutants"] == 6 and data["candidates"] > 50
    assert data["valid"] == data["killed"] + data["counts"]["survived"]
    assert data["counts"]["error"] == 0 and data["counts"]["unavailable"] == 0
    survivors = [r for r in data["results"] if r["status"] == "survived"]
    assert survivors, "a test that only checks reset lets bugs through"
    assert 0 < data["killed"] < data["valid"] and data["score"] == round(data["killed"] / data["valid"], 4)
    for r in survivors:  # each survivor is cited at its file:line with the mutated line shown
        m = r["mutant"]
        assert any(c.file == "rtl/fifo.v" and c.line == m["line"] for c in answer.citations)
        assert m["mutated"].strip() in answer.text.replace("\\|", "|")
    killed = [r for r in data["results"] if r["status"] == "killed"]
    assert all(r["killed_by"] == "test_weak.test_only_reset" for r in killed)
    md = Path(answer.artifacts["markdown"]).read_text()
    assert "### Surviving mutants (bugs the tests miss)" in md
    assert json.loads(Path(answer.artifacts["json"]).read_text())["score"] == data["score"]
    assert not (fifo / ".chipchat" / "sandboxes").exists() or not any((fifo / ".chipchat" / "sandboxes").iterdir())
    assert (fifo / "rtl" / "fifo.v").read_text() == (Path(__file__).parents[2] / "designs/fifo/rtl/fifo.v").read_text()


def test_first_failure_stops_the_mutant(design_copy) -> None:
    report = mutate(design_copy("fifo"), max_mutants=3, jobs=2, operators="stuck-assignment")
    for r in report.results:
        assert r.status == "killed"
        assert r.tests_run == r.tests_passed + 1  # the rest were not run
    assert report.score == 1.0


def test_a_mutant_that_hangs_the_simulator_is_a_timeout_counted_as_killed(tmp_path: Path) -> None:
    design = tmp_path / "osc"
    (design / "rtl").mkdir(parents=True)
    (design / "tests").mkdir()
    (design / "rtl" / "osc.v").write_text(HANG_RTL)
    (design / "tests" / "test_osc.py").write_text(HANG_TEST)
    mutants, _ = find_mutants(design, max_mutants=0, operators="constant-flip")
    pick = [next(m.id for m in mutants if m.line == 7), next(m.id for m in mutants if m.line == 10)]
    report = mutate(design, max_mutants=0, jobs=2, operators="constant-flip", timeout_s=4, only=pick)
    assert len(report.results) == 2
    hang = next(r for r in report.results if r.mutant.line == 7)
    assert hang.mutant.description == "`1'b0` → `1'b1`"
    assert hang.status == "timeout" and hang.killed
    assert "killed" in hang.message and hang.killed_by.endswith("test_counts")
    assert report.killed >= 1 and report.to_json()["counts"]["timeout"] >= 1
    md = report.markdown()
    assert "### Killed by a timeout (the mutant hung the simulation)" in md and "rtl/osc.v:7" in md


def test_a_design_that_does_not_build_is_an_error_not_a_score(tmp_path: Path) -> None:
    design = tmp_path / "osc"
    (design / "rtl").mkdir(parents=True)
    (design / "tests").mkdir()
    (design / "rtl" / "osc.v").write_text(HANG_RTL.replace("n <= 4'd0;", "n <= 4'd0"))
    (design / "tests" / "test_osc.py").write_text(HANG_TEST)
    with pytest.raises(DesignError, match="does not build for icarus"):
        mutate(design, max_mutants=2, operators="constant-flip")


def test_amaranth_mutants_are_python_edits_re_elaborated(design_copy) -> None:
    alu8 = design_copy("alu8")
    mutants, _ = find_mutants(alu8, max_mutants=0, operators="constant-flip")
    index_9 = next(m.id for m in mutants if m.line == 75 and m.description == "`8` → `9`" and "total[9]" in m.mutated)
    shift_2 = next(m.id for m in mutants if m.line == 85 and "self.a << 2" in m.mutated)
    report = mutate(alu8, max_mutants=0, jobs=2, operators="constant-flip", only=[index_9, shift_2])
    assert report.language == "amaranth"
    by_id = {r.mutant.id: r for r in report.results}
    assert by_id[index_9].status == "invalid" and "Amaranth elaboration failed" in by_id[index_9].message
    assert "rtl/alu8.py:75" in by_id[index_9].message  # the Python line, not a sandbox path
    assert by_id[shift_2].status == "killed" and by_id[shift_2].mutant.where == "rtl/alu8.py:85"
    assert report.valid == 1 and report.score == 1.0
    assert "lines are Python lines" in report.markdown()


def test_a_design_without_tests_says_how_to_add_them(tmp_path: Path) -> None:
    design = tmp_path / "bare"
    (design / "rtl").mkdir(parents=True)
    (design / "rtl" / "osc.v").write_text(HANG_RTL)
    with pytest.raises(DesignError) as err:
        mutate(design)
    text = str(err.value)
    assert "has no tests" in text and "chipchat tbgen" in text and "[tests] dir" in text


def test_bad_options(design_copy) -> None:
    fifo = design_copy("fifo")
    with pytest.raises(ConfigError, match="known operators: operator-swap"):
        mutate(fifo, operators="flip-everything")
    with pytest.raises(ConfigError, match="unknown simulator 'modelsim'"):
        mutate(fifo, simulator="modelsim")
    with pytest.raises(ConfigError, match="neither a cocotb test file"):
        mutate(fifo, tests=str(fifo / "spec.md"))


def test_cli(design_copy) -> None:
    fifo = design_copy("mac16")
    cmd = [sys.executable, "-m", "chipchat", "mutate", str(fifo)]
    listed = subprocess.run([*cmd, "--list", "--max", "5", "--json"], capture_output=True, text=True, check=True)
    assert len(json.loads(listed.stdout)["data"]["mutants"]) == 5
    done = subprocess.run([*cmd, "--max", "2", "--json", "-j", "2"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)["data"]
    assert data["mutants"] == 2 and data["score"] is not None
    assert "[2] m00" in done.stderr  # progress lines
    bad = subprocess.run([*cmd, "--operators", "nope"], capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown mutation operator 'nope'" in bad.stderr and "off-by-one" in bad.stderr


@pytest.mark.slow
def test_through_a_dask_cluster(design_copy) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", scheduler_port=0,
                      dashboard_address=None) as cluster:
        address = cluster.scheduler_address.removeprefix("tcp://")
        report = mutate(design_copy("mac16"), max_mutants=2, executor=f"dask://{address}")
    assert report.executor.startswith("dask://") and len(report.results) == 2
    assert all(r.status in ("killed", "survived") for r in report.results)


@pytest.mark.slow
@pytest.mark.xdist_group("verilator")
def test_verilator_builds_each_mutant(design_copy) -> None:
    report = mutate(design_copy("mac16"), simulator="verilator", max_mutants=0, jobs=2, operators="operator-swap")
    by_line = {r.mutant.line: r for r in report.results}
    assert report.simulator == "verilator" and set(by_line) == {28, 40}
    # a * b -> a + b is 16 bits wide where 32 are expected: Verilator's width warning makes it invalid
    assert by_line[28].status == "invalid" and "WIDTHEXPAND" in by_line[28].message
    assert by_line[40].status == "killed", by_line[40].message
    assert report.score == 1.0
