"""Edits written by a language model, checked like every other proposal, repaired in bounded rounds.

The model gets the request and the design's sources and answers with the complete new
content of each file it changes (``FILE: rtl/x.v`` followed by a fenced block) — more
robust than asking it for a diff; chipchat makes the diff itself with ``difflib``. A
reply that is a unified diff is accepted too. Every diff goes through the patch checks
(:func:`chipchat.sandbox.patch.check_paths`): a path that leaves the design folder raises
:class:`~chipchat.errors.SandboxViolation` and nothing is checked or written. Compile
errors and newly failing tests are fed back for ``repair_rounds`` more attempts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from chipchat.config import Settings
from chipchat.design import Design
from chipchat.edit.check import CheckOptions, check_edit
from chipchat.edit.proposal import source_files
from chipchat.errors import ConfigError, ToolFailed
from chipchat.llm import chat_model
from chipchat.sandbox.patch import PatchError, check_paths, parse_patch, unified_diff

MAX_SOURCE_CHARS = 60_000
FILE_BLOCK = re.compile(r"^FILE:\s*`?([^\s`]+)`?\s*\n```[^\n]*\n(.*?)^```\s*$", re.M | re.S)
DIFF_BLOCK = re.compile(r"```(?:diff|patch)\s*\n(.*?)^```", re.M | re.S)

SYSTEM = """You are a careful hardware design engineer. You edit a design's source files \
(Verilog, SystemVerilog or Amaranth Python) to do what the user asks, changing nothing else.
Answer with the COMPLETE new content of every file you change, each as:

FILE: <path relative to the design folder, exactly as given>
```
<the whole file>
```

