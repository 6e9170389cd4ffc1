"""The closure loop on real tools: candidates from the worst path, budgets, limits, bad input."""

from __future__ import annotations

import textwrap
import threading
from pathlib import Path

import pytest

from chipchat.closure.api import close_timing
from chipchat.closure.candidates import suggest
from chipchat.closure.checks import combinational_loop
from chipchat.closure.limits import clock_answer, documented_claims
from chipchat.edit.context import Context
from chipchat.errors import ConfigError, DesignError
from chipchat.rtl.load import load_design, load_model
from chipchat.timing.api import run_timing


def write(tmp_path: Path, name: str, rtl: str, period: float = 1.0, extra: str = "") -> Path:
    root = tmp_path / name
    (root / "rtl").mkdir(parents=True)
    (root / "rtl" / f"{name}.v").write_text(textwrap.dedent(rtl).lstrip())
    (root / "chipchat.toml").write_text(f'[design]\ntop = "{name}"\nsources = ["rtl/*.v"]\n{extra}\n[[clocks]]\n'
                                        f'port = "clk"\nperiod_ns = {period}\n')
    return root


def test_candidates_come_from_the_statements_on_the_worst_path(design_copy) -> None:
    root = design_copy("mac16")
    run = run_timing(root, clock_period_ns=4.0)
    sugg = suggest(Context.load(load_design(root)), run.explanations[0])
    requests = [c.request for c in sugg.candidates]
    assert "pipeline product" in requests and "split product into 2 stages" in requests
    assert "use carry-save accumulation for acc with 1 stages" in requests and "register the inputs" in requests
    assert all(c.plan is not None for c in sugg.candidates)
    fixes = {c.fix for c in sugg.candidates}
    assert {"pipeline", "retime", "restructure", "input_delay"} <= fixes  # each maps to a ranked fix kind


def test_what_clock_it_meets_is_one_number_with_its_stage(design_copy) -> None:
    root = design_copy("mac16")
    run = run_timing(root, clock_period_ns=4.0)
    answer = clock_answer(run, 4.0)
    assert answer["stage"] == "synthesis" and answer["synthesis_ns"] == pytest.approx(4.0 - run.results.worst_slack)
    assert answer["sentence"].startswith(f"**{answer['synthesis_ns']:.2f} ns")
    placed = clock_answer(run, 4.0, placed={"worst_slack": run.results.worst_slack - 0.3, "backend": "graywolf"})
    assert placed["stage"] == "placed" and placed["placed_ns"] == pytest.approx(answer["synthesis_ns"] + 0.3)
    # the SDC's comment and the spec state a WNS this flow does not measure: both are pointed out
    claims = documented_claims(load_design(root), 4.0, run)
    assert any(c.startswith("constraints.sdc:") and "-3.251" in c for c in claims)
    assert any(c.startswith("spec.md:") and "WNS ≈ −3.25 ns" in c for c in claims)
    assert any('"first meets it at about 7.3 ns"' in c and "it meets 6.78 ns" in c for c in claims)


def test_what_clock_can_it_meet_is_its_own_answer(design_copy) -> None:
    from chipchat.closure.api import what_clock

    limit = what_clock(design_copy("mac16"))
    assert limit.period_ns == 4.0 and limit.synthesis_ns == pytest.approx(6.778, abs=0.01) and limit.placed_ns is None
    text = limit.answer().text
    assert text.startswith("**What clock can mac16 meet?** **6.78 ns (148 MHz) after synthesis**")
    assert "why other numbers differ" in text and text.count("⚠") == 3


def test_budget_zero_tries_nothing_and_says_so(design_copy) -> None:
    root = design_copy("mac16")
    result = close_timing(root, 4.0, max_candidates=0, place=False)
    assert result.attempts == [] and result.stop == "budget" and not result.closed
    text = result.answer().text
    assert "does not meet 4 ns yet" in text and "the budget ran out" in text
    assert "relax the clock to 6.78 ns" in text  # the limit, with its number
    with pytest.raises(ConfigError, match="negative"):
        close_timing(root, 4.0, max_candidates=-1)


