"""Lines a patch adds that reach outside the simulation: shell commands, C imports, file writes.

The confinement stops such code at run time, but some attempts fail silently there — a
``$fopen`` of a path outside the run folder just returns 0 and the tests still pass — so a
hostile patch could come back "clean". Reading the diff first catches the plain cases:
``$system``, DPI imports, Verilator's inline C++ (``$c``), and ``$fopen`` / ``$dumpfile`` /
``$writemem*`` of a file whose name is absolute, climbs out with ``..``, or is only known at
run time (a plusarg, a variable). Synthesizable RTL needs none of these; a debugging patch
that does can be applied by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")
ALWAYS = [
    (re.compile(r"\$system\s*\("), "runs a shell command (`$system`)"),
    (re.compile(r"\bimport\s+\"DPI(?:-C)?\""), "imports a C function (DPI)"),
    (re.compile(r"\$c\d*\s*\("), "inserts C++ into the Verilator model (`$c`)"),
]
FILE_TASKS = re.compile(r"(\$fopen|\$dumpfile|\$writemem[hb])\s*\(([^;]*)")
ARG = re.compile(r'\s*("(?:[^"\\]|\\.)*"|[^,()]*(?:\([^()]*\)[^,()]*)*)\s*(?:,|\)|$)')
HDL = (".v", ".sv", ".vh", ".svh", ".vlt")


@dataclass(frozen=True)
class Hazard:
    file: str
    line: int
    what: str
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line} {self.what}: {self.text}"


def scan(diff: str) -> list[Hazard]:
    """Every hazard on an added line of the unified diff ``diff`` (HDL files only)."""
    found: list[Hazard] = []
    file, line = "", 0
    for raw in diff.splitlines():
        if raw.startswith("+++ "):
            file = raw[4:].split("\t")[0].strip()
            file = file[2:] if file.startswith("b/") else file
            continue
        m = HUNK.match(raw)
        if m:
            line = int(m.group(1))
            continue
        if raw.startswith("+") and file.endswith(HDL):
            found += [Hazard(file, line, what, raw[1:].strip()[:160]) for what in hazards_in(raw[1:])]
        if raw.startswith((" ", "+")):
            line += 1
    return found


def hazards_in(code: str) -> list[str]:
    """What one line of Verilog does outside the simulation (comments ignored)."""
    code = code.split("//", 1)[0]
    out = [what for pattern, what in ALWAYS if pattern.search(code)]
    for task, rest in FILE_TASKS.findall(code):
        args = [m.group(1).strip() for m in ARG.finditer(rest) if m.group(1).strip()][:2]
        name = args[0] if args else ""
        if task == "$fopen" and len(args) > 1 and args[1].strip('"').startswith("r") and "+" not in args[1]:
            continue  # reading is allowed anywhere
        if not (name.startswith('"') and name.endswith('"') and len(name) >= 2):
            out.append(f"writes a file named at run time (`{task}({name or '…'}`)")
        elif name[1:-1].startswith(("/", "~")) or ".." in name:
            out.append(f"writes a file outside its run folder (`{task}({name}`)")
    return out
