"""Size, arithmetic and features: answers first, with the facts and lines they rest on."""

from __future__ import annotations

import pytest

from chipchat.qa.arithmetic import design_math, evaluate
from chipchat.qa.features import asked_terms, module_features
from chipchat.qa.size import design_size, storage_bits
from chipchat.rtl.load import load_design


@pytest.fixture(scope="module")
def designs(tmp_path_factory):
    from tests.conftest import copy_design

    root = tmp_path_factory.mktemp("answers")
    return {n: load_design(copy_design(n, root)) for n in ("mac16", "fifo", "uart_tx", "alu8")}


def test_size_needs_no_clock_and_says_where_the_area_is(designs, tmp_path):
    report = design_size(designs["fifo"])
    ans = report.answer()
    assert ans.text.startswith(f"**fifo is {report.cells:,} cells, {report.area:,.0f} µm²**")
    assert report.flops == 149 and report.register_bits == 149  # 16×8 memory + pointers, count, dout
    assert report.shares[0].signal == "mem" and report.shares[0].line == 44  # the memory holds most of it
    assert any(c.file == "rtl/fifo.v" for c in ans.citations) and ans.runs
    design = designs["uart_tx"]
    design.clocks, design.sdc = [], None  # no clock at all: synthesis maps for area
    assert design_size(design).answer().text.count("without a clock target") == 1


def test_storage_bits_of_declarations():
    assert storage_bits(0, "reg[7:0]$[0:15]") == 128 and storage_bits(5, "reg[4:0]") == 5


@pytest.mark.parametrize(("design", "question", "previous", "value"), [
    ("uart_tx", "cycles per bit and baud rate at 100 MHz?", "", {"baud": 6_250_000}),
    ("uart_tx", "and at 50?", "cycles per bit and baud rate at 100 MHz?", {"baud": 3_125_000}),
    ("uart_tx", "what CLKS_PER_BIT do i need for 115200 baud at 48 MHz", "", {"clks_per_bit": 417}),
    ("uart_tx", "how many cycles does a transfer take?", "", {"cycles_per_frame": 160}),
    ("mac16", "how many full-scale products can i accumulate before acc wraps", "", {"additions": 1}),
    ("mac16", "what's the largest a*b in hex", "", {"max": 0xFFFE0001}),
    ("fifo", "how many bits of storage does mem have in total", "", {"bits": 128}),
    ("fifo", "how wide is count when DEPTH=64", "", {"width": 7}),
    ("fifo", "how many cycles from wr_en until the word is on dout", "", {"dout": 2}),
])
def test_arithmetic_on_design_facts(designs, design, question, previous, value):
    calc = design_math(designs[design], question, previous)
    assert calc.ok, calc.answer().text
    for key, expected in value.items():
        assert calc.values[key] == pytest.approx(expected)
    assert calc.answer().text.startswith("**")  # the result first


def test_what_it_cannot_compute_is_said(designs):
    calc = design_math(designs["alu8"], "if a=200 and b=100 and op is ADD, what's y and carry?")
    assert not calc.ok and calc.answer().text.startswith("**I cannot compute that")
    assert "needs a simulation" in calc.answer().text


def test_the_constant_evaluator_is_closed():
    assert evaluate("$clog2(DEPTH)+1", {"DEPTH": 64}) == 7 and evaluate("4'b1111 + 1", {}) == 16
    assert evaluate("__import__('os')", {}) is None and evaluate("UNKNOWN * 2", {}) is None


def test_features_of_an_amaranth_alu_are_read_without_running_it(designs):
    report = module_features(designs["alu8"])
    (decoder,) = report.decoders
    assert [a.labels[0] for a in decoder.arms] == ["ADD", "SUB", "AND", "OR", "XOR", "SHL", "SHR", "SLTU"]
    assert decoder.arms[7].values == ["7"] and decoder.arms[0].span.line == 73
    yes = module_features(designs["alu8"], "does it do subtraction? and shifts?").answer().text
    assert yes.startswith("**Yes: subtraction, shifts.**")
    no = module_features(designs["alu8"], "does the alu have a multiply").answer().text
    assert no.startswith("**No sign of multiply") and "SLTU" in no
    assert module_features(designs["alu8"], "what does op=7 do").answer().text.startswith("**`op` = 7 is SLTU:**")


def test_features_of_verilog_fsms_and_priority_chains(designs):
    uart = module_features(designs["uart_tx"])
    assert [a.labels for a in uart.decoders[0].arms] == [["S_IDLE"], ["S_START"], ["S_DATA"], ["S_STOP"]]
    assert [m[0] for m in uart.states[0].members] == ["S_IDLE", "S_START", "S_DATA", "S_STOP"]
    mac = module_features(designs["mac16"], "what modes does the mac have")
    assert [c for c, _ in mac.modes] == ["clear", "en"]
    parity = module_features(designs["uart_tx"], "is there a parity option in the uart").answer().text
    assert parity.startswith("**No sign of parity")
    same = module_features(designs["fifo"], "can the fifo do a read and a write in the same cycle").answer().text
    assert "Simultaneous read and write" in same  # what the source says, quoted and cited


def test_asked_terms():
    assert asked_terms("does it do subtraction? and shifts?") == ["subtraction", "shifts"]
    assert asked_terms("does the fifo support almost full?") == ["almost full"]
    assert asked_terms("does it have an AND op") == ["and"]
