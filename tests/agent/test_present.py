"""What the UI shows beside the chat: the source viewer and the tables, from tool results."""

from __future__ import annotations

import pytest

from chipchat.agent import present
from chipchat.agent.tools import ToolResult
from chipchat.errors import ConfigError, SandboxViolation
from chipchat.rtl.load import load_design


@pytest.fixture
def mac16(design_copy):
    return load_design(design_copy("mac16"))


def test_citation_labels_round_trip():
    c = {"file": "rtl/mac16.v", "line": 28, "end_line": 28, "label": "a * b"}
    assert present.citation_label(c) == "rtl/mac16.v:28 — a * b"
    assert present.parse_citation("rtl/mac16.v:28 — a * b") == ("rtl/mac16.v", 28, 28)
    assert present.parse_citation("spec.md:73-80") == ("spec.md", 73, 80)
    with pytest.raises(ConfigError):
        present.parse_citation("no line here")


def test_the_source_viewer_highlights_the_cited_line(mac16):
    html = present.source_html(mac16, "rtl/mac16.v", 28)
    hit = html.split('class="cc-hit"')
    assert len(hit) == 2 and 'id="cc-L28"' in hit[1][:40]
    assert "wire [31:0] product = a * b;" in hit[1].split("</tr>")[0]
    assert "rtl/mac16.v:28" in html and 'id="cc-L16"' in html and 'id="cc-L47"' in html


def test_the_source_viewer_escapes_html(mac16):
    (mac16.root / "rtl" / "mac16.v").write_text("// <script>alert(1)</script>\nmodule m; endmodule\n")
    html = present.source_html(mac16, "rtl/mac16.v", 1)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_source_viewer_opens_test_files_but_nothing_outside_the_design(mac16):
    test_file = next(mac16.tests.dir.glob("test_*.py"))
    assert "cc-hit" in present.source_html(mac16, str(test_file), 1)
    with pytest.raises(SandboxViolation, match="outside the design folder"):
        present.source_html(mac16, "../../../../etc/passwd", 1)
    with pytest.raises(ConfigError, match="does not exist"):
        present.source_html(mac16, "rtl/nope.v", 1)


def test_tables_from_results(tmp_path):
    timing = {"kind": "timing", "data": {"paths": [{"startpoint": "b[2]", "endpoint": "acc[31]", "slack": -2.7,
                                                     "arrival": 6.6, "required": 3.8}]}}
    assert present.timing_rows(timing) == [[1, "b[2]", "acc[31]", -2.7, 6.6, 3.8]]
    sim = {"kind": "sim", "data": {"tests": [{"name": "m.test_a", "short_name": "test_a", "status": "fail",
                                              "sim_time_ns": 194.99999999999994, "wall_s": 0.123,
                                              "message": "x != 1\nmore"}]}}
    assert present.sim_rows(sim) == [["test_a", "fail", 195.0, 0.12, "x != 1"]]
    verify = {"kind": "verify", "data": {"patches": [{"patch": "a.diff", "verdict": "regression", "message": "",
                                                      "sims": {"icarus": {"summary": "3 passed, 1 failed",
                                                                          "newly_failing": [{"test": "m.test_b"}],
                                                                          "newly_passing": []}}}]}}
    assert present.verify_rows(verify) == [["a.diff", "regression", "icarus: 3 passed, 1 failed", "test_b", "", ""]]
    png = tmp_path / "h.png"
    png.write_bytes(b"\x89PNG")
    result = {"artifacts": {"slack_histogram.png": str(png), "gone.png": str(tmp_path / "gone.png"),
                            "paths.md": "x.md"}}
    assert present.pictures(result) == [(str(png), "slack_histogram.png")]
    ok = ToolResult.from_json({**timing, "tool": "timing_report"})
    failed = ToolResult.from_json({"kind": "timing", "error": "x", "tool": "timing_report"})
    assert present.latest([ok, failed], ("timing",)) == ok.to_json()
    assert present.latest([failed], ("timing",)) is None
