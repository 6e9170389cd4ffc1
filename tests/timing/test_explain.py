"""Path → RTL: netlist supports, statement choice across hierarchy, fix estimates."""

from __future__ import annotations

import re

import pytest

from chipchat.formats.src_attr import src_locations
from chipchat.formats.sta_report import TimingPath
from chipchat.formats.yosys_json import Netlist
from chipchat.timing.api import timing_report
from chipchat.timing.explain import PathExplanation, Stage, rank_fixes

HIER = """
    module mul (
        input  wire [7:0]  x,
        input  wire [7:0]  y,
        output wire [15:0] p
    );
        assign p = x * y;            // the product, in a submodule
    endmodule

    module top (
        input  wire        clk,
        input  wire [7:0]  a,
        input  wire [7:0]  b,
        output reg  [15:0] acc
    );
        reg  [7:0]  a_q, b_q;        // registered operands
        wire [15:0] prod;
        mul u_mul (.x(a_q), .y(b_q), .p(prod));
        always @(posedge clk) begin
            a_q <= a;
            b_q <= b;
            acc <= acc + prod;
        end
    endmodule
"""


def test_statements_are_found_through_the_hierarchy(make_design) -> None:
    root = make_design("hier", HIER, '[design]\ntop = "top"\nsources = ["rtl/*.v"]\n[[clocks]]\nport = "clk"\n'
                                     'period_ns = 2.0\n')
    answer = timing_report(str(root))
    exp = answer.data["explanation"]
    assert exp["slack"] < 0
    assert re.fullmatch(r"acc\[\d+\]", exp["endpoint"]) and exp["endpoint_kind"] == "register"
    assert re.fullmatch(r"[ab]_q\[\d+\]|acc\[\d+\]", exp["startpoint"]) and exp["startpoint_kind"] == "register"
    source = (root / "rtl" / "top.v").read_text().splitlines()
    mul_line = next(n for n, ln in enumerate(source, 1) if "assign p = x * y;" in ln)
    add_line = next(n for n, ln in enumerate(source, 1) if "acc <= acc + prod;" in ln)
    cited = {s["span"]["line"]: s["expression"] for s in exp["shares"] if s["span"]}
    assert cited.get(mul_line) == "x * y" and cited.get(add_line) == "acc + prod"
    assert any(f["kind"] == "retime" and f["title"].startswith("Retime") for f in exp["fixes"])


def test_support_follows_gates_back_to_registers_and_inputs() -> None:
    # a -> INV -> n1 ; (n1, q) -> NAND -> n2 -> DFF(q) ; q drives output y
    data = {"modules": {"t": {
        "attributes": {"top": 1},
        "ports": {"a": {"direction": "input", "bits": [2]}, "clk": {"direction": "input", "bits": [3]},
                  "y": {"direction": "output", "bits": [6]}},
        "cells": {
            "_1_": {"type": "INVX1", "port_directions": {"A": "input", "Y": "output"},
                    "connections": {"A": [2], "Y": [4]}},
            "_2_": {"type": "NAND2X1", "port_directions": {"A": "input", "B": "input", "Y": "output"},
                    "connections": {"A": [4], "B": [6], "Y": [5]}},
            "_3_": {"type": "DFFPOSX1", "port_directions": {"CLK": "input", "D": "input", "Q": "output"},
                    "connections": {"CLK": [3], "D": [5], "Q": [6]}, "attributes": {"src": "t.v:5.3-7.6"}},
        },
        "netnames": {"a": {"bits": [2], "attributes": {}}, "clk": {"bits": [3], "attributes": {}},
                     "_4_": {"bits": [4], "attributes": {}}, "_5_": {"bits": [5], "attributes": {}},
                     "state": {"bits": [6], "attributes": {"src": "t.v:3.12-3.17"}},
                     "y": {"bits": [6], "attributes": {}}}}}}
    net = Netlist.from_json(data, sequential_types={"DFFPOSX1"})
    assert net.support(4) == {"a"} and net.support(5) == {"a", "state"} and net.support(6) == {"state"}
    assert net.bit_of_pin("_2_/Y") == 5 and net.bit_of_pin("a") == 2 and net.bit_of_net("state") == 6
    assert net.display_name(6) == "state" and net.fanout(6) == 2
    assert net.clock_bits() == {3}
    max_fanout, name, _ = net.fanout_stats()
    assert (max_fanout, name) == (2, "state")
    assert src_locations("f.v:12.5-14.8|g.v:3") == [("f.v", 12, 5, 14, 8), ("g.v", 3, 0, 3, 0)]


