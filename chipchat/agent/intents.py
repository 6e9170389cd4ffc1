"""Read a question: which tool it needs and which design names it mentions.

This is the offline planner's front half: deterministic, explainable rules over the
question text plus the design's own vocabulary (signal and module names, and the words
their parts abbreviate: "write pointer" → ``wr_ptr``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chipchat.index.lexical import ABBREVIATIONS, split_identifier
from chipchat.rtl.model import DesignModel
from chipchat.types import PERIOD_IN_TEXT


@dataclass
class Intent:
    """A routed request: ``name`` selects the tool; ``signal``/``module`` are design names found."""

    name: str
    signal: str | None = None
    module: str | None = None
    options: dict[str, str] = field(default_factory=dict)


# (intent, pattern) in priority order; the first match wins.
RULES: list[tuple[str, re.Pattern[str]]] = [
    ("apply", re.compile(r"\bapply\b.*\b(proposal|patch|edit|change)s?\b")),
    ("propose", re.compile(r"\b(pipeline|retime|register the output|add (a )?(synchronous )?reset|rename|"
                           r"change the (width|parameter)|propose|refactor|make (it|the \w+) faster)\b")),
    ("tbgen", re.compile(r"\b(write|generate|create|make)\b.*\b(test ?bench|tests?)\b.*\b(spec|from)\b|"
                         r"\btest ?bench from\b|\bgenerate (a )?test ?bench\b")),
    ("mutate", re.compile(r"\bmutat(ion|ions|e|ed|ing)|\bmutants?\b|\bhow good are (the|my) tests\b")),
    ("verify", re.compile(r"\bverify\b.*\bpatch|\bpatches\b|\bproposals?\b.*\b(test|check|verify)|"
                          r"\b(verify|check|test)\b.*\.(diff|patch)\b")),
    ("lint", re.compile(r"\blint(ing|er)?\b")),
    ("place", re.compile(r"\b(place|placement|floorplan|layout|placed|where .*critical path (runs|is on))\b")),
    ("timing", re.compile(r"\b(timing|slack|critical path|wns|tns|fmax|max(imum)? frequency|"
                          r"clock period|setup (time|violation)|how fast|miss(es)? timing)\b|"
                          r"\b(worst|critical|failing|violating|slowest|longest)[- ]paths?\b|\bpath (#|no\.? ?)?\d+\b|"
                          r"\bnext (worst )?path\b")),
    ("sim", re.compile(r"\b(run|rerun|re-run)\b.*\btests?\b|\bsimulat|\bregression\b|\btests? (fail|pass)|"
                       r"\bwhy does .*\btest\b.*\bfail")),
    ("reset", re.compile(r"\breset (value|state)\b|\breset to\b|\bvalue (after|on|at) reset\b|"
                         r"\binitial value\b|\breset(s)? to what\b")),
    ("fanin", re.compile(r"\bfan-?in\b|\bcone\b|\bwhat feeds\b|\bdepends? on\b|\blogic (before|feeding)\b")),
    ("loads", re.compile(r"\bwhat does\b.+\bdrive\b|\bloads? of\b|\bfan-?out of\b|\bwho (reads|uses)\b|"
                         r"\bwhere is\b.+\b(used|read)\b|\bwhat (reads|uses)\b")),
    ("drivers", re.compile(r"\b(what|who|which \w+)\b.*\bdrives?\b|\bdrivers? (of|for)\b|\bwhere does\b.+\bcome from\b|"
                           r"\bsource of\b|\bhow is\b.+\b(computed|generated|driven|calculated|set)\b")),
    ("assigned", re.compile(r"\bwhere (is|are)\b.+\b(assigned|written|set|updated|driven)\b")),
    ("ports", re.compile(r"\bports?\b|\bpinout\b|\binterface\b|\b(list|what are) the (inputs|outputs)\b")),
    ("parameters", re.compile(r"\bparameters?\b|\bgenerics?\b")),
    ("hierarchy", re.compile(r"\bhierarch|\binstan(ces|tiat)|\bsub-?modules?\b|\binstance tree\b")),
    ("summary", re.compile(r"\bsummar|\boverview\b|\bdescribe\b|\bwhat does (the |this )?(design|module|\w+) do\b|"
                           r"\bexplain (the |this )?(design|module)\b")),
]


def classify(question: str, model: DesignModel | None = None) -> Intent:
    """Route ``question``; ``search`` is the fallback for anything without a structural verb."""
    q = question.lower().strip()
    name = "search"
    for rule, pattern in RULES:
        if pattern.search(q):
            name = rule
            break
    signal, module = (find_names(question, model) if model is not None else (None, None))
    if name in ("drivers", "loads", "assigned", "reset", "fanin") and signal is None:
        name = "search"  # a structural verb without a known signal: let retrieval find the place
    intent = Intent(name, signal, module)
    m = PERIOD_IN_TEXT.search(q)
    if m:
        intent.options["clock"] = m.group(1) + m.group(2)
    m = re.search(r"\b(\d+)\s*levels?\b", q)
    if m:
        intent.options["depth"] = m.group(1)
    rank = path_rank(q)
    if rank:
        intent.options["rank"] = rank
    return intent


ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
            "eighth": 8, "ninth": 9, "tenth": 10}


def path_rank(question: str) -> str | None:
    """Which timing path a question means: "second-worst" → "2", "path #3" → "3", "next path" → "next"."""
    q = question.lower()
    m = re.search(r"\b(" + "|".join(ORDINALS) + r"|\d+(?:st|nd|rd|th))[- ](worst|critical|slowest|longest|path)", q)
    if m:
        word = m.group(1)
        return str(ORDINALS.get(word) or int(re.sub(r"\D", "", word)))
    m = re.search(r"\bpath (?:#|no\.? ?)?(\d+)\b", q)
    if m:
        return m.group(1)
    if re.search(r"\bnext (worst )?path\b|\bthe one after\b", q):
        return "next"
    return None


def find_names(question: str, model: DesignModel) -> tuple[str | None, str | None]:
    """(signal, module) mentioned in ``question``: backticked names, exact words, then phrases."""
    signals = {s for m in model.modules.values() for s in m.signals if not s.startswith("$")}
    modules = set(model.modules)
    ticked = re.findall(r"`([^`]+)`", question)
    words = ticked + re.findall(r"[A-Za-z_][A-Za-z0-9_$.\[\]:]*", question)
    signal = module = None
    for w in words:
        base = re.sub(r"\[.*$", "", w)
        leaf = base.rsplit(".", 1)[-1]
        if signal is None and (base in signals or leaf in signals):
            signal = w if "[" in w else base
        elif module is None and base in modules and base not in signals:
            module = base
    if signal is None:
        signal = _phrase_match(question, signals)
    return signal, module


def _phrase_match(question: str, signals: set[str]) -> str | None:
    """A signal whose every part (or its expansion) appears in the question: "write pointer" → wr_ptr."""
    words = set(re.findall(r"[a-z0-9]+", question.lower()))
    best: tuple[int, str] | None = None
    for s in signals:
        parts = split_identifier(s)
        if len(parts) < 2 and not (parts and len(parts[0]) > 3):
            continue
        if all(p in words or any(e in words for e in ABBREVIATIONS.get(p, ())) for p in parts):
            score = len(parts)
            if best is None or score > best[0]:
                best = (score, s)
    return best[1] if best else None
