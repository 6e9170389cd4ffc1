"""``chipchat mcp`` over stdio, driven by the SDK's own client: tools, resources, bad input, the journey."""

from __future__ import annotations

import base64
import difflib
import shutil
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError

from chipchat.agent.tools import TOOLS
from tests.mcp.conftest import connect, fingerprint

CHEAP: list[tuple[str, dict[str, Any], str]] = [
    ("summarize_design", {}, "`fifo`"),
    ("search_design", {"question": "where is the write pointer wrapped?"}, "rtl/fifo.v:"),
    ("drivers", {"signal": "full"}, "rtl/fifo.v:38"),
    ("loads", {"signal": "count"}, "rtl/fifo.v:"),
    ("assigned_where", {"signal": "count"}, "rtl/fifo.v:"),
    ("reset_value", {"signal": "count"}, "rtl/fifo.v:"),
    ("fanin", {"signal": "full"}, "count"),
    ("show_signal", {"signal": "full"}, "rtl/fifo.v:22"),
    ("hierarchy", {}, "`fifo` (rtl/fifo.v:12-87)"),
    ("ports", {}, "| `wr_en` |"),
    ("parameters", {}, "DEPTH"),
    ("list_tests", {}, "test_fifo"),
    ("lint_design", {}, "Verilator lint of fifo"),
    ("list_proposals", {}, "No proposals for fifo"),
]


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


def test_tools_and_resources_of_a_root_of_designs(designs: Path) -> None:
    before = fingerprint(designs.parent)

    async def main() -> None:
        async with connect("--root", str(designs), cwd=designs.parent) as client:
            listed = {t.name: t for t in (await client.list_tools()).tools}
            assert set(listed) == set(TOOLS) - {"apply_proposal"}
            assert listed["drivers"].input_schema["required"] == ["design", "signal"]
            for name, args, expected in CHEAP:
                result = await client.call_tool(name, {"design": "fifo", **args})
                assert not result.is_error, (name, text_of(result))
                assert expected in text_of(result), (name, text_of(result))
                data = result.structured_content
                assert data["tool"] == name and data["ok"] and data["answer"]["text"], name
            cited = (await client.call_tool("drivers", {"design": "mac16", "signal": "acc"})).structured_content
            first = cited["answer"]["citations"][0]
            uri = f"chipchat://mac16/{first['file']}?lines={first['line']}-{first['end_line']}"
            source = (designs / "mac16" / first["file"]).read_text().splitlines(keepends=True)
            read = (await client.read_resource(uri)).contents[0]
            assert isinstance(read, types.TextResourceContents)
            assert read.text == "".join(source[first["line"] - 1:first["end_line"]])
            uris = {str(r.uri) for r in (await client.list_resources()).resources}
            assert {"chipchat://fifo/rtl/fifo.v", "chipchat://mac16/rtl/mac16.v"} <= uris
            templates = (await client.list_resource_templates()).resource_templates
            assert any("lines=" in t.uri_template for t in templates)

    anyio.run(main)
    assert fingerprint(designs.parent) == before, "a tool wrote outside .chipchat/"


