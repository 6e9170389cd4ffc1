"""The designs an MCP server serves, by name, and the checks on paths that clients send.

A server serves one design (``chipchat mcp designs/mac16``) or every design folder under a
root (``chipchat mcp --root designs``), each by its folder name. A client names a design; it
never sends a folder path. A name is one folder name under the root: ``../x``, ``a/b``, an
absolute path, a hidden folder or a symlink that leads out of the root is refused, and so is a
name that is not a design (no ``chipchat.toml`` and no HDL file) — each with the list of names
that exist.

String arguments are checked the same way (:func:`check_paths`): a file named by a client is
relative to the design folder, so an absolute path, a ``~`` path or a ``..`` component is
refused, and a relative name of an existing file is passed to the tool as its path inside the
design (``spec="spec.md"`` means the design's spec.md, whatever the server's working folder).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from chipchat.design import HDL_SUFFIXES, SKIP_DIRS, Design
from chipchat.errors import ConfigError, DesignError, SandboxViolation
from chipchat.rtl.load import load_design


class Catalog:
    """One design, or the designs under ``root``, each opened once and looked up by name."""

    def __init__(self, *, design: str | Path | None = None, root: str | Path | None = None) -> None:
        if (design is None) == (root is None):
            raise ConfigError("serve either one design or a root folder of designs, not both or neither",
                              hint="chipchat mcp designs/mac16, or chipchat mcp --root designs")
        self._lock = threading.Lock()
        self._open: dict[str, Design] = {}
        self.root: Path | None = None
        self.single: Design | None = None
        if design is not None:
            self.single = load_design(design)
            self._open[self.single.name] = self.single
        else:
            folder = Path(str(root)).expanduser()
            if not folder.is_dir():
                raise DesignError(f"the root folder {folder} does not exist or is not a folder",
                                  hint="pass the folder that holds your design folders")
            self.root = folder.resolve()
            if not self.names():
                raise DesignError(f"no design folder under {self.root}",
                                  hint="each design is a folder under the root with its RTL (and chipchat.toml)")

    @property
    def many(self) -> bool:
        return self.root is not None

    def names(self) -> list[str]:
        """The names a client may use, sorted."""
        if self.single is not None:
            return [self.single.name]
        assert self.root is not None
        return sorted(p.name for p in self.root.iterdir()
                      if p.is_dir() and not p.name.startswith(".") and p.name not in SKIP_DIRS
                      and p.resolve().is_relative_to(self.root) and _is_design(p))

    def get(self, name: Any = None) -> Design:
        """The design called ``name`` (optional when the server serves one design)."""
        if self.single is not None:
            if name in (None, "", self.single.name):
                return self.single
            raise ConfigError(f"this server serves one design, {self.single.name!r}, not {name!r}",
                              hint=f"leave the design argument out, or pass {self.single.name!r}")
        assert self.root is not None
        if not isinstance(name, str) or not name:
            raise ConfigError("name the design: this server serves several",
                              hint="designs: " + ", ".join(self.names()))
        if name in (".", "..") or "/" in name or "\\" in name or name.startswith((".", "~")) or "\0" in name:
            raise SandboxViolation(f"design name {name!r} is not a folder name under the root; refused",
                                   hint="designs: " + ", ".join(self.names()))
        folder = self.root / name
        if not folder.resolve().is_relative_to(self.root):
            raise SandboxViolation(f"design {name!r} leads outside the root {self.root} (a symlink); refused")
        with self._lock:
            if name not in self._open:
                if name in SKIP_DIRS or not folder.is_dir() or not _is_design(folder):
                    raise ConfigError(f"no design named {name!r} under {self.root}",
                                      hint="designs: " + ", ".join(self.names()))
                self._open[name] = load_design(folder)
            return self._open[name]

    def all(self) -> list[tuple[str, Design]]:
        """(name, design) of every design (opened on first use); a folder that cannot be opened is left out.
        The name is the one clients use — the folder name under a root, which chipchat.toml may not share."""
        out = []
        for name in self.names():
            try:
                out.append((name, self.get(name)))
            except (ConfigError, DesignError, SandboxViolation):
                continue
        return out


def _is_design(folder: Path) -> bool:
    if (folder / "chipchat.toml").is_file():
        return True
    for _, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS]
        if any(f.endswith(HDL_SUFFIXES) for f in files):
            return True
    return False


def check_path(value: str, what: str) -> None:
    """Refuse a path a client sent that is absolute or climbs out (``..``)."""
    if value.startswith(("/", "~", "\\")) or Path(value).is_absolute():
        raise SandboxViolation(f"{what}: {value!r} is an absolute path; refused",
                               hint="name files relative to the design folder, e.g. rtl/fifo.v")
    if ".." in PurePosixPath(value.replace("\\", "/")).parts:
        raise SandboxViolation(f"{what}: {value!r} climbs out of the design folder (`..`); refused",
                               hint="name files relative to the design folder, e.g. rtl/fifo.v")


def check_paths(design: Design, args: Mapping[str, Any]) -> dict[str, Any]:
    """``args`` with every path-like string checked (:func:`check_path`) and relative names of existing
    files made paths inside the design. Text (anything with whitespace) is left alone."""
    root = design.root.resolve()

    def one(key: str, value: Any) -> Any:
        if not isinstance(value, str) or not value or any(c.isspace() for c in value):
            return value
        check_path(value, f"argument {key}")
        target = root / value
        if target.is_file():
            real = target.resolve()
            if not real.is_relative_to(root):
                raise SandboxViolation(f"argument {key}: {value!r} leads outside the design folder (a symlink); "
                                       "refused")
            return str(real)
        return value

    out: dict[str, Any] = {}
    for key, value in args.items():
        if isinstance(value, list):
            out[key] = [one(key, v) for v in value]
        else:
            out[key] = one(key, value)
    return out
