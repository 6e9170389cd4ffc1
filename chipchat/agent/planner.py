"""The offline planner: a question in, the right tool calls out, an answer with citations back.

No network and no model weights: :func:`~chipchat.agent.intents.classify` routes the
question and a planner turns the intent into calls of the same tools a language model
gets (:mod:`chipchat.agent.tools`). :func:`answer` runs them directly (``chipchat ask``);
the offline chat model (:mod:`chipchat.agent.offline`) emits them as tool calls so they
run through the agent loop. What needs a model (free-form edits, open-ended advice)
is said plainly, with how to configure one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from chipchat.agent.intents import Intent, classify
from chipchat.agent.tools import ToolResult, run_tool
from chipchat.answer import Answer
from chipchat.design import Design
from chipchat.rtl.load import load_model
from chipchat.types import period_ns as parse_period

CONFIGURE = ("set CHIPCHAT_LLM_BASE_URL (and CHIPCHAT_LLM_MODEL) to an OpenAI-compatible endpoint, e.g. "
             "`CHIPCHAT_LLM_BASE_URL=http://127.0.0.1:11434/v1 CHIPCHAT_LLM_MODEL=qwen2.5-coder chipchat ui DESIGN`")
ADVICE = re.compile(r"\b(should i|would you|recommend|advice|advise|best way|better to|opinion|suggest)\b", re.I)
FOLLOW_UP = re.compile(r"^\s*(and|what about|how about|same for|and for|now)\b", re.I)
SIGNAL_TOOLS = ("drivers", "loads", "assigned_where", "reset_value", "fanin", "show_signal")


@dataclass
class Call:
    """One tool call: the tool's name and its arguments (the design is bound elsewhere)."""

    tool: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    """The tool calls for a question, or a ``reply`` when no tool can answer; ``note`` is appended."""

    intent: Intent
    calls: list[Call] = field(default_factory=list)
    reply: str = ""
    note: str = ""


Planner = Callable[[Design, Intent, str, Sequence[Call]], Plan]
PLANNERS: dict[str, Planner] = {}


def plans(*names: str) -> Callable[[Planner], Planner]:
    def register(fn: Planner) -> Planner:
        for n in names:
            PLANNERS[n] = fn
        return fn

    return register


def _signal_args(intent: Intent) -> dict[str, Any]:
    args: dict[str, Any] = {"signal": intent.signal or ""}
    if intent.module:
        args["module"] = intent.module
    return args


