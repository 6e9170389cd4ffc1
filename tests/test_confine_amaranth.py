"""Amaranth elaboration runs the design's Python: confined, it writes only its output folder."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from chipchat.errors import ChipChatError
from chipchat.rtl.load import load_design
from chipchat.sandbox import confine
from chipchat.steps.amaranth_elab import elaborate

pytestmark = pytest.mark.skipif(confine.bwrap_problem() is not None, reason=f"{confine.bwrap_problem()}")
ANCHOR = "from amaranth.hdl import Module, Signal\n"


@pytest.fixture
def outside() -> Iterator[Path]:
    folder = Path("/var/tmp") / f"chipchat-amaranth-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def with_payload(design_copy, payload: str) -> Path:
    root = design_copy("alu8")
    src = root / "rtl" / "alu8.py"
    text = src.read_text()
    assert ANCHOR in text
    src.write_text(text.replace(ANCHOR, ANCHOR + payload, 1))
    return root


def test_a_silent_write_outside_lands_nowhere_and_elaboration_still_works(design_copy, outside: Path) -> None:
    root = with_payload(design_copy, f"try:\n    open('/tmp/..{outside}/escaped', 'w').write('x')\n"
                                     "except OSError:\n    pass\n")
    result = elaborate(load_design(root))
    assert result.verilog.is_file() and "module alu8" in result.verilog.read_text()
    assert not list(outside.iterdir())
    assert not (root / "rtl" / "__pycache__").exists()  # the user's folder is not written either


def test_a_shell_command_outside_is_refused_and_named(design_copy, outside: Path) -> None:
    root = with_payload(design_copy, f"import os\nos.system('touch /tmp/..{outside}/escaped')\n")
    with pytest.raises(ChipChatError, match="blocked by the sandbox: touch: cannot touch .*Read-only file system"):
        elaborate(load_design(root))
    assert not list(outside.iterdir())
    assert not list((root / ".chipchat" / "amaranth").glob("*.v"))


def test_the_elaboration_may_not_overwrite_other_cached_outputs(design_copy) -> None:
    """Its writable folder is a fresh one: the cached Verilog of other versions stays out of reach."""
    root = design_copy("alu8")
    first = elaborate(load_design(root)).verilog
    before = first.read_bytes()
    src = root / "rtl" / "alu8.py"
    src.write_text(src.read_text().replace(ANCHOR, ANCHOR + f"open({str(first)!r}, 'w').write('pwned')\n", 1))
    with pytest.raises(ChipChatError, match="Read-only file system"):
        elaborate(load_design(root))
    assert first.read_bytes() == before
