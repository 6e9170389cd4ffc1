"""``chipchat timing``: arguments, progress on stderr, Markdown or JSON on stdout, errors as one message."""

from __future__ import annotations

import argparse
import json

import pytest

from chipchat.cli import main
from chipchat.cli._common import parse_period


def test_period_units() -> None:
    assert parse_period("8ns") == 8.0 and parse_period("8") == 8.0 and parse_period(" 2.5 ns ") == 2.5
    assert parse_period("2500ps") == pytest.approx(2.5) and parse_period("125MHz") == pytest.approx(8.0)
    assert parse_period("1GHz") == pytest.approx(1.0) and parse_period("0.004us") == pytest.approx(4.0)
    for bad in ("fast", "8 parsecs", "0ns", "-1", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_period(bad)


def test_timing_command_markdown_and_json(shared_design, capsys: pytest.CaptureFixture[str]) -> None:
    root = shared_design("mac16")
    assert main(["timing", str(root), "--clock-period", "8ns", "--paths", "3"]) == 0
    out, err = capsys.readouterr()
    assert "mac16 meets timing at clk 8 ns" in out and "### 3 worst paths" in out
    assert "synthesis (yosys" in err and "static timing (opensta)" in err and "done in" in err
    assert main(["timing", str(root), "--to", "acc", "--json"]) == 0
    out, _ = capsys.readouterr()
    data = json.loads(out)
    assert data["kind"] == "timing" and data["data"]["explanation"]["endpoint"].startswith("acc[")
    assert any(c["file"] == "rtl/mac16.v" for c in data["citations"]) and data["runs"]


def test_errors_are_one_clear_message(shared_design, capsys: pytest.CaptureFixture[str]) -> None:
    root = shared_design("uart_tx")
    assert main(["timing", str(root), "--platform", "nope"]) == 2
    _, err = capsys.readouterr()
    assert "chipchat: error: unknown platform 'nope'" in err and "osu018" in err and "Traceback" not in err
    assert main(["timing", str(root), "--paths", "0"]) == 2
    _, err = capsys.readouterr()
    assert "--paths must be between 1 and 10000" in err
