"""What chipchat finds in a design folder by itself: RTL vs testbenches, include folders, cocotb tests.

A folder a user points at is rarely only the design: it has testbenches (``test/``, ``tb/``,
``*_tb.sv``), headers included by a path (``include "common_cells/registers.svh"``), and
cocotb tests one folder per module (``tb/axi_fifo/test_axi_fifo.py``). A cocotb Makefile
(``MODULE``/``COCOTB_TEST_MODULES``, ``TOPLEVEL``/``COCOTB_TOPLEVEL``) is what its author runs,
so where one exists its test modules and toplevel win over file names. Every guess made
here is said in the design's ``inferred`` notes, with the chipchat.toml line that overrides it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

TESTBENCH_DIRS = {"test", "tests", "tb", "tbs", "testbench", "testbenches", "sim", "simulation", "verif",
                  "verification", "dv", "bench"}
TESTBENCH_FILE = re.compile(r"(^tb_|_tb$|^test_|_test$|testbench|_tb_)", re.I)
INCLUDE = re.compile(rb'^\s*`include\s+"([^"\n]+)"', re.M)
MAX_SCAN = 4 * 1024 * 1024  # bytes of each source read to find its includes
MAKEFILES = {"Makefile", "makefile", "GNUmakefile"}
MAKE_ASSIGN = re.compile(r"^[ \t]*(?:export[ \t]+|override[ \t]+)*([A-Za-z_]\w*)[ \t]*([?:+]?=)[ \t]*([^#\n]*)", re.M)
MAKE_REF = re.compile(r"\$[({](\w+)[)}]")
PY_MODULE = re.compile(r"[A-Za-z_][\w.]*")


def is_testbench(path: Path, root: Path) -> bool:
    """A file under a testbench folder, or named like one (``tb_x.sv``, ``x_tb.v``, ``test_x.sv``)."""
    parts = {p.lower() for p in path.relative_to(root).parts[:-1]}
    return bool(parts & TESTBENCH_DIRS) or bool(TESTBENCH_FILE.search(path.stem))


def split_testbenches(root: Path, files: list[Path]) -> tuple[list[Path], list[Path]]:
    """(design files, testbench files); when everything looks like a testbench, everything is the design."""
    benches = [f for f in files if is_testbench(f, root)]
    design = [f for f in files if f not in set(benches)]
    return (design, benches) if design else (files, [])


def include_dirs(files: list[Path], headers: list[Path]) -> list[Path]:
    """Folders that make the sources' ``include`` directives resolve: ``include "a/b.svh"`` with a header at
    ``inc/a/b.svh`` needs ``inc/``, not ``inc/a/``; headers included by bare name need their own folder."""
    found: dict[Path, None] = {}
    wanted: set[str] = set()
    for f in files:
        try:
            with open(f, "rb") as fh:
                text = fh.read(MAX_SCAN)
        except OSError:
            continue
        wanted.update(m.decode("utf-8", "replace") for m in INCLUDE.findall(text))
    for name in sorted(wanted):
        rel = Path(name)
        if rel.is_absolute() or ".." in rel.parts:
            continue
        for h in headers:
            if h.parts[-len(rel.parts):] == rel.parts:
                found.setdefault(Path(*h.parts[:-len(rel.parts)]), None)
    for h in headers:
        found.setdefault(h.parent, None)
    return list(found)


@dataclass(frozen=True)
class CocotbMakefile:
    """What a cocotb Makefile says: its test modules (those that exist beside it) and its toplevel."""

    modules: tuple[str, ...]
    toplevel: str | None


def read_cocotb_makefile(path: Path) -> CocotbMakefile | None:
    """The cocotb settings of a Makefile that includes cocotb's ``Makefile.sim``, or None.

    Plain assignments (``=``, ``:=``, ``?=``, ``+=``, ``export``) are read in order and ``$(VAR)`` is
    expanded from them (verilog-axi writes ``MODULE = test_$(DUT)``); anything make would compute
    (``$(shell …)``, conditionals) is not evaluated, and a module name that does not resolve to a
    ``.py`` beside the Makefile is dropped rather than guessed."""
    try:
        text = path.read_bytes()[:MAX_SCAN].decode("utf-8", errors="replace").replace("\\\n", " ")
    except OSError:
        return None
    if "cocotb" not in text:
        return None
    values: dict[str, str] = {}
    for name, op, raw in MAKE_ASSIGN.findall(text):
        value = MAKE_REF.sub(lambda m: values.get(m.group(1), m.group(0)), raw.strip())
        if op == "+=":
            values[name] = f"{values.get(name, '')} {value}".strip()
        elif op != "?=" or name not in values:
            values[name] = value
    names = re.split(r"[\s,]+", values.get("COCOTB_TEST_MODULES") or values.get("MODULE") or "")
    modules = tuple(n for n in names if PY_MODULE.fullmatch(n)
                    and (path.parent / (n.replace(".", "/") + ".py")).is_file())
    top = values.get("COCOTB_TOPLEVEL") or values.get("TOPLEVEL") or ""
    return CocotbMakefile(modules, top if re.fullmatch(r"[A-Za-z_]\w*", top) else None)


def cocotb_test_folders(root: Path, walk: list[Path], max_depth: int = 4) -> dict[Path, list[str]]:
    """Folder → cocotb test modules: those a cocotb Makefile names (in any folder), else ``test_*.py``
    files importing cocotb under testbench-like folders."""
    out: dict[Path, list[str]] = {}
    for p in walk:
        if p.name in MAKEFILES and len(p.relative_to(root).parts) <= max_depth + 1:
            found = read_cocotb_makefile(p)
            if found is not None and found.modules:
                out[p.parent] = list(found.modules)
    from_makefiles = set(out)
    for p in walk:
        rel = p.relative_to(root)
        if p.suffix != ".py" or not p.name.startswith("test_") or len(rel.parts) > max_depth + 1:
            continue
        if p.parent in from_makefiles:
            continue
        if not {q.lower() for q in rel.parts[:-1]} & TESTBENCH_DIRS:
            continue
        try:
            if "cocotb" not in p.read_text(encoding="utf-8", errors="replace")[:200_000]:
                continue
        except OSError:
            continue
        out.setdefault(p.parent, []).append(p.stem)
    return {k: sorted(v) for k, v in sorted(out.items())}


def tests_for_top(candidates: dict[Path, list[str]], top: str | None) -> tuple[Path, list[str]] | None:
    """Of several test folders, the one for ``top``: a ``test_<top>.py``, else a folder named after it."""
    if not candidates:
        return None
    if len(candidates) == 1:
        folder, mods = next(iter(candidates.items()))
        return folder, mods
    if top:
        for folder, mods in candidates.items():
            makefile = next((read_cocotb_makefile(folder / n) for n in sorted(MAKEFILES) if (folder / n).is_file()),
                            None)
            if makefile is not None and makefile.toplevel == top:
                return folder, mods
        for folder, mods in candidates.items():
            if f"test_{top}" in mods:
                return folder, [f"test_{top}"]
        for folder, mods in candidates.items():
            if folder.name == top:
                return folder, mods
    return None
