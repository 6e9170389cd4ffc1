"""Routing: concept rules, follow-ups from the previous turn, other languages, example phrasings, honest cannot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chipchat.agent.glossary import to_english
from chipchat.agent.route import Names, delexicalize, find_names, route, route_label
from chipchat.rtl.load import load_design, load_model

FRESH = Path(__file__).parent / "data" / "routing_fresh.json"


@pytest.fixture(scope="module")
def designs(module_copy):
    return {n: load_design(module_copy(n)) for n in ("mac16", "fifo", "uart_tx", "alu8")}


def test_questions_written_apart_from_the_benchmark_route_right(designs):
    """144 phrasings written for this test (in two rounds), not taken from benchmarks/routing_questions.json."""
    questions = json.loads(FRESH.read_text())
    misses = []
    for q in questions:
        got = route_label(designs[q["design"]], q["question"], q.get("previous", []))
        if got != q["label"] and got not in q.get("also_ok", []):
            misses.append((q["question"], q["label"], got))
    assert len(misses) <= len(questions) * 0.05, misses
    cannot = [q for q in questions if q["label"] == "cannot"]
    assert all(route_label(designs[q["design"]], q["question"]) == "cannot" for q in cannot)


@pytest.mark.parametrize(("question", "previous", "label", "signal"), [
    ("and full?", ["what drives empty?"], "drivers", "full"),
    ("and who reads it?", ["where does do_read come from?"], "loads", "do_read"),
    ("why?", ["run the tests"], "sim", None),
    ("fix it", ["why does the path to count miss timing?"], "close", None),
    ("fix it", ["why does test_overflow fail"], "propose", None),
    ("apply it", ["rename wr_ptr to wptr"], "apply", None),
    ("undo", ["rename wr_ptr to wptr", "apply it"], "undo", None),
    ("make it meet 3 ns", ["delete all the files"], "close", None),  # says what it wants: not a follow-up
])
def test_follow_ups_lean_on_the_previous_turn(designs, question, previous, label, signal):
    intent = route(question, load_model(designs["fifo"]), previous)
    assert (intent.name, intent.signal) == (label, signal)


def test_english_words_that_are_also_signal_names_are_not_taken_for_them(designs):
    names = Names.of(load_model(designs["mac16"]))
    assert find_names("is there a CDC?", names)[0] is None  # `a` is a port of mac16
    assert find_names("what drives a?", names)[0] == "a"
    assert find_names("what does `b` feed", names)[0] == "b"
    fifo = Names.of(load_model(designs["fifo"]))
    assert find_names("what is the reset value of count", fifo)[0] == "count"
    assert find_names("where is the write pointer wrapped?", fifo)[0] == "wr_ptr"


def test_other_languages_are_read_word_by_word():
    assert to_english("wo wird rd_ptr zugewiesen?") == ("where is rd_ptr assigned?", True)
    assert to_english("valeur de reset de count ?")[0] == "reset value of count ?"
    assert to_english("what drives acc?") == ("what drives acc?", False)  # English passes untouched


def test_unknown_phrasings_fall_back_to_example_phrasings_then_to_search_or_cannot(designs):
    model = load_model(designs["fifo"])
    intent = route("pinout overview of the block please", model)
    assert intent.options["why"].startswith(("rule", "example phrasing"))
    odd = route("quantum entanglement of the fifo pointers", model)  # about the design, but no rule covers it
    assert odd.options["why"].startswith(("not recognised", "example phrasing"))
    from chipchat.agent.intents import Intent
    from chipchat.agent.plans import PLANNERS

    plan = PLANNERS["search"](designs["fifo"], Intent("search", options={"why": "not recognised: …"}), "x", ())
    assert plan.preface.startswith("I did not recognise a chipchat tool")  # a search hit is not passed off
    assert route("who won the tour de france", model).name == "cannot"
    assert delexicalize("what reads wr_ptr in fifo", Names.of(model)) == "what reads SIGNAL in MODULE"


def test_the_benchmark_measures_route_label():
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_routing.py"
    spec = importlib.util.spec_from_file_location("bench_routing", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    which, router = bench.get_router()
    assert which == "chipchat.agent.route.route_label" and router is route_label
