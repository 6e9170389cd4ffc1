"""The tool registry: schemas derived from signatures, the design bound, failures as results."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chipchat.agent import tools
from chipchat.agent.tools import ToolSpec, args_schema, available_tools, get_spec, langchain_tools, run_tool
from chipchat.answer import Answer
from chipchat.design import Design
from chipchat.errors import ConfigError, ToolTimeout
from chipchat.rtl.load import load_design


def sample(design: Design, signal: str, depth: int = 3, module: str | None = None,
           progress: object = None, *, patches: list[str] | None = None) -> Answer:
    """Sample tool: looks at a signal.

    Args:
        signal: the RTL signal name.
        depth: how many levels.
            Continued description.
        module: the module.
        patches: diff files.
    """
    return Answer(text=f"{signal} {depth} {module} {patches}", kind="sample")


def test_schema_comes_from_the_signature_and_the_docstring():
    schema = args_schema(ToolSpec("sample", sample), sample).model_json_schema()
    props = schema["properties"]
    assert list(props) == ["signal", "depth", "module", "patches"]  # no design, no callable progress
    assert schema["required"] == ["signal"]
    assert props["depth"]["default"] == 3 and props["depth"]["type"] == "integer"
    assert props["depth"]["description"] == "how many levels. Continued description."
    assert props["signal"]["description"] == "the RTL signal name."
    assert schema["additionalProperties"] is False


def test_hidden_and_fixed_parameters_are_not_offered():
    spec = ToolSpec("sample", sample, hide=("module",), fixed={"depth": 1})
    assert list(args_schema(spec, sample).model_json_schema()["properties"]) == ["signal", "patches"]


def test_extra_arguments_are_refused():
    model = args_schema(ToolSpec("sample", sample), sample)
    with pytest.raises(ValidationError, match="Extra inputs"):
        model(signal="a", confirm=True)


def test_every_registered_tool_has_a_description_and_a_schema_without_the_design():
    specs = available_tools()
    names = {s.name for s in specs}
    assert {"timing_report", "drivers", "run_tests", "place_design", "verify_patches", "search_design",
            "nth_worst_path", "apply_proposal"} <= names
    for spec in specs:
        props = args_schema(spec, spec.fn).model_json_schema().get("properties", {})
        assert "design" not in props
        assert tools.describe(spec, spec.fn) != spec.name, spec.name


def test_the_model_facing_apply_cannot_confirm_or_force():
    spec = get_spec("apply_proposal")
    props = args_schema(spec, spec.fn).model_json_schema()["properties"]
    assert list(props) == ["proposal_id"]


def test_paths_that_run_or_write_stay_out_of_the_schema():
    for name, hidden in (("mutation_score", {"tests", "report_dir", "executor"}), ("run_tests", {"cache_dir"}),
                         ("generate_testbench", {"out", "executor"})):
        spec = get_spec(name)
        assert not hidden & set(args_schema(spec, spec.fn).model_json_schema()["properties"])


def test_unknown_tool_lists_the_valid_ones():
    with pytest.raises(ConfigError, match="no tool named 'nope'") as err:
        get_spec("nope")
    assert "timing_report" in str(err.value)


def test_every_tool_is_a_function_object_of_chipchat():
    for spec in available_tools():
        assert callable(spec.fn) and spec.fn.__module__.startswith("chipchat."), spec.name


@pytest.fixture
def fifo(design_copy):
    return load_design(design_copy("fifo"))


def test_run_tool_returns_the_answer_as_json(fifo):
    result = run_tool(fifo, "drivers", {"signal": "full"})
    assert result.ok and result.answer.kind == "structure" and result.tool == "drivers"
    assert result.to_json()["tool"] == "drivers" and result.to_json()["kind"] == "structure"
    assert any(c.file == "rtl/fifo.v" and c.line == 38 for c in result.answer.citations)
    assert result.content.startswith("[tool output: data read from the design")
    assert "rtl/fifo.v:38" in result.content


def test_expected_failures_come_back_as_results(fifo):
    result = run_tool(fifo, "drivers", {"signal": "no_such_signal"})
    assert not result.ok and "no signal named `no_such_signal`" in result.error
    assert "failed" in result.answer.text and result.to_json()["error"] == result.error


def test_a_timeout_and_a_crash_do_not_raise(fifo, monkeypatch):
    def hung(design: Design) -> Answer:
        """Hangs."""
        raise ToolTimeout("yosys", 0.5)

    def broken(design: Design) -> Answer:
        """Breaks."""
        raise RuntimeError("boom")

    fns = {"hung": hung, "broken": broken}
    monkeypatch.setattr(tools, "get_spec", lambda name: ToolSpec(name, fns[name]))
    timed = run_tool(fifo, "hung")
    assert timed.timed_out and timed.answer.data["timed_out"] and "timed out" in timed.answer.text
    assert "did not finish within 0.5 s" in timed.error
    crashed = run_tool(fifo, "broken")
    assert "internal error in broken: RuntimeError: boom" in crashed.error


def test_langchain_tools_are_bound_to_the_design(fifo):
    bound = {t.name: t for t in langchain_tools(fifo)}
    content, artifact = bound["drivers"].func(signal="full")
    assert "rtl/fifo.v:38" in content and artifact.args == {"signal": "full"}
    assert "design" not in bound["drivers"].args
