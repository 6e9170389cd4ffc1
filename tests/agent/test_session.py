"""The conversation through the agent loop with the offline planner: streaming, citations, memory."""

from __future__ import annotations

import json

import pytest

from chipchat.agent.session import ChatSession
from chipchat.config import Settings
from chipchat.errors import ConfigError
from chipchat.rtl.load import load_design

OFFLINE = Settings()


@pytest.fixture(autouse=True)
def lexical_search(monkeypatch):
    monkeypatch.setenv("CHIPCHAT_EMBEDDINGS", "none")  # the semantic model is benchmarked elsewhere


@pytest.fixture(scope="module")
def mac16(module_copy):
    return load_design(module_copy("mac16"))


def run(session, question):
    events = list(session.stream(question))
    return events, events[-1].turn


def test_the_signature_question_streams_tool_steps_and_cites_rtl_and_runs(mac16):
    session = ChatSession(mac16, config=OFFLINE)
    session.reset()
    events, turn = run(session, "why does this path miss timing?")
    kinds = [e.kind for e in events]
    assert kinds[0] == "tool_start" and events[0].tool == "timing_report"
    assert kinds.index("tool_end") < kinds.index("token") and kinds[-1] == "done"
    assert sum(k == "token" for k in kinds) > 20  # streamed, not one blob
    assert "".join(e.text for e in events if e.kind == "token").strip() == turn.text
    assert "misses timing" in turn.text and "`b[2]` → `acc[31]`" in turn.text
    assert "`rtl/mac16.v:28` (a * b)" in turn.text  # the citation footer
    assert any(c["file"] == "rtl/mac16.v" and c["line"] == 28 for c in turn.citations)
    assert turn.runs and all((mac16.root / ".chipchat" / "runs") in __import__("pathlib").Path(r).parents
                             for r in turn.runs)
    assert "**Tool runs:** `.chipchat/runs/" in turn.text
    assert turn.results[0].answer.data["paths"][1]["endpoint"] == "acc[30]"


def test_follow_ups_survive_a_restart(mac16):
    first = ChatSession(mac16, config=OFFLINE)
    first.reset()
    run(first, "why does this path miss timing?")
    assert first.memory_path.is_file() and first.memory_path.parent == mac16.root / ".chipchat" / "chat"
    again = ChatSession(mac16, config=OFFLINE)  # a new process would read the same file
    assert [r for r, _ in again.history()] == ["user", "assistant"]
    events, turn = run(again, "and the second-worst path?")
    assert events[0].tool == "nth_worst_path" and events[0].args == {"rank": 2}
    assert "**Path #2 of the 5 worst:** `b[2]` → `acc[30]`" in turn.text
    _, turn = run(again, "and the next path?")  # "next" is resolved from the remembered calls
    assert turn.results[0].args["rank"] == 3 and "`acc[29]`" in turn.text


def test_structural_answers_cite_lines_and_say_no_run_was_needed(mac16):
    session = ChatSession(mac16, config=OFFLINE, conversation="structural")
    _, turn = run(session, "what drives acc?")
    assert "rtl/mac16.v:40" in turn.text and "**Tools:** `drivers`" in turn.text
    _, turn = run(session, "and valid_out?")
    assert turn.results[0].tool == "drivers" and "valid_out" in turn.text


def test_what_it_cannot_do_is_said_with_how_to_configure_a_model(mac16):
    session = ChatSession(mac16, config=OFFLINE, conversation="advice")
    _, turn = run(session, "what would you recommend for the multiplier architecture?")
    assert "needs a language model" in turn.text and "CHIPCHAT_LLM_BASE_URL" in turn.text


def test_reset_forgets(mac16):
    session = ChatSession(mac16, config=OFFLINE, conversation="reset")
    run(session, "what drives acc?")
    session.reset()
    assert not session.memory_path.exists() and session.history() == []


def test_an_unreadable_memory_file_is_kept_and_a_new_conversation_starts(mac16):
    path = mac16.root / ".chipchat" / "chat" / "broken.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    session = ChatSession(mac16, config=OFFLINE, conversation="broken")
    events, turn = run(session, "what drives acc?")
    assert events[0].kind == "notice" and "could not be read" in events[0].text
    kept = list(path.parent.glob("broken.unreadable-*.json"))
    assert kept and kept[0].read_text() == "{not json"
    assert json.loads(path.read_text())["messages"]


