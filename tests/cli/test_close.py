"""``chipchat close``: the budget from the command line, progress on stderr, the answer on stdout, exit codes."""

from __future__ import annotations

import json

import pytest

from chipchat.cli import main


def test_close_with_a_zero_budget_shows_the_limit(design_copy, capsys: pytest.CaptureFixture[str]) -> None:
    root = design_copy("mac16")
    assert main(["close", str(root), "--clock-period", "4ns", "--candidates", "0", "--no-place"]) == 1
    out, err = capsys.readouterr()
    assert "baseline timing at 4 ns" in err
    assert "**mac16 does not meet 4 ns yet**: the budget ran out" in out and "What clock can it meet?" in out
    assert main(["close", str(root), "--candidates", "0", "--no-place", "--json"]) == 1
    data = json.loads(capsys.readouterr()[0])["data"]
    assert data["closed"] is False and data["stop"] == "budget" and data["period_ns"] == 4.0
    assert data["clock"]["stage"] == "synthesis" and data["attempts"] == []


def test_close_refuses_bad_input_with_one_message(design_copy, capsys: pytest.CaptureFixture[str]) -> None:
    root = design_copy("mac16")
    assert main(["close", str(root), "--candidates", "-2"]) == 2
    assert "chipchat: error: a budget cannot be negative" in capsys.readouterr()[1]
