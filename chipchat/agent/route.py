"""Route a chat question to the chipchat tool that answers it — or to an honest "cannot".

The offline planner's front half, in four steps that each generalise:

1. **Read**: another language's common words become English (:mod:`chipchat.agent.glossary`);
   the design's own names are found (signals, modules, parameters, with "write pointer" →
   ``wr_ptr``) and replaced by placeholders, so the rest sees the question's shape.
2. **Rules** (:mod:`chipchat.agent.rules`): high-precision patterns over concepts, in
   priority order; a structural rule counts only when the design has the signal it names.
3. **Follow-ups**: a short turn that leans on the previous one ("and full?", "why?", "fix
   it", "and at 50?") takes its route from that turn.
4. **Example phrasings**: anything left is compared with example phrasings per route
   (:mod:`chipchat.agent.phrasings`) through the project's offline static embeddings;
   a weak match about the design goes to search, one that is not about the design is
   answered with "cannot".

:func:`route` returns an :class:`~chipchat.agent.intents.Intent` whose ``name`` is the route
label; :func:`route_label` is what ``benchmarks/bench_routing.py`` measures.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from chipchat.agent import rules as R
from chipchat.agent.glossary import has_foreign_script, to_english
from chipchat.agent.intents import Intent, path_rank
from chipchat.index.lexical import ABBREVIATIONS, split_identifier
from chipchat.rtl.model import DesignModel
from chipchat.types import PERIOD_IN_TEXT

LABELS = ("drivers", "loads", "assigned", "reset", "fanin", "show", "ports", "parameters", "hierarchy",
          "summary", "search", "timing", "place", "close", "sim", "lint", "verify", "mutate", "tbgen",
          "propose", "apply", "undo", "health", "size", "compute", "features", "cannot")
STRUCTURAL = ("drivers", "loads", "assigned", "reset", "fanin", "show")
MIN_SIMILARITY = 0.45  # below this, the closest example phrasing is not taken as understood
# words that say a question is about hardware (with the design's own names, an anchor to the design)
DOMAIN = re.compile(
    r"\b(design|module|signal|wire|reg|register|flop|flip|latch|clock|clk|reset|timing|slack|path|delay|test|tests|"
    r"testbench|tb|lint|rtl|verilog|systemverilog|amaranth|netlist|synth\w*|cell|cells|gate|gates|area|port|ports|"
    r"parameter|param|fsm|state|counter|pointer|fifo|uart|alu|mac|multiplier|adder|accumulator|opcode|bit|bits|"
    r"byte|bus|input|output|block|logic|patch|diff|proposal|placement|floorplan|mutant|spec|baud|cycle|cycles|"
    r"pipeline|stage|code|line|file|source|net|instruction|operation|opcode|mode|flag|fmax|frequency|mhz|ns|verilator|yosys|iverilog|icarus|simulator|synthesis|sta)s?\b",
    re.I)
# an identifier-shaped word (wr_ptr, `x`): the question names something in a design, even one it does not have
IDENTIFIER = re.compile(r"`[^`]+`|\b[a-z][a-z0-9]*_[a-z0-9_]+\b|\b(drives?|driven|driver|assigned|fan-?in|fan-?out)\b")


@dataclass
class Names:
    """The design's vocabulary: what a question may name."""

    signals: set[str] = field(default_factory=set)
    modules: set[str] = field(default_factory=set)
    params: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, model: DesignModel | None) -> Names:
        if model is None:
            return cls()
        signals = {s for m in model.modules.values() for s in m.signals if not s.startswith(("$", "\\$"))}
        params = {p.name for m in model.modules.values() for p in m.parameters}
        return cls(signals - params, set(model.modules), params)


