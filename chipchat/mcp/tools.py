"""The agent's tools as MCP tools: the same functions, the same schemas, typed results.

Every :class:`~chipchat.agent.tools.ToolSpec` in :data:`chipchat.agent.tools.TOOLS` is exposed
under its own name, with the JSON schema the agent's model sees (derived from the function's
signature and docstring by :func:`~chipchat.agent.tools.args_schema`), so a tool added to the
registry appears here without a change. Three differences, all about what a remote client may
do:

- the agent's ``apply_proposal`` (``prepare_apply``: half of the UI's two-step apply) is not
  exposed; a server started with ``--allow-apply`` exposes :func:`apply_checked` under that name
  instead, which writes a stored proposal by id and only when its stale check passes;
- parameters that choose where files are written or what runs the jobs (``out``, ``report_dir``,
  ``cache_dir``, ``executor``, ``jobs``) are never offered, so nothing is written outside
  ``<design>/.chipchat/``; ``progress`` is the server's own (notifications);
- when the server serves several designs, every tool takes a ``design`` name.

A call's result is the :class:`~chipchat.agent.tools.ToolResult` of
:func:`~chipchat.agent.tools.run_tool`, sent as the Markdown answer (text), the PNG artifacts
(image content: placement, slack histogram, waveforms) and ``structuredContent``: the Answer
as JSON and the typed result's own ``to_json()`` where it has one, plus ``chipchat://`` URIs
of the artifacts, readable as resources.
"""

from __future__ import annotations

import base64
import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import mcp_types as types
from pydantic import BaseModel, ValidationError

from chipchat.agent import functions as conv
from chipchat.agent.tools import ToolResult, ToolSpec, args_schema, available_tools, describe, run_tool
from chipchat.answer import Answer
from chipchat.design import Design
from chipchat.errors import ChipChatError

HIDDEN = ("progress", "out", "out_dir", "report_dir", "cache_dir", "executor", "jobs")
PREPARE_ONLY = (conv.prepare_apply,)  # the UI's first half of applying: an MCP client gets apply_checked
MAX_IMAGES = 4
MAX_IMAGE_BYTES = 4 * 1024 * 1024


def apply_checked(design: Design, proposal_id: str) -> Answer:
    """Write a stored proposal to the design's files (offered only when the server runs with --allow-apply).

    Refused when a file it changes was edited since the proposal was made (stale: propose again) or
    when its evidence shows that the edited design does not build. The originals are backed up under
    ``.chipchat/proposals/<id>/backup/`` (``chipchat apply --undo`` restores them).

    Args:
        proposal_id: the id of a proposal from propose_edit or list_proposals.
    """
    return conv.confirm_apply(design, proposal_id, force=False)


APPLY = ToolSpec("apply_proposal", apply_checked)


@dataclass(frozen=True)
class Exposed:
    """One MCP tool: its registry entry and the argument model clients are held to."""

    spec: ToolSpec
    args: type[BaseModel]
    writes: bool = False

    @property
    def name(self) -> str:
        return self.spec.name

    def definition(self, designs: list[str] | None) -> types.Tool:
        """The tool as ``tools/list`` shows it (``designs``: the names, when the server serves several)."""
        schema = self.args.model_json_schema()
        schema.pop("title", None)
        if designs is not None:
            schema.setdefault("properties", {})
            schema["properties"] = {"design": {"type": "string", "description": "the design to work on: "
                                               + ", ".join(designs)}, **schema["properties"]}
            schema["required"] = ["design", *schema.get("required", [])]
        return types.Tool(
            name=self.name, title=self.name.replace("_", " "), description=describe(self.spec, self.spec.fn),
            input_schema=schema,
            annotations=types.ToolAnnotations(read_only_hint=not self.writes, destructive_hint=self.writes,
                                              idempotent_hint=not self.writes, open_world_hint=False))

    def validate(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """The arguments as the function takes them; a readable :class:`ChipChatError` when they are wrong."""
        try:
            model = self.args.model_validate(dict(arguments))
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}"
                                 + (f" (got {e['input']!r})" if e["type"] != "missing" and e.get("input") is not None
                                    and not isinstance(e.get("input"), dict) else "")
                                 for e in exc.errors())
            fields = ", ".join(self.args.model_fields) or "none"
            raise ChipChatError(f"wrong arguments for {self.name}: {problems}",
                                hint=f"{self.name} takes: {fields} (see its input schema)") from None
        return {k: getattr(model, k) for k in model.model_fields_set}

    def takes_progress(self) -> bool:
        return "progress" in inspect.signature(self.spec.fn).parameters


