"""The routed request (:class:`Intent`) and the reader of which timing path a question means.

The routing itself is :mod:`chipchat.agent.route` (``route(question, model, previous)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class Intent:
    """A routed request: ``name`` selects the tool; ``signal``/``module`` are design names found."""

    name: str
    signal: str | None = None
    module: str | None = None
    options: dict[str, str] = field(default_factory=dict)


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
