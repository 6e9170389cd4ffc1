"""Spec extraction (no simulator): tables, rules, expressions, what is not used and why."""

from __future__ import annotations

import pytest

from chipchat.rtl.load import load_design
from chipchat.tbgen.api import rtl_facts
from chipchat.tbgen.codegen import render
from chipchat.tbgen.models import choose_model
from chipchat.tbgen.spec import extract
from chipchat.tbgen.text import parse_condition, parse_effect, to_python


def test_fifo_tables_rules_and_reasons(design_copy) -> None:
    design = load_design(design_copy("fifo"))
    ports, params = rtl_facts(design)
    spec = extract(design.docs[0].read_text(), "spec.md", ports, params, ["clk"])
    assert (spec.clock, spec.reset, spec.params["DEPTH"], spec.params["WIDTH"]) == ("clk", ("rst", 1), 16, 8)
    assert spec.resets == {"count": (0, 56), "dout": (0, 57), "empty": (1, 58), "full": (0, 59)}
    kinds = {t.title: t.kind for t in spec.tables}
    assert kinds["Example sequence (WIDTH=8, DEPTH=16)"] == "sequence"
    assert kinds["Internal state"] == "internal" and kinds["Ports"] == "ports"
    fill = next(t for t in spec.tables if t.title.startswith("Fill and overflow"))
    assert "'action' are prose" in fill.reason
    assert spec.reset_priority and not spec.findings
    wr = next(r for r in spec.rules if r.line == 71)
    assert [(c.signal, c.values) for c in wr.conditions or []] == [("wr_en", [1]), ("full", [1])]
    assert [(e.signal, e.kind) for e in wr.effects] == [("mem", "hold"), ("wr_ptr", "hold"), ("count", "hold")]
    prose = next(r for r in spec.rules if r.line == 79)
    assert prose.conditions is None and "a write is accepted" in prose.condition_error


def test_generation_marks_what_it_used_and_why_not(design_copy) -> None:
    design = load_design(design_copy("uart_tx"))
    ports, params = rtl_facts(design)
    spec = extract(design.docs[0].read_text(), "spec.md", ports, params, ["clk"])
    plan = choose_model(spec)
    assert plan is not None and plan.kind == "serial-frame" and plan.checks == ["tx", "busy", "tx_ready"]
    rendered = render(spec, plan, design="uart_tx", period_ns=10)
    assert "test_frames_sampled_mid_bit" in rendered.tests and "test_reset_values" in rendered.tests
    compile(rendered.source, "test_uart_tx_gen.py", "exec")
    unused = {u["where"]: u["reason"] for u in spec.unused()}
    assert "written for CLKS_PER_BIT=2; the design is built with CLKS_PER_BIT=16" in unused["spec.md:103"]
    assert "internal states are not ports" in unused["spec.md:39"]
    assert "not in 'When <condition>, then <effect>.' form" in unused["spec.md:75"]
    waveform = next(t for t in spec.tables if t.kind == "waveform")
    assert waveform.used_by == ["reference model (serial frame)"]


def test_opcode_table_becomes_a_next_state_model(design_copy) -> None:
    design = load_design(design_copy("alu8"))
    ports, params = rtl_facts(design)
    spec = extract(design.docs[0].read_text(), "spec.md", ports, params, ["clk"])
    assert spec.names["SLTU"] == 7 and spec.resets["zero"] == (1, 78)
    plan = choose_model(spec)
    assert plan is not None and plan.kind == "next-state-table"
    assert plan.checks == ["y", "carry", "zero"] and not plan.notes
    assert "lambda a, b, **_: ((a + b)) % (256)" in plan.code
    assert "'zero': (lambda y, **_: int(y == 0)" in plan.code
    rule = next(r for r in spec.rules if r.line == 85)
    assert [(c.signal, c.values) for c in rule.conditions or []] == [("op", [2, 3, 4, 7])]


@pytest.mark.parametrize(("text", "python"), [
    ("(a + b) mod 256", "((a + b)) % (256)"),
    ("1 when a + b > 255 (carry out of bit 7), else 0", "(1 if a + b > 255 else 0)"),
    ("(acc + a * b) mod 2^32", "((acc + a * b)) % (2 ** 32)"),
    ("acc (hold)", "acc"),
    ("a[7] (the bit shifted out)", "((a >> 7) & 1)"),
    ("(a << 1) mod 256, bit 0 = 0", "((a << 1)) % (256)"),
    ("a \\| b", "a | b"),
    ("a ^ b", "a ^ b"),
    ("the oldest word", None),
    ("mem[rd_ptr]", None),
    ("__import__('os')", None),
])
def test_expressions(text: str, python: str | None) -> None:
    assert to_python(text, {"a", "b", "acc"}) == python


def test_rule_clauses() -> None:
    conds, _ = parse_condition("`rst`, `clear` and `en` are all low on a rising clk edge", {})
    assert [(c.signal, c.values) for c in conds or []] == [("rst", [0]), ("clear", [0]), ("en", [0])]
    effects, unread = parse_effect("`acc` becomes `acc + a * b` (truncated to 32 bits) and `valid_out` becomes 1",
                                   {}, {"acc", "a", "b", "valid_out"})
    assert [(e.signal, e.kind, e.value, e.expr) for e in effects] == [
        ("acc", "expr", 0, "acc + a * b"), ("valid_out", "value", 1, "")]
    assert unread == ["truncated to 32 bits"]
    effects, unread = parse_effect("`zero` is 1; otherwise `zero` is 0", {}, set())
    assert [(e.signal, e.value) for e in effects] == [("zero", 1)] and unread[0].startswith("otherwise")
    assert parse_condition("a frame is in progress", {})[0] is None


def test_static_disagreements_between_port_table_and_rtl(design_copy) -> None:
    design = load_design(design_copy("mac16"))
    ports, params = rtl_facts(design)
    text = design.docs[0].read_text().replace("| a | input | 16 |", "| a | input | 12 |").replace(
        "| valid_out | output | 1 |", "| valid_out | output | 1 |\n| overflow | output | 1 | Sum wrapped. |\n"
        "| valid_out_dummy | output | 1 |")
    spec = extract(text, "spec.md", ports, params, ["clk"])
    found = {(f.what, f.expected, f.observed) for f in spec.findings}
    assert ("width of port a", "12", "16") in found
    assert ("port overflow", "a output port overflow", "the RTL top module has no such port") in found


def test_no_import_cycles_inside_tbgen() -> None:
    """api imports report (to render the answer); report must not import api back (it did, inside a function)."""
    import grimp

    graph = grimp.build_graph("chipchat", cache_dir=None)
    modules = {m for m in graph.modules if m.startswith("chipchat.tbgen")}
    cycles = [(a, b) for a in modules for b in modules if a < b and graph.direct_import_exists(importer=a, imported=b)
              and graph.chain_exists(importer=b, imported=a)]
    assert not cycles, cycles
    assert graph.direct_import_exists(importer="chipchat.tbgen.api", imported="chipchat.tbgen.report")
