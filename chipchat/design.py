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

chipchat writes only below ``<design>/.chipchat/`` (index, runs, caches); the user's
files are never modified except through an explicit ``apply``.
"""

from __future__ import annotations

import glob
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chipchat import discover
from chipchat.errors import ConfigError, DesignError

HDL_SUFFIXES = (".v", ".sv")
HEADER_SUFFIXES = (".vh", ".svh")
DOC_SUFFIXES = (".md", ".txt", ".rst")
STATE_DIR = ".chipchat"
SKIP_DIRS = {STATE_DIR, ".git", ".venv", "__pycache__", "sim_build", "node_modules"}
KNOWN_SIMULATORS = ("icarus", "verilator")


@dataclass(frozen=True)
class Clock:
    port: str
    period_ns: float


@dataclass(frozen=True)
class TestConfig:
    dir: Path | None
    modules: tuple[str, ...] = ()
    simulators: tuple[str, ...] = ("icarus",)
    timeout_s: float = 120.0
    candidates: tuple[tuple[Path, tuple[str, ...]], ...] = ()  # found folders, when the top decides which


@dataclass(frozen=True)
class AmaranthConfig:
    file: Path
    elaboratable: str


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

    @property
    def state_dir(self) -> Path:
        """``<design>/.chipchat``: the only place chipchat writes on its own."""
        return self.root / STATE_DIR

    def ensure_state_dir(self) -> Path:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        gitignore = self.state_dir / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text("*\n")
        return self.state_dir

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


def read_design(path: str | Path) -> Design:
    """Read ``path`` (a design folder, or a chipchat.toml): its config, or the files found in it.

    The top module is left as configured (``None`` when the config does not name one):
    inferring it means reading the RTL, which :func:`chipchat.rtl.load.load_design` does.
    """
    root = Path(path).expanduser()
    if root.is_file() and root.name == "chipchat.toml":
        root = root.parent
    if not root.exists():
        raise DesignError(f"design folder {root} does not exist", hint="pass the folder that holds your RTL")
    if not root.is_dir():
        raise DesignError(f"{root} is not a folder", hint="pass the folder that holds your RTL, not a file")
    root = root.resolve()
    config = root / "chipchat.toml"
    design = _from_config(root, config) if config.exists() else _infer(root)
    if not design.sources and design.amaranth is None:
        raise DesignError(
            f"no RTL sources found in {root}",
            hint="add .v/.sv files, or a chipchat.toml whose [design] sources list them "
                 "(or an [amaranth] section for an Amaranth design)")
    return design


def _from_config(root: Path, config: Path) -> Design:
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config}: {exc}", hint="fix the TOML syntax") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{config} is not UTF-8 text") from exc
    known = {"design", "clocks", "tests", "amaranth"}
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"{config}: unknown section(s) {sorted(unknown)}", hint=f"known: {sorted(known)}")
    d = _table(data, "design", config)
    include_dirs = [_resolve(root, p) for p in _strs(d, "include_dirs", config)]
    defines = {str(k): str(v) for k, v in dict(d.get("defines", {})).items()}
    sources: list[Path] = []
    for entry in _strs(d, "sources", config):
        sources.extend(_expand_source(root, entry, include_dirs, defines, config))
    notes: list[str] = []
    if "sources" not in d and "amaranth" not in data:  # a toml that only sets the top or the clocks
        sources, found_incs = _found_sources(root, notes, "chipchat.toml lists no `sources`")
        if "include_dirs" not in d:
            include_dirs = found_incs
    elif "include_dirs" not in d and sources:
        headers = sorted(p for p in _walk(root) if p.suffix in HEADER_SUFFIXES)
        found = [i for i in discover.include_dirs(sources, headers) if i not in include_dirs]
        include_dirs += found  # after a filelist's +incdir+ folders
        if found:
            notes.append("include folders: " + ", ".join(str(i.relative_to(root)) if i.is_relative_to(root)
                                                         else str(i) for i in found)
                         + " (found from the sources' `include lines; set `include_dirs` to choose)")
    amaranth = None
    if "amaranth" in data:
        a = _table(data, "amaranth", config)
        if "file" not in a or "elaboratable" not in a:
            raise ConfigError(f"{config}: [amaranth] needs `file` and `elaboratable`")
        afile = _resolve(root, str(a["file"]))
        if not afile.exists():
            raise DesignError(f"{config}: [amaranth] file {a['file']} does not exist")
        amaranth = AmaranthConfig(afile, str(a["elaboratable"]))
    clocks = [_clock(c, config) for c in data.get("clocks", [])]
    sdc = _resolve(root, d["sdc"]) if d.get("sdc") else None
    if sdc is not None and not sdc.exists():
        raise DesignError(f"{config}: sdc file {d['sdc']} does not exist", hint="fix the path or remove `sdc`")
    docs = [_resolve(root, p) for p in _strs(d, "docs", config)]
    design = Design(
        root=root, name=str(d.get("name") or root.name), top=d.get("top"), sources=_dedupe(sources),
        include_dirs=include_dirs, defines=defines, parameters=dict(d.get("parameters", {})),
        platform=str(d.get("platform", "osu018")), sdc=sdc, docs=[p for p in docs if p.exists()],
        clocks=clocks, tests=_tests(root, data.get("tests", {}), config) if "tests" in data
        else _infer_tests(root, notes), amaranth=amaranth, config_file=config, inferred=notes,
    )
    if design.top is None and amaranth is not None:
        design.top = "top"
        design.inferred.append("top: `top` (the name Amaranth gives the elaborated module)")
    return design


def _found_sources(root: Path, notes: list[str], why: str) -> tuple[list[Path], list[Path]]:
    """(RTL files, include folders) found by extension, testbenches left out, with a note saying so."""
    walk = _walk(root)
    files, benches = discover.split_testbenches(root, sorted(p for p in walk if p.suffix in HDL_SUFFIXES))
    headers = sorted(p for p in walk if p.suffix in HEADER_SUFFIXES)
    note = f"sources: {len(files)} .v/.sv file(s) found by extension ({why})"
    if benches:
        shown = ", ".join(str(b.relative_to(root)) for b in benches[:4]) + (" …" if len(benches) > 4 else "")
        note += (f"; {len(benches)} testbench file(s) left out ({shown}): list them in chipchat.toml `sources` "
                 "to include them")
    notes.append(note)
    return files, discover.include_dirs(files, headers)


def _infer(root: Path) -> Design:
    notes: list[str] = []
    files, headers = _found_sources(root, notes, "no chipchat.toml")
    docs = sorted(p for p in _walk(root) if p.suffix in DOC_SUFFIXES and p.name.lower() != "license.txt")
    amaranth = None
    if not files:
        amaranth = _find_amaranth(root)
        if amaranth:
            notes.append(f"Amaranth design: {amaranth.elaboratable} in {amaranth.file.relative_to(root)}")
    sdcs = sorted(p for p in _walk(root) if p.suffix == ".sdc")
    if sdcs:
        notes.append(f"constraints: {sdcs[0].relative_to(root)}")
    design = Design(
        root=root, name=root.name, top=None, sources=files, include_dirs=headers,
        sdc=sdcs[0] if sdcs else None, docs=docs, amaranth=amaranth, inferred=notes,
        tests=_infer_tests(root, notes),
    )
    if amaranth is not None:
        design.top = "top"
        design.inferred.append("top: `top` (the name Amaranth gives the elaborated module)")
    return design


def _find_amaranth(root: Path) -> AmaranthConfig | None:
    pattern = re.compile(r"^class\s+(\w+)\s*\([^)]*(Elaboratable|Component)[^)]*\)", re.M)
    for py in sorted(p for p in _walk(root) if p.suffix == ".py"):
        text = py.read_text(encoding="utf-8", errors="replace")
        if "amaranth" in text:
            match = pattern.search(text)
            if match:
                return AmaranthConfig(py, match.group(1))
    return None


def _infer_tests(root: Path, notes: list[str]) -> TestConfig:
    """cocotb tests under testbench folders: one folder is the design's; several are chosen by the top."""
    found = discover.cocotb_test_folders(root, _walk(root))
    if len(found) == 1:
        folder, mods = next(iter(found.items()))
        notes.append(f"tests: cocotb modules {', '.join(mods)} in {folder.relative_to(root)}/")
        return TestConfig(dir=folder, modules=tuple(mods))
    return TestConfig(dir=None, candidates=tuple((f, tuple(m)) for f, m in found.items()))


