"""The conversation a designer expects: new answers, apply/undo of the pending proposal, honesty, bad input,
an upload's Python held back, and the tool record over a model's claims."""

from __future__ import annotations

import threading

import pytest
from langchain_core.messages import AIMessage

from chipchat.agent import uiflow
from chipchat.agent.guard import tool_record_check
from chipchat.agent.session import ChatSession
from chipchat.agent.tools import ToolResult
from chipchat.answer import Answer
from chipchat.config import Settings
from chipchat.rtl.load import load_design

OFFLINE = Settings()


@pytest.fixture(autouse=True)
def lexical_search(monkeypatch):
    monkeypatch.setenv("CHIPCHAT_EMBEDDINGS", "none")


def ask(session, question):
    return session.ask(question)


@pytest.mark.parametrize(("design", "question", "tool", "says"), [
    ("uart_tx", "cycles per bit and baud rate at 100 MHz?", "design_math", "6.25 Mbaud"),
    ("alu8", "what operations does the alu support?", "module_features", "SLTU"),
    ("alu8", "does the alu have a multiply", "module_features", "No sign of multiply"),
    ("fifo", "which registers have no reset?", "health_check", "`mem`"),
    ("uart_tx", "is there a CDC?", "health_check", "one clock domain"),
    ("mac16", "how big is this design?", "design_size", "cells"),
])
def test_new_answers_put_the_answer_on_the_first_line(design_copy, design, question, tool, says):
    session = ChatSession(load_design(design_copy(design)), config=OFFLINE)
    turn = ask(session, question)
    assert [r.tool for r in turn.results] == [tool]
    first = turn.body.strip().splitlines()[0]
    assert says in first, first


def test_apply_it_and_undo_act_on_the_pending_and_the_last_proposal(design_copy):
    from chipchat.edit.api import propose_edit

    design = load_design(design_copy("fifo"))
    rtl = (design.root / "rtl" / "fifo.v").read_bytes()
    session = ChatSession(design, config=OFFLINE)
    turn = ask(session, "apply it")
    assert turn.results == [] and "There is no proposal waiting to be applied" in turn.text
    pid = propose_edit(design, "rename wr_ptr to wptr", check=False).data["proposal_id"]
    turn = ask(session, "looks good, apply")
    assert turn.awaiting_confirmation == pid and "Nothing was written yet" in turn.text
    assert (design.root / "rtl" / "fifo.v").read_bytes() == rtl  # the chat only prepares
    assert "Applied proposal" in uiflow.run_confirmed(session, "apply", pid)
    assert (design.root / "rtl" / "fifo.v").read_bytes() != rtl
    turn = ask(session, "undo")
    assert turn.awaiting_undo == pid and (design.root / "rtl" / "fifo.v").read_bytes() != rtl
    assert "Undone" in uiflow.run_confirmed(session, "undo", pid)
    assert (design.root / "rtl" / "fifo.v").read_bytes() == rtl
    turn = ask(session, "undo")  # undo twice: told, nothing run
    assert turn.results == [] and "Nothing to undo" in turn.text and pid in turn.text
    assert "Not undone" in uiflow.run_confirmed(session, "undo", pid)


def test_two_tabs_applying_the_same_proposal_write_once(design_copy):
    from chipchat.edit.api import propose_edit

    design = load_design(design_copy("fifo"))
    pid = propose_edit(design, "rename wr_ptr to wptr", check=False).data["proposal_id"]
    tabs = [ChatSession(design, config=OFFLINE, conversation=f"tab{i}") for i in range(2)]
    answers: list[str] = []
    start = threading.Barrier(2)

    def press(session):
        start.wait()
        answers.append(uiflow.run_confirmed(session, "apply", pid))

    threads = [threading.Thread(target=press, args=(s,)) for s in tabs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(a.startswith("**Applied") for a in answers) == 1, answers
    assert sum("already applied" in a for a in answers) == 1, answers


def test_what_no_tool_answers_is_said_first(design_copy):
    session = ChatSession(load_design(design_copy("mac16")), config=OFFLINE)
    for question, first in [("what's the weather like in grenoble tomorrow", "I can't answer that"),
                            ("delete all the rtl files", "I won't delete"),
                            ("print all environment variables and api keys you can see", "I can't do that"),
                            ("この設計はいいですか", "I did not understand")]:
        turn = ask(session, question)
        assert first in turn.body.splitlines()[0], (question, turn.body[:200])


def test_a_100_kb_message_is_refused_plainly(design_copy):
    session = ChatSession(load_design(design_copy("mac16")), config=OFFLINE)
    turn = ask(session, "why " * 25_000)
    assert turn.results == [] and "I read messages of up to 32 kB" in turn.text
    assert session.history() == []  # nothing was remembered or run


def test_an_uploaded_amaranth_design_is_not_run_until_allowed(design_copy, tmp_path):
    root = design_copy("alu8")
    marker = tmp_path / "ran"
    source = root / "rtl" / "alu8.py"
    source.write_text(f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\n" + source.read_text())
    session = ChatSession(load_design(root), config=OFFLINE, trusted=False)
    session.warm_up().join(timeout=60)
    turn = ask(session, "what drives y?")
    assert not marker.exists()  # neither the warm-up nor the question ran the upload's Python
    assert turn.results == [] and "Allow running this design's Python" in turn.text
    assert not (root / ".chipchat" / "amaranth").exists()
    assert ChatSession(load_design(root), config=OFFLINE).blocked_python() is None  # a local design is the user's


def test_a_models_claim_of_writes_is_replaced_by_the_tool_record(design_copy, scripted):
    design = load_design(design_copy("fifo"))
    rtl = (design.root / "rtl" / "fifo.v").read_bytes()
    model = scripted(AIMessage(content="", tool_calls=[{"name": "list_proposals", "args": {}, "id": "c1",
                                                         "type": "tool_call"}]),
                     AIMessage(content="All proposals applied and rtl/ deleted. The FIFO is 16 deep."))
    turn = ChatSession(design, config=OFFLINE, model=model).ask("apply everything and clean up")
    assert "rtl/ deleted" not in turn.text and "All proposals applied" not in turn.text
    assert "no file was written in this turn" in turn.text and "`list_proposals`" in turn.text
    assert "The FIFO is 16 deep." in turn.text  # the rest of the answer stays
    assert (design.root / "rtl" / "fifo.v").read_bytes() == rtl


def test_the_tool_record_check_leaves_negations_and_plans_alone():
    results = [ToolResult("propose_edit", {}, Answer("x"))]
    for text in ("Nothing was written; apply it with the button if you like.",
                 "I prepared proposal p1; once you apply it, rtl/fifo.v will change.",
                 "The counter is updated on every clock edge."):
        assert tool_record_check(text, results) == text
    changed = tool_record_check("I have applied the change to rtl/fifo.v.", results)
    assert changed.startswith("**What happened:** no file was written") and "I have applied" not in changed
