"""The instance tree and citations stay fast on huge hierarchies (issue 16)."""

from __future__ import annotations

import time
from pathlib import Path

from chipchat.answer import Answer
from chipchat.qa.structure import show_signal
from chipchat.qa.tree import MAX_TREE_ROWS, hierarchy
from chipchat.rtl.load import load_design
from chipchat.types import Span


def _binary_tree(root: Path, depth: int) -> Path:
    root.mkdir()
    text = [f"module m{depth}(input clk, input d, output reg q); always @(posedge clk) q <= d; endmodule"]
    for k in range(depth - 1, -1, -1):
        text.append(f"module m{k}(input clk, input d, output q);\n  wire a;\n  m{k + 1} l(.clk(clk), .d(d), .q(a));\n"
                    f"  m{k + 1} r(.clk(clk), .d(a), .q(q));\nendmodule")
    (root / "top.v").write_text("\n".join(text) + "\n")
    return root


def test_a_binary_tree_twenty_levels_deep_is_counted_not_walked(tmp_path: Path) -> None:
    design = load_design(_binary_tree(tmp_path / "bin", 20))
    hierarchy(design)  # parse and cache the model
    t0 = time.monotonic()
    answer = hierarchy(design)
    assert time.monotonic() - t0 < 5
    assert answer.data["instances"] == 2**21 - 1 and answer.data["truncated"]
    assert len(answer.data["tree"]) == MAX_TREE_ROWS
    assert answer.data["tree"][:3] == [{"depth": 0, "instance": "m0", "module": "m0", "active": True},
                                       {"depth": 1, "instance": "l", "module": "m1", "active": True},
                                       {"depth": 2, "instance": "l", "module": "m2", "active": True}]
    assert "2,097,151 in all" in answer.text and "Modules not under the top" not in answer.text


def test_a_small_tree_is_listed_whole_with_unused_modules(tmp_path: Path) -> None:
    root = tmp_path / "small"
    root.mkdir()
    (root / "top.v").write_text(
        "module leaf(input a, output b); assign b = a; endmodule\n"
        "module spare(input a, output b); assign b = a; endmodule\n"
        "module top(input a, output b); wire w; leaf u0(.a(a), .b(w)); leaf u1(.a(w), .b(b)); endmodule\n")
    design = load_design(root)
    design.top = "top"
    answer = hierarchy(design)
    assert [r["instance"] for r in answer.data["tree"]] == ["top", "u0", "u1"]
    assert "truncated" not in answer.data and "`spare`" in answer.text


def test_fifty_thousand_instances(tmp_path: Path) -> None:
    n = 50_000
    root = tmp_path / "wide"
    root.mkdir()
    lines = ["module leaf(input clk, input d, output reg q); always @(posedge clk) q <= d; endmodule",
             f"module top(input clk, input d, output q);\n  wire [{n}:0] w;\n  assign w[0] = d;"]
    lines += [f"  leaf u{i}(.clk(clk), .d(w[{i}]), .q(w[{i + 1}]));" for i in range(n)]
    lines.append(f"  assign q = w[{n}];\nendmodule")
    (root / "top.v").write_text("\n".join(lines) + "\n")
    design = load_design(root)
    hierarchy(design)
    t0 = time.monotonic()
    assert hierarchy(design).data["instances"] == n + 1
    shown = show_signal(design, "w")
    assert time.monotonic() - t0 < 30
    assert len(shown.citations) > n  # every instance it passes through is cited, once


def test_citing_is_constant_time_and_keeps_appended_citations() -> None:
    answer = Answer(text="")
    t0 = time.monotonic()
    for i in range(100_000):
        answer.cite(Span("/x/top.v", i + 1), "/x")
    answer.cite(Span("/x/top.v", 1), "/x")
    assert time.monotonic() - t0 < 5 and len(answer.citations) == 100_000
    other = Answer(text="")
    other.cite(Span("/x/a.v", 3), "/x")
    answer.citations.append(other.citations[0])  # appended by hand: still deduplicated afterwards
    answer.merge(other)
    assert len(answer.citations) == 100_001 and answer.citations[-1].file == "a.v"