def test_an_empty_question_is_refused(mac16):
    with pytest.raises(ConfigError, match="empty"):
        list(ChatSession(mac16, config=OFFLINE, conversation="empty").stream("   "))


def test_a_design_that_fails_to_parse_says_which_files_and_answers_from_the_rest(design_copy):
    root = design_copy("fifo")
    (root / "rtl" / "junk.v").write_text("module junk(;\n")
    toml = root / "chipchat.toml"
    toml.write_text(toml.read_text().replace('sources = ["rtl/fifo.v"]', 'sources = ["rtl/*.v"]'))
    session = ChatSession(load_design(root), config=OFFLINE)
    _, turn = run(session, "what drives full?")
    assert "rtl/fifo.v:38" in turn.text
    assert "could not be parsed: rtl/junk.v:1" in turn.text


def test_a_tool_that_times_out_leaves_the_chat_usable(design_copy, monkeypatch):
    session = ChatSession(load_design(design_copy("mac16")), config=OFFLINE)
    monkeypatch.setenv("CHIPCHAT_TOOL_TIMEOUT", "0.05")
    events, turn = run(session, "why does this path miss timing?")
    end = next(e for e in events if e.kind == "tool_end")
    assert end.result.answer.data["timed_out"] and "timed out" in turn.text and "did not finish" in turn.text
    monkeypatch.delenv("CHIPCHAT_TOOL_TIMEOUT")
    _, turn = run(session, "what drives acc?")
    assert "rtl/mac16.v:40" in turn.text
    assert [r for r, _ in session.history()] == ["user", "assistant", "user", "assistant"]


def test_warm_up_and_concurrent_questions_share_the_caches_safely(design_copy):
    from concurrent.futures import ThreadPoolExecutor

    from chipchat.rtl.load import load_model

    design = load_design(design_copy("fifo"))
    cache = design.root / ".chipchat" / "model.json"
    with ThreadPoolExecutor(8) as pool:  # parses that finish together write the model cache together
        for _ in range(15):
            cache.unlink(missing_ok=True)
            assert all(m.top == "fifo" for m in pool.map(lambda _: load_model(design), range(8)))
    sessions = [ChatSession(design, config=OFFLINE, conversation=f"c{i}") for i in range(3)]
    for s in sessions:
        s.warm_up()
    with ThreadPoolExecutor(3) as pool:
        turns = list(pool.map(lambda s: s.ask("what drives full?"), sessions))
    assert all("rtl/fifo.v:38" in t.text for t in turns)
    assert not list((design.root / ".chipchat").rglob("*.tmp"))


def test_run_the_tests_through_the_chat(design_copy):
    from chipchat.agent import present

    session = ChatSession(load_design(design_copy("fifo")), config=OFFLINE)
    events, turn = run(session, "run the tests")
    assert events[0].tool == "run_tests" and events[0].args == {"simulator": "icarus"}
    result = turn.results[0]
    rows = present.sim_rows(result)
    assert rows and all(r[1] == "pass" for r in rows) and "fifo on icarus" in turn.text
    assert turn.runs and "**Tool runs:**" in turn.text


def test_verify_patches_through_the_chat(design_copy):
    from chipchat.agent import present

    root = design_copy("fifo")
    rtl = (root / "rtl" / "fifo.v").read_text().splitlines(keepends=True)
    line = next(i for i, t in enumerate(rtl) if "assign full" in t)
    broken = rtl[:line] + [rtl[line].replace("==", "!=")] + rtl[line + 1:]
    import difflib

    (root / "patches").mkdir()
    (root / "patches" / "break_full.diff").write_text("".join(difflib.unified_diff(
        rtl, broken, "a/rtl/fifo.v", "b/rtl/fifo.v")))
    session = ChatSession(load_design(root), config=OFFLINE)
    events, turn = run(session, "verify patches/*.diff")
    assert events[0].tool == "verify_patches" and events[0].args == {"patches": ["patches/*.diff"]}
    (row,) = present.verify_rows(turn.results[0])
    assert row[:2] == ["break_full", "regression"] and "test_overflow" in row[3], row  # newly failing tests
    _, turn = run(session, "verify ../../outside.diff")
    assert "outside the design folder" in turn.text