# words that are also English: a signal with such a name counts only when the question marks it as a name
_ARTICLE_LIKE = {"a", "an", "i", "in", "is", "it", "at", "on", "or", "to", "do", "go", "up", "as", "be", "by", "if",
                 "of", "no", "so", "we", "me", "my", "us", "out", "all", "any", "one", "and", "the", "for", "not",
                 "can", "may", "will", "done", "next", "last", "first", "data", "clear", "start", "ready", "valid",
                 "state", "empty", "full", "busy", "count", "zero", "carry", "y", "b", "x", "op", "en", "product",
                 "result", "mode", "error", "tick", "accept"}
_NAME_CONTEXT = re.compile(r"\b(signal|port|input|output|reg|wire|register|net|flag|of|about|drives?|driving|"
                           r"reads?|uses?|is|does|on|to|from|into|feeds?|for|and|what's|whats|with|at)\s*$", re.I)


def find_names(question: str, names: Names) -> tuple[str | None, str | None, str | None]:
    """(signal, module, parameter) named in the question: backticked names, exact words, then phrases."""
    ticked = set(re.findall(r"`([^`]+)`", question))
    signal = module = param = None
    for m in re.finditer(r"`([^`]+)`|([A-Za-z_][A-Za-z0-9_$.]*(?:\[[^\]]*\])?)", question):
        word = m.group(1) or m.group(2)
        base = re.sub(r"\[.*$", "", word)
        leaf = base.rsplit(".", 1)[-1]
        if param is None and base in names.params:
            param = base
        known = base in names.signals or leaf in names.signals
        if signal is None and known and (word in ticked or _named_here(question, m, leaf)):
            signal = word if "[" in word else base
            continue
        if module is None and base in names.modules and base not in names.signals:
            module = base
    if signal is None:
        signal = _phrase_match(question, names.signals)
    return signal, module, param


def _named_here(question: str, m: re.Match[str], name: str) -> bool:
    """Whether a word that is also English is used as a name here ("who drives full?", not "is it full")."""
    if name.lower() not in _ARTICLE_LIKE or len(name) > 1 and not name.islower():
        return True
    after = question[m.end():].lstrip()
    before = question[:m.start()]
    if name in ("a", "i") and after[:1].isalpha() and not after.lower().startswith(("and ", "or ")):
        return False  # an article or a pronoun, not the port `a`
    if not after or after[:1] in "?,.;:!)-" or after.lower().startswith(("and ", "or ", "after ", "out of ",
                                                                          "in the ", "when ", "signal", "reset",
                                                                          "get", "is ", "used", "set ", "com", "produced", "computed",
                                                                          "generated", "made", "read ", "cleared",
                                                                          "depend", "feed", "drive", "assigned",
                                                                          "written", "updated", "-")):
        return True
    return bool(_NAME_CONTEXT.search(before))


def _phrase_match(question: str, signals: set[str]) -> str | None:
    """A signal whose every part (or its expansion) appears in the question: "write pointer" → wr_ptr."""
    words = set(re.findall(r"[a-z0-9]+", question.lower()))
    best: tuple[int, str] | None = None
    for s in signals:
        parts = split_identifier(s)
        if len(parts) < 2:
            continue
        named = all(p in words or any(e in words for e in ABBREVIATIONS.get(p, ())) for p in parts)
        if named and (best is None or len(parts) > best[0]):
            best = (len(parts), s)
    return best[1] if best else None


