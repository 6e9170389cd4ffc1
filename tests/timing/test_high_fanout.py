"""High-fanout nets on a path: which stages are flagged, the fixes they earn, and how the answer shows them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chipchat.answer import Answer
from chipchat.formats.sta_report import TimingPath
from chipchat.timing.api import timing_report
from chipchat.timing.explain import HIGH_FANOUT, PathExplanation, Stage, _high_fanout, rank_fixes
from chipchat.timing.render import explanation_markdown
from chipchat.types import Span

FLOP = "rising edge-triggered flip-flop clocked by clk"


def stage(kind: str, delay: float, arrival: float, fanout: int | None = 2, net: str = "n") -> Stage:
    return Stage(pin=f"u{arrival}/Y", cell="NAND2X1", delay=delay, net=net, fanout=fanout, kind=kind,
                 arrival=arrival)


def explanation(stages: list[Stage], slack: float, start_span: Span | None = None) -> PathExplanation:
    arrival = stages[-1].arrival
    path = TimingPath("sel_reg", "q_reg", FLOP, FLOP, slack=slack, data_arrival=arrival)
    depth = sum(1 for s in stages if s.kind == "logic")
    return PathExplanation(path, "sel", "register", "q[0]", "register", start_span, None, stages, [], arrival, 0.2,
                           depth, _high_fanout(stages))


def test_slow_high_fanout_stages_are_flagged_and_fixed_by_their_extra_delay(tmp_path: Path) -> None:
    # launch of `sel` drives 40 loads and is slow; `big` drives 12 and is slow; `wide` drives 9 but is typical
    stages = [stage("launch", 1.5, 1.5, fanout=40, net="sel"), stage("logic", 0.3, 1.8),
              stage("logic", 0.8, 2.6, fanout=12, net="big"), stage("logic", 0.3, 2.9, fanout=9, net="wide"),
              stage("logic", 0.3, 3.2)]
    span = Span(str(tmp_path / "rtl" / "top.v"), 8, 8)
    exp = explanation(stages, slack=-1.0, start_span=span)
    assert [s.net for s in exp.high_fanout] == ["sel", "big"]  # fanout 9 at a typical 0.3 ns is no culprit

    fixes = rank_fixes(exp, period_ns=2.0)
    kinds = [f.kind for f in fixes]
    dup = next(f for f in fixes if f.kind == "duplicate")
    assert dup.title == "Duplicate the high-fanout register sel"
    assert dup.gain_ns == pytest.approx(1.5 - 0.3)  # its delay less the median logic stage
    assert "40 loads" in dup.detail and dup.evidence == "fanout 40 on the path"
    assert dup.span == span  # the fix points at the register to duplicate
    assert kinds[0] == "duplicate"  # the only design fix that closes the 1.0 ns deficit: ranked first
    red = next(f for f in fixes if f.kind == "restructure")
    assert red.title == "Reduce the fanout of big" and red.gain_ns == pytest.approx(0.8 - 0.3)
    # enough-to-fix first, then the clock change, then the rest by gain (retime 0.6 ns > restructure 0.5 ns)
    assert kinds == ["duplicate", "relax_clock", "retime", "restructure"]

    exp.fixes = fixes
    answer = Answer(text="")
    text = explanation_markdown(exp, answer, tmp_path)
    assert "High-fanout nets on the path: `sel` (fanout 40, 1.500 ns), `big` (fanout 12, 0.800 ns)" in text
    assert re.search(r"^1\. \*\*Duplicate the high-fanout register sel\*\* \(manual\) \[rtl/top\.v:8\]: .*"
                     r"expected gain ≈ 1\.20 ns \(slack ≈ \+0\.20 ns\)", text, re.M)
    assert any(c.file == "rtl/top.v" and c.line == 8 for c in answer.citations)


def test_fanout_alone_is_not_a_culprit_unless_it_is_very_high() -> None:
    typical = [stage("logic", 0.3, 0.6 + 0.3 * i) for i in range(4)]
    # a fast launch with fanout 31 (< 4 x HIGH_FANOUT) is not flagged; with fanout 32 it is, but costs nothing extra
    assert _high_fanout([stage("launch", 0.3, 0.3, fanout=4 * HIGH_FANOUT - 1, net="sel"), *typical]) == []
    flagged = [stage("launch", 0.3, 0.3, fanout=4 * HIGH_FANOUT, net="sel"), *typical]
    exp = explanation(flagged, slack=-0.5)
    assert [s.net for s in exp.high_fanout] == ["sel"]
    assert not any(f.kind in ("duplicate", "restructure") for f in rank_fixes(exp, period_ns=1.0))
    # below HIGH_FANOUT nothing is flagged, however slow the stage
    slow = [stage("launch", 2.0, 2.0, fanout=HIGH_FANOUT - 1, net="sel"), *typical]
    assert _high_fanout(slow) == []
    # a path that meets timing gets no fix, high fanout or not
    met = explanation([stage("launch", 1.5, 1.5, fanout=40, net="sel"), *typical], slack=0.1)
    assert met.high_fanout and rank_fixes(met, period_ns=5.0) == []


FANOUT_RTL = """
    module top (
        input  wire        clk,
        input  wire        s,
        input  wire [47:0] a,
        input  wire [47:0] b,
        output reg  [47:0] q
    );
        reg        sel;            // one register, many loads
        reg [47:0] a_q, b_q;
        always @(posedge clk) begin
            sel <= s;
            a_q <= a;
            b_q <= b;
            q   <= sel ? a_q : b_q;
        end
    endmodule
"""


def test_unbuffered_high_fanout_register_is_named_cited_and_duplicated(make_design) -> None:
    root = make_design("fanout", FANOUT_RTL, '[design]\ntop = "top"\nsources = ["rtl/*.v"]\n[[clocks]]\n'
                                             'port = "clk"\nperiod_ns = 0.8\n')
    answer = timing_report(str(root), repair="none")
    assert answer.data["metrics"]["repair"] == "none" and "No repair was done" in answer.text
    exp = answer.data["explanation"]
    assert exp["startpoint"] == "sel" and exp["slack"] < 0
    hf = exp["high_fanout"]
    assert hf and hf[0]["net"] == "sel" and hf[0]["fanout"] >= 48  # one load per bit of q, at least
    source = (root / "rtl" / "top.v").read_text().splitlines()
    decl = next(n for n, ln in enumerate(source, 1) if "reg        sel;" in ln)
    dup = exp["fixes"][0]  # closes the path on its own, so it is ranked first
    assert dup["kind"] == "duplicate" and dup["title"] == "Duplicate the high-fanout register sel"
    assert dup["gain_ns"] >= -exp["slack"] and dup["span"]["line"] == decl
    assert f"High-fanout nets on the path: `sel` (fanout {hf[0]['fanout']}," in answer.text
    assert f"**Duplicate the high-fanout register sel** (manual) [rtl/top.v:{decl}]" in answer.text
    assert any(c.file == "rtl/top.v" and c.line == decl for c in answer.citations)
