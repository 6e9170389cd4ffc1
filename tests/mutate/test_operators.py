"""Mutation sites from the syntax tree (no simulator): what is mutated, what is left alone, sampling, diffs."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyslang import syntax

from chipchat.errors import ConfigError
from chipchat.mutate import amaranth, verilog
from chipchat.mutate.api import find_mutants
from chipchat.mutate.operators import OPERATORS, make_mutants, resolve_operators, sample
from chipchat.sandbox.patch import apply_patch, parse_patch

REPO = Path(__file__).resolve().parents[2]


def mutants_of(rel: str, language: str = "verilog", ops: list[str] | None = None):
    path = REPO / "designs" / rel
    engine = amaranth if language == "amaranth" else verilog
    source, edits = engine.find_edits(path, ops or list(OPERATORS))
    return make_mutants(rel, source, edits, language)


def test_fifo_sites_cover_every_operator_and_leave_declarations_alone() -> None:
    ms = mutants_of("fifo/rtl/fifo.v")
    by = {(m.line, m.description) for m in ms}
    assert {m.operator for m in ms} == set(OPERATORS)
    assert (53, "`wr_ptr == LAST_ADDR` → `wr_ptr == LAST_ADDR - 1'b1`") in by
    assert (81, "`count <= count + 1'b1` → `count <= '0` (stuck at 0)") in by
    assert (81, "`count <= count + 1'b1` → `count <= count` (holds)") in by
    assert (80, "if (`do_write && !do_read`) → if (`!(do_write && !do_read)`)") in by
    assert (35, "`&&` → `||` in `wr_en && !full`") in by
    # nothing in the parameter list (lines 12-15), port declarations (16-25), widths or comments
    assert not [m for m in ms if m.line < 28]
    assert not [m for m in ms if m.line in (32, 33, 34)]  # reg/memory declarations: widths only
    # a reset to a zero constant has no "stuck at 0" twin (it would be the same code)
    assert not [m for m in ms if m.line == 51 and "stuck at 0" in m.description]


def test_every_mutant_is_one_edit_that_applies_and_still_parses(tmp_path: Path) -> None:
    root = REPO / "designs" / "fifo"
    for m in mutants_of("fifo/rtl/fifo.v"):
        patch = parse_patch(m.patch.replace("a/fifo/", "a/").replace("b/fifo/", "b/"), m.id or "m")
        (change,) = apply_patch(patch, root, dry_run=True)
        assert (change.added, change.removed) == (1, 1), m.description
        assert m.original != m.mutated
        text = (root / "rtl" / "fifo.v").read_text().splitlines()
        text[m.line - 1] = m.mutated
        tree = syntax.SyntaxTree.fromText("\n".join(text))
        assert not [d for d in tree.diagnostics if d.isError()], m.description


def test_systemverilog_and_packages() -> None:
    ms = mutants_of("uart_tx/rtl/uart_tx.sv")
    descs = {m.description for m in ms}
    assert "`tick == LAST_TICK` → `tick == LAST_TICK - 1'b1`" in descs
    assert "`'0` → `'1`" in descs
    assert not [m for m in ms if 21 <= m.line <= 26]  # enum encodings are never mutated
    pkg = mutants_of("uart_tx/rtl/uart_pkg.sv")
    assert {m.description for m in pkg} >= {"`1'b0` → `1'b1`", "`8` → `9`"}


def test_amaranth_sites_are_python_lines_inside_elaborate() -> None:
    ms = mutants_of("alu8/rtl/alu8.py", "amaranth")
    by = {(m.line, m.operator, m.description) for m in ms}
    assert (74, "operator-swap", "`+` → `-` in `self.a + self.b`") in by
    assert (77, "off-by-one", "`self.a < self.b` → `self.a <= self.b`") in by
    assert (92, "stuck-assignment", "`self.y.eq(result)` → `self.y.eq(self.y)` (holds)") in by
    assert all(m.line >= 66 for m in ms)  # never the port signature (a: In(8) ...)
    assert all(m.language == "amaranth" and m.file == "alu8/rtl/alu8.py" for m in ms)


def test_sampling_is_seeded_balanced_and_in_source_order() -> None:
    ms = mutants_of("uart_tx/rtl/uart_tx.sv")
    a = sample(list(ms), 10, seed=1)
    b = sample(mutants_of("uart_tx/rtl/uart_tx.sv"), 10, seed=1)
    c = sample(mutants_of("uart_tx/rtl/uart_tx.sv"), 10, seed=2)
    assert [m.description for m in a] == [m.description for m in b]
    assert [m.description for m in a] != [m.description for m in c]
    assert [m.id for m in a] == [f"m{i:03d}" for i in range(1, 11)]
    assert {m.operator for m in a} == set(OPERATORS)  # round-robin: every operator is represented
    assert [(m.line, m.col) for m in a] == sorted((m.line, m.col) for m in a)


def test_find_mutants_on_a_design_and_operator_filter(design_copy) -> None:
    mutants, candidates = find_mutants(design_copy("mac16"), max_mutants=0, operators="off-by-one,operator-swap")
    assert candidates == len(mutants) and {m.operator for m in mutants} == {"operator-swap"}
    assert all(m.file == "rtl/mac16.v" for m in mutants)


def test_unknown_operator_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as err:
        resolve_operators("operator-swap,bit-flip")
    text = str(err.value)
    assert "unknown mutation operator 'bit-flip'" in text
    for name in OPERATORS:
        assert name in text
