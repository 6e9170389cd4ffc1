"""Limits checked on a source's text before pyslang reads it, so no input can hang, exhaust memory or crash it.

pyslang is fast and robust on real RTL, but some inputs make any parser suffer: an ``include`` of a
device (``/dev/zero``) or a FIFO reads forever, a ``define`` that doubles at each level expands to
gigabytes, a 50,000-term expression or thousands of nested blocks overflow the C++ stack (a
segfault, not an exception). Each check here is linear in the file's size and, when it refuses a
file, says what and where (``file:line``), so the rest of the design is still read.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_INCLUDE_BYTES = 16 * 1024 * 1024
MAX_EXPANSION_CHARS = 32 * 1024 * 1024  # estimated text one macro expands to
MAX_OPERATORS = 20_000  # in one statement
MAX_NESTING = 400  # begin/end, generate and parenthesis depth

INCLUDE = re.compile(r'`include\s+"([^"\n]+)"')
DEFINE = re.compile(r"^[ \t]*`define[ \t]+(\w+)(?:\([^)\n]*\))?[ \t]*((?:[^\n]*\\\n)*[^\n]*)", re.M)
MACRO_USE = re.compile(r"`(\w+)")
TOKEN = re.compile(r"//[^\n]*|/\*.*?\*/|\"(?:\\.|[^\"\\\n])*\"|\b(?:begin|end|generate|endgenerate|fork|join"
                   r"|join_any|join_none|case[xz]?|endcase)\b|[(){};]|[-+*/%&|^<>!~?]+|\n", re.S)


@dataclass(frozen=True)
class Refusal:
    message: str
    line: int = 0


def check_file(path: Path, include_dirs: list[Path]) -> Refusal | None:
    """Why ``path`` must not be given to the parser, or None. Reads the file once (it is a regular file)."""
    try:
        info = os.stat(path)
    except OSError as exc:
        return Refusal(f"cannot read: {exc.strerror}")
    if not stat.S_ISREG(info.st_mode):
        return Refusal("not a regular file (a device, FIFO or folder), so it is not read")
    if info.st_size > MAX_FILE_BYTES:
        return Refusal(f"{info.st_size / 1e6:.0f} MB is more than the {MAX_FILE_BYTES // 2**20} MB chipchat reads "
                       "from one source file")
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        return Refusal(f"cannot read: {exc.strerror}")
    return check_includes(text, path, include_dirs) or check_macros(text) or check_structure(text)


def check_includes(text: str, path: Path, include_dirs: list[Path]) -> Refusal | None:
    """Every ``include`` that resolves must name a regular file of a sane size."""
    for m in INCLUDE.finditer(text):
        name = m.group(1)
        for folder in [path.parent, *include_dirs]:
            target = Path(name) if Path(name).is_absolute() else folder / name
            try:
                info = os.stat(target)
            except OSError:
                continue
            line = text.count("\n", 0, m.start()) + 1
            if not stat.S_ISREG(info.st_mode):
                return Refusal(f"`include \"{name}\" names {target}, which is not a regular file (a device, FIFO or "
                               "folder): it is not read", line)
            if info.st_size > MAX_INCLUDE_BYTES:
                return Refusal(f"`include \"{name}\" names a {info.st_size / 1e6:.0f} MB file, more than the "
                               f"{MAX_INCLUDE_BYTES // 2**20} MB chipchat includes", line)
            break
    return None


def check_macros(text: str) -> Refusal | None:
    """A ``define`` whose expansion would be enormous (each level using the previous one several times)."""
    bodies: dict[str, tuple[str, int]] = {}
    for m in DEFINE.finditer(text):
        bodies[m.group(1)] = (m.group(2), text.count("\n", 0, m.start()) + 1)
    if not bodies:
        return None
    sizes: dict[str, int] = {}

    def size(name: str, depth: int = 0) -> int:
        if name in sizes:
            return sizes[name]
        if name not in bodies or depth > 64:
            return len(name)
        sizes[name] = len(name)  # a cycle counts once
        body = bodies[name][0]
        total = len(body)
        for use in MACRO_USE.findall(body):
            total += size(use, depth + 1)
            if total > MAX_EXPANSION_CHARS:
                break
        sizes[name] = min(total, MAX_EXPANSION_CHARS + 1)
        return sizes[name]

    for name, (_, line) in bodies.items():
        if size(name) > MAX_EXPANSION_CHARS:
            return Refusal(f"macro `{name} would expand to more than {MAX_EXPANSION_CHARS // 2**20} MB of text "
                           "(it uses other macros that multiply): it is not expanded", line)
    return None


def check_structure(text: str) -> Refusal | None:
    """Nesting depth (``begin``/``end``, ``generate``, parentheses, concatenation braces) and operators in one
    statement."""
    depth = operators = 0
    line = statement_line = 1
    fresh = True  # the next token starts a statement
    for m in TOKEN.finditer(text):
        tok = m.group(0)
        if tok == "\n":
            line += 1
            continue
        if tok.startswith(("//", "/*", '"')):
            line += tok.count("\n")
            continue
        if fresh:
            statement_line, fresh = line, False
        if tok in ("(", "{", "begin", "generate", "fork") or tok.startswith("case"):
            depth += 1
            if depth > MAX_NESTING:
                return Refusal(f"nested more than {MAX_NESTING} deep (begin/end, generate, parentheses or braces): "
                               "it is not read", line)
        elif tok in (")", "}", "end", "endgenerate", "join", "join_any", "join_none", "endcase"):
            depth = max(0, depth - 1)
        elif tok == ";":
            operators, fresh = 0, True
        else:
            operators += 1
            if operators > MAX_OPERATORS:
                return Refusal(f"one statement has more than {MAX_OPERATORS:,} operators: it is not read",
                               statement_line)
    return None
