"""Fixtures for the timing tests: private design copies shared within a test session (so synthesis caches)."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden"
OSU018_LIB = Path("/usr/share/qflow/tech/osu018/osu018_stdcells.lib")


@pytest.fixture(scope="session")
def shared_design(tmp_path_factory: pytest.TempPathFactory):
    """``shared_design("mac16")``: one copy per session (per xdist worker) of designs/<name>."""
    root = tmp_path_factory.mktemp("timing-designs")
    made: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in made:
            dst = root / "designs" / name
            shutil.copytree(REPO / "designs" / name, dst, ignore=shutil.ignore_patterns(".chipchat", "__pycache__"))
            made[name] = dst
        return made[name]

    return get


@pytest.fixture
def make_design(tmp_path: Path):
    """``make_design(name, rtl, toml, sdc=None)``: a small design folder written from text."""

    def make(name: str, rtl: str, toml: str, sdc: str | None = None, file: str = "top.v") -> Path:
        folder = tmp_path / name
        (folder / "rtl").mkdir(parents=True, exist_ok=True)
        (folder / "rtl" / file).write_text(textwrap.dedent(rtl).lstrip())
        (folder / "chipchat.toml").write_text(textwrap.dedent(toml).lstrip())
        if sdc is not None:
            (folder / "constraints.sdc").write_text(textwrap.dedent(sdc).lstrip())
        return folder

    return make
