"""Shared fixtures. Tests never write into the checkout: designs are copied to tmp_path."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def copy_design(name: str, dest_root: Path) -> Path:
    """Copy designs/<name> (and verification/<name>, keeping their relative layout) under dest_root."""
    src = REPO / "designs" / name
    dst = dest_root / "designs" / name
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".chipchat", "__pycache__", "sim_build"))
    tests = REPO / "verification" / name
    if tests.is_dir():
        shutil.copytree(tests, dest_root / "verification" / name,
                        ignore=shutil.ignore_patterns("__pycache__", "sim_build", "results.xml"))
    return dst


@pytest.fixture
def design_copy(tmp_path: Path):
    """Factory: ``design_copy("fifo")`` returns the path of a private copy of a bundled design."""
    return lambda name: copy_design(name, tmp_path)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def _checkout_state() -> set[str]:
    """Files under the checkout's designs/ and verification/ (tests must leave them untouched)."""
    return {str(p.relative_to(REPO)) for top in ("designs", "verification") for p in (REPO / top).rglob("*")
            if "__pycache__" not in p.parts}


@pytest.fixture(autouse=True)
def _checkout_stays_clean():
    """Fail the test that writes into the checkout's example designs (use design_copy instead)."""
    before = _checkout_state()
    yield
    added = sorted(_checkout_state() - before)
    assert not added, f"this test wrote into the checkout: {added[:5]}"


from tests._physical import osu018_lef, uart_netlist, uart_synth  # noqa: E402,F401 - fixtures for every folder
