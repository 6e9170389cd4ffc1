"""What the conversation guards: one writer per design, an upload's Python held back, and the tool record over a
model's claims.

- :func:`write_lock`: applying and undoing hold one lock per design folder, so two browser tabs applying the
  same proposal cannot both write — the second one is told it is already applied.
- :func:`held_back` / :func:`health_without_tests`: for an uploaded (untrusted) design, the tools that would run
  its own Python (cocotb tests, mutants, checked edits) answer "not run" until the user allows it.
- :func:`tool_record_check`: no tool a model can call writes, so a model's sentence claiming a write
  ("All proposals applied and rtl/ deleted.") is removed and replaced by what the tool record shows.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from chipchat.agent.tools import ToolResult
from chipchat.answer import Answer
from chipchat.design import Design

_WRITE_LOCKS: dict[str, threading.Lock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()

def input_refusal(q: str, limit: int, blocked: str | None) -> str | None:
    """Why a message is not run at all (too long; an untrusted design's Python not yet allowed), or None."""
    if len(q) > limit:
        return (f"**Your message is {len(q) / 1000:.0f} kB; I read messages of up to {limit // 1000} kB.** "
                "Nothing was run. Put long text — a spec, a log — in a file of the design folder (e.g. `spec.md`) "
                "and ask about it, or paste the part that matters.")
    if blocked is not None:
        return (f"**I have not read this design yet: {blocked}, and an uploaded design's code runs only when you "
                "allow it.** Press *Allow running this design's Python* in the Design panel (it runs confined: "
                "no network, and it can write only to its own run folder), then ask again.")
    return None


def session_tools(design: Design, trusted: bool) -> list[Any]:
    """The LangChain tools bound to ``design``; for an untrusted upload with tests, the ones running them held back."""
    from chipchat.agent.tools import langchain_tools

    tools = langchain_tools(design)
    if trusted or design.tests.dir is None:
        return tools
    for t in tools:
        if t.name in RUNS_DESIGN_PYTHON:
            t.func = held_back(t.name)
        elif t.name == "health_check":
            t.func = health_without_tests(design)
    return tools


RUNS_DESIGN_PYTHON = ("run_tests", "explain_test", "mutation_score", "verify_patches", "propose_edit")


def held_back(name: str) -> Any:
    def call(**kwargs: Any) -> tuple[str, ToolResult]:
        message = (f"{name} was not run: it runs this uploaded design's Python tests, and an upload's code runs only "
                   "when the user allows it (the *Allow running this design's Python* button)")
        result = ToolResult(name, kwargs, Answer(text=f"**Not run:** {message}.", kind="error"), error=message)
        return result.content, result
    return call


def health_without_tests(design: Design) -> Any:
    from chipchat.agent.tools import run_tool
    from chipchat.qa.health import CHECKS

    def call(checks: str = "all") -> tuple[str, ToolResult]:
        wanted = [c for c in (CHECKS if checks.strip() in ("", "all") else checks.split(",")) if c != "tests"]
        result = run_tool(design, "health_check", {"checks": ",".join(wanted)})
        result.answer.warnings.append("the design's tests were not run: they are this upload's Python, which runs "
                                      "only when you allow it")
        return result.content, result
    return call


def write_lock(design: Design) -> threading.Lock:
    """The lock every write to ``design``'s files holds (apply, undo)."""
    key = str(design.root.resolve())
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(key, threading.Lock())


_CLAIM = re.compile(r"\b(applied|deleted|removed|wrote|written|overwrote|overwritten|modified|changed|committed|"
                    r"reverted|restored|undone|created|renamed|edited|updated|saved|pushed)\b", re.I)
_NEGATED = re.compile(r"\b(not|no|nothing|never|n't|without|won't|cannot|can't|would|will|could|once you|"
                      r"if you|to apply|needs?|after you)\b", re.I)
_OBJECT = re.compile(r"\b(files?|rtl|sources?|proposals?|changes?|design|folder|director(y|ies)|disk|repo|code|"
                     r"patch|diff|edit|\w+\.(v|sv|py|vhd|toml))\b|/", re.I)


def tool_record_check(text: str, results: list[ToolResult]) -> str:
    """A model's answer with its claims of writes removed: no tool a model can call writes, so the tool
    record — not the model — says what happened. The removed claims are replaced by that record."""
    sentences = re.split(r"(?<=[.!?])\s+|\n", text)
    kept, dropped = [], []
    for sentence in sentences:
        if _CLAIM.search(sentence) and _OBJECT.search(sentence) and not _NEGATED.search(sentence):
            dropped.append(sentence)
        else:
            kept.append(sentence)
    if not dropped:
        return text
    ran = ", ".join(dict.fromkeys(f"`{r.tool}`" for r in results)) or "none"
    record = (f"**What happened:** no file was written in this turn — the tools that ran ({ran}) do not write, and "
              "writing needs your confirmation of a proposal. A statement of the model that said otherwise was "
              "removed.")
    body = " ".join(s for s in kept if s.strip())
    return record + ("\n\n" + body if body.strip() else "")