def _walk(root: Path) -> list[Path]:
    """Files under ``root``, never descending into SKIP_DIRS or hidden folders (``.chipchat`` changes
    under our feet while builds run there, so walking into it can race with a rename)."""
    import os

    out: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        out.extend(Path(folder) / f for f in sorted(files) if not f.startswith(".") and (Path(folder) / f).is_file())
    return out


def _expand_source(root: Path, entry: str, incdirs: list[Path], defines: dict[str, str], origin: Path) -> list[Path]:
    if entry.endswith(".f"):
        return read_filelist(_resolve(root, entry), incdirs, defines)
    matches = sorted(Path(p) for p in glob.glob(str(_resolve(root, entry)), recursive=True))
    if not matches:
        if any(ch in entry for ch in "*?["):
            raise DesignError(f"{origin}: source pattern {entry!r} matches no file")
        raise DesignError(f"{origin}: source file {entry} does not exist", hint="fix the path in `sources`")
    return [m.resolve() for m in matches if m.is_file()]


def read_filelist(path: Path, incdirs: list[Path], defines: dict[str, str], depth: int = 0) -> list[Path]:
    """Read a ``.f`` filelist: paths, ``+incdir+``, ``+define+``, ``-f``/``-F`` nesting, comments."""
    if depth > 8:
        raise DesignError(f"{path}: filelists nested more than 8 deep (a cycle?)")
    if not path.exists():
        raise DesignError(f"filelist {path} does not exist")
    files: list[Path] = []
    base = path.parent
    tokens: list[tuple[int, str]] = []
    for lineno, raw in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        line = re.sub(r"(//|#).*", "", raw).strip()
        tokens.extend((lineno, tok) for tok in line.split())
    it = iter(tokens)
    for lineno, tok in it:
        if tok.startswith("+incdir+"):
            incdirs.extend(_resolve(base, d) for d in tok[len("+incdir+"):].split("+") if d)
        elif tok.startswith("+define+"):
            for item in tok[len("+define+"):].split("+"):
                name, _, value = item.partition("=")
                if name:
                    defines[name] = value or "1"
        elif tok in ("-f", "-F"):
            nested = next(it, None)
            if nested is None:
                raise DesignError(f"{path}:{lineno}: `{tok}` without a file name")
            files.extend(read_filelist(_resolve(base, nested[1]), incdirs, defines, depth + 1))
        elif tok.startswith("-I"):
            incdirs.append(_resolve(base, tok[2:]))
        elif tok.startswith(("-", "+")):
            continue  # simulator options we do not need
        else:
            p = _resolve(base, tok)
            if not p.exists():
                raise DesignError(f"{path}:{lineno}: file {tok} named in the filelist does not exist",
                                  hint="fix or remove that line of the filelist")
            files.append(p.resolve())
    return files