def test_an_unreachable_period_stops_with_the_limit(design_copy) -> None:
    result = close_timing(design_copy("mac16"), 0.5, max_candidates=4, iterations=2, place=False, propose=False)
    assert not result.closed and result.stop in ("budget", "no improvement", "nothing applies", "iterations")
    assert len(result.attempts) <= 4 and result.seconds < 300
    assert any("best reached" in s for s in result.limit) and any("what is left" in s for s in result.limit)


def test_mac16_meets_4ns_after_synthesis_by_carry_save_accumulation(design_copy) -> None:
    result = close_timing(design_copy("mac16"), 4.0, max_candidates=8, place=False, propose=False)
    assert result.closed and result.best["worst_slack"] >= 0
    assert any(r.startswith("use carry-save accumulation for acc") for r in result.best["requests"])
    kept = [a for a in result.attempts if a.kept]
    assert kept and all(a.outcome.equivalent for a in kept)
    assert "**mac16 meets 4 ns**" in result.answer().text


def test_a_combinational_loop_is_refused_with_its_lines(tmp_path: Path) -> None:
    root = write(tmp_path, "comb", """
        module comb(input clk, input [7:0] a, input sel, output reg [7:0] q);
          wire [7:0] x, y;
          assign x = sel ? a : y + 8'd1;
          assign y = x ^ a;
          always @(posedge clk) q <= x;
        endmodule
        """)
    design = load_design(root)
    assert combinational_loop(design, load_model(design)) == ["`y` (rtl/comb.v:4)", "`x` (rtl/comb.v:3)"]
    with pytest.raises(DesignError, match="combinational loop: `y` .rtl/comb.v:4. → `x`"):
        close_timing(root, max_candidates=2, place=False)


def test_a_black_box_on_the_path_is_named(tmp_path: Path) -> None:
    root = write(tmp_path, "bb", """
        module bb(input clk, input [15:0] a, b, output reg [31:0] q);
          wire [31:0] p;
          mystery_mult u_mult (.x(a), .y(b), .p(p));
          always @(posedge clk) q <= p + q;
        endmodule
        (* blackbox *)
        module mystery_mult(input [15:0] x, input [15:0] y, output [31:0] p);
        endmodule
        """)
    result = close_timing(root, max_candidates=2, iterations=1, place=False, propose=False)
    assert any("`u_mult` (mystery_mult, rtl/bb.v:3) is a black box" in n for n in result.notes)
    assert "is a black box" in result.answer().text


def test_a_design_without_tests_is_checked_by_equivalence_only(design_copy) -> None:
    root = design_copy("mac16")
    toml = (root / "chipchat.toml").read_text()
    (root / "chipchat.toml").write_text(toml.split("[tests]")[0])
    result = close_timing(root, 4.0, max_candidates=8, iterations=1, place=False)
    assert result.closed and result.proposal["id"]
    assert "no tests" in result.testbench["note"] and "comparison with the original only" in result.testbench["note"]


def test_a_design_edited_while_the_loop_runs_is_stale_and_nothing_is_proposed(design_copy) -> None:
    root = design_copy("mac16")
    source = root / "rtl" / "mac16.v"

    def progress(stage: str) -> None:
        if stage.startswith("iteration 1: evaluating"):
            source.write_text(source.read_text() + "\n// edited by the user\n")

    result = close_timing(root, 4.0, max_candidates=3, place=False, progress=progress)
    assert result.stop == "stale" and result.stale == ["rtl/mac16.v"]
    assert result.proposal == {} and not (root / ".chipchat" / "proposals").exists()
    assert result.answer().text.startswith("**Refused: rtl/mac16.v changed while the closure loop ran**")


def test_no_clock_is_a_clear_error(tmp_path: Path) -> None:
    root = tmp_path / "noclk"
    (root / "rtl").mkdir(parents=True)
    (root / "rtl" / "x.v").write_text("module x(input a, output y); assign y = a; endmodule\n")
    (root / "chipchat.toml").write_text('[design]\ntop = "x"\nsources = ["rtl/*.v"]\n')
    with pytest.raises(ConfigError, match="no clock to close timing against"):
        close_timing(root)


def test_close_timing_is_an_agent_tool() -> None:
    from chipchat.agent.tools import TOOLS

    spec = TOOLS["close_timing"]
    assert spec.fn is close_timing and "progress" in spec.hide
    assert threading.current_thread() is threading.main_thread()