def stage(kind: str, delay: float, arrival: float, fanout: int | None = 2) -> Stage:
    return Stage(pin=f"u{arrival}/Y", cell="NAND2X1", delay=delay, net="n", fanout=fanout, kind=kind,
                 arrival=arrival)


def test_fix_estimates_come_from_the_path_numbers() -> None:
    stages = [stage("launch", 0.3, 0.3)] + [stage("logic", 0.5, 0.3 + 0.5 * i) for i in range(1, 9)]
    path = TimingPath("r1", "r2", "rising edge-triggered flip-flop clocked by clk",
                      "rising edge-triggered flip-flop clocked by clk", slack=-1.5, data_arrival=4.3)
    exp = PathExplanation(path, "x[0]", "register", "y[0]", "register", None, None, stages, [], 4.3, 0.2, 8, [])
    fixes = rank_fixes(exp, period_ns=3.0)
    relax = next(f for f in fixes if f.kind == "relax_clock")
    assert relax.gain_ns == pytest.approx(1.5) and "4.50 ns" in relax.detail
    retime = next(f for f in fixes if f.kind == "retime")
    # best cut near the middle: max(t, 4.3 - t + 0.3) is smallest at t = 2.3 -> 2.3, gain 2.0
    assert retime.gain_ns == pytest.approx(2.0)
    # a cut between two netlist gates is nothing a transformation can do: labelled manual; it closes the
    # path on its own, so it still comes before a spec change
    assert retime.how == "" and retime.label == "manual" and relax.label == "constraint"
    assert fixes.index(retime) < fixes.index(relax)
    met = PathExplanation(TimingPath("r1", "r2", slack=0.4, data_arrival=4.3), "x", "register", "y", "register",
                          None, None, stages, [], 4.3, 0.2, 8, [])
    assert rank_fixes(met, period_ns=5.0) == []


def test_an_already_timed_path_is_explained_against_its_netlist(shared_design) -> None:
    """The entry the placement flow uses: a parsed path plus the Yosys JSON it was timed on."""
    import json
    from pathlib import Path

    from chipchat.timing.api import explain_netlist_path as explain_path

    root = shared_design("mac16")
    answer = timing_report(str(root))
    path = TimingPath.from_json(json.loads(Path(answer.artifacts["paths.json"]).read_text())[0])
    again = explain_path(str(root), path, answer.artifacts["netlist.json"])
    assert again.data["explanation"]["endpoint"] == answer.data["explanation"]["endpoint"]
    assert again.data["explanation"]["shares"] == answer.data["explanation"]["shares"]
    assert "### Path:" in again.text and again.citations


def test_a_clock_crossing_is_not_fixed_by_relaxing_one_clock() -> None:
    stages = [stage("launch", 0.3, 0.3), stage("logic", 0.4, 0.7), stage("logic", 0.3, 1.0)]
    path = TimingPath("r1", "r2", "rising edge-triggered flip-flop clocked by clka",
                      "falling edge-triggered flip-flop clocked by clkb", slack=-0.3, data_arrival=1.0)
    exp = PathExplanation(path, "x", "register", "y", "register", None, None, stages, [], 1.0, 0.1, 2, [])
    kinds = [f.kind for f in rank_fixes(exp, period_ns=3.0)]
    assert "clock_crossing" in kinds and "relax_clock" not in kinds