# -- the route ------------------------------------------------------------------------------
def route(question: str, model: DesignModel | None = None, previous: Sequence[str] = (),
          names: Names | None = None) -> Intent:
    """The route of ``question`` (``previous``: the earlier user turns, oldest first)."""
    names = names or Names.of(model)
    english, translated = to_english(question)
    text = " ".join(english.lower().split())
    signal, module, param = find_names(english, names)
    if has_foreign_script(question) and not translated:  # a script the glossary cannot read: say so
        return Intent("cannot", signal, module, {"why": "foreign"})
    prior: Intent | None = None
    borrowed = False
    if previous and signal is None and R.PRONOUN.search(text):
        prior = route(previous[-1], model, previous[:-1], names)
        signal, borrowed = prior.signal, prior.signal is not None  # "and who reads it?"
    label, why = _by_rules(text, signal, param)
    if borrowed and label not in STRUCTURAL:
        signal = None  # the pronoun meant something else ("fix it", "apply it")
        label, why = _by_rules(text, None, param)
    if previous and (label is None or _leans_on_previous(text, label, signal)):
        prior = prior or route(previous[-1], model, previous[:-1], names)
        follow = _follow(text, label, prior)
        if follow is not None:
            label, why = follow, f"follow-up of a {prior.name} question"
    if label is None:
        label, why = _by_examples(text, names, signal, module, param, translated)
    if label in STRUCTURAL and signal is None:
        label, why = "search", "a structural question without a signal of the design"
    intent = Intent(label, signal, module)
    intent.options.update(_options(text, prior))
    intent.options["why"] = why
    if translated:
        intent.options["read_as"] = english
    if param:
        intent.options["param"] = param
    return intent


def route_label(design: Any, question: str, previous: Sequence[str] = ()) -> str:
    """The label of the tool that should answer ``question`` about ``design`` (the benchmark's entry point)."""
    from chipchat.rtl.load import load_model

    return route(question, load_model(design), list(previous)).name


def _by_rules(text: str, signal: str | None, param: str | None) -> tuple[str | None, str]:
    for kind, pattern in R.REFUSE:
        if pattern.search(text):
            return "cannot", f"refuse:{kind}"
    if R.OFF_TOPIC.search(text):
        return "cannot", "off-topic"
    if R.ADVICE.search(text) and not R.PROPOSE.match(text):
        return "search", "advice"
    if R.UNDO.search(text):
        return "undo", "rule"
    if R.PATCH_FILES.search(text):
        return "verify", "rule: names patch files"
    if R.APPLY.search(text) and not R.NOT_APPLY.search(text):
        return "apply", "rule"
    ordered = [("verify", R.VERIFY), ("tbgen", R.TBGEN), ("mutate", R.MUTATE), ("close", R.CLOSE),
               ("propose", R.PROPOSE), ("lint", R.LINT), ("health", R.HEALTH), ("place", R.PLACE), ("size", R.SIZE),
               ("compute", R.COMPUTE), ("timing", R.TIMING), ("sim", R.SIM)]
    for label, pattern in ordered:
        if pattern.search(text):
            return label, "rule"
    if R.SEARCH_STRONG.search(text):
        return "search", "rule: where something is done"
    if signal is not None:
        for label, pattern in [("show", R.SHOW_STRONG), ("reset", R.RESET), ("fanin", R.FANIN),
                               ("loads", R.LOADS), ("assigned", R.ASSIGNED), ("drivers", R.DRIVERS)]:
            if pattern.search(text):
                return label, "rule"
    for label, pattern in [("ports", R.PORTS), ("parameters", R.PARAMETERS), ("hierarchy", R.HIERARCHY),
                           ("summary", R.SUMMARY), ("features", R.FEATURES)]:
        if pattern.search(text):
            return label, "rule"
    if signal is not None and R.SHOW.search(text) and len(text.split()) <= 8:
        return "show", "rule"
    if R.SEARCH.search(text):
        return "search", "rule"
    if param is not None and signal is None:
        return "parameters", "rule: names a parameter"
    if signal is not None and re.fullmatch(r"\W*`?[\w.\[\]:]+`?\s*\??", text):
        return "show", "rule: a bare signal name"
    return None, ""


def _leans_on_previous(text: str, label: str, signal: str | None) -> bool:
    """A short turn phrased as a continuation ("and X?", "why?", "the second one?", "fix it")."""
    if len(text.split()) > 8:
        return False
    if R.FIX.search(text):
        return label is None  # "fix it" leans on the last turn; "make it meet 4 ns" says what it wants
    return bool(re.match(r"^\s*(and|what about|how about|same for|now|then|also)\b", text)) and \
        label in ("search", "show", "summary")


