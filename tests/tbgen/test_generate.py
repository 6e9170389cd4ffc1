"""Generated testbenches run on the real RTL: acceptance, disagreements with evidence, grading, bad input, CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chipchat.errors import ConfigError
from chipchat.tbgen.api import generate, generate_testbench

REPO = Path(__file__).resolve().parents[2]


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".chipchat" not in p.parts and "__pycache__" not in p.parts}


def test_uart_tx_testbench_from_its_spec_runs_and_is_graded(design_copy) -> None:
    uart = design_copy("uart_tx")
    tests = uart.parent.parent / "verification" / "uart_tx"
    before = snapshot(tests)
    answer = generate_testbench(uart, str(uart / "spec.md"), max_mutants=4, jobs=2)
    data = answer.data
    gen = Path(data["file"])
    assert gen.name == "test_uart_tx_gen.py" and gen.parent.parent == uart / ".chipchat" / "tbgen"
    assert data["runs"]["icarus"]["ok"] and not data["disagreements"]
    assert data["model"]["kind"] == "serial-frame"
    assert {"test_reset_values", "test_frames_sampled_mid_bit", "test_random"} <= set(data["tests"])
    mutation = data["mutation"]
    assert mutation["mutants"] == 4 and mutation["valid"] >= 3 and mutation["killed"] >= 3
    assert mutation["counts"]["error"] == 0 and mutation["counts"]["unavailable"] == 0
    blocks = [u for u in data["not_used"] if not u["what"].startswith("paragraph")]
    assert {u["where"] for u in blocks} == {"spec.md:39", "spec.md:103", "spec.md:75"}
    prose = [u for u in data["not_used"] if u["what"].startswith("paragraph")]
    assert prose and all(u["reason"].startswith("prose no reader understands") for u in prose)
    assert "Mutation score of the generated tests" in answer.text and f"Not used ({len(data['not_used'])})" in answer.text
    assert snapshot(tests) == before  # never written into the user's verification folder


def test_a_spec_rtl_disagreement_is_reported_with_evidence(design_copy) -> None:
    mac = design_copy("mac16")
    spec = mac / "spec.md"
    text = spec.read_text()
    wrong = text.replace("| 2 | 0 | 1 | 0 | 5 | 6 | 42 | 1 |", "| 2 | 0 | 1 | 0 | 5 | 6 | 43 | 1 |")
    wrong = wrong.replace("| valid_out | output | 1 |", "| valid_out | output | 1 |\n| overflow | output | 1 | set on wrap |\n"
                          "| valid_out_copy | output | 1 | the same |", 1)
    assert wrong != text
    spec.write_text(wrong)
    result = generate(mac, grade=False)
    table = [d for d in result.disagreements if d.test == "test_table_example_sequence"]
    assert len(table) == 1, [d.to_json() for d in result.disagreements]
    d = table[0]
    assert d.kind == "spec-vs-rtl" and d.simulator == "icarus"
    assert d.source.startswith("spec.md:68 table 'Example sequence' cycle 2")  # 2 port rows were added above
    assert (d.expected, d.observed) == ("acc = 43 (0x2b)", "42 (0x2a)")
    log, line, text_at = d.log.split(":", 2)
    assert Path(log).is_file() and "spec expects 43" in Path(log).read_text().splitlines()[int(line) - 1]
    static = {x.test for x in result.disagreements if x.kind == "static"}
    assert static == {"port overflow", "port valid_out_copy"}
    # the other generated tests still pass: one wrong row does not hide them
    run = result.runs["icarus"]
    assert sum(t["status"] == "pass" for t in run["tests"]) == len(run["tests"]) - 1
    md = generate_testbench(mac, grade=False).text
    assert "Disagreements between the spec and the RTL" in md and "spec.md:68" in md


def test_amaranth_design_from_its_opcode_table(design_copy) -> None:
    result = generate(design_copy("alu8"), grade=False)
    assert result.model["kind"] == "next-state-table" and result.runs["icarus"]["ok"]
    assert {"test_table_truth_table_examples", "test_table_timing_example", "test_table_rows"} <= set(result.tests)


def test_fifo_rules_and_out_folder(design_copy, tmp_path: Path) -> None:
    fifo = design_copy("fifo")
    result = generate(fifo, grade=False, out=tmp_path / "mine")
    assert result.model["kind"] == "fifo-queue" and result.runs["icarus"]["ok"], result.runs["icarus"]["summary"]
    assert (tmp_path / "mine" / "test_fifo_gen.py").read_text() == Path(result.file).read_text()
    rules = {r["line"]: r for r in result.to_json()["extracted"]["rules"]}
    assert rules[71]["used_by"][0] == "reference model (FIFO queue)"
    assert rules[71]["used_by"][1].startswith("test_rule_line_71 (checks part of it; not ports: mem, wr_ptr")
    assert rules[79]["reason"].startswith("condition is prose")


def test_a_spec_with_no_usable_structure(design_copy, tmp_path: Path) -> None:
    mac = design_copy("mac16")
    prose = tmp_path / "notes.md"
    prose.write_text("# mac16\n\nIt multiplies things and adds them up. Ask Bob for details.\n")
    answer = generate_testbench(mac, str(prose))
    data = answer.data
    assert not data["usable"] and data["file"] == "" and not data["tests"]
    assert data["looked_for"] and "When <condition>, then <effect>." in " ".join(data["looked_for"])
    assert "No testbench generated" in answer.text and "CHIPCHAT_LLM_BASE_URL" in answer.text
    assert "what each output does" in answer.text
    assert not (mac / ".chipchat" / "tbgen").exists() or not list((mac / ".chipchat" / "tbgen").rglob("*.py"))


def test_bad_spec_arguments(design_copy, tmp_path: Path) -> None:
    mac = design_copy("mac16")
    with pytest.raises(ConfigError, match="does not exist"):
        generate(mac, str(tmp_path / "missing.md"))
    binary = tmp_path / "spec.md"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="not UTF-8"):
        generate(mac, str(binary))


def test_cli_acceptance_command(design_copy) -> None:
    uart = design_copy("uart_tx")
    done = subprocess.run([sys.executable, "-m", "chipchat", "tbgen", str(uart), "--spec", str(uart / "spec.md"),
                           "--no-grade", "--json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)["data"]
    assert data["runs"]["icarus"]["ok"] and data["mutation"] is None
    bad = subprocess.run([sys.executable, "-m", "chipchat", "tbgen", str(uart), "--spec", "nope.md"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "spec file nope.md does not exist" in bad.stderr


@pytest.mark.slow
@pytest.mark.xdist_group("verilator")
def test_generated_testbench_runs_on_both_simulators(design_copy) -> None:
    result = generate(design_copy("fifo"), simulator="icarus,verilator", grade=False)
    assert result.runs["icarus"]["ok"] and result.runs["verilator"]["ok"], result.runs["verilator"]["summary"]
    assert not result.disagreements


MAJ3_RTL = """module maj3 (
    input  wire clk,
    input  wire rst,
    input  wire a,
    input  wire b,
    input  wire c,
    output reg  y
);
    always @(posedge clk) begin
        if (rst) y <= 1'b0;
        else     y <= (a & b) | (a & c) | (b & c);
    end