def test_bad_input_is_refused_with_a_reason(designs: Path) -> None:
    before = fingerprint(designs.parent)

    async def refused(client: Any, name: str, args: dict[str, Any], *words: str) -> None:
        result = await client.call_tool(name, args)
        assert result.is_error, (name, args)
        for word in words:
            assert word in text_of(result), (word, text_of(result))

    async def main() -> None:
        async with connect("--root", str(designs), cwd=designs.parent) as client:
            with pytest.raises(MCPError, match="Unknown tool: 'rm_rf'.*drivers"):
                await client.call_tool("rm_rf", {})
            with pytest.raises(MCPError, match="only when the server runs with --allow-apply"):
                await client.call_tool("apply_proposal", {"design": "fifo", "proposal_id": "x"})
            await refused(client, "drivers", {"design": "fifo", "signal": 5}, "wrong arguments for drivers",
                          "signal: Input should be a valid string")
            await refused(client, "timing_report", {"design": "fifo", "paths": "many"}, "paths")
            await refused(client, "drivers", {"design": "fifo", "signal": "full", "bogus": 1}, "bogus")
            await refused(client, "generate_testbench", {"design": "fifo", "spec": "../mac16/spec.md"},
                          "climbs out of the design folder")
            await refused(client, "verify_patches", {"design": "fifo", "patches": ["/etc/passwd"]},
                          "is an absolute path")
            await refused(client, "drivers", {"design": "uart", "signal": "full"}, "no design named 'uart'",
                          "fifo, mac16")
            await refused(client, "drivers", {"design": "../designs/fifo", "signal": "full"}, "refused")
            await refused(client, "drivers", {"design": "/etc", "signal": "full"}, "refused")
            await refused(client, "drivers", {"signal": "full"}, "name the design")
            with pytest.raises(MCPError, match="climbs out"):
                await client.read_resource("chipchat://fifo/../mac16/spec.md")
            with pytest.raises(MCPError, match="no design named"):
                await client.read_resource("chipchat://secrets/x")
            assert not (await client.call_tool("ports", {"design": "fifo"})).is_error  # still serving

    anyio.run(main)
    assert fingerprint(designs.parent) == before


BROKEN = ("assign full  = (count == FULL_COUNT);", "assign full  = 1'b0;")


def test_the_long_tools_and_their_images(designs: Path) -> None:
    """Placement, paths, tests (with the waveform of a failure), patches and testbench generation, for real."""
    toml = designs / "fifo" / "chipchat.toml"  # the fifo's own tests only (no test that never ends)
    toml.write_text(toml.read_text().replace('"test_fifo", "test_hang"', '"test_fifo"'))
    rtl = designs / "fifo" / "rtl" / "fifo.v"
    original = rtl.read_text()
    broken = original.replace(*BROKEN)
    assert broken != original
    patch = "".join(difflib.unified_diff(original.splitlines(keepends=True), broken.splitlines(keepends=True),
                                         "a/rtl/fifo.v", "b/rtl/fifo.v"))
    (designs / "fifo" / "patches").mkdir()
    (designs / "fifo" / "patches" / "break_full.diff").write_text(patch)
    shutil.copytree(designs / "fifo", designs / "fifo_bad")
    (designs / "fifo_bad" / "rtl" / "fifo.v").write_text(broken)
    before = fingerprint(designs.parent)

    def pngs(result: types.CallToolResult) -> list[bytes]:
        return [base64.b64decode(c.data) for c in result.content if isinstance(c, types.ImageContent)]

    async def main() -> None:
        async with connect("--root", str(designs), cwd=designs.parent) as client:
            placed = await client.call_tool("place_design", {"design": "fifo", "effort": "fast"})
            assert not placed.is_error, text_of(placed)
            assert "after placement" in text_of(placed)
            assert pngs(placed) and pngs(placed)[0].startswith(b"\x89PNG")  # the placement picture
            assert placed.structured_content["result"]["wns"] is not None  # the typed PlaceReport
            assert "picture" in placed.structured_content["resources"]

            second = await client.call_tool("nth_worst_path", {"design": "fifo", "rank": 2})
            assert not second.is_error and "Path #2" in text_of(second)

            failing = await client.call_tool("run_tests", {"design": "fifo_bad", "filter": "fill"})
            assert not failing.is_error and "FAIL" in text_of(failing)
            assert pngs(failing), "no waveform of the failing test"
            waves = [u for k, u in failing.structured_content["resources"].items() if k.startswith("waves:")]
            assert waves and waves[0].startswith("chipchat://fifo_bad/")
            explained = await client.call_tool("explain_test", {"design": "fifo", "test": "fill"})
            assert not explained.is_error and "pass" in text_of(explained)

            verified = await client.call_tool("verify_patches", {"design": "fifo",
                                                                 "patches": ["patches/break_full.diff"]})
            assert not verified.is_error, text_of(verified)
            assert "break_full" in text_of(verified) and "newly failing" in text_of(verified), text_of(verified)

            generated = await client.call_tool("generate_testbench", {"design": "fifo", "grade": False})
            assert not generated.is_error, text_of(generated)
            assert "/.chipchat/tbgen/" in text_of(generated)

    anyio.run(main)
    assert fingerprint(designs.parent) == before, "a tool wrote outside .chipchat/"


