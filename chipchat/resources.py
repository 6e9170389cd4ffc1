"""Locate the data that ships with chipchat: flows/, ui/, designs/, verification/.

In a checkout they sit next to the package; in an installed wheel they are mapped into
``chipchat/_data/`` (see pyproject.toml). Callers never need to know which.
"""

from __future__ import annotations

from pathlib import Path

from chipchat.errors import DesignError

PACKAGE = Path(__file__).resolve().parent
DATA_DIRS = ("flows", "ui", "designs", "verification")


def data_path(name: str) -> Path:
    """The folder of bundled data ``name`` (one of :data:`DATA_DIRS`)."""
    if name not in DATA_DIRS:
        raise ValueError(f"unknown data folder {name!r}; known: {DATA_DIRS}")
    installed = PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return PACKAGE.parent / name


def bundled_designs() -> list[str]:
    root = data_path("designs")
    return sorted(p.name for p in root.iterdir() if (p / "chipchat.toml").exists()) if root.is_dir() else []


def resolve_design_path(arg: str | Path) -> Path:
    """A design argument: an existing folder, or the name of a bundled example (``fifo``, ``mac16`` ...)."""
    path = Path(arg).expanduser()
    if path.exists():
        return path
    candidate = data_path("designs") / str(arg).removeprefix("designs/")
    if candidate.is_dir():
        return _writable_copy(candidate) if candidate.is_relative_to(PACKAGE / "_data") else candidate
    raise DesignError(f"no design folder {arg}: it does not exist",
                      hint="pass a folder with RTL, or a bundled example: " + ", ".join(bundled_designs()))


def examples_home() -> Path:
    """Where installed example designs are copied so chipchat never writes into site-packages."""
    import os

    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "chipchat" / "examples"


def _writable_copy(bundled: Path) -> Path:
    import shutil

    home = examples_home()
    target = home / "designs" / bundled.name
    if not target.exists():
        shutil.copytree(bundled, target)
        tests = data_path("verification") / bundled.name
        if tests.is_dir() and not (home / "verification" / bundled.name).exists():
            shutil.copytree(tests, home / "verification" / bundled.name)
    return target
