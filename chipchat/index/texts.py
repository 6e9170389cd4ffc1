"""What each search reads of a chunk: the text MiniLM embeds and the text BM25 indexes.

Both are linear in the chunk's size: identifiers are matched from their first character only
and possessively, so a 1 MB identifier costs one pass (a pattern retried at every character
of an identifier took 31 s on a 30 kB one).
"""

from __future__ import annotations

import re

from chipchat.index.chunk import Chunk
from chipchat.index.lexical import split_identifier


def embedding_text(c: Chunk) -> str:
    """What MiniLM reads: prose for documents; for code, what its comments and names say.

    Code tokenizes into many word pieces (``{W{1'b0}}``) that carry no meaning for a
    sentence model, and embedding cost grows with every piece: a code chunk is embedded
    as its comments, the declaration notes of the signals it assigns and its distinct
    name parts — about a third of the pieces of the full context (benchmarks/bench_index.py),
    with the recall measured in benchmarks/bench_retrieval.py.
    """
    if c.kind == "doc":
        return f"{c.title}\n{c.text}"[:EMBED_CHARS]
    comments: list[str] = []
    words: dict[str, None] = {}  # ordered and O(1) to test
    assigned: set[str] = set()
    for line in c.text.splitlines():
        code, sep, comment = line.partition("//") if "//" in line else line.partition("#")
        if sep and comment.strip():
            comments.append(comment.strip())
        assigned.update(name for pair in ASSIGNED.findall(code) for name in pair if name)
        for ident in IDENT.findall(code):
            for w in split_identifier(ident):
                if len(w) > 1 and w not in words and w not in CODE_WORDS:
                    words[w] = None
    notes = [n for n in c.context.split("; ") if n.split(":", 1)[0] in assigned][:3]
    parts = [f"{c.kind} of {c.module}" if c.module else c.kind, ". ".join(comments), "; ".join(notes),
             " ".join(list(words)[:24])]
    return "\n".join(p for p in parts if p)[:EMBED_CHARS]


# Linear on any input: an identifier is matched from its start only (the look-behind) and possessively,
# and a bit select is bounded, so a 1 MB identifier or a line of `[` costs one pass, not a pass per character.
ASSIGNED = re.compile(r"(?<![\w$])([A-Za-z_]\w*+)\s*+(?:\[[^\]\n]{0,200}\])?\s*+(?:<=|=(?!=))"
                      r"|(?<![\w$])([A-Za-z_]\w*+)\.eq\(")
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
EMBED_CHARS = 700

CODE_WORDS = frozenset("begin end if else always posedge negedge assign wire reg logic input output module "
                       "endmodule self eq comb sync def return".split())


def lexical_text(c: Chunk) -> str:
    return f"{c.title} {c.module} {c.file}\n{c.context}\n{c.text}"