def test_the_2026_protocol_era_is_served_too(designs: Path) -> None:
    async def main() -> None:
        async with connect(str(designs / "fifo"), cwd=designs.parent, mode="auto") as client:
            assert client.protocol_version >= "2026"
            result = await client.call_tool("drivers", {"signal": "full"})
            assert not result.is_error and "rtl/fifo.v:38" in text_of(result)

    anyio.run(main)


def test_signature_journey_timing_question_propose_check_apply(designs: Path) -> None:
    mac16 = designs / "mac16"
    source = mac16 / "rtl" / "mac16.v"
    original = source.read_text()
    steps: list[str] = []

    async def progress(value: float, total: float | None, message: str | None) -> None:
        steps.append(message or "")

    async def main() -> None:
        async with connect(str(mac16), "--allow-apply", cwd=designs.parent) as client:
            timing = await client.call_tool("timing_report", {}, progress_callback=progress)
            assert not timing.is_error, text_of(timing)
            assert "mac16 misses timing" in text_of(timing)
            assert {"timing_report: running yosys", "timing_report: running sta"} <= set(steps)
            assert any("static timing" in s for s in steps)  # the function's own stages
            images = [c for c in timing.content if isinstance(c, types.ImageContent)]
            assert images and base64.b64decode(images[0].data).startswith(b"\x89PNG")
            data = timing.structured_content
            assert data["answer"]["data"]["metrics"]["wns"] < 0
            histogram = (await client.read_resource(data["resources"]["slack_histogram.png"])).contents[0]
            assert isinstance(histogram, types.BlobResourceContents) and histogram.blob == images[0].data
            steps.clear()  # again, from the step cache: too fast for a heartbeat, yet every stage is told
            await client.call_tool("timing_report", {}, progress_callback=progress)
            assert "timing_report: static timing (opensta)" in steps and not any("running" in s for s in steps)

            why = await client.call_tool("explain_path", {"to": "acc"})
            assert not why.is_error and "mac16.v:" in text_of(why)

            proposed = await client.call_tool("propose_edit", {"request": "pipeline the multiplier"})
            assert not proposed.is_error, text_of(proposed)
            pid = proposed.structured_content["answer"]["data"]["proposal_id"]
            evidence = proposed.structured_content["answer"]["data"]["evidence"]
            assert evidence["timing"]["ran"] and evidence["build_ok"]
            other = await client.call_tool("propose_edit", {"request": "rename valid_out to out_valid",
                                                            "check": False})
            other_id = other.structured_content["answer"]["data"]["proposal_id"]
            assert source.read_text() == original  # proposing never writes

            shown = await client.call_tool("show_proposal", {"proposal_id": pid})
            assert pid in text_of(shown) and "```diff" in text_of(shown)
            applied = await client.call_tool("apply_proposal", {"proposal_id": pid})
            assert not applied.is_error, text_of(applied)
            assert applied.structured_content["answer"]["data"]["applied"] is True
            assert source.read_text() != original
            stale = await client.call_tool("apply_proposal", {"proposal_id": other_id})
            assert stale.is_error and "stale proposal" in text_of(stale)
            again = await client.call_tool("apply_proposal", {"proposal_id": pid})
            assert again.is_error and "already applied" in text_of(again)
            listed = await client.call_tool("list_proposals", {})
            assert "applied" in text_of(listed)

    anyio.run(main)
