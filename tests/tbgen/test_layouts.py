"""Readers for specs written without Markdown (no simulator): port bullets, K-maps, listings, state machines,
expressions, clock and reset from prose, HTML and tabs. The fixtures are written for these tests."""

from __future__ import annotations

import pytest

from chipchat.tbgen import fsm, kmap, waveform
from chipchat.tbgen.spec import extract
from chipchat.tbgen.text import to_python
from chipchat.tbgen.vexpr import ExprError, translate

KMAP_SPEC = """Ports are one bit unless otherwise specified.

 - input  w (4 bits)
 - output y

Implement y from this map (n is a don't-care):

                w[1]w[2]
  w[3]w[4]   00  01  11  10
        00 | 1 | 0 | d | 1 |
        01 | 0 | 0 | 1 | d |
        11 | 1 | 1 | 0 | 0 |
        10 | 0 | 1 | 1 | 0 |
"""


def eval_py(expr: str, **env: int) -> int:
    from chipchat.tbgen.vexpr import HELPERS

    namespace: dict[str, object] = {}
    exec(HELPERS, namespace)
    return eval(expr, namespace, env)


def test_bullet_ports_are_checked_against_the_rtl_and_prose_or_code_is_not_a_port() -> None:
    text = ("All ports are one bit unless otherwise specified.\n\n - input  clk,\n - input  din (8 bits)\n"
            " - output dout (16 bits)\n\nThe output vectors: dout carries two copies.\n\n  module old (\n"
            "    input [3:0] stale,\n  );\n  endmodule\n")
    rtl = {"clk": ("input", 1, 0), "din": ("input", 8, 0), "dout": ("output", 8, 0)}
    spec = extract(text, "s.txt", rtl, {})
    assert [p.name for p in spec.ports] == ["clk", "din", "dout"] and spec.port_source.startswith("port list")
    assert [(f.what, f.expected, f.observed) for f in spec.findings] == [("width of port dout", "16", "8")]
    assert spec.clock == "clk"
    code = next(t for t in spec.tables if t.kind == "code")
    assert code.line == 9 and code.title == "Verilog module old"


def test_ports_come_from_the_rtl_when_the_spec_lists_none() -> None:
    spec = extract("Make the output follow the input.\n", "s.txt", {"a": ("input", 1, 0), "b": ("output", 1, 0)}, {})
    assert [p.name for p in spec.ports] == ["a", "b"] and spec.port_source == "the RTL (the spec lists no ports)"


def test_plain_kmap_with_bit_labels_numbered_from_one_and_dont_cares() -> None:
    spec = extract(KMAP_SPEC, "s.txt", {"w": ("input", 4, 0), "y": ("output", 1, 0)}, {})
    table = next(t for t in spec.tables if t.kind == "kmap-plain")
    got = kmap.read(table, {p.name: p for p in spec.ports}, spec.text, "y")
    assert isinstance(got, kmap.KMap)
    assert [v.label() for v in got.variables] == ["w[2]", "w[3]", "w[0]", "w[1]"]  # the spec's w[1] is bit 0
    assert got.cells[(0, 0, 0, 0)] == 1 and got.cells[(0, 0, 1, 1)] is None and got.cells[(1, 0, 1, 1)] == 1
    assert sum(v is None for v in got.cells.values()) == 2 and got.lines[(1, 1, 0, 0)] == 12


def test_waveform_listing_radix_unknowns_and_conflicts() -> None:
    text = "time  sel  d   q\n0ns   x    x   x\n5ns   0    a5  a5\n10ns  1    3c  0\n15ns  1    z   0\n"
    ports = {"sel": ("input", 1, 0), "d": ("input", 8, 0), "q": ("output", 8, 0)}
    spec = extract(text, "s.txt", ports, {})
    table = next(t for t in spec.tables if t.kind == "listing")
    got = waveform.read(table, {p.name: p for p in spec.ports}, None, None)
    assert isinstance(got, waveform.Listing) and got.radix == 16 and got.times_ns == [0.0, 5.0, 10.0, 15.0]
    assert got.rows[1] == {"sel": 0, "d": 0xA5, "q": 0xA5} and got.rows[3]["d"] is None and got.unknown_inputs == 3
    rows, where, conflict = waveform.vectors(got, ["sel", "d"], ["q"])
    assert rows == {(0, 0xA5): {"q": 0xA5}, (1, 0x3C): {"q": 0}} and where[(1, 0x3C)] == 4 and not conflict
    got.rows.append({"sel": 0, "d": 0xA5, "q": 1})
    got.lines.append(6)
    assert "not of a combinational circuit" in waveform.vectors(got, ["sel", "d"], ["q"])[2]


