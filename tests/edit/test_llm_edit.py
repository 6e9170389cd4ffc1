"""Model-written edits, against a scripted OpenAI-compatible server on 127.0.0.1 (no real network)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from chipchat.edit.api import propose_edit
from chipchat.edit.llm_edit import diff_from_reply
from chipchat.errors import SandboxViolation, ToolFailed
from chipchat.rtl.load import load_design
from chipchat.sandbox.patch import PatchError

REQUEST = "make the read handshake explicit with a named ready signal"


def fifo_reply(text: str, note: str = "The latency does not change.") -> str:
    return f"Here is the edit.\n\nFILE: rtl/fifo.v\n```verilog\n{text}```\n\n{note}\n"


def good_edit(original: str) -> str:
    return original.replace("    wire do_read  = rd_en && !empty;   // accepted read this cycle",
                            "    wire rd_ready = !empty;             // a word is there to read\n"
                            "    wire do_read  = rd_en && rd_ready;  // accepted read this cycle")


def test_a_broken_edit_is_fed_back_and_repaired(design_copy, scripted_llm, files_of) -> None:
    root = design_copy("fifo")
    original = (root / "rtl" / "fifo.v").read_text()
    broken = good_edit(original).replace("wire rd_ready = !empty;", "wire rd_ready = !empty")  # missing `;`
    server = scripted_llm([fifo_reply(broken), fifo_reply(good_edit(original))])
    before = files_of(root)
    answer = propose_edit(root, REQUEST, timing=False)
    data = answer.data
    assert data["engine"] == "llm" and data["build_ok"]
    rounds = (Path(data["folder"]) / "proposal.json").read_text()
    assert '"round": 2' in rounds
    # round 1's compiler message went back to the model, with the file and line
    feedback = server.user_messages(1)[-1]
    assert "does not build" in feedback and "rtl/fifo.v:36" in feedback and "expected ';'" in feedback
    assert REQUEST in server.user_messages(0)[0] and "FILE: rtl/fifo.v" in server.user_messages(0)[0]
    assert server.requests[0]["body"]["model"] == "scripted-model"
    ev = data["evidence"]
    assert ev["tests"]["simulators"]["icarus"]["patched"] == "7/7 pass"
    assert "+    wire rd_ready = !empty;" in data["diff"]
    assert "round 1: The edited design does not build" in answer.text and "round 2: accepted" in answer.text
    assert files_of(root) == before


def test_newly_failing_tests_are_fed_back_and_repaired(design_copy, scripted_llm, files_of) -> None:
    """An edit that builds but breaks behaviour: the tests it broke, with their messages, go back to the
    model, and the repaired round is the proposal."""
    root = design_copy("fifo")
    original = (root / "rtl" / "fifo.v").read_text()
    wrong = good_edit(original).replace("wire rd_ready = !empty;", "wire rd_ready = 1'b1;")  # reads when empty
    server = scripted_llm([fifo_reply(wrong), fifo_reply(good_edit(original))])
    before = files_of(root)
    answer = propose_edit(root, REQUEST, timing=False)
    data = answer.data
    assert data["engine"] == "llm" and data["build_ok"]
    feedback = server.user_messages(1)[-1]
    assert "These tests passed before your edit and fail now:" in feedback
    assert "test_underflow (icarus)" in feedback and "Fix the design (not the tests)" in feedback
    assert "does not build" not in feedback
    assert data["evidence"]["tests"]["simulators"]["icarus"]["patched"] == "7/7 pass"
    assert "+    wire rd_ready = !empty;" in data["diff"] and "1'b1" not in data["diff"]
    assert files_of(root) == before


def test_a_model_edit_that_leaves_the_design_folder_is_refused(design_copy, scripted_llm, files_of) -> None:
    root = design_copy("fifo")
    server = scripted_llm(["FILE: ../../outside.v\n```\nmodule outside; endmodule\n```\n"])
    before = files_of(root)
    with pytest.raises(SandboxViolation, match=r"\.\."):
        propose_edit(root, REQUEST, timing=False)
    assert len(server.requests) == 1
    assert not (root.parent.parent / "outside.v").exists() and files_of(root) == before


def test_a_covered_request_stays_with_the_transformation(design_copy, scripted_llm) -> None:
    root = design_copy("fifo")
    server = scripted_llm([])
    answer = propose_edit(root, "rename wr_ptr to wptr", check=False)
    assert answer.data["engine"] == "rename" and server.requests == []


def test_rounds_are_bounded(design_copy, scripted_llm) -> None:
    root = design_copy("fifo")
    server = scripted_llm(["I cannot do that.", "Still no files.", "No."])
    with pytest.raises(ToolFailed, match="no usable edit in 2 round"):
        propose_edit(root, REQUEST, timing=False, repair_rounds=1)
    assert len(server.requests) == 2
    assert "could not be used" in server.user_messages(1)[-1]


def test_an_unreachable_model_is_a_clear_error(design_copy, monkeypatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("CHIPCHAT_LLM_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("CHIPCHAT_LLM_MAX_RETRIES", "0")
    with pytest.raises(ToolFailed, match="cannot reach the language model") as err:
        propose_edit(design_copy("fifo"), REQUEST)
    assert "CHIPCHAT_LLM_BASE_URL" in str(err.value)


def test_replies_as_unified_diffs_are_accepted_and_checked(design_copy) -> None:
    design = load_design(design_copy("fifo"))
    diff = ("```diff\n--- a/rtl/fifo.v\n+++ b/rtl/fifo.v\n@@ -36,1 +36,1 @@\n"
            "-    wire do_read  = rd_en && !empty;   // accepted read this cycle\n"
            "+    wire do_read  = rd_en & !empty;    // accepted read this cycle\n```\n")
    assert diff_from_reply(design, diff).startswith("--- a/rtl/fifo.v")
    with pytest.raises(PatchError, match="changes no file"):
        diff_from_reply(design, "no files here")
    with pytest.raises(SandboxViolation):
        diff_from_reply(design, "FILE: /etc/passwd\n```\nroot\n```\n")
