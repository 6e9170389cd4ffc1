"""Lexical retrieval over identifiers: BM25 (bm25s) on RTL-aware tokens.

Identifiers are split (``wr_ptr`` → ``wr``, ``ptr``; ``txReady`` → ``tx``, ``ready``)
and common hardware abbreviations are expanded both ways (``wr`` ↔ ``write``,
``ptr`` ↔ ``pointer``), so "where is the write pointer wrapped?" finds ``wr_ptr``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import bm25s
import numpy as np

ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "wr": ("write",), "rd": ("read",), "ptr": ("pointer",), "cnt": ("count", "counter"),
    "clk": ("clock",), "rst": ("reset",), "en": ("enable",), "addr": ("address",), "mem": ("memory",),
    "req": ("request",), "ack": ("acknowledge",), "vld": ("valid",), "val": ("valid", "value"),
    "rdy": ("ready",), "tx": ("transmit", "transmitter"), "rx": ("receive", "receiver"), "sel": ("select",),
    "ctrl": ("control",), "cfg": ("config", "configuration"), "idx": ("index",), "buf": ("buffer",),
    "num": ("number",), "err": ("error",), "nxt": ("next",), "prev": ("previous",),
    "acc": ("accumulator", "accumulate"), "mul": ("multiply", "multiplier"), "mult": ("multiply", "multiplier"),
    "din": ("data", "input"), "dout": ("data", "output"), "wdata": ("write", "data"), "rdata": ("read", "data"),
    "bsy": ("busy",), "st": ("state",), "fsm": ("state", "machine"), "op": ("operation", "opcode"),
    "opcode": ("operation",), "alu": ("arithmetic",), "stb": ("strobe",), "irq": ("interrupt",),
    "cmp": ("compare",), "inc": ("increment",), "dec": ("decrement",), "sync": ("synchronous",),
    "async": ("asynchronous",), "tmp": ("temporary",), "lsb": ("least", "significant"),
    "msb": ("most", "significant"), "baud": ("bit", "rate"), "prod": ("product",),
}
_REVERSE: dict[str, tuple[str, ...]] = {}
for _abbr, _words in ABBREVIATIONS.items():
    for _w in _words:
        _REVERSE[_w] = (*_REVERSE.get(_w, ()), _abbr)

STOPWORDS = frozenset(
    "a an the is are was be of to in on at for and or what where which who how why does do did this that it "
    "its by with from as when then there here me my i you we show tell find give".split())
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*|\d+")
# ``HTTPServer`` → HTTP, Server. Linear: the old ``[A-Z]+(?=[A-Z][a-z])`` alternative was tried (and
# failed) at every capital of a long capital run — 30 kB of capitals took seconds.
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


MAX_SPLIT = 256  # only this much of an identifier is split into words: nobody names a signal with more


def split_identifier(ident: str) -> list[str]:
    """``wr_ptr`` → wr, ptr; ``txReady`` → tx, ready (of the first MAX_SPLIT characters)."""
    parts: list[str] = []
    for piece in ident[:MAX_SPLIT].split("_"):
        if piece:
            parts.extend(p.lower() for p in _CAMEL.findall(piece))
    return parts


def _stem(word: str) -> str:
    """A deliberately light stemmer: plurals and -ed/-ing, undoubling ``wrapped`` → ``wrap``."""
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    for suffix in ("ing", "ed"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            stem = word[: -len(suffix)]
            if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
                stem = stem[:-1]
            return stem
    return word


def tokenize(text: str, *, expand: bool = True) -> list[str]:
    """Lowercased tokens: whole identifiers, their parts, abbreviation expansions, light stemming."""
    tokens: list[str] = []
    for word in _WORD.findall(text):
        tokens.extend(_word_tokens(word, expand))
    return tokens


@functools.lru_cache(maxsize=262_144)
def _word_tokens(word: str, expand: bool) -> tuple[str, ...]:
    """The tokens of one word (cached: a design repeats its identifiers, and this is the indexing hot loop)."""
    low = word.lower()
    if low in STOPWORDS:
        return ()
    parts = split_identifier(word)
    tokens = [low]
    if len(parts) > 1:
        tokens.extend(parts)
    if expand:
        for p in parts or [low]:
            tokens.extend(ABBREVIATIONS.get(p, ()))
            tokens.extend(_REVERSE.get(p, ()))
            tokens.extend(_REVERSE.get(_stem(p), ()))
    return tuple(_stem(t) for t in tokens if t not in STOPWORDS)


class LexicalIndex:
    """BM25 over chunk texts; rebuilt in memory from the stored chunks (fast: ~0.1 s per 10k chunks)."""

    def __init__(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        self.ids = list(ids)
        self._retriever: bm25s.BM25 | None = None
        if self.ids:
            corpus = [tokenize(t) or ["_empty_"] for t in texts]
            self._retriever = bm25s.BM25()
            self._retriever.index(corpus, show_progress=False)

    def search(self, query: str, k: int = 10) -> list[tuple[str, float]]:
        if self._retriever is None:
            return []
        tokens = tokenize(query)
        if not tokens:
            return []
        k = min(k, len(self.ids))
        docs, scores = self._retriever.retrieve([tokens], k=k, show_progress=False, n_threads=1)
        out = [(self.ids[int(d)], float(s)) for d, s in zip(np.asarray(docs)[0], np.asarray(scores)[0], strict=True)
               if s > 0]
        return out