def test_arrow_diagrams_moore_mealy_and_bits_of_vectors() -> None:
    text = ("  IDLE (busy=0) --go=0--> IDLE\n  IDLE (busy=0) --go=1--> RUN\n  RUN  (busy=1) --(always)--> IDLE\n\n"
            "  P --v=0 (hit=1)--> P\n  P --v=1 (hit=0)--> Q\n\n  S0 (g1=1) ----r0=1,r1=0----> S0\n"
            "  S0 (g1=1) -------r0=0-------> S0\n")
    ins = {"go": ("input", 1, 0), "v": ("input", 1, 0), "r": ("input", 2, 0)}
    outs = {"busy": ("output", 1, 0), "hit": ("output", 1, 0), "g": ("output", 2, 0)}
    spec = extract(text, "s.txt", {**ins, **outs}, {})
    diagrams = [t for t in spec.tables if t.kind == "fsm-diagram"]
    assert [d.line for d in diagrams] == [1, 5, 8]
    ports = {p.name: p for p in spec.ports}
    moore = fsm.from_diagram(diagrams[0], {"go": ports["go"]}, {"busy": ports["busy"]})
    assert isinstance(moore, fsm.Fsm) and moore.states == ["IDLE", "RUN"] and moore.moore["RUN"] == {"busy": 1}
    assert [t.cond for t in moore.transitions][2] == "1"
    mealy = fsm.from_diagram(diagrams[1], {"v": ports["v"]}, {"hit": ports["hit"]})
    assert isinstance(mealy, fsm.Fsm) and mealy.transitions[0].outputs == {"hit": 1} and not mealy.moore
    bits = fsm.from_diagram(diagrams[2], {"r": ports["r"]}, {"g": ports["g"]})
    assert isinstance(bits, fsm.Fsm) and bits.moore["S0"] == {"g[1]": 1} and bits.default_zero
    assert eval_py(bits.transitions[0].cond, r=0b01) == 1 and eval_py(bits.transitions[0].cond, r=0b11) == 0


def test_state_table_with_conditions_in_a_combined_header() -> None:
    text = ("  State | Next state go=0, Next state go=1 | Output\n  A     | A, B | 0\n  B     | A, B | 1\n\n"
            "Codes: A=1'b0, B=1'b1.\n")
    spec = extract(text, "s.txt", {"go": ("input", 1, 0), "state": ("input", 1, 0), "nxt": ("output", 1, 0),
                                   "o": ("output", 1, 0)}, {})
    table = next(t for t in spec.tables if t.kind == "states")
    ports = {p.name: p for p in spec.ports}
    got = fsm.from_table(table, {"go": ports["go"]}, {"nxt": ports["nxt"], "o": ports["o"]}, "state")
    assert not isinstance(got, str)
    machine, roles = got
    assert [(t.src, t.dst) for t in machine.transitions] == [("A", "A"), ("A", "B"), ("B", "A"), ("B", "B")]
    assert machine.moore == {"A": {"?": 0}, "B": {"?": 1}} and roles["out"] == ""
    assert fsm.encoding(machine, spec.text, 1) == {"A": 0, "B": 1}


def test_one_hot_encoding_with_an_ellipsis() -> None:
    machine = fsm.Fsm(states=["P", "Q", "R", "T"])
    text = "Use (P, Q, R, T) = (4'b0001, 4'b0010, ..., 4'b1000)."
    assert fsm.encoding(machine, text, 4) == {"P": 1, "Q": 2, "R": 4, "T": 8}


@pytest.mark.parametrize(("text", "value", "env"), [
    ("(x^y) & x", 1, {"x": 1, "y": 0}),
    ("a & b == c", 1, {"a": 1, "b": 2, "c": 2}),  # Verilog: == binds tighter than &
    ("{4{s[3]}, s}", 0xFA, {"s": 0xA}),
    ("~a", 0b1010, {"a": 0b0101}),
    ("&v | ^v", 1, {"v": 0b0111}),
    ("sel ? a : b", 7, {"sel": 0, "a": 3, "b": 7}),
    ("in == 4'hF", 1, {"in_": 15}),
])
def test_verilog_expressions(text: str, value: int, env: dict[str, int]) -> None:
    widths = {"x": 1, "y": 1, "a": 4, "b": 4, "c": 4, "s": 4, "v": 3, "sel": 1, "in": 4}
    assert eval_py(translate(text, widths).py, **env) == value


