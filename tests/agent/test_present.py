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
    import re

    assert "wire [31:0] product = a * b;" in re.sub(r"<[^>]+>", "", hit[1].split("</tr>")[0])
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


def test_the_source_viewer_serves_only_files_of_the_design(mac16, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret\n")
    mac16.docs.append(secret)  # what an uploaded chipchat.toml naming an outside file would give
    assert "top secret" in present.source_html(mac16, str(secret), 1)  # a local design: the user's own files
    with pytest.raises(SandboxViolation):
        present.source_html(mac16, str(secret), 1, uploaded=True)  # an upload: only inside its folder
    link = mac16.root / "rtl" / "link.v"
    link.symlink_to(secret)
    with pytest.raises(SandboxViolation):
        present.source_html(mac16, "rtl/link.v", 1, uploaded=True)  # a link out of the folder is not followed
    (mac16.root / ".chipchat").mkdir(exist_ok=True)
    (mac16.root / ".chipchat" / "notes.md").write_text("state\n")
    with pytest.raises(SandboxViolation):
        present.source_html(mac16, ".chipchat/notes.md", 1, uploaded=True)


def test_the_source_viewer_colours_the_code(mac16):
    html = present.source_html(mac16, "rtl/mac16.v", 28)
    assert '<span style="color:' in html and "always" in html


def test_citations_become_links_and_details_fold():
    cites = [{"file": "rtl/mac16.v", "line": 28}]
    text = "**Slow.**\n\nat `rtl/mac16.v:28` and rtl/mac16.v:40-41, not notrtl/mac16.v:3\n\n```\nrtl/mac16.v:28\n```"
    linked = present.linkify(text, cites)
    assert "[rtl/mac16.v:28](#cite=rtl/mac16.v:28)" in linked and "[rtl/mac16.v:40-41](#cite=rtl/mac16.v:40-41)" in linked
    assert "notrtl/mac16.v:3" in linked and "```\nrtl/mac16.v:28\n```" in linked  # code blocks stay text
    folded = present.collapse("**Headline.**\n\n" + "\n".join(f"line {i}" for i in range(20)) +
                              "\n\n- **the reason**\n\nmore")
    head, _, rest = folded.partition("<details>")
    assert head.startswith("**Headline.**") and "- **the reason**" in head and "line 3" in rest
    assert present.collapse("**Short.**\n\nTwo.") == "**Short.**\n\nTwo."


def test_diffs_are_coloured_by_line():
    html = present.diff_html("--- a/x.v\n+++ b/x.v\n@@ -1 +1 @@\n-old <b>\n+new\n same")
    assert '<div class="cc-d-del">-old &lt;b&gt;</div>' in html and '<div class="cc-d-add">+new</div>' in html
    assert 'class="cc-d-hunk"' in html and 'class="cc-d-file"' in html
