"""Inputs that would hang, exhaust or crash a parser are refused with file:line; the rest of the design is read."""

from __future__ import annotations

import os
import time
from pathlib import Path

from chipchat.rtl.build import parse_sources
from chipchat.rtl.frontend import SourceSet
from chipchat.rtl.guards import MAX_OPERATORS, check_file

GOOD = "module good(input a, output y);\n  assign y = ~a;\nendmodule\n"


def _parse(tmp_path: Path, bad: str, name: str = "bad.v"):
    (tmp_path / "good.v").write_text(GOOD)
    (tmp_path / name).write_text(bad)
    t0 = time.monotonic()
    model = parse_sources(SourceSet([tmp_path / "good.v", tmp_path / name]), root=tmp_path)
    return model, time.monotonic() - t0, next(s for s in model.files if s.path.endswith(name))


def test_an_include_of_a_device_is_refused_at_its_line(tmp_path) -> None:
    model, took, status = _parse(tmp_path, 'module b;\n`include "/dev/zero"\nendmodule\n')
    assert status.status == "skipped" and status.line == 2 and "not a regular file" in status.message
    assert "good" in model.modules and took < 5


def test_a_define_that_explodes_is_refused_at_its_line(tmp_path) -> None:
    defs = ["`define L0 xxxxxxxxxxxxxxxx"] + [f"`define L{i} `L{i-1} `L{i-1} `L{i-1} `L{i-1}" for i in range(1, 20)]
    model, took, status = _parse(tmp_path, "\n".join(defs) + "\nmodule b; wire w = `L19; endmodule\n")
    assert status.status == "skipped" and "would expand to more than" in status.message and status.line > 1
    assert "good" in model.modules and took < 5


def test_an_enormous_expression_and_deep_nesting_are_refused(tmp_path) -> None:
    terms = " + ".join(["a"] * (MAX_OPERATORS + 10))
    _, _, status = _parse(tmp_path, f"module b(input a, output y);\n  assign y = {terms};\nendmodule\n")
    assert status.status == "skipped" and "operators" in status.message and status.line == 2
    nested = "module c(input a, output y);\n  assign y = " + "(" * 2000 + "a" + ")" * 2000 + ";\nendmodule\n"
    _, _, status = _parse(tmp_path, nested, "c.v")
    assert status.status == "skipped" and "nested more than" in status.message


def test_a_fifo_or_a_folder_is_never_read(tmp_path) -> None:
    fifo = tmp_path / "pipe.v"
    os.mkfifo(fifo)
    assert "not a regular file" in check_file(fifo, []).message
    assert "not a regular file" in check_file(tmp_path, []).message


def test_a_line_directive_far_beyond_the_file_and_a_long_else_if_chain(tmp_path) -> None:
    arms = "\n".join(f"    else if (s == 12'd{i}) q <= {i % 2};" for i in range(1, 1500))
    text = (f"module d(input clk, input [11:0] s, output reg q);\n`line 99999 \"elsewhere.v\" 0\n"
            f"  always @(posedge clk)\n    if (s == 12'd0) q <= 0;\n{arms}\nendmodule\n")
    model, _, status = _parse(tmp_path, text, "d.v")
    assert status.status == "ok"
    assert len(model.modules["d"].drivers("q")) == 1500


def test_quotes_use_the_line_numbers_pyslang_uses(tmp_path) -> None:
    """A form feed or a U+2028 inside a comment ends no line for pyslang; a quote after it must not shift."""
    text = "module q(input a, output y); // one\x0cline \u2028 still one\n  assign y = ~a;\nendmodule\n"
    model, _, status = _parse(tmp_path, text, "q.v")
    (a,) = model.modules["q"].drivers("y")
    assert a.span.line == 2 and a.text == "assign y = ~a;"
