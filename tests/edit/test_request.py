"""The request parser: words in, a transformation and its arguments out (no tools needed)."""

from __future__ import annotations

import pytest

from chipchat.edit.request import Match, parse_request


@pytest.mark.parametrize(("text", "expected"), [
    ("pipeline the multiplier", Match("pipeline", {"operator": "*", "word": "multiplier"})),
    ("Pipeline the adder.", Match("pipeline", {"operator": "+", "word": "adder"})),
    ("insert a pipeline stage on product_q", Match("pipeline", {"signal": "product_q"})),
    ("rename wr_ptr to wptr", Match("rename", {"old": "wr_ptr", "new": "wptr", "comments": False})),
    ("rename the signal tick as bit_tick including comments",
     Match("rename", {"old": "tick", "new": "bit_tick", "comments": True})),
    ("set DEPTH to 32", Match("set_parameter", {"name": "DEPTH", "value": "32"})),
    ("change the parameter WIDTH = 16 in module fifo",
     Match("set_parameter", {"name": "WIDTH", "value": "16", "module": "fifo"})),
    ("register the output dout", Match("register_output", {"name": "dout"})),
    ("add a register on the output full", Match("register_output", {"name": "full"})),
    ("register the output", Match("register_output", {})),
    ("add a synchronous reset", Match("add_sync_reset", {})),
    ("add a synchronous reset to registers that lack one", Match("add_sync_reset", {})),
    ("add a sync reset to product_q using rst", Match("add_sync_reset", {"signal": "product_q", "reset": "rst"})),
    ("make acc 40 bits wide", Match("set_width", {"name": "acc", "width": 40})),
    ("change the width of count to 6", Match("set_width", {"name": "count", "width": 6})),
    ("widen acc to 48 bits", Match("set_width", {"name": "acc", "width": 48})),
    ("Can you please pipeline the multiplier?", Match("pipeline", {"operator": "*", "word": "multiplier"})),
    ("I'd like to rename wr_ptr to wptr, please", Match("rename", {"old": "wr_ptr", "new": "wptr", "comments": False})),
])
def test_requests_map_to_transformations(text: str, expected: Match) -> None:
    assert parse_request(text) == expected


@pytest.mark.parametrize("text", [
    "make it faster", "add an asynchronous reset", "explain the critical path", "", "rename wr_ptr",
    "convert the FSM to one-hot encoding",
])
def test_requests_no_rule_covers(text: str) -> None:
    assert parse_request(text) is None
