"""The agent's registry, exposed as MCP tools: same names and schemas, typed results, images."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest

from chipchat.agent import tools as agent
from chipchat.agent.functions import prepare_apply
from chipchat.answer import Answer
from chipchat.design import Design
from chipchat.errors import ChipChatError
from chipchat.mcp import tools
from chipchat.mcp.designs import Catalog

PNG = b"\x89PNG\r\n\x1a\n" + bytes(100)


def test_every_registered_tool_is_exposed_except_the_uis_half_of_apply() -> None:
    names = set(tools.exposed_tools(allow_apply=False))
    prepare = {n for n, s in agent.TOOLS.items() if s.fn is prepare_apply}
    assert prepare == {"apply_proposal"}
    assert names == set(agent.TOOLS) - prepare
    offered = tools.exposed_tools(allow_apply=True)
    assert set(offered) == set(agent.TOOLS)
    assert offered["apply_proposal"].spec.fn is tools.apply_checked and offered["apply_proposal"].writes
    assert not any(t.writes for n, t in offered.items() if n != "apply_proposal")


def test_a_tool_added_to_the_registry_appears_without_a_change(monkeypatch: pytest.MonkeyPatch) -> None:
    def close_timing(design: Design, target_ns: float, rounds: int = 3, progress: Any = None) -> Answer:
        """Close timing by iterating checked edits.

        Args:
            target_ns: the clock period to meet.
            rounds: how many edit rounds at most.
        """
        return Answer(text="closed")

    monkeypatch.setitem(agent.TOOLS, "close_timing", agent.ToolSpec("close_timing", close_timing))
    exposed = tools.exposed_tools(allow_apply=False)["close_timing"]
    schema = exposed.definition(None).input_schema
    assert set(schema["properties"]) == {"target_ns", "rounds"}  # progress is the server's own
    assert schema["required"] == ["target_ns"]
    assert schema["properties"]["target_ns"]["description"] == "the clock period to meet."
    assert exposed.takes_progress()


def test_schemas_are_the_agents_less_what_places_files_or_runs_jobs() -> None:
    for name, exposed in tools.exposed_tools(allow_apply=True).items():
        props = set(exposed.definition(None).input_schema.get("properties", {}))
        assert not props & set(tools.HIDDEN), name
        if name in agent.TOOLS and agent.TOOLS[name].fn is exposed.spec.fn:
            spec = agent.TOOLS[name]
            assert props == set(agent.args_schema(spec, spec.fn).model_fields) - set(tools.HIDDEN), name
    timing = tools.exposed_tools(False)["timing_report"].definition(None)
    assert timing.description and "WNS" in timing.description
    assert timing.annotations is not None and timing.annotations.read_only_hint
    assert timing.input_schema["additionalProperties"] is False


def test_a_server_of_several_designs_asks_for_the_design_first() -> None:
    definition = tools.exposed_tools(False)["drivers"].definition(["fifo", "mac16"])
    assert list(definition.input_schema["properties"])[0] == "design"
    assert definition.input_schema["required"][0] == "design"
    assert "fifo, mac16" in definition.input_schema["properties"]["design"]["description"]


def test_wrong_arguments_are_told_in_words() -> None:
    drivers = tools.exposed_tools(False)["drivers"]
    assert drivers.validate({"signal": "full"}) == {"signal": "full"}
    with pytest.raises(ChipChatError, match=r"wrong arguments for drivers: signal: Input should be a valid string"):
        drivers.validate({"signal": 5})
    with pytest.raises(ChipChatError, match="signal: Field required"):
        drivers.validate({})
    with pytest.raises(ChipChatError, match="colour: Extra inputs are not permitted") as err:
        drivers.validate({"signal": "full", "colour": "red"})
    assert "drivers takes: signal, module" in str(err.value)
    timing = tools.exposed_tools(False)["timing_report"]
    with pytest.raises(ChipChatError, match="clock_period_ns"):
        timing.validate({"clock_period_ns": "fast"})
    with pytest.raises(ChipChatError, match="jobs: Extra inputs"):
        tools.exposed_tools(False)["mutation_score"].validate({"jobs": 64})


@dataclass
class Placed:
    """A stand-in typed result: its own JSON and its Answer."""

    wns: float
    picture: Path

    def to_json(self) -> dict[str, Any]:
        return {"wns": self.wns, "picture": self.picture}

    def answer(self) -> Answer:
        return Answer(text=f"WNS {self.wns} ns", kind="place", artifacts={"picture": str(self.picture),
                                                                          "log": str(self.picture.with_suffix(".log"))})


def test_results_carry_markdown_images_and_the_typed_result(tmp_path: Path) -> None:
    png = tmp_path / "placement.png"
    png.write_bytes(PNG)
    value = Placed(-0.5, png)
    result = agent.ToolResult("place_design", {}, value.answer(), value)
    out = tools.to_call_result(result, lambda p: "chipchat://d/" + Path(p).name)
    assert not out.is_error
    text, image = out.content
    assert isinstance(text, types.TextContent) and text.text.startswith("WNS -0.5 ns")
    assert isinstance(image, types.ImageContent) and image.mime_type == "image/png"
    assert base64.b64decode(image.data) == PNG
    data = out.structured_content
    assert data["result"] == {"wns": -0.5, "picture": str(png)}
    assert data["answer"]["kind"] == "place" and data["ok"] is True
    assert data["resources"] == {"picture": "chipchat://d/placement.png", "log": "chipchat://d/placement.log"}


def test_a_failed_call_is_an_error_result_the_model_can_read() -> None:
    result = agent.run_tool(Design(root=Path("/nonexistent"), name="x", top="x", sources=[]), "ports",
                            {"module": "nope"})
    out = tools.to_call_result(result, lambda p: None)
    assert out.is_error and out.structured_content["error"]
    assert "failed" in out.content[0].text  # type: ignore[union-attr]


def test_progress_callbacks_say_what_finished() -> None:
    @dataclass
    class Mutant:
        id: str

    @dataclass
    class MutantResult:
        mutant: Mutant
        status: str

    assert tools.progress_text(("synthesis (yosys, osu018)",)) == "synthesis (yosys, osu018)"
    assert tools.progress_text((3, MutantResult(Mutant("m004"), "killed"))) == "m004 killed"
    assert tools.progress_text(("place", "done", 1.5)) == "place; done"
    assert tools.progress_text((7,)) == "step finished"


def test_apply_checked_refuses_an_unknown_proposal(designs: Path) -> None:
    design = Catalog(root=designs).get("fifo")
    exposed = tools.exposed_tools(allow_apply=True)["apply_proposal"]
    result = tools.execute(exposed, design, exposed.validate({"proposal_id": "nope"}), lambda _m: None)
    assert not result.ok and "nope" in result.error


def test_structured_content_is_strict_json() -> None:
    data = tools.jsonable({"slack": float("inf"), "wns": float("nan"), "path": Path("/x"), "pair": (1, 2)})
    assert data == {"slack": "Infinity", "wns": "NaN", "path": "/x", "pair": [1, 2]}
