"""The offline planner's routing of questions to tools."""

from __future__ import annotations

import pytest

from chipchat.agent.planner import answer
from chipchat.agent.route import route as classify
from chipchat.rtl.load import load_design, load_model


@pytest.fixture
def fifo_model(design_copy):
    d = load_design(design_copy("fifo"))
    return d, load_model(d)


@pytest.mark.parametrize(("question", "intent", "signal"), [
    ("what drives full?", "drivers", "full"),
    ("What drives `count`?", "drivers", "count"),
    ("what does wr_ptr drive?", "loads", "wr_ptr"),
    ("where is do_read used?", "loads", "do_read"),
    ("what is the reset value of count", "reset", "count"),
    ("show the fan-in cone of full, 2 levels", "fanin", "full"),
    ("where is the write pointer wrapped?", "search", "wr_ptr"),
    ("where is wr_ptr assigned?", "assigned", "wr_ptr"),
    ("what are the ports?", "ports", None),
    ("list the parameters", "parameters", None),
    ("show me the hierarchy", "hierarchy", None),
    ("summarize the design", "summary", None),
    ("why does this path miss timing?", "timing", None),
    ("run the tests and tell me why the overflow test fails", "sim", None),
    ("what drives nothing_here?", "search", None),
])
def test_classify(fifo_model, question, intent, signal):
    _, model = fifo_model
    got = classify(question, model)
    assert got.name == intent
    assert got.signal == signal


def test_options_are_read_from_the_question(fifo_model):
    _, model = fifo_model
    assert classify("what is the slack at 8ns?", model).options["clock"] == "8ns"
    assert classify("fan-in of full 4 levels", model).options["depth"] == "4"


def test_planner_answers_with_citations(fifo_model, monkeypatch):
    monkeypatch.setenv("CHIPCHAT_EMBEDDINGS", "none")
    d, _ = fifo_model
    ans = answer(d, "what drives full?")
    assert ans.data["intent"] == "drivers" and any(c.line == 38 for c in ans.citations)
    ans = answer(d, "where is the write pointer wrapped?")
    assert ans.kind == "search" and ans.citations[0].file == "rtl/fifo.v" and ans.citations[0].line == 54


def test_planner_says_which_files_it_could_not_parse(design_copy, monkeypatch):
    monkeypatch.setenv("CHIPCHAT_EMBEDDINGS", "none")
    root = design_copy("fifo")
    (root / "rtl" / "junk.v").write_text("module junk(;\n")
    toml = root / "chipchat.toml"
    toml.write_text(toml.read_text().replace('sources = ["rtl/fifo.v"]', 'sources = ["rtl/*.v"]'))
    ans = answer(load_design(root), "what drives full?")
    assert "rtl/fifo.v:38" in ans.text
    assert any("rtl/junk.v:1" in w for w in ans.warnings)
