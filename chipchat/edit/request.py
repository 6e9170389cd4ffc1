"""Read an edit request: which transformation it asks for, and its arguments.

A small deterministic parser over the request text; names are checked against the
design later (by the transformation), so "pipeline the multiplier" becomes
``pipeline(operator="*")`` and the transformation finds the signal driven by ``a * b``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

NAME = r"`?([A-Za-z_][A-Za-z0-9_$.]*)`?"
OPERATOR_WORDS = {
    "multiplier": "*", "multiply": "*", "multiplication": "*", "mult": "*", "mul": "*", "product": "*",
    "adder": "+", "addition": "+", "sum": "+", "subtractor": "-", "subtraction": "-", "divider": "/",
}
STOP = {"the", "a", "an", "signal", "output", "register", "wire", "net", "reg", "port", "parameter", "param",
        "stage", "value", "width", "it", "this", "that"}


@dataclass
class Match:
    """A request read as ``transform(**args)``; ``module`` when the request names one ("in module x")."""

    transform: str
    args: dict[str, Any] = field(default_factory=dict)


def _module(text: str) -> tuple[str, str | None]:
    m = re.search(r"\s+in (?:the )?module\s+" + NAME + r"\s*$", text)
    if m:
        return text[: m.start()], m.group(1)
    return text, None


def parse_request(request: str) -> Match | None:
    """The transformation a request asks for, or None when no rule matches."""
    text = " ".join(request.strip().rstrip(".!?").split())
    while True:  # "please", "can you", "I'd like to" ... carry no meaning for the rules
        shorter = re.sub(r"(?i)^(?:please|can you|could you|would you|will you|i want to|i'd like to|i would like to|"
                         r"let's|lets|go ahead and|now|ok|okay),?\s+", "", text)
        shorter = re.sub(r"(?i),?\s+(?:please|for me)$", "", shorter).rstrip(".!?")
        if shorter == text:
            break
        text = shorter
    low = text.lower()
    body, module = _module(text)
    extra = {"module": module} if module else {}
    for rule in (_rename, _width, _parameter, _inputs, _register_output, _carry_save, _split, _pipeline, _reset):
        match = rule(body, low)
        if match is not None:
            match.args.update(extra)
            return match
    return None


def _rename(text: str, low: str) -> Match | None:
    m = re.match(r"(?i)rename\s+(?:the\s+)?(?:signal\s+|register\s+|wire\s+|port\s+|net\s+)?" + NAME
                 + r"\s+(?:to|as|->|=>|into)\s+" + NAME + r"(.*)$", text)
    if not m:
        return None
    comments = bool(re.search(r"\b(including|and|also in|with)\b.*\bcomments?\b", m.group(3), re.I))
    return Match("rename", {"old": m.group(1), "new": m.group(2), "comments": comments})


def _width(text: str, low: str) -> Match | None:
    pats = [
        r"(?i)(?:change|set|make|resize)\s+(?:the\s+)?width\s+of\s+(?:the\s+)?(?:signal\s+)?" + NAME
        + r"\s+(?:to|=)\s+(\d+)(?:\s*bits?)?",
        r"(?i)(?:make|set|change|resize|widen|narrow)\s+(?:the\s+)?(?:signal\s+)?" + NAME
        + r"\s+(?:to\s+|=\s*)?(\d+)[\s-]*bits?(?:\s+wide)?",
        r"(?i)(?:widen|narrow)\s+(?:the\s+)?(?:signal\s+)?" + NAME + r"\s+to\s+(\d+)",
    ]
    for pat in pats:
        m = re.match(pat + r"$", text)
        if m and m.group(1).lower() not in STOP:
            return Match("set_width", {"name": m.group(1), "width": int(m.group(2))})
    return None


def _parameter(text: str, low: str) -> Match | None:
    m = re.match(r"(?i)(?:set|change|make)\s+(?:the\s+)?(?:parameter\s+|param\s+|localparam\s+|constant\s+)?"
                 + NAME + r"\s+(?:to|=|be)\s+(.+)$", text)
    if m and m.group(1).lower() not in ("the", "a", "an", "it", "this", "that", "value"):
        return Match("set_parameter", {"name": m.group(1), "value": m.group(2).strip().strip("`")})
    return None


def _register_output(text: str, low: str) -> Match | None:
    m = re.match(r"(?i)(?:add\s+a\s+)?register\s+(?:on\s+|at\s+)?(?:the\s+)?(?:output\s+(?:port\s+)?)?" + NAME
                 + r"(?:\s+output)?$", text)
    if m and m.group(1).lower() not in STOP | {"outputs"}:
        return Match("register_output", {"name": m.group(1)})
    if re.match(r"(?i)register\s+(?:the\s+|an\s+)?output\s*$", text):
        return Match("register_output", {})
    return None


NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}


def _inputs(text: str, low: str) -> Match | None:
    if re.match(r"(?i)(?:register|pipeline|flop|latch in)\s+(?:all\s+)?(?:the\s+)?inputs?(?:\s+ports?)?$", text) or \
            re.match(r"(?i)add\s+(?:an?\s+)?input\s+(?:registers?|flops?|stage)$", text):
        return Match("register_inputs", {})
    return None


def _carry_save(text: str, low: str) -> Match | None:
    m = re.match(r"(?i)(?:use\s+)?carry[- ]save(?:\s+accumulation)?(?:\s+(?:for|of|on)|\s+the)?\s*"
                 r"(?:the\s+)?(?:accumulator|register\s+)?" + r"(?:`?([A-Za-z_][A-Za-z0-9_$]*)`?)?"
                 r"(?:\s+(?:with|over|in)\s+(\w+)\s+(?:resolution\s+)?stages?)?$", text)
    if not m:
        return None
    args: dict[str, Any] = {}
    if m.group(1) and m.group(1).lower() not in STOP | {"accumulator", "accumulation"}:
        args["register"] = m.group(1)
    if m.group(2):
        n = _number(m.group(2))
        if n is None:
            return None
        args["stages"] = n
    return Match("carry_save", args)


def _number(word: str) -> int | None:
    return int(word) if word.isdigit() else NUMBERS.get(word.lower())


def _split(text: str, low: str) -> Match | None:
    m = re.match(r"(?i)(?:split|pipeline)\s+(?:the\s+)?(multiplier|multiply|multiplication|product|mult|mul)"
                 r"(?:\s+(?:into|in|over|across)\s+(\w+)\s+(?:pipeline\s+)?(?:stages?|cycles?|parts?))?$", text)
    if not m or (not m.group(2) and not low.startswith("split")):
        return None
    n = _number(m.group(2)) if m.group(2) else 2
    if n is None or n < 2:
        return None
    return Match("pipeline", {"operator": "*", "form": "carry_save", "stages": n - 1, "word": m.group(1)})


def _pipeline(text: str, low: str) -> Match | None:
    m = re.match(r"(?i)(?:pipeline|retime|(?:insert|add)\s+(?:a\s+)?pipeline\s+(?:stage|register)\s+"
                 r"(?:on|after|at|to|for|into))\s+(?:the\s+)?(?:signal\s+|expression\s+)?" + NAME + r"(.*)$", text)
    if not m:
        return None
    word = m.group(1).lower()
    if word in OPERATOR_WORDS:
        return Match("pipeline", {"operator": OPERATOR_WORDS[word], "word": m.group(1)})
    return Match("pipeline", {"signal": m.group(1)})


def _reset(text: str, low: str) -> Match | None:
    if not re.match(r"(?i)add\s+(?:a\s+)?(?:synchronous\s+|sync\s+)?resets?\b", text):
        return None
    args: dict[str, Any] = {}
    target = re.search(r"(?i)\b(?:to|on|for)\s+(?:the\s+)?(?:register\s+|signal\s+)?" + NAME, text)
    if target and target.group(1).lower() not in ("registers", "all", "every", "each", "any", "regs", "flops"):
        args["signal"] = target.group(1)
    using = re.search(r"(?i)\b(?:using|with|from)\s+(?:the\s+)?(?:signal\s+|input\s+)?" + NAME, text)
    if using:
        args["reset"] = using.group(1)
    return Match("add_sync_reset", args)
