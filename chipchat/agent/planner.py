"""The offline planner: a question in, the right tool calls out, an answer with citations back.

No network and no model weights: :func:`~chipchat.agent.route.route` routes the question
(with the earlier turns, for follow-ups) and a planner of :mod:`chipchat.agent.plans`
turns the route into calls of the same tools a language model gets
(:mod:`chipchat.agent.tools`). :func:`answer` runs them directly (``chipchat ask``); the
offline chat model (:mod:`chipchat.agent.offline`) emits them as tool calls so they run
through the agent loop. What no tool answers is said plainly first, with what chipchat
can do instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from chipchat.agent.intents import Intent
from chipchat.agent.plans import (
    ADVICE,
    CONFIGURE,
    FOLLOW_UP,
    PLANNERS,
    SIGNAL_TOOLS,
    Call,
    Plan,
    Planner,
    period_ns,
    plans,
)
from chipchat.agent.route import route
from chipchat.agent.tools import ToolResult, run_tool
from chipchat.answer import Answer
from chipchat.design import Design
from chipchat.rtl.load import load_model

__all__ = ["ADVICE", "CONFIGURE", "PLANNERS", "Call", "Plan", "Planner", "answer", "compose", "merge", "period_ns",
           "plan", "plans"]


def plan(design: Design, question: str, previous: Sequence[Call] = (), model: Any = None,
         questions: Sequence[str] = ()) -> Plan:
    """The tool calls that answer ``question`` (``previous``: the calls of earlier turns; ``questions``: their
    user messages, oldest first — what follow-ups lean on)."""
    intent = route(question, model if model is not None else load_model(design), list(questions))
    if questions:
        intent.options["previous_question"] = questions[-1]
    last = previous[-1] if previous else None
    if not questions and last is not None and last.tool in SIGNAL_TOOLS and intent.signal and \
            FOLLOW_UP.search(question) and not intent.options.get("why", "").startswith("rule"):
        return Plan(intent, [Call(last.tool, {**last.args, "signal": intent.signal})])  # "and valid_out?"
    planner = PLANNERS.get(intent.name, PLANNERS["search"])
    return planner(design, intent, question, previous)


def compose(plan: Plan, results: Sequence[ToolResult], earlier: Sequence[ToolResult] = ()) -> str:
    """The answer's prose: the honest preface, the tools' results in order, the reply and the note.

    ``earlier``: the previous turn's results. A result of the same kind is not repeated: its
    headline stays, the parts that did not change are left out (and counted), and the numbers that
    did change are put first ("WNS −2.78 → −0.41 ns").
    """
    parts: list[str] = [plan.preface] if plan.preface else []
    for r in results:
        before = next((e for e in reversed(earlier) if e.ok and e.answer.kind == r.answer.kind), None)
        parts.append(changed_only(r, before) if before is not None and r.ok else r.answer.text.rstrip())
        parts.extend(f"> warning: {w}" for w in r.answer.warnings)
    if plan.reply:
        parts.append(plan.reply)
    if plan.note:
        parts.append("_" + plan.note + "_")
    if "read_as" in plan.intent.options:
        parts.append(f"_(I read your question as: \"{plan.intent.options['read_as']}\")_")
    return "\n\n".join(p for p in parts if p)


METRICS = (("wns", "WNS", " ns"), ("tns", "TNS", " ns"), ("worst_slack", "worst slack", " ns"),
           ("clock_period_ns", "clock period", " ns"), ("cells", "cells", ""), ("area", "area", " µm²"),
           ("area_um2", "area", " µm²"), ("flops", "flip-flops", ""))


def changed_only(result: ToolResult, before: ToolResult) -> str:
    """``result``'s text without the paragraphs ``before`` already said, with the changed numbers first."""
    new = [p for p in result.answer.text.strip().split("\n\n") if p.strip()]
    if not new:
        return ""
    old = {p.strip() for p in before.answer.text.split("\n\n")}
    body = [p for p in new[1:] if p.strip() not in old]
    dropped = len(new) - 1 - len(body)
    head = [new[0]] if new[0].strip() not in old or not body else []
    deltas = []
    now, then = _metrics(result.answer.data), _metrics(before.answer.data)
    for key, label, unit in METRICS:
        if key in now and key in then and now[key] != then[key]:
            deltas.append(f"{label} {then[key]:g} → {now[key]:g}{unit}")
    lines = []
    if deltas:
        lines.append("**Since the previous answer:** " + "; ".join(deltas) + ".")
    lines += head + body
    if dropped:
        lines.append(f"_({dropped} part{'s' if dropped != 1 else ''} of this answer — the same as in the previous "
                     "one — are not repeated.)_")
    return "\n\n".join(lines)


def _metrics(data: dict[str, Any]) -> dict[str, float]:
    flat = {**data, **(data.get("metrics") or {})}
    return {k: float(v) for k, _l, _u in METRICS if isinstance((v := flat.get(k)), int | float)}


def merge(plan: Plan, results: Sequence[ToolResult]) -> Answer:
    """One Answer from the tools' results: their text, citations, runs, artifacts and the first one's data."""
    first = results[0].answer if results else None
    ans = Answer(text=compose(plan, results), kind=first.kind if first else "reply",
                 data=dict(first.data) if first else {})
    for r in results:
        ans.merge(r.answer)
    ans.warnings = []  # compose already quoted them in the text
    return ans


def _execute(planner: Planner, design: Design, intent: Intent, question: str) -> Answer:
    p = planner(design, intent, question, ())
    return merge(p, [run_tool(design, c.tool, c.args) for c in p.calls])


Handler = Callable[[Design, Intent, str], Answer]
HANDLERS: dict[str, Handler] = {name: partial(_execute, fn) for name, fn in PLANNERS.items()}


def answer(design: Design, question: str, questions: Sequence[str] = ()) -> Answer:
    """Answer ``question`` about ``design`` offline: route it, run the tools, write the answer."""
    model = load_model(design)
    p = plan(design, question, (), model, questions)
    ans = merge(p, [run_tool(design, c.tool, c.args) for c in p.calls])
    ans.data.setdefault("intent", p.intent.name)
    ans.warnings.extend(parse_problems(design, model))
    return ans


def parse_problems(design: Design, model: Any) -> list[str]:
    """A warning naming the files that could not be parsed (the answer comes from the rest)."""
    skipped = [f for f in model.files if f.status in ("error", "skipped")]
    if not skipped:
        return []
    return ["answered without these files, which could not be parsed: "
            + "; ".join(f"{design.relpath(f.path)}{':' + str(f.line) if f.line else ''}"
                        f"{':' + str(f.col) if f.col else ''}: {f.message}" for f in skipped)]
