"""Fixtures for verification tests: a private fifo copy, patches made from its RTL text, a shared build cache."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest


def make_diff(root: Path, rel: str, old: str, new: str, count: int = 1) -> str:
    """A unified diff of ``root/rel`` with ``old`` replaced by ``new`` (built from the current text)."""
    text = (root / rel).read_text()
    assert old in text, f"{old!r} not in {rel}"
    a = text.splitlines(keepends=True)
    b = text.replace(old, new, count).splitlines(keepends=True)
    return "".join(difflib.unified_diff(a, b, f"a/{rel}", f"b/{rel}"))


@pytest.fixture
def fifo(design_copy) -> Path:
    return design_copy("fifo")


@pytest.fixture
def diff():
    return make_diff


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory) -> Path:
    """A build cache shared by the tests of all xdist workers (builds are content-addressed)."""
    base = tmp_path_factory.getbasetemp()
    path = (base.parent if base.name.startswith("popen-gw") else base) / "chipchat-verify-cache"
    path.mkdir(exist_ok=True)
    return path


def tree_snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".chipchat" not in p.parts}


@pytest.fixture
def snapshot():
    return tree_snapshot
