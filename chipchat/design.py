"""A design workspace: a folder of RTL plus ``chipchat.toml`` (or what chipchat infers).

``chipchat.toml`` (all paths relative to the design folder)::

    [design]
    name = "fifo"              # default: folder name
    top = "fifo"               # default: the module nobody instantiates
    sources = ["rtl/*.v"]      # globs and/or .f filelists (+incdir+, +define+, -f)
    include_dirs = []
    defines = {}
    parameters = {}            # top-level parameter overrides
    platform = "osu018"
    sdc = "constraints.sdc"
    docs = ["spec.md"]

    [[clocks]]
    port = "clk"
    period_ns = 10.0

    [tests]
    dir = "../../verification/fifo"
    modules = ["test_fifo"]
    simulators = ["icarus", "verilator"]
    timeout_s = 120

    [amaranth]                 # Amaranth designs only
    file = "rtl/alu8.py"
    elaboratable = "ALU8"

chipchat writes only below ``<design>/.chipchat/`` (index, runs, caches; see
:mod:`chipchat.safefs` for how that folder is kept free of links out); the user's files are
never modified except through an explicit ``apply``.

A design the user points at on their own disk is *trusted*: its config may name files anywhere
(absolute paths, ``..``, ``~``). An uploaded one is not (``read_design(path, trusted=False)``):
every path it names must resolve inside the design folder. Sources, filelists and what they
name, ``sdc`` and ``[amaranth] file`` outside it are errors; ``docs``, ``include_dirs`` and
``[tests] dir`` outside it are left out, with a note. A folder once read untrusted stays
untrusted for the rest of the process, however it is opened again (the UI unpacks an upload,
then opens it by its path).
Only regular files are read: a FIFO or a device named anywhere is an error, never a hang.
"""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chipchat import discover, safefs
from chipchat.designtoml import (
    KNOWN_SIMULATORS,
    AmaranthConfig,
    Clock,
    TestConfig,
    read_config,
    read_filelist,
)
from chipchat.errors import DesignError
from chipchat.safefs import STATE_DIR

__all__ = ["AmaranthConfig", "Clock", "Design", "KNOWN_SIMULATORS", "STATE_DIR", "TestConfig", "read_design",
           "read_filelist"]

HDL_SUFFIXES = (".v", ".sv")
HEADER_SUFFIXES = (".vh", ".svh")
DOC_SUFFIXES = (".md", ".txt", ".rst")
MAX_WALK_ENTRIES = 200_000  # a folder with more is not a design folder (`chipchat index /`)
SKIP_DIRS = {STATE_DIR, ".git", ".venv", "__pycache__", "sim_build", "node_modules"}