def test_expressions_that_are_not_readable_are_refused() -> None:
    for bad in ("__import__('os')", "a +", "q.x", "{a, 3}"):
        with pytest.raises(ExprError):
            translate(bad, {"a": 4, "q": 1})


def test_a_hex_literal_in_parentheses_is_kept() -> None:
    assert to_python("(0xFF00000000000000 * q)", {"q"}) == "(0xFF00000000000000 * q)"


def test_clock_edge_and_reset_from_names_and_prose() -> None:
    text = "Flops trigger on the negative edge of clk. resetn is an active-low synchronous reset to 8'h5A.\n"
    spec = extract(text, "s.txt", {"clk": ("input", 1, 0), "resetn": ("input", 1, 0), "q": ("output", 8, 0)}, {})
    assert (spec.clock, spec.clock_edge, spec.reset) == ("clk", "falling", ("resetn", 0))
    assert spec.reset_info is not None and spec.reset_info.kind == "sync" and spec.reset_info.target == "8'h5A"
    named = extract("", "s.txt", {"clk": ("input", 1, 0), "areset": ("input", 1, 0)}, {})
    assert named.reset_info is not None and (named.reset_info.kind, named.reset_info.active) == ("async", 1)


def test_html_and_tabs() -> None:
    html = ("<html><body><h1>gate</h1><p>Ports:</p><ul><li>input a</li><li>output y</li></ul>"
            "<table><tr><th>a</th><th>y</th></tr><tr><td>0</td><td>1</td></tr><tr><td>1</td><td>0</td></tr>"
            "</table></body></html>")
    spec = extract(html, "s.html", {"a": ("input", 1, 0), "y": ("output", 1, 0)}, {})
    assert spec.title == "gate" and spec.port_source.startswith("port list")
    table = next(t for t in spec.tables if t.layout == "markdown")
    assert table.header == ["a", "y"] and table.rows == [["0", "1"], ["1", "0"]] and table.kind == "vectors"
    tabbed = extract("time\ta\ty\n0ns\t0\t1\n5ns\t1\t0\n", "s.txt", {"a": ("input", 1, 0), "y": ("output", 1, 0)}, {})
    assert [t.kind for t in tabbed.tables] == ["listing"]


def test_variants_of_each_layout() -> None:
    """The same kinds of block, written differently: a K-map with its corner cell and no `---` row, a state table
    whose next-state columns are `Next (x=0)`, several ports on one bullet."""
    text = (" - input a, b, c\n - input x\n - output y\n\n  a\\bc | 00 | 01 | 11 | 10\n  0 | 0 | 1 | 1 | 0\n"
            "  1 | 1 | d | 1 | 1\n\n  Current | Next (x=0) | Next (x=1) | y\n  S0 | S0 | S1 | 0\n  S1 | S0 | S1 | 1\n")
    ports = {n: ("input", 1, 0) for n in "abcx"} | {"y": ("output", 1, 0)}
    spec = extract(text, "s.txt", ports, {})
    assert [p.name for p in spec.ports] == ["a", "b", "c", "x", "y"] and spec.port_source.startswith("port list")
    corner = next(t for t in spec.tables if t.kind == "kmap-plain")
    got = kmap.read(corner, {p.name: p for p in spec.ports}, spec.text, "y")
    assert isinstance(got, kmap.KMap) and [v.label() for v in got.variables] == ["a", "b", "c"]
    assert got.cells[(1, 0, 1)] is None and got.cells[(0, 1, 1)] == 1 and got.lines[(1, 1, 1)] == 7
    table = next(t for t in spec.tables if t.kind == "states")
    ports_by = {p.name: p for p in spec.ports}
    machine = fsm.from_table(table, {"x": ports_by["x"]}, {"y": ports_by["y"]}, None)
    assert not isinstance(machine, str) and [(t.src, t.dst) for t in machine[0].transitions][1] == ("S0", "S1")
    assert machine[0].moore == {"S0": {"y": 0}, "S1": {"y": 1}}
