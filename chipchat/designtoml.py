"""``chipchat.toml`` and ``.f`` filelists read into typed values, every path checked.

:func:`read_config` returns the keyword arguments of a :class:`chipchat.design.Design`.
Every value is type-checked (``timeout_s = "x"`` is a :class:`ConfigError` that names the key
and the type it needs, never a Python error). Every path is resolved by :func:`resolve_path`:
for a trusted design (on the user's own disk) as written — absolute, ``~``, ``..`` — and for an
untrusted one (an upload) only inside the design folder. Only regular files are read (a FIFO
named as a filelist or a source is an error, not a hang); globs are matched relative to the
design folder, so a folder named ``g[1]`` is not taken for a pattern.
"""

from __future__ import annotations

import glob
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chipchat import safefs
from chipchat.errors import ConfigError, DesignError, SandboxViolation

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


def read_config(root: Path, config: Path, trusted: bool) -> tuple[dict[str, Any], set[str]]:
    """The keyword arguments of the :class:`~chipchat.design.Design` that ``config`` describes, and which of
    ``sources``, ``include_dirs`` and ``tests`` it sets (the others are inferred as without a config)."""
    c = _Config(root, config, trusted)
    return c.read(), c.listed


class _Config:
    """``chipchat.toml`` read: every value type-checked, every path resolved and checked."""

    def __init__(self, root: Path, config: Path, trusted: bool) -> None:
        self.root, self.config, self.trusted = root, config, trusted
        self.notes: list[str] = []
        self.listed: set[str] = set()

    def error(self, message: str, hint: str | None = None) -> ConfigError:
        return ConfigError(f"{self.config}: {message}", hint=hint)

    def read(self) -> dict[str, Any]:
        reason = safefs.not_regular_reason(self.config)
        if reason:
            raise ConfigError(f"{self.config} {reason}", hint="chipchat.toml must be a TOML text file (or absent)")
        try:
            data = tomllib.loads(safefs.read_regular(self.config).decode("utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise self.error(str(exc), hint="fix the TOML syntax") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{self.config} is not UTF-8 text", hint="save it as UTF-8") from None
        except OSError as exc:
            raise ConfigError(f"cannot read {self.config}: {exc.strerror or exc}") from None
        known = {"design", "clocks", "tests", "amaranth"}
        unknown = set(data) - known
        if unknown:
            raise self.error(f"unknown section(s) {sorted(unknown)}", hint=f"known: {sorted(known)}")
        d = self.table(data, "design")
        self.listed = ({k for k in ("sources", "include_dirs") if k in d} | ({"tests"} if "tests" in data else set())
                       | ({"sources"} if "amaranth" in data else set()))
        include_dirs = [p for p in (self.optional_path(p, "include_dirs") for p in self.strs(d, "include_dirs")) if p]
        defines = {str(k): self.scalar(v, f"defines.{k}") for k, v in self.table(d, "defines").items()}
        parameters = self.table(d, "parameters")
        for k, v in parameters.items():
            self.scalar(v, f"parameters.{k}")
        sources: list[Path] = []
        for entry in self.strs(d, "sources"):
            sources.extend(self.expand_source(entry, include_dirs, defines))
        sdc_name = self.opt_str(d, "sdc")
        sdc = self.path(sdc_name, "sdc") if sdc_name else None
        if sdc is not None and safefs.not_regular_reason(sdc):
            raise DesignError(f"{self.config}: sdc file {sdc_name} {safefs.not_regular_reason(sdc)}",
                              hint="fix the path or remove `sdc`")
        docs = [p for p in (self.optional_path(p, "docs") for p in self.strs(d, "docs")) if p]
        clocks = data.get("clocks", [])
        if not isinstance(clocks, list):
            raise self.error("`clocks` must be an array of tables ([[clocks]] with `port` and `period_ns`)")
        amaranth = self.amaranth(data)
        top = self.opt_str(d, "top") or None
        inferred = list(self.notes)
        if top is None and amaranth is not None:
            top = "top"
            inferred.append("top: `top` (the name Amaranth gives the elaborated module)")
        return dict(
            root=self.root, name=self.opt_str(d, "name") or self.root.name, top=top,
            sources=list(dict.fromkeys(sources)), include_dirs=include_dirs, defines=defines,
            parameters=dict(parameters), platform=self.platform(d), sdc=sdc,
            docs=[p for p in docs if safefs.is_regular(p)], clocks=[self.clock(c) for c in clocks],
            tests=self.tests(self.table(data, "tests")), amaranth=amaranth, config_file=self.config,
            trusted=self.trusted, inferred=inferred)

    # -- values ----------------------------------------------------------------------------------
    def table(self, data: dict[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.error(f"`{key}` must be a table, got {_type(value)}")
        return value

    def strs(self, d: dict[str, Any], key: str) -> list[str]:
        value = d.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(f"`{key}` must be a list of strings, got {_type(value)}", hint=f'e.g. {key} = ["…"]')
        return value

    def opt_str(self, d: dict[str, Any], key: str) -> str:
        value = d.get(key, "")
        if not isinstance(value, str):
            raise self.error(f"`{key}` must be a string, got {_type(value)}", hint=f'e.g. {key} = "…"')
        return value

    def number(self, d: dict[str, Any], key: str, default: float, where: str) -> float:
        value = d.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(f"{where}`{key}` must be a number, got {_type(value)} {value!r}",
                             hint=f"e.g. {key} = {default:g}")
        if not value > 0 or value == float("inf"):
            raise self.error(f"{where}`{key}` must be positive, got {value}")
        return float(value)

    def scalar(self, value: Any, key: str) -> str:
        if isinstance(value, dict | list):
            raise self.error(f"`{key}` must be a string or a number, got {_type(value)}")
        return str(value).lower() if isinstance(value, bool) else str(value)

    def platform(self, d: dict[str, Any]) -> str:
        """The platform: a name, or (an upload: only inside the folder) a liberty file or a platform folder."""
        name = self.opt_str(d, "platform") or "osu018"
        if not self.trusted:
            self.path(name, "platform")  # a bare name stays one; a path must stay inside the folder
        return name

    def clock(self, c: Any) -> Clock:
        if not isinstance(c, dict) or not isinstance(c.get("port"), str) or not c["port"]:
            raise self.error("each [[clocks]] entry needs `port` (a string) and `period_ns` (a number)")
        return Clock(c["port"], self.number(c, "period_ns", 10.0, f"clock {c['port']}: "))

    def tests(self, t: dict[str, Any]) -> TestConfig:
        sims = tuple(self.strs(t, "simulators")) or ("icarus",)
        bad = [s for s in sims if s not in KNOWN_SIMULATORS]
        if bad:
            raise self.error(f"unknown simulator(s) {bad}", hint=f"known: {', '.join(KNOWN_SIMULATORS)}")
        folder = self.opt_str(t, "dir")
        path = self.optional_path(folder, "[tests] dir") if folder else None
        return TestConfig(path.resolve() if path else None,
                          tuple(self.strs(t, "modules")), sims, self.number(t, "timeout_s", 120.0, "[tests] "))

    def amaranth(self, data: dict[str, Any]) -> AmaranthConfig | None:
        if "amaranth" not in data:
            return None
        a = self.table(data, "amaranth")
        file, elaboratable = self.opt_str(a, "file"), self.opt_str(a, "elaboratable")
        if not file or not elaboratable:
            raise self.error("[amaranth] needs `file` and `elaboratable` (strings)")
        path = self.path(file, "[amaranth] file")
        reason = safefs.not_regular_reason(path)
        if reason:
            raise DesignError(f"{self.config}: [amaranth] file {file} {reason}")
        return AmaranthConfig(path, elaboratable)

    # -- paths -----------------------------------------------------------------------------------
    def path(self, name: str, what: str, base: Path | None = None, origin: str = "") -> Path:
        """``name`` resolved against ``base`` (default: the design folder); an upload's stays inside it."""
        return resolve_path(self.root, name, base or self.root, trusted=self.trusted,
                            origin=origin or str(self.config), what=what)

    def optional_path(self, name: str, what: str) -> Path | None:
        """Like :meth:`path`, but an untrusted design's path that leaves the folder is left out, with a note."""
        try:
            return self.path(name, what)
        except SandboxViolation as exc:
            if self.trusted:
                raise
            self.notes.append(f"{what}: {name} left out: it is outside the uploaded design folder ({exc.message})")
            return None

    def expand_source(self, entry: str, incdirs: list[Path], defines: dict[str, str]) -> list[Path]:
        if entry.endswith(".f"):
            return read_filelist(self.path(entry, "sources"), incdirs, defines, root=self.root, trusted=self.trusted)
        path = self.path(entry, "sources")  # checks an upload's pattern before any file is listed
        if Path(os.path.expanduser(entry)).is_absolute():  # only a trusted design gets here with one
            found = glob.glob(str(path), recursive=True)
        else:
            found = [str(self.root / m) for m in glob.glob(entry, root_dir=self.root, recursive=True)]
        matches = sorted(Path(p) for p in found)
        if not matches:
            if any(ch in entry for ch in "*?["):
                raise DesignError(f"{self.config}: source pattern {entry!r} matches no file")
            raise DesignError(f"{self.config}: source file {entry} {safefs.not_regular_reason(path) or 'is unusable'}",
                              hint="fix the path in `sources`")
        out = []
        for m in matches:
            if not safefs.is_regular(m):
                if not any(ch in entry for ch in "*?["):
                    raise DesignError(f"{self.config}: source file {entry} {safefs.not_regular_reason(m)}",
                                      hint="fix the path in `sources`")
                continue
            if not safefs.utf8_name(m):
                raise DesignError(f"{self.config}: source file {safefs.shown(m)} has a name that is not UTF-8",
                                  hint="rename the file (the Verilog tools cannot open it)")
            resolved = m.resolve()
            if not self.trusted and not resolved.is_relative_to(self.root):
                raise SandboxViolation(f"{self.config}: source {m} leads outside the design folder (a link); rejected")
            out.append(resolved)
        return out


def resolve_path(root: Path, name: str, base: Path, *, trusted: bool, origin: str, what: str) -> Path:
    """A path named by a config or a filelist. For an untrusted design it must stay inside ``root``."""
    if "\0" in name:
        raise ConfigError(f"{origin}: {what} {name!r} contains a NUL byte")
    if trusted:
        path = Path(name).expanduser()
        return path if path.is_absolute() else base / path
    path = Path(name)
    if path.is_absolute() or name.startswith("~"):
        raise SandboxViolation(f"{origin}: {what} {name!r} is an absolute path; an uploaded design may only name "
                          "files inside its own folder", hint="use a path relative to the design folder")
    if ".." in path.parts:
        raise SandboxViolation(f"{origin}: {what} {name!r} climbs out with `..`; an uploaded design may only name "
                          "files inside its own folder", hint="use a path relative to the design folder")
    full = base / path
    if not full.resolve().is_relative_to(root):
        raise SandboxViolation(f"{origin}: {what} {name!r} leads outside the design folder (through a link); rejected")
    return full


def _type(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array",
            dict: "a table"}.get(type(value), type(value).__name__)


def read_filelist(path: Path, incdirs: list[Path], defines: dict[str, str], depth: int = 0, *,
                  root: Path | None = None, trusted: bool = True) -> list[Path]:
    """Read a ``.f`` filelist: paths, ``+incdir+``, ``+define+``, ``-f``/``-F`` nesting, comments.

    ``trusted=False``: every path it names must stay inside ``root``.
    """
    if depth > 8:
        raise DesignError(f"{path}: filelists nested more than 8 deep (a cycle?)")
    reason = safefs.not_regular_reason(path)
    if reason:
        raise DesignError(f"filelist {path} {reason}")
    top = root or path.parent
    files: list[Path] = []
    base = path.parent
    tokens: list[tuple[int, str]] = []
    try:
        text = safefs.read_regular(path).decode("utf-8", errors="replace")
    except OSError as exc:
        raise DesignError(f"cannot read filelist {path}: {exc.strerror or exc}") from None
    for lineno, raw in enumerate(text.split("\n"), 1):
        line = re.sub(r"(//|#).*", "", raw).strip()
        tokens.extend((lineno, tok) for tok in line.split())

    def resolve(name: str, lineno: int) -> Path:
        return resolve_path(top, name, base, trusted=trusted, origin=f"{path}:{lineno}", what="path")

    it = iter(tokens)
    for lineno, tok in it:
        if tok.startswith("+incdir+"):
            incdirs.extend(resolve(d, lineno) for d in tok[len("+incdir+"):].split("+") if d)
        elif tok.startswith("+define+"):
            for item in tok[len("+define+"):].split("+"):
                name, _, value = item.partition("=")
                if name:
                    defines[name] = value or "1"
        elif tok in ("-f", "-F"):
            nested = next(it, None)
            if nested is None:
                raise DesignError(f"{path}:{lineno}: `{tok}` without a file name")
            files.extend(read_filelist(resolve(nested[1], lineno), incdirs, defines, depth + 1,
                                       root=top, trusted=trusted))
        elif tok.startswith("-I"):
            incdirs.append(resolve(tok[2:], lineno))
        elif tok.startswith(("-", "+")):
            continue  # simulator options we do not need
        else:
            p = resolve(tok, lineno)
            reason = safefs.not_regular_reason(p)
            if reason:
                raise DesignError(f"{path}:{lineno}: file {tok} named in the filelist {reason}",
                                  hint="fix or remove that line of the filelist")
            if not safefs.utf8_name(p):
                raise DesignError(f"{path}:{lineno}: file {safefs.shown(tok)} has a name that is not UTF-8",
                                  hint="rename the file (the Verilog tools cannot open it)")
            files.append(p.resolve())
    return files