@plans("drivers", "loads", "assigned", "reset", "fanin")
def _structural(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    tool = {"assigned": "assigned_where", "reset": "reset_value"}.get(intent.name, intent.name)
    args = _signal_args(intent)
    if intent.name == "fanin":
        args["depth"] = int(intent.options.get("depth", 3))
    return Plan(intent, [Call(tool, args)])


@plans("ports", "parameters")
def _module_tools(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    return Plan(intent, [Call(intent.name, {"module": intent.module} if intent.module else {})])


@plans("hierarchy")
def _hierarchy(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    return Plan(intent, [Call("hierarchy")])


@plans("summary")
def _summary(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    return Plan(intent, [Call("summarize_design", {"module": intent.module} if intent.module else {})])


@plans("search")
def _search(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    last = previous[-1] if previous else None
    if last is not None and FOLLOW_UP.search(question) and last.tool in SIGNAL_TOOLS and intent.signal:
        return Plan(intent, [Call(last.tool, {**last.args, "signal": intent.signal})])  # "and empty?"
    plan = Plan(intent, [Call("search_design", {"question": question})])
    if ADVICE.search(question):
        plan.note = ("These are the places in the design that match. Open-ended design advice needs a language "
                     "model: the offline planner only answers from chipchat's tools. To get advice, " + CONFIGURE + ".")
    return plan


def period_ns(text: str | None) -> float | None:
    """A clock period named in a question (``8ns``, ``125MHz`` ...) in ns; None when there is none."""
    try:
        return parse_period(text or "")
    except ValueError:
        return None


@plans("timing")
def _timing(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    clock = period_ns(intent.options.get("clock"))
    extra: dict[str, Any] = {"clock_period_ns": clock} if clock else {}
    rank = intent.options.get("rank")
    if rank == "next":
        last = next((c.args.get("rank", 1) for c in reversed(previous) if c.tool in ("nth_worst_path",
                                                                                      "timing_report")), 1)
        rank = str(int(last) + 1)
    if rank and int(rank) > 1:
        return Plan(intent, [Call("nth_worst_path", {"rank": int(rank), **extra})])
    if intent.signal:
        return Plan(intent, [Call("explain_path", {"to": intent.signal, **extra})])
    return Plan(intent, [Call("timing_report", {"paths": 5, **extra})])


@plans("place")
def _place(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    clock = period_ns(intent.options.get("clock"))
    return Plan(intent, [Call("place_design", {"clock_period_ns": clock} if clock else {})])


@plans("sim")
def _sim(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    args: dict[str, Any] = {"simulator": "verilator" if "verilator" in question.lower() else "icarus"}
    pattern = _test_filter(design, question)
    if pattern:
        args["filter"] = pattern
    return Plan(intent, [Call("run_tests", args)])


def _test_filter(design: Design, question: str) -> str | None:
    """A word of the question that names a test ("why does the overflow test fail" → overflow)."""
    try:
        from chipchat.verify import testbench

        names = [t.name.lower() for t in testbench.discover(testbench.tests_dir(design),
                                                              testbench.resolve_modules(design))]
    except Exception:  # noqa: BLE001 - no tests found: run_tests itself will say why
        return None
    skip = {"test", "tests", "the", "run", "why", "does", "fail", "fails", "pass", "and", "tell", "what"}
    for word in re.findall(r"[a-z_][a-z0-9_]{2,}", question.lower()):
        if word not in skip and any(word in n for n in names):
            return word
    return None


@plans("lint")
def _lint(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    return Plan(intent, [Call("lint_design")])


@plans("verify")
def _verify(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    patches = re.findall(r"[\w./*?-]+\.(?:diff|patch)\b", question)
    if patches:
        return Plan(intent, [Call("verify_patches", {"patches": patches})])
    return Plan(intent, reply=("Which patches? Name the diff files relative to the design folder, e.g. "
                               "\"verify patches/a.diff patches/b.diff\" or \"verify patches/*.diff\"; each one is "
                               "applied in a sandbox, linted, built and run against every test."))


@plans("tbgen")
def _tbgen(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    args: dict[str, Any] = {"max_mutants": 20}
    first, _, rest = question.partition("\n")
    if rest.strip():  # "write a testbench from this spec:\n<the spec text>"
        args["spec"] = rest.strip() + "\n"
    return Plan(intent, [Call("generate_testbench", args)])


@plans("mutate")
def _mutate(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    return Plan(intent, [Call("mutation_score", {"max_mutants": 20})])


@plans("propose")
def _propose(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    # the edit tool itself says when no built-in transformation covers a request and a model is needed
    return Plan(intent, [Call("propose_edit", {"request": question})])


@plans("apply")
def _apply(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    if re.search(r"\b(all|every|each)\b", question, re.I):
        return Plan(intent, reply=(
            "I do not apply proposals from a chat message, and never several at once: writing to your files "
            "needs your explicit confirmation of one reviewed proposal. Pick it in the *Proposals* panel, tick "
            "the confirmation box and press *Apply* (or type `/apply ID` in `chipchat chat` and answer y)."))
    m = re.search(r"\b(?:proposal|patch|edit|change)\s+#?([\w-]+)", question, re.I)
    if not m:
        return Plan(intent, reply="Which proposal? Say \"apply proposal ID\" (list_proposals shows the ids).")
    return Plan(intent, [Call("apply_proposal", {"proposal_id": m.group(1)})])


def plan(design: Design, question: str, previous: Sequence[Call] = (), model: Any = None) -> Plan:
    """The tool calls that answer ``question`` (``previous``: the calls of earlier turns, for follow-ups)."""
    intent = classify(question, model if model is not None else load_model(design))
    planner = PLANNERS.get(intent.name, _search)
    return planner(design, intent, question, previous)


def compose(plan: Plan, results: Sequence[ToolResult]) -> str:
    """The answer's prose from the tools' results, in order."""
    parts: list[str] = []
    for r in results:
        parts.append(r.answer.text.rstrip())
        parts.extend(f"> warning: {w}" for w in r.answer.warnings)
    if plan.reply:
        parts.append(plan.reply)
    if plan.note:
        parts.append("_" + plan.note + "_")
    return "\n\n".join(p for p in parts if p)


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


def answer(design: Design, question: str) -> Answer:
    """Answer ``question`` about ``design`` offline: route it, run the tools, write the answer."""
    model = load_model(design)
    intent = classify(question, model)
    handler = HANDLERS.get(intent.name, HANDLERS["search"])
    ans = handler(design, intent, question)
    ans.data.setdefault("intent", intent.name)
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