@dataclass
class Design:
    """Everything chipchat knows about a design folder before parsing it."""

    root: Path
    name: str
    top: str | None
    sources: list[Path]
    include_dirs: list[Path] = field(default_factory=list)
    defines: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    platform: str = "osu018"
    sdc: Path | None = None
    docs: list[Path] = field(default_factory=list)
    clocks: list[Clock] = field(default_factory=list)
    tests: TestConfig = field(default_factory=lambda: TestConfig(dir=None))
    amaranth: AmaranthConfig | None = None
    config_file: Path | None = None
    inferred: list[str] = field(default_factory=list)
    trusted: bool = True  # False for an upload: every path it names stays inside ``root``

    @property
    def state_dir(self) -> Path:
        """``<design>/.chipchat``: the only place chipchat writes on its own (checked: no link, no file)."""
        return safefs.state_dir(self.root)

    def ensure_state_dir(self) -> Path:
        return safefs.ensure_state_dir(self.root)

    def relpath(self, path: str | Path) -> str:
        """A path as the user sees it: relative to the design folder when inside it."""
        p = Path(path)
        try:
            return str(p.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(p)

    def summary(self) -> str:
        lines = [f"design {self.name} at {self.root}", f"  top: {self.top or '(unknown)'}"]
        lines.append(f"  sources: {len(self.sources)} file(s)" + (" + Amaranth" if self.amaranth else ""))
        if self.clocks:
            lines.append("  clocks: " + ", ".join(f"{c.port} {c.period_ns:g} ns" for c in self.clocks))
        for note in self.inferred:
            lines.append(f"  inferred: {note}")
        return "\n".join(lines)


_UNTRUSTED: set[Path] = set()  # folders read with trusted=False in this process (and everything below them)


def _untrusted(root: Path) -> bool:
    return any(root.is_relative_to(u) for u in _UNTRUSTED)


def read_design(path: str | Path, *, trusted: bool = True) -> Design:
    """Read ``path`` (a design folder, or a chipchat.toml): its config, or the files found in it.

    ``trusted=False`` (an uploaded design): every path the config names must stay inside the
    folder — no absolute paths, no ``~``, no ``..``, no link that leads out.

    The top module is left as configured (``None`` when the config does not name one):
    inferring it means reading the RTL, which :func:`chipchat.rtl.load.load_design` does.
    """
    root = Path(path) if not trusted or _untrusted(Path(path).absolute()) else Path(path).expanduser()
    if root.name == "chipchat.toml" and safefs.is_regular(root):
        root = root.parent
    try:
        exists, is_dir = root.exists(), root.is_dir()
    except (OSError, ValueError) as exc:
        raise DesignError(f"cannot open {safefs.shown(root)}: {exc}", hint="pass the folder that holds your RTL") from None
    if not exists:
        raise DesignError(f"design folder {safefs.shown(root)} does not exist", hint="pass the folder that holds your RTL")
    if not is_dir:
        raise DesignError(f"{safefs.shown(root)} is not a folder", hint="pass the folder that holds your RTL, not a file")
    root = root.resolve()
    if root == Path(root.anchor):
        raise DesignError(f"{root} is the root of the file system, not a design folder",
                          hint="pass the folder that holds your RTL")
    if not trusted:
        _UNTRUSTED.add(root)
    trusted = trusted and not _untrusted(root)
    config = root / "chipchat.toml"
    design = _from_config(root, config, trusted) if os.path.lexists(config) else _infer(root, trusted)
    design.trusted = trusted
    if not design.sources and design.amaranth is None:
        skipped = "".join(f"; {n}" for n in design.inferred if n.startswith("skipped "))
        vhdl = [p for p in itertools.islice(root.rglob("*"), MAX_WALK_ENTRIES) if p.suffix.lower() in (".vhd", ".vhdl")]
        if vhdl:
            skipped += (f"; {len(vhdl)} VHDL file(s) such as {safefs.shown(vhdl[0].relative_to(root))}: chipchat reads "
                        "Verilog, SystemVerilog and Amaranth, not VHDL")
        raise DesignError(
            f"no RTL sources found in {safefs.shown(root)}{skipped}",
            hint="add .v/.sv files, or a chipchat.toml whose [design] sources list them "
                 "(or an [amaranth] section for an Amaranth design)")
    return design


def _from_config(root: Path, config: Path, trusted: bool) -> Design:
    """The design ``chipchat.toml`` describes; what it leaves out (sources, include folders, tests) is
    inferred as without a config, with a note saying so."""
    kwargs, listed = read_config(root, config, trusted)
    notes: list[str] = kwargs.pop("inferred")
    walked: list[Path] | None = None
    if "sources" not in listed:  # a toml that only sets the top or the clocks
        walked, skipped = _walk(root, trusted)
        notes.extend(skipped)
        kwargs["sources"], found_incs = _found_sources(root, walked, notes, "chipchat.toml lists no `sources`")
        if "include_dirs" not in listed:
            kwargs["include_dirs"] = found_incs
    elif "include_dirs" not in listed and kwargs["sources"]:
        walked = _walk(root, trusted)[0]
        headers = [p for p in walked if p.suffix in HEADER_SUFFIXES]
        found = [i for i in discover.include_dirs(kwargs["sources"], headers) if i not in kwargs["include_dirs"]]
        kwargs["include_dirs"] += found  # after a filelist's +incdir+ folders
        if found:
            notes.append("include folders: " + ", ".join(str(i.relative_to(root)) if i.is_relative_to(root)
                                                         else str(i) for i in found)
                         + " (found from the sources' `include lines; set `include_dirs` to choose)")
    if "tests" not in listed:
        kwargs["tests"] = _infer_tests(root, walked if walked is not None else _walk(root, trusted)[0], notes)
    return Design(**kwargs, inferred=notes)


def _found_sources(root: Path, walked: list[Path], notes: list[str], why: str) -> tuple[list[Path], list[Path]]:
    """(RTL files, include folders) found by extension, testbenches left out, with a note saying so."""
    files, benches = discover.split_testbenches(root, [p for p in walked if p.suffix in HDL_SUFFIXES])
    headers = [p for p in walked if p.suffix in HEADER_SUFFIXES]
    note = f"sources: {len(files)} .v/.sv file(s) found by extension ({why})"
    if benches:
        shown = ", ".join(str(b.relative_to(root)) for b in benches[:4]) + (" …" if len(benches) > 4 else "")
        note += (f"; {len(benches)} testbench file(s) left out ({shown}): list them in chipchat.toml `sources` "
                 "to include them")
    notes.append(note)
    return files, discover.include_dirs(files, headers)


def _infer(root: Path, trusted: bool) -> Design:
    notes: list[str] = []
    walked, skipped = _walk(root, trusted)
    files, headers = _found_sources(root, walked, notes, "no chipchat.toml")
    notes.extend(skipped)
    docs = [p for p in walked if p.suffix in DOC_SUFFIXES and p.name.lower() != "license.txt"]
    amaranth = None
    if not files:
        amaranth = _find_amaranth(root, walked)
        if amaranth:
            notes.append(f"Amaranth design: {amaranth.elaboratable} in {amaranth.file.relative_to(root)}")
    sdcs = [p for p in walked if p.suffix == ".sdc"]
    if sdcs:
        notes.append(f"constraints: {sdcs[0].relative_to(root)}")
    design = Design(
        root=root, name=root.name, top=None, sources=files, include_dirs=headers,
        sdc=sdcs[0] if sdcs else None, docs=docs, amaranth=amaranth, inferred=notes,
        tests=_infer_tests(root, walked, notes),
    )
    if amaranth is not None:
        design.top = "top"
        design.inferred.append("top: `top` (the name Amaranth gives the elaborated module)")
    return design


def _find_amaranth(root: Path, walked: list[Path]) -> AmaranthConfig | None:
    pattern = re.compile(r"^class\s+(\w+)\s*\([^)\n]*(Elaboratable|Component)[^)\n]*\)", re.M)
    for py in (p for p in walked if p.suffix == ".py"):
        text = _read_text(py)
        if "amaranth" in text:
            match = pattern.search(text)
            if match:
                return AmaranthConfig(py, match.group(1))
    return None


def _read_text(path: Path) -> str:
    try:
        return safefs.read_regular(path).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _infer_tests(root: Path, walked: list[Path], notes: list[str]) -> TestConfig:
    """cocotb tests under testbench folders: one folder is the design's; several are chosen by the top."""
    found = discover.cocotb_test_folders(root, walked)
    if len(found) == 1:
        folder, mods = next(iter(found.items()))
        notes.append(f"tests: cocotb modules {', '.join(mods)} in {folder.relative_to(root)}/")
        return TestConfig(dir=folder, modules=tuple(mods))
    return TestConfig(dir=None, candidates=tuple((f, tuple(m)) for f, m in found.items()))


def _walk(root: Path, trusted: bool = True) -> tuple[list[Path], list[str]]:
    """Regular files under ``root`` (sorted) and notes on what was left out.

    Never descends into SKIP_DIRS or hidden folders (``.chipchat`` changes under our feet while
    builds run there, so walking into it can race with a rename), never follows links to
    folders, skips names that are not UTF-8 and files that cannot be read (and, untrusted, links
    that lead out), and stops with a clear error in a folder too big to be a design.
    """
    out: list[Path] = []
    bad_names: list[str] = []
    seen = 0
    for folder, dirs, files in os.walk(root):
        seen += len(dirs) + len(files)
        if seen > MAX_WALK_ENTRIES:
            raise DesignError(f"{root} holds more than {MAX_WALK_ENTRIES:,} files and folders: not a design folder",
                              hint="pass the folder of the design, or list its sources in a chipchat.toml")
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith(".") and safefs.utf8_name(d))
        for f in sorted(files):
            path = Path(folder) / f
            if f.startswith("."):
                continue
            if not safefs.utf8_name(f):
                bad_names.append(safefs.shown(path.relative_to(root)))
            elif safefs.is_regular(path) and (trusted or path.resolve().is_relative_to(root)):
                out.append(path)
    notes = [f"skipped {name}: its file name is not UTF-8 (rename it to use it)" for name in bad_names[:20]]
    return out, notes

