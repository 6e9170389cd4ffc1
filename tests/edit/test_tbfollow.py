"""The testbench follows a latency change: checks move later with what they expected captured, stimulus stays."""

from __future__ import annotations

import ast
import json

import pytest

from chipchat.edit.tbfollow import SHIM_MARK, rewrite

TB = '''import cocotb
from cocotb.triggers import FallingEdge


class TB:
    def __init__(self, dut):
        self.dut = dut
        self.expected = 0
        self.n = 0

    def check(self):
        dut = self.dut
        got = int(dut.y.value)
        assert got == self.expected, f"cycle {self.n}: y={got}, expected {self.expected}"

    async def step(self, x):
        self.dut.x.value = x
        await FallingEdge(self.dut.clk)
        self.n += 1
        self.check()
        return int(self.dut.y.value)


@cocotb.test()
async def test_y(dut):
    tb = TB(dut)
    for i in range(4):
        await tb.step(i)
        assert int(dut.y.value) == i * 2
        assert dut.flag.value == 0  # not delayed
    total = 0
    total += 1
    assert int(dut.y.value) == total  # total is captured now: its value at this point is what counts
    seen = int(dut.y.value)
    seen = int(dut.y.value) + 1
    assert seen > 0
'''


def test_checks_of_delayed_outputs_are_deferred_with_their_expectations_captured() -> None:
    rw = rewrite(TB, {"y": 2}, label="goes with p1", clock="clk")
    assert not rw.refused
    ast.parse(rw.source)  # still Python
    assert SHIM_MARK in rw.source and "_CHIPCHAT_CLOCK = 'clk'" in rw.source
    # the model value and the cycle number are taken now; the output is read two cycles later
    assert ("_chipchat_later(2, lambda dut=dut, _v0=self.expected, _v1=self.n, _v2=self.expected: "
            "(int(dut.y.value) == _v0, f'cycle {_v1}: y={int(dut.y.value)}, expected {_v2}'))") in rw.source
    assert "_chipchat_later(2, lambda dut=dut, _v0=i * 2: (int(dut.y.value) == _v0," in rw.source
    assert "lambda total=total, dut=dut: (int(dut.y.value) == total," in rw.source
    assert "assert dut.flag.value == 0" in rw.source  # an output that keeps its timing is left alone
    # the local read only the deferred check used is dropped (it would read an unknown value now)
    assert "# chipchat: `got = int(dut.y.value)` is read by the deferred checks" in rw.source
    # step() returns y, and no caller uses it: the return goes, not the drives or the awaits
    assert "return None  # chipchat: was `int(self.dut.y.value)`" in rw.source
    assert rw.source.count("await FallingEdge(self.dut.clk)") == 1 and "self.dut.x.value = x" in rw.source
    assert "    await _chipchat_flush()  # chipchat: the last deferred checks" in rw.source
    assert rw.tests == ["test_y"]
    # a read of the output kept in a variable assigned twice: which read the check means is unclear
    assert [(ln, why) for ln, why in rw.left] == [(36, "`seen` is assigned more than once, so which value "
                                                       "the check uses is unclear")]


def test_nothing_to_follow_is_refused_with_the_reason() -> None:
    assert "no check of the delayed outputs (z)" in rewrite(TB, {"z": 1}, label="x", clock="clk").refused
    assert "does not parse" in rewrite("def broken(:\n", {"y": 1}, label="x", clock="clk").refused
    once = rewrite(TB, {"y": 1}, label="x", clock="clk").source
    assert "already has a chipchat latency shim" in rewrite(once, {"y": 1}, label="x", clock="clk").refused


def test_mixed_latencies_in_one_check_are_left_as_they_are() -> None:
    tb = TB.replace("assert int(dut.y.value) == i * 2", "assert int(dut.y.value) == int(dut.flag.value)")
    rw = rewrite(tb, {"y": 2, "flag": 1}, label="x", clock="clk")
    assert any("different latencies" in why for _, why in rw.left)


@pytest.fixture
def pipelined_mac16(design_copy):
    """mac16 with a proposal whose outputs arrive two cycles later (carry-save accumulation)."""
    from chipchat.edit.api import propose_edit

    root = design_copy("mac16")
    answer = propose_edit(root, "use carry-save accumulation for acc with 2 stages", check=False)
    return root, answer.data["proposal_id"]


def test_the_testbench_proposal_is_checked_and_confined(pipelined_mac16, files_of) -> None:
    from chipchat.edit.api import apply_proposal, update_testbench

    root, pid = pipelined_mac16
    tests = root.parent.parent / "verification" / "mac16"
    before = files_of(tests)
    answer = update_testbench(root, pid)
    ev = answer.data["evidence"]
    assert answer.data["testbench"] and answer.data["pair"] == pid and answer.data["tests_ok"]
    assert ev["passes_on_edited"] and ev["edited"]["passed"] == ev["edited"]["total"] == 7
    assert ev["fails_on_original"] and ev["original"]["passed"] < 7
    assert ev["same_stimulus"] and ev["flush_ns"] == 20  # two cycles of the testbench's 10 ns clock
    assert "--- a/test_mac16.py" in answer.data["diff"]  # relative to the testbench folder
    assert files_of(tests) == before  # nothing written before confirmation
    tb_id = answer.data["proposal_id"]
    preview = apply_proposal(root, tb_id)
    assert preview.data["needs_confirmation"] and files_of(tests) == before
    done = apply_proposal(root, tb_id, confirm=True)
    assert done.data["applied"] and "_chipchat_later(2," in (tests / "test_mac16.py").read_text()
    assert {f["path"] for f in done.data["files"]} == {"test_mac16.py"}


def test_a_testbench_proposal_may_only_touch_the_test_modules(pipelined_mac16) -> None:
    from chipchat.edit import proposal as store
    from chipchat.edit.api import apply_proposal, update_testbench
    from chipchat.errors import SandboxViolation

    root, pid = pipelined_mac16
    tb_id = update_testbench(root, pid, check=False).data["proposal_id"]
    design_dir = store.folder(__import__("chipchat.rtl.load", fromlist=["x"]).load_design(root), tb_id)
    meta = json.loads((design_dir / "proposal.json").read_text())
    meta["diff"] = meta["diff"].replace("test_mac16.py", "conftest.py")
    (design_dir / "proposal.json").write_text(json.dumps(meta))
    with pytest.raises(SandboxViolation, match="not one of the configured test modules"):
        apply_proposal(root, tb_id, confirm=True)
