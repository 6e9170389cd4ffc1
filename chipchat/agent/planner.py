"""The offline planner: a question in, the right tool run, an answer with citations out.

No network and no model weights: :func:`~chipchat.agent.intents.classify` routes the
question, and a handler calls the same typed tool functions that the CLI and a
language model use. What needs a model (free-form edits, open-ended prose) is said
plainly, with how to configure one.
"""

from __future__ import annotations

from collections.abc import Callable

from chipchat.agent.intents import Intent, classify
from chipchat.answer import Answer
from chipchat.design import Design
from chipchat.qa import structure
from chipchat.qa.search import search_answer
from chipchat.rtl.load import load_model

Handler = Callable[[Design, Intent, str], Answer]
HANDLERS: dict[str, Handler] = {}


def handles(*names: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for n in names:
            HANDLERS[n] = fn
        return fn

    return register


@handles("drivers")
def _drivers(design: Design, intent: Intent, question: str) -> Answer:
    return structure.drivers(design, intent.signal or "", intent.module)


@handles("loads")
def _loads(design: Design, intent: Intent, question: str) -> Answer:
    return structure.loads(design, intent.signal or "", intent.module)


@handles("assigned")
def _assigned(design: Design, intent: Intent, question: str) -> Answer:
    return structure.assigned_where(design, intent.signal or "", intent.module)


@handles("reset")
def _reset(design: Design, intent: Intent, question: str) -> Answer:
    return structure.reset_value(design, intent.signal or "", intent.module)


@handles("fanin")
def _fanin(design: Design, intent: Intent, question: str) -> Answer:
    depth = int(intent.options.get("depth", 3))
    return structure.fanin(design, intent.signal or "", depth, intent.module)


@handles("ports")
def _ports(design: Design, intent: Intent, question: str) -> Answer:
    return structure.ports(design, intent.module)


@handles("parameters")
def _parameters(design: Design, intent: Intent, question: str) -> Answer:
    return structure.parameters(design, intent.module)


@handles("hierarchy")
def _hierarchy(design: Design, intent: Intent, question: str) -> Answer:
    return structure.hierarchy(design)


@handles("summary")
def _summary(design: Design, intent: Intent, question: str) -> Answer:
    ans = structure.summarize_module(design, intent.module)
    spec = [d for d in design.docs if d.suffix == ".md"]
    if spec:
        first = spec[0].read_text(encoding="utf-8", errors="replace").strip().split("\n\n")
        intro = next((p for p in first if p.strip() and not p.lstrip().startswith("#")), "")
        if intro:
            ans.text += f"\n\nFrom {design.relpath(spec[0])}:\n> " + " ".join(intro.split())[:600]
            from chipchat.answer import Citation

            ans.citations.append(Citation(design.relpath(spec[0]), 1, 0, "spec"))
    return ans


@handles("search")
def _search(design: Design, intent: Intent, question: str) -> Answer:
    return search_answer(design, question)


@handles("place")
def _place(design: Design, intent: Intent, question: str) -> Answer:
    from chipchat.place.api import place
    from chipchat.place.flow import PlaceOptions

    return place(design, PlaceOptions())


def answer(design: Design, question: str) -> Answer:
    """Answer ``question`` about ``design`` offline."""
    model = load_model(design)
    intent = classify(question, model)
    handler = HANDLERS.get(intent.name, _search)
    ans = handler(design, intent, question)
    ans.data.setdefault("intent", intent.name)
    skipped = [f for f in model.files if f.status in ("error", "skipped")]
    if skipped:
        ans.warnings.append("answered without these files, which could not be parsed: "
                            + "; ".join(f"{design.relpath(f.path)}{':' + str(f.line) if f.line else ''}"
                                        f"{':' + str(f.col) if f.col else ''}: {f.message}" for f in skipped))
    return ans