def _resolve(root: Path, p: str) -> Path:
    path = Path(p).expanduser()
    return path if path.is_absolute() else (root / path)


def _table(data: dict[str, Any], key: str, origin: Path) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{origin}: [{key}] must be a table")
    return value


def _strs(d: dict[str, Any], key: str, origin: Path) -> list[str]:
    value = d.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{origin}: `{key}` must be a list of strings")
    return value


def _clock(c: Any, origin: Path) -> Clock:
    if not isinstance(c, dict) or "port" not in c:
        raise ConfigError(f"{origin}: each [[clocks]] entry needs `port` and `period_ns`")
    try:
        period = float(c.get("period_ns", 10.0))
    except (TypeError, ValueError):
        raise ConfigError(f"{origin}: clock {c['port']}: period_ns must be a number") from None
    if period <= 0:
        raise ConfigError(f"{origin}: clock {c['port']}: period_ns must be positive, got {period}")
    return Clock(str(c["port"]), period)


def _tests(root: Path, t: Any, origin: Path) -> TestConfig:
    if not isinstance(t, dict):
        raise ConfigError(f"{origin}: [tests] must be a table")
    sims = tuple(_strs(t, "simulators", origin)) or ("icarus",)
    bad = [s for s in sims if s not in KNOWN_SIMULATORS]
    if bad:
        raise ConfigError(f"{origin}: unknown simulator(s) {bad}", hint=f"known: {', '.join(KNOWN_SIMULATORS)}")
    folder = _resolve(root, t["dir"]).resolve() if t.get("dir") else None
    return TestConfig(folder, tuple(_strs(t, "modules", origin)), sims, float(t.get("timeout_s", 120.0)))


def _dedupe(paths: list[Path]) -> list[Path]:
    return list(dict.fromkeys(paths))
