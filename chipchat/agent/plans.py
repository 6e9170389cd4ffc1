"""From a routed question to tool calls: one planner per route, registered by name.

Each planner turns an :class:`~chipchat.agent.intents.Intent` (the route and the design
names it found) into the calls of the same tools a language model gets, or into a
``reply`` when no tool can answer — said plainly first ("I can't …", "There is no pending
proposal …"), followed by what chipchat can do. ``preface`` is written before the tools'
results (the honest note that a search hit is only the closest passage).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from chipchat.agent.intents import Intent
from chipchat.design import Design
from chipchat.types import period_ns as parse_period

CONFIGURE = ("set CHIPCHAT_LLM_BASE_URL (and CHIPCHAT_LLM_MODEL) to an OpenAI-compatible endpoint, e.g. "
             "`CHIPCHAT_LLM_BASE_URL=http://127.0.0.1:11434/v1 CHIPCHAT_LLM_MODEL=qwen2.5-coder chipchat ui DESIGN`")
ADVICE = re.compile(r"\b(should i|would you|recommend|advice|advise|best way|better to|opinion|suggest)\b", re.I)
FOLLOW_UP = re.compile(r"^\s*(and|what about|how about|same for|and for|now)\b", re.I)
SIGNAL_TOOLS = ("drivers", "loads", "assigned_where", "reset_value", "fanin", "show_signal")
CAN_DO = ("what I can do for this design: trace a signal (\"what drives X?\", \"who reads X?\", \"reset value of X\"), "
          "list ports, parameters, the hierarchy or a module's operations, summarize it, find where something is "
          "handled, check its health, report its size, timing and placement, run its tests, lint it, score its "
          "tests with mutants, write a testbench from its spec, and propose checked edits that you apply (and undo)")
REFUSALS = {
    "destructive": "I won't delete or overwrite files from a chat message. chipchat changes a design only through a "
                   "reviewed proposal that you apply yourself — and can undo.",
    "secrets": "I can't do that: chipchat does not read or reveal keys, passwords, environment variables or any file "
               "outside the design.",
    "injection": "I can't do that: a message cannot replace or reveal my instructions, and I do not apply proposals "
                 "from a chat message — writing to your files needs your own confirmation of one reviewed proposal.",
    "outside": "I can't do that: chipchat works on this design on this machine; it does not send mail, submit files "
               "to a foundry, or book or buy anything.",
}


@dataclass
class Call:
    """One tool call: the tool's name and its arguments (the design is bound elsewhere)."""

    tool: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    """The tool calls for a question, or a ``reply`` when no tool can answer; ``preface``/``note`` frame the results."""

    intent: Intent
    calls: list[Call] = field(default_factory=list)
    reply: str = ""
    note: str = ""
    preface: str = ""


Planner = Callable[[Design, Intent, str, Sequence[Call]], Plan]
PLANNERS: dict[str, Planner] = {}


def plans(*names: str) -> Callable[[Planner], Planner]:
    def register(fn: Planner) -> Planner:
        for n in names:
            PLANNERS[n] = fn
        return fn

    return register


def english(intent: Intent, question: str) -> str:
    """The question as the router read it (translated from another language when it was)."""
    return intent.options.get("read_as", question)


def period_ns(text: str | None) -> float | None:
    """A clock period named in a question (``8ns``, ``125MHz`` ...) in ns; None when there is none."""
    try:
        return parse_period(text or "")
    except ValueError:
        return None


def _signal_args(intent: Intent) -> dict[str, Any]:
    args: dict[str, Any] = {"signal": intent.signal or ""}
    if intent.module:
        args["module"] = intent.module
    return args


