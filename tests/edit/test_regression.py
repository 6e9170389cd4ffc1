"""An edit whose outputs really differ from the original (data lost, not just later) is a regression."""

from __future__ import annotations

from chipchat.answer import Answer
from chipchat.edit.check import CheckOptions, check_edit
from chipchat.rtl.load import load_design
from chipchat.sandbox.patch import unified_diff
from tests.edit.test_transforms import edited, plan_for


def test_lost_data_is_a_regression_not_a_latency_change(design_copy, tmp_path) -> None:
    root = design_copy("mac16")
    _, texts = edited(root, plan_for(root, "pipeline", signal="product"))
    broken = texts["rtl/mac16.v"].replace("acc <= acc + product_q;", "acc <= product_q;")  # forgets the sum
    diff = unified_diff("rtl/mac16.v", (root / "rtl" / "mac16.v").read_text(), broken)
    ev = check_edit(load_design(root), diff, folder=tmp_path / "p", latency={"acc": 1, "valid_out": 1},
                    compare="lagged", options=CheckOptions(timing=False, formal_s=20))
    assert ev["regression"] is True
    assert ev["summary"].startswith("REGRESSION: the outputs differ from the original beyond the latency change")
    assert ev["equivalence"]["formal"]["status"] == "counterexample"
    assert "is a regression: the outputs differ from the original's, not just later" in ev["markdown"]
    assert "assume the old latency" not in ev["summary"]


def test_a_pure_delay_is_not_a_regression(design_copy, tmp_path) -> None:
    root = design_copy("mac16")
    diff, _ = edited(root, plan_for(root, "pipeline", signal="product"))
    ev = check_edit(load_design(root), diff, folder=tmp_path / "p", latency={"acc": 1, "valid_out": 1},
                    compare="lagged", options=CheckOptions(timing=False, formal_s=20))
    assert ev["regression"] is False and ev["equivalence"]["formal"]["status"] == "proved"
    assert "all 7 assume the old latency" in ev["summary"]
    assert "update the testbench for the new latency" in ev["markdown"]


def test_propose_exits_non_zero_on_a_regression(monkeypatch, design_copy) -> None:
    import chipchat.edit.api as api
    from chipchat.cli import main

    root = design_copy("mac16")

    def fake(*_a: object, **_k: object) -> Answer:
        return Answer(text="x", data={"proposal_id": "p", "build_ok": True, "regression": True})

    monkeypatch.setattr(api, "propose_edit", fake)
    assert main(["propose", str(root), "pipeline the multiplier"]) == 1
    monkeypatch.setattr(api, "propose_edit", lambda *a, **k: Answer(text="x", data={"proposal_id": "p"}))
    assert main(["propose", str(root), "pipeline the multiplier"]) == 0