def _follow(text: str, label: str | None, prior: Intent) -> str | None:
    if R.FIX.search(text):
        return "close" if prior.name in ("timing", "close") else "propose"
    if prior.name == "cannot":
        return None
    if label is None or _leans_on_previous(text, label, None):
        return prior.name if prior.name not in ("apply", "undo") else None
    return None


# -- the example phrasings ----------------------------------------------------------------------
class _Examples:
    """The example phrasings embedded once per process (offline static embeddings; none: rules only)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded = False
        self.embedder: Any = None
        self.labels: list[str] = []
        self.matrix: Any = None

    def load(self) -> bool:
        with self.lock:
            if not self.loaded:
                self.loaded = True
                try:
                    import numpy as np

                    from chipchat.agent.phrasings import PHRASINGS
                    from chipchat.index.embed import get_embedder

                    self.embedder = get_embedder("static")
                    texts = [t for label in PHRASINGS for t in PHRASINGS[label]]
                    self.labels = [label for label in PHRASINGS for _ in PHRASINGS[label]]
                    self.matrix = np.asarray(self.embedder.embed(texts), dtype="float32")
                except Exception:  # noqa: BLE001 - without the embeddings the rules still route
                    self.embedder = None
            return self.embedder is not None

    def best(self, text: str) -> tuple[str, float]:
        import numpy as np

        v = np.asarray(self.embedder.embed([text])[0], dtype="float32")
        scores = self.matrix @ v
        per: dict[str, float] = {}
        for label, s in zip(self.labels, scores.tolist(), strict=True):
            per[label] = max(per.get(label, -1.0), s)
        label = max(per, key=lambda k: per[k])
        return label, per[label]


@functools.cache
def _examples() -> _Examples:
    return _Examples()


def delexicalize(text: str, names: Names) -> str:
    """The question with the design's names as placeholders (SIGNAL, MODULE, PARAM)."""
    def swap(m: re.Match[str]) -> str:
        w = m.group(0)
        if w in names.params or w.upper() in names.params:
            return "PARAM"
        if w in names.signals and w.lower() not in _ARTICLE_LIKE:
            return "SIGNAL"
        if w in names.modules:
            return "MODULE"
        return w

    return re.sub(r"[A-Za-z_][A-Za-z0-9_]*", swap, text)


def _by_examples(text: str, names: Names, signal: str | None, module: str | None, param: str | None,
                 translated: bool) -> tuple[str, str]:
    about_design = bool(signal or module or param or DOMAIN.search(text) or IDENTIFIER.search(text))
    if not about_design:
        return "cannot", "not recognised and not about the design"
    ex = _examples()
    if ex.load():
        label, score = ex.best(delexicalize(text, names))
        if score >= MIN_SIMILARITY and label != "cannot":
            if label in STRUCTURAL and signal is None:
                label = "search"
            return label, f"example phrasing ({score:.2f})"
    return "search", "not recognised: about the design, so the closest passages"


def _options(text: str, prior: Intent | None) -> dict[str, str]:
    out: dict[str, str] = {}
    m = PERIOD_IN_TEXT.search(text)
    if m:
        out["clock"] = m.group(1) + m.group(2)
    m = re.search(r"\b(\d+)\s*levels?\b", text)
    if m:
        out["depth"] = m.group(1)
    rank = path_rank(text) or (_ordinal_follow_up(text) if prior is not None else None)
    if rank:
        out["rank"] = rank
    if prior is not None:
        out["previous"] = prior.name
    return out


def _ordinal_follow_up(text: str) -> str | None:
    m = re.search(r"\b(second|third|fourth|fifth|2nd|3rd|4th|5th)\s+one\b", text)
    if m:
        return {"second": "2", "2nd": "2", "third": "3", "3rd": "3", "fourth": "4", "4th": "4",
                "fifth": "5", "5th": "5"}[m.group(1)]
    if re.search(r"\bnext( one)?\b", text):
        return "next"
    return None