@plans("drivers", "loads", "assigned", "reset", "fanin", "show")
def _structural(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    tool = {"assigned": "assigned_where", "reset": "reset_value", "show": "show_signal"}.get(intent.name, intent.name)
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
    plan = Plan(intent, [Call("search_design", {"question": english(intent, question)})])
    if intent.options.get("why", "").startswith("not recognised") or \
            intent.options.get("why", "").startswith("a structural question"):
        plan.preface = ("I did not recognise a chipchat tool that answers this, so these are only the closest "
                        "passages in the design — they may not answer your question.")
    if ADVICE.search(question):
        plan.note = ("These are the places in the design that match. Open-ended design advice needs a language "
                     "model: the offline planner only answers from chipchat's tools. To get advice, " + CONFIGURE + ".")
    return plan


@plans("cannot")
def _cannot(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    why = intent.options.get("why", "")
    if why.startswith("refuse:"):
        return Plan(intent, reply=f"**{REFUSALS[why.split(':', 1)[1]]}**\n\nInstead, {CAN_DO}.")
    if why == "foreign":
        return Plan(intent, reply=("**I did not understand this question.** The offline planner reads English and the "
                                   "common words of French, German, Spanish and Chinese; please ask again in English, "
                                   f"or name the signal or tool you mean.\n\nFor reference, {CAN_DO}."))
    reply = (f"**I can't answer that: it is not about the design `{design.name}`, and none of chipchat's tools "
             f"answers it.**\n\nWhat I can do instead — {CAN_DO}.")
    return Plan(intent, reply=reply)


ACHIEVABLE_CLOCK = re.compile(r"\b(what|which|how fast a|fastest|max(imum)?|highest|best)\b.{0,30}\b(clock|frequency|fmax|"
                              r"period)\b.{0,30}\b(meet|reach|run|achiev|make|close|hit|handle|support|can)|"
                              r"\bfmax\b|\bmax(imum)? (clock )?freq", re.I)


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
    if ACHIEVABLE_CLOCK.search(question):  # one number first, its stage, and why others differ
        placed = bool(re.search(r"\b(plac|layout|after placement|with wires)", question, re.I))
        return Plan(intent, [Call("what_clock", {**extra, **({"place": True} if placed else {})})])
    return Plan(intent, [Call("timing_report", {"paths": 5, **extra})])


@plans("close")
def _close(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    from chipchat.agent.tools import TOOLS

    clock = period_ns(intent.options.get("clock"))
    if clock is None:
        clock = next((c.args["clock_period_ns"] for c in reversed(previous) if c.args.get("clock_period_ns")), None)
    if "close_timing" in TOOLS:
        return Plan(intent, [Call("close_timing", {"clock_period_ns": clock} if clock else {})])
    plan = Plan(intent, [Call("timing_report", {"paths": 5, **({"clock_period_ns": clock} if clock else {})})])
    plan.preface = ("**Timing closure — changing the design until it meets a clock — is not in this build of "
                    "chipchat.** Here is where the design stands" + (f" at {clock:g} ns" if clock else "") +
                    "; I can propose one specific change at a time (e.g. \"pipeline the multiplier\"), check it, "
                    "and re-time it.")
    return plan


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
    skip = {"test", "tests", "the", "run", "why", "does", "fail", "fails", "pass", "and", "tell", "what", "only",
            "still", "with", "rerun", "all"}
    for word in re.findall(r"[a-z_][a-z0-9_]{2,}", question.lower()):
        word = word.removeprefix("test_")
        if word not in skip and any(word in n for n in names):
            return word
    return None


@plans("lint")
def _lint(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    return Plan(intent, [Call("lint_design")])


@plans("verify")
def _verify(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    patches = re.findall(r"[\w./*?-]+\.(?:diff|patch)\b", question)
    if not patches and re.search(r"\bpatches/", question):
        patches = ["patches/*.diff"]
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
    return Plan(intent, [Call("propose_edit", {"request": english(intent, question)})])


@plans("health")
def _health(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    q = english(intent, question).lower()
    picks = [name for name, pattern in HEALTH_FOCUS if re.search(pattern, q)]
    return Plan(intent, [Call("health_check", {"checks": ",".join(picks)} if picks else {})])


HEALTH_FOCUS = [("latches", r"\blatch"), ("cdc", r"\bcdc\b|clock[- ]domain|cross(ing)? clock|crossing|metastab"),
                ("resets", r"\breset|\brst\b"), ("multiple_drivers", r"multi\w*[- ]?driv|driven (twice|more)"),
                ("loops", r"\bloops?\b"), ("undriven", r"undriven|unused"), ("black_boxes", r"black[- ]?box")]


@plans("size")
def _size(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    clock = period_ns(intent.options.get("clock"))
    return Plan(intent, [Call("design_size", {"clock_period_ns": clock} if clock else {})])


@plans("compute")
def _compute(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    args = {"question": english(intent, question)}
    if intent.options.get("previous_question"):
        args["previous"] = intent.options["previous_question"]
    return Plan(intent, [Call("design_math", args)])


@plans("features")
def _features(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    args: dict[str, Any] = {"question": english(intent, question)}
    if intent.module:
        args["module"] = intent.module
    return Plan(intent, [Call("module_features", args)])


@plans("apply")
def _apply(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    if re.search(r"\b(all|every|each)\b", question, re.I):
        return Plan(intent, reply=(
            "I do not apply proposals from a chat message, and never several at once: writing to your files "
            "needs your explicit confirmation of one reviewed proposal. Press *Apply* on the proposal in the chat "
            "and confirm it (or type `/apply ID` in `chipchat chat` and answer y)."))
    m = re.search(r"\b(?:proposal|patch|edit|change)\s+#?([a-z0-9][\w-]*\d[\w-]*|p\d+)\b", question, re.I)
    if m:
        return Plan(intent, [Call("apply_proposal", {"proposal_id": m.group(1)})])
    pending = _proposals(design, "proposed")
    if not pending:
        return Plan(intent, reply=("**There is no proposal waiting to be applied.** Ask for a change first — e.g. "
                                   "\"pipeline the multiplier\" or \"rename busy to tx_busy\" — I check it and show "
                                   "its diff, and then you can apply it."))
    return Plan(intent, [Call("apply_proposal", {"proposal_id": pending[0].id})])


@plans("undo")
def _undo(design: Design, intent: Intent, question: str, previous: Sequence[Call]) -> Plan:
    m = re.search(r"\b(?:proposal|patch|edit|change)\s+#?([a-z0-9][\w-]*\d[\w-]*|p\d+)\b", question, re.I)
    if m:
        return Plan(intent, [Call("undo_proposal", {"proposal_id": m.group(1)})])
    applied = _proposals(design, "applied")
    if not applied:
        undone = _proposals(design, "undone")
        last = f" (the last one, `{undone[0].id}` — {undone[0].title}, is already undone)" if undone else ""
        return Plan(intent, reply=f"**Nothing to undo: no proposal is applied to {design.name}**{last}.")
    return Plan(intent, [Call("undo_proposal", {"proposal_id": applied[0].id})])


def _proposals(design: Design, status: str) -> list[Any]:
    """The design's proposals with ``status``, the most recently made (or applied) first."""
    from chipchat.edit import proposal as store

    items = [p for p in store.all_proposals(design) if p.status == status]
    return sorted(items, key=lambda p: (p.applied or p.created, p.created), reverse=True)
