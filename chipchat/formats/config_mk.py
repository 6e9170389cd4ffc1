"""Makefile fragments as OpenROAD-flow-scripts writes them (``config.mk``): the variables, expanded.

ORFS describes its platforms and designs in ``config.mk`` files; chipchat reads a
platform's fields from them and writes the same format when it exports a design.
"""

from __future__ import annotations

import glob
import re
from pathlib import Path

_ASSIGN = re.compile(r"^\s*(?:export\s+|override\s+)*([A-Za-z_][A-Za-z0-9_]*)\s*(\?=|:=|::=|\+=|=)\s*(.*)$")


def read_config_mk(path: Path, predefined: dict[str, str] | None = None) -> dict[str, str]:
    """Variables of a Makefile fragment: assignments, ``$(VAR)``, ``$(wildcard)``, ``$(sort)``, ``$(dir)``.

    Conditionals are not evaluated (every assignment counts, the last one wins) and
    ``$(shell …)`` expands to nothing: enough for the platform fields chipchat reads.
    """
    env = dict(predefined or {})
    logical: list[str] = []
    buf = ""
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = "" if raw.startswith("\t") else raw.split("#", 1)[0]
        if line.rstrip().endswith("\\"):
            buf += line.rstrip()[:-1] + " "
            continue
        logical.append(buf + line)
        buf = ""
    if buf:
        logical.append(buf)
    for line in logical:
        match = _ASSIGN.match(line)
        if not match:
            continue
        name, op, value = match.groups()
        value = " ".join(value.split())
        if op == "?=" and name in env:
            continue
        expanded = _expand(value, env)
        env[name] = (env.get(name, "") + " " + expanded).strip() if op == "+=" else expanded
    return env


def _expand(text: str, env: dict[str, str], depth: int = 0) -> str:
    if depth > 10 or "$" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("$(", i) or text.startswith("${", i):
            j, level = i + 2, 1
            while j < len(text) and level:
                if text[j] in "({":
                    level += 1
                elif text[j] in ")}":
                    level -= 1
                j += 1
            inner = text[i + 2:j - 1] if level == 0 else text[i + 2:]
            out.append(_function(inner, env, depth))
            i = j
        elif text.startswith("$$", i):
            out.append("$")
            i += 2
        else:
            out.append(text[i])
            i += 1
    return " ".join("".join(out).split())


def _function(inner: str, env: dict[str, str], depth: int) -> str:
    name, _, arg = inner.partition(" ")
    if not arg and name in env:
        return _expand(env[name], env, depth + 1)
    arg = _expand(arg, env, depth + 1)
    if name == "wildcard":
        return " ".join(sorted(m for pat in arg.split() for m in glob.glob(pat)))
    if name == "sort":
        return " ".join(sorted(set(arg.split())))
    if name == "dir":
        return " ".join(str(Path(p).parent) + "/" for p in arg.split())
    if name == "notdir":
        return " ".join(Path(p).name for p in arg.split())
    return ""  # $(shell …), unknown functions and undefined variables