endmodule
"""

MAJ3_SPEC = """# maj3 — registered majority vote

## Ports

| port | direction | width | description |
|------|-----------|-------|-------------|
| clk | input | 1 | Clock; rising edge. |
| rst | input | 1 | Synchronous reset, active high. |
| a | input | 1 | First vote. |
| b | input | 1 | Second vote. |
| c | input | 1 | Third vote. |
| y | output | 1 | Registered majority of the votes. |

## Reset values

| register / output | reset value |
|-------------------|-------------|
| y | 0 |

## Karnaugh map of `y` after the rising edge

| a\\\\bc | 00 | 01 | 11 | 10 |
|-------|----|----|----|----|
| 0 | 0 | 0 | 1 | 0 |
| 1 | 0 | 1 | 1 | 1 |

## Registers

| address | name | access | description |
|---------|------|--------|-------------|
| 0x0 | CTRL | rw | not on this block |
"""


def test_karnaugh_map_and_register_map(tmp_path: Path) -> None:
    design = tmp_path / "maj3"
    (design / "rtl").mkdir(parents=True)
    (design / "rtl" / "maj3.v").write_text(MAJ3_RTL)
    (design / "spec.md").write_text(MAJ3_SPEC)
    result = generate(design, max_mutants=0, jobs=2)
    kmap = next(t for t in result.spec.tables if t.kind == "kmap")
    assert kmap.header == ["a", "b", "c", "y"] and len(kmap.rows) == 8
    assert kmap.used_by == ["test_table_karnaugh_map_of_y_after_the_rising_edge"]
    assert result.runs["icarus"]["ok"] and not result.disagreements
    regs = next(t for t in result.spec.tables if t.kind == "register-map")
    assert not regs.used_by and "bus protocol" in regs.reason
    mutation = result.mutation
    assert mutation is not None and mutation["valid"] >= 4 and mutation["score"] >= 0.8, mutation["markdown"]
    assert mutation["counts"]["error"] == 0, mutation["markdown"]