Do not change testbenches. Keep comments and formatting. If a change alters the latency of an \
output, say so in one sentence after the files."""


@dataclass
class Round:
    number: int
    reply: str
    diff: str = ""
    problem: str = ""  # why it was not accepted (fed back to the model)
    evidence: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        ev = self.evidence or {}
        return {"round": self.number, "reply": self.reply, "diff": self.diff, "problem": self.problem,
                "summary": ev.get("summary", "")}


@dataclass
class LlmResult:
    diff: str
    evidence: dict[str, Any] | None
    rounds: list[Round] = field(default_factory=list)
    explanation: str = ""


def prompt(design: Design, request: str) -> str:
    parts = [f"Design `{design.name}` (top module `{design.top}`). Request: {request}", "", "Source files:"]
    used = 0
    for rel in source_files(design):
        text = (design.root / rel).read_text(encoding="utf-8", errors="replace")
        if used + len(text) > MAX_SOURCE_CHARS:
            parts.append(f"(file {rel} left out: the sources exceed {MAX_SOURCE_CHARS} characters)")
            continue
        used += len(text)
        parts += [f"FILE: {rel}", "```", text.rstrip("\n"), "```", ""]
    return "\n".join(parts)


def diff_from_reply(design: Design, reply: str, name: str = "llm") -> str:
    """A checked unified diff from a model reply (full files or a diff); raises PatchError/SandboxViolation."""
    blocks = FILE_BLOCK.findall(reply)
    if blocks:
        parts: list[str] = []
        root = design.root.resolve()
        for rel, content in blocks:
            rel = rel.removeprefix("./")
            target = (root / rel).resolve() if not PurePosixPath(rel).is_absolute() else Path(rel)
            inside = target.is_relative_to(root) and ".." not in PurePosixPath(rel).parts
            if inside and target.is_file():
                old = target.read_text(encoding="utf-8")
                parts.append(unified_diff(rel, old, content))
            else:  # a new file, or a path outside the design: the patch checks below decide
                lines = content.splitlines(keepends=True)
                body = "".join("+" + ln if ln.endswith("\n") else "+" + ln + "\n\\ No newline at end of file\n"
                               for ln in lines)
                parts.append(f"--- /dev/null\n+++ b/{rel}\n@@ -0,0 +1,{len(lines)} @@\n{body}")
        text = "".join(parts)
    else:
        found = DIFF_BLOCK.search(reply)
        text = found.group(1) if found else reply[reply.find("--- "):] if "--- " in reply else ""
    if not text.strip():
        raise PatchError("malformed", "the reply changes no file (no `FILE:` blocks and no unified diff)",
                         hint="answer with FILE: <path> and the complete file in a fenced block")
    patch = parse_patch(text, name)
    check_paths(patch, design.root)
    return text


def feedback(evidence: dict[str, Any]) -> str:
    """What went wrong, in words a model can act on (empty when the candidate is acceptable)."""
    if not evidence.get("build_ok", True):
        errors = "\n".join(evidence.get("build_errors", [])[:10])
        return f"The edited design does not build:\n{errors}\nFix it and answer again with the complete files."
    failing = [(sim, f) for sim, row in (evidence.get("tests") or {}).get("simulators", {}).items()
               for f in row.get("newly_failing", [])]
    if failing:
        lines = "\n".join(f"- {f['test']} ({sim}): {f.get('message', '')}" for sim, f in failing[:10])
        return ("These tests passed before your edit and fail now:\n" + lines
                + "\nFix the design (not the tests) and answer again with the complete files.")
    return ""


def llm_edit(design: Design, request: str, folder: Path, options: CheckOptions, *, repair_rounds: int = 2,
             settings: Settings, check: bool = True) -> LlmResult:
    """Ask the model for the edit, check it, feed failures back; the last usable candidate wins."""
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    if repair_rounds < 0:
        raise ConfigError(f"repair rounds must be 0 or more, got {repair_rounds}")
    model = chat_model(settings)
    messages: list[Any] = [SystemMessage(SYSTEM), HumanMessage(prompt(design, request))]
    rounds: list[Round] = []
    best: Round | None = None
    quick = replace(options, timing=False, compare=False)
    for number in range(1, repair_rounds + 2):
        reply = _invoke(model, messages, settings)
        current = Round(number, reply)
        rounds.append(current)
        messages.append(AIMessage(reply))
        try:
            current.diff = diff_from_reply(design, reply, f"llm-round-{number}")
        except PatchError as exc:
            current.problem = f"The reply could not be used: {exc.message}"
            messages.append(HumanMessage(current.problem + "\nAnswer again with the complete files."))
            continue
        if not check:
            best = current
            break
        current.evidence = check_edit(design, current.diff, folder=folder / f"round-{number}", options=quick)
        current.problem = feedback(current.evidence)
        if best is None or _score(current) < _score(best):
            best = current
        if not current.problem:
            break
        messages.append(HumanMessage(current.problem))
    if best is None:
        raise ToolFailed("llm", f"the model gave no usable edit in {len(rounds)} round(s): {rounds[-1].problem}",
                         hint="rephrase the request, or raise the number of repair rounds")
    evidence = check_edit(design, best.diff, folder=folder, options=options, compare="exact") if check else None
    tail = best.reply[best.reply.rfind("```") + 3:].strip() if "```" in best.reply else ""
    return LlmResult(best.diff, evidence, rounds, tail[:500])


def _score(r: Round) -> tuple[int, int]:
    ev = r.evidence or {}
    if not ev.get("build_ok", True):
        return (2, 0)
    failing = sum(len(row.get("newly_failing", [])) for row in (ev.get("tests") or {}).get("simulators", {}).values())
    return (1 if failing else 0, failing)


def _invoke(model: Any, messages: list[Any], settings: Settings) -> str:
    import openai

    try:
        reply = model.invoke(messages)
    except (openai.APIConnectionError, openai.APITimeoutError) as exc:
        raise ToolFailed("llm", f"cannot reach the language model at {settings.llm_base_url}: {exc}",
                         hint="check CHIPCHAT_LLM_BASE_URL, or unset it to work offline") from None
    except openai.APIStatusError as exc:
        raise ToolFailed("llm", f"the language model at {settings.llm_base_url} answered {exc.status_code}: "
                         f"{str(exc)[:300]}", hint="check CHIPCHAT_LLM_MODEL and OPENAI_API_KEY") from None
    content = reply.content
    return content if isinstance(content, str) else "".join(
        c.get("text", "") if isinstance(c, dict) else str(c) for c in content)
