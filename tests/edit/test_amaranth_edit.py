"""Amaranth edits: located with `ast`, applied to the Python source, re-elaborated and checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipchat.edit.amaranth_edit import run_amaranth
from chipchat.edit.check import parse_errors
from chipchat.edit.context import Plan, Unsupported
from chipchat.rtl.load import load_design
from chipchat.sandbox.box import Sandbox
from chipchat.sandbox.patch import diff_edits


def plan_for(root: Path, transform: str, **args: object) -> Plan:
    result = run_amaranth(transform, load_design(root), dict(args))
    assert isinstance(result, Plan), getattr(result, "reason", result)
    return result


def edited(root: Path, plan: Plan) -> tuple[str, str, list[str]]:
    """(diff, new alu8.py text, elaboration/parse errors of the edited design)."""
    design = load_design(root)
    diff, texts = diff_edits(design.root, plan.edits)
    with Sandbox(design, "am") as box:
        box.apply(diff)
        errors = parse_errors(box.design())
    return diff, texts["rtl/alu8.py"], errors


@pytest.fixture
def alu8(design_copy) -> Path:
    return design_copy("alu8")


def test_rename_a_local_signal(alu8: Path) -> None:
    diff, new, errors = edited(alu8, plan_for(alu8, "rename", old="carry_nxt", new="carry_next"))
    assert errors == []
    assert "carry_nxt" not in new and new.count("carry_next") == 10
    assert "carry_next = Signal()  # next value of carry" in new


def test_rename_a_port_and_comments_when_asked(alu8: Path) -> None:
    plan = plan_for(alu8, "rename", old="y", new="result_q")
    _, new, errors = edited(alu8, plan)
    assert errors == []
    assert "    result_q: Out(8)\n" in new and "self.result_q.eq(result)" in new and "~self.result_q.any()" in new
    assert "``y``: 8-bit result register" in new  # docstrings are not comments: left alone
    assert plan.port_map == {"y": "result_q"}
    _, new, _ = edited(alu8, plan_for(alu8, "rename", old="result", new="res", comments=True))
    assert "# Zero flag: combinational from the registered res." in new


def test_change_a_width(alu8: Path) -> None:
    _, new, errors = edited(alu8, plan_for(alu8, "set_width", name="result", width=9))
    assert errors == [] and "result = Signal(9)  # next value of y" in new
    _, new, errors = edited(alu8, plan_for(alu8, "set_width", name="a", width=16))
    assert errors == [] and "    a: In(16)\n" in new


def test_change_a_constant(alu8: Path) -> None:
    src = alu8 / "rtl" / "alu8.py"
    text = src.read_text().replace("class Op(enum.Enum, shape=3):", "WIDTH = 8\n\n\nclass Op(enum.Enum, shape=3):")
    src.write_text(text.replace("a: In(8)", "a: In(WIDTH)"))
    plan = plan_for(alu8, "set_parameter", name="WIDTH", value="12")
    _, new, errors = edited(alu8, plan)
    assert errors == [] and "WIDTH = 12\n" in new


def test_register_an_output_moves_it_to_the_sync_domain(alu8: Path) -> None:
    plan = plan_for(alu8, "register_output", name="zero")
    diff, new, errors = edited(alu8, plan)
    assert errors == []
    assert "-        m.d.comb += self.zero.eq(~self.y.any())\n+        m.d.sync += self.zero.eq(~self.y.any())" in diff
    assert plan.latency == {"zero": 1}


def test_register_one_output_out_of_a_list(alu8: Path) -> None:
    src = alu8 / "rtl" / "alu8.py"
    src.write_text(src.read_text().replace(
        "m.d.comb += self.zero.eq(~self.y.any())", "m.d.comb += [self.zero.eq(~self.y.any()), Signal().eq(1)]"))
    _, new, errors = edited(alu8, plan_for(alu8, "register_output", name="zero"))
    assert errors == []
    assert "        m.d.comb += [Signal().eq(1)]\n        m.d.sync += self.zero.eq(~self.y.any())\n" in new


def test_refusals_say_why(alu8: Path) -> None:
    design = load_design(alu8)

    def reason(transform: str, **args: object) -> str:
        result = run_amaranth(transform, design, dict(args))
        assert isinstance(result, Unsupported)
        return result.reason

    assert "already driven in the `sync` domain" in reason("register_output", name="y")
    assert "no signal 'resutl'" in reason("rename", old="resutl", new="x")
    assert "not a valid Python identifier" in reason("rename", old="result", new="class")
    assert "not an integer width" in reason("set_width", name="op", width=4)
    assert "no constant or parameter 'DEPTH'" in reason("set_parameter", name="DEPTH", value="4")
    assert "not covered for Amaranth" in reason("pipeline", operator="*")


def test_an_elaboration_error_is_reported_at_the_python_line(alu8: Path) -> None:
    src = alu8 / "rtl" / "alu8.py"
    src.write_text(src.read_text().replace("class Op(enum.Enum, shape=3):", "WIDTH = 8\n\n\nclass Op(enum.Enum, shape=3):")
                   .replace("result = Signal(8)", "result = Signal(WIDTH)"))
    _, _, errors = edited(alu8, plan_for(alu8, "set_parameter", name="WIDTH", value="undefined_name"))
    assert len(errors) == 1
    assert "rtl/alu8.py:" in errors[0] and "undefined_name" in errors[0]