def exposed_tools(allow_apply: bool) -> dict[str, Exposed]:
    """Every registered tool a client may call, by name (see the module docstring)."""
    out: dict[str, Exposed] = {}
    for spec in available_tools():
        if spec.fn in PREPARE_ONLY:
            continue
        served = replace(spec, hide=tuple(dict.fromkeys((*spec.hide, *HIDDEN))))
        out[spec.name] = Exposed(served, args_schema(served, spec.fn))
    if allow_apply:
        out[APPLY.name] = Exposed(APPLY, args_schema(APPLY, APPLY.fn), writes=True)
    return out


def execute(tool: Exposed, design: Design, kwargs: dict[str, Any], progress: Callable[[str], None]) -> ToolResult:
    """Run one tool (in a worker thread); failures come back inside the result, never as exceptions."""
    call = dict(kwargs)
    if tool.takes_progress():
        call["progress"] = lambda *args: progress(progress_text(args))
    from chipchat.agent.tools import TOOLS

    if TOOLS.get(tool.name) is not None and TOOLS[tool.name].fn is tool.spec.fn:
        result = run_tool(design, tool.name, call)
    else:
        result = _run_own(tool.spec, design, call)
    result.args.pop("progress", None)
    return result


def _run_own(spec: ToolSpec, design: Design, call: dict[str, Any]) -> ToolResult:
    """:func:`run_tool` for a tool the agent does not have (apply_checked)."""
    try:
        value = spec.fn(design, **call)
        return ToolResult(spec.name, call, value.answer(), value)
    except ChipChatError as exc:
        return ToolResult(spec.name, call, Answer(text=f"**The `{spec.name}` tool failed:** {exc}", kind="error",
                                                  data={"error": str(exc)}), error=str(exc))


def progress_text(args: tuple[Any, ...]) -> str:
    """A progress callback's arguments in words: its text, or the id and status of what finished."""
    words: list[str] = []
    for arg in args:
        if isinstance(arg, str):
            words.append(arg)
        elif not isinstance(arg, (int, float)):
            inner = [v for v in getattr(arg, "__dict__", {}).values() if isinstance(getattr(v, "id", None), str)]
            bits = [v.id for v in inner] + [getattr(arg, k) for k in ("id", "name", "patch", "test", "status")
                                             if isinstance(getattr(arg, k, None), str)]
            words.append(" ".join(bits) or type(arg).__name__)
    return "; ".join(w for w in words if w) or "step finished"


def to_call_result(result: ToolResult, uri_of: Callable[[str], str | None]) -> types.CallToolResult:
    """The MCP result: Markdown, images, and the typed result as structured content."""
    answer = result.answer
    content: list[Any] = [types.TextContent(type="text", text=answer.to_markdown())]
    images = 0
    for path in answer.artifacts.values():
        png = Path(path)
        if images < MAX_IMAGES and png.suffix.lower() == ".png" and png.is_file() \
                and png.stat().st_size <= MAX_IMAGE_BYTES:
            content.append(types.ImageContent(type="image", data=base64.b64encode(png.read_bytes()).decode(),
                                              mime_type="image/png"))
            images += 1
    structured: dict[str, Any] = {"tool": result.tool, "ok": result.ok, "duration_s": round(result.duration_s, 3),
                                  "answer": answer.to_json(), "result": typed_json(result.value),
                                  "resources": {k: u for k, v in answer.artifacts.items() if (u := uri_of(v))}}
    if result.error:
        structured.update(error=result.error, timed_out=result.timed_out)
    return types.CallToolResult(content=content, structured_content=jsonable(structured), is_error=not result.ok)


def typed_json(value: Any) -> Any:
    """The typed result's own JSON (``to_json()``), or None when it is the Answer itself or has none."""
    if value is None or isinstance(value, Answer):
        return None
    to_json = getattr(value, "to_json", None)
    return to_json() if callable(to_json) else None


def jsonable(data: Any) -> Any:
    """Plain JSON: paths and other values as text, and an infinite or undefined number (an unconstrained
    slack) as the text "Infinity" / "NaN", which strict JSON has no number for."""
    return json.loads(json.dumps(data, default=str), parse_constant=str)


def error_result(message: str) -> types.CallToolResult:
    """A tool error the calling model can read and correct (bad arguments, a refused path ...)."""
    return types.CallToolResult(content=[types.TextContent(type="text", text=message)],
                                structured_content={"ok": False, "error": message}, is_error=True)
