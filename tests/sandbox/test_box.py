"""Sandboxes: patches change a private copy; the design folder is never written."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from chipchat.errors import SandboxViolation
from chipchat.rtl.load import load_design
from chipchat.sandbox.box import Sandbox, SandboxDesign
from chipchat.sandbox.patch import PatchError


def fifo_diff(root: Path, old: str, new: str) -> str:
    text = (root / "rtl" / "fifo.v").read_text()
    return "".join(difflib.unified_diff(text.splitlines(True), text.replace(old, new).splitlines(True),
                                        "a/rtl/fifo.v", "b/rtl/fifo.v"))


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and ".chipchat" not in p.parts}


def test_patch_changes_only_the_copy(design_copy) -> None:
    root = design_copy("fifo")
    design = load_design(root)
    before = files(root)
    with Sandbox(design, "p1") as box:
        assert box.root.is_relative_to(root / ".chipchat" / "sandboxes")
        changes = box.apply(fifo_diff(root, "wire do_write = wr_en && !full;", "wire do_write = wr_en;"))
        assert [c.path for c in changes] == ["rtl/fifo.v"]
        assert "wire do_write = wr_en;" in (box.root / "rtl" / "fifo.v").read_text()
        sd = box.design()
        assert isinstance(sd, SandboxDesign)
        assert [p.resolve() for p in sd.sources] == [(box.root / "rtl" / "fifo.v").resolve()]
        assert sd.name == design.name and sd.top == "fifo"
        # testbenches are read where they are; chipchat state stays in the original design's .chipchat
        assert sd.tests.dir == design.tests.dir
        assert sd.state_dir == design.state_dir
        kept = box.root
    assert files(root) == before
    assert not kept.exists()


def test_added_source_file_is_seen_by_the_sandboxed_design(design_copy) -> None:
    root = design_copy("fifo")
    box = Sandbox(load_design(root), "add")
    try:
        box.apply("--- /dev/null\n+++ b/rtl/extra.v\n@@ -0,0 +1,2 @@\n+module extra;\n+endmodule\n")
        assert any(p.name == "extra.v" for p in box.design().sources)
        assert not (root / "rtl" / "extra.v").exists()
    finally:
        box.remove()


def test_symlink_leaving_the_sandbox_cannot_be_written_through(design_copy, tmp_path: Path) -> None:
    root = design_copy("fifo")
    outside = tmp_path / "elsewhere.v"
    outside.write_text("module elsewhere;\nendmodule\n")
    os.symlink(outside, root / "rtl" / "linked.v")
    patch = "".join(difflib.unified_diff(["module elsewhere;\n", "endmodule\n"], ["module hacked;\n", "endmodule\n"],
                                         "a/rtl/linked.v", "b/rtl/linked.v"))
    with Sandbox(load_design(root), "sym") as box:
        assert (box.root / "rtl" / "linked.v").is_symlink()
        untouched = (box.root / "rtl" / "fifo.v").read_bytes()
        with pytest.raises(SandboxViolation):
            box.apply(patch)
        assert (box.root / "rtl" / "fifo.v").read_bytes() == untouched
    assert outside.read_text() == "module elsewhere;\nendmodule\n"


def test_stale_patch_leaves_the_sandbox_as_copied(design_copy) -> None:
    root = design_copy("fifo")
    patch = fifo_diff(root, "wire do_read  = rd_en && !empty;", "wire do_read = rd_en;")
    text = (root / "rtl" / "fifo.v").read_text()
    (root / "rtl" / "fifo.v").write_text(text.replace("// accepted read this cycle", "// changed upstream"))
    with Sandbox(load_design(root), "stale") as box:
        copied = (box.root / "rtl" / "fifo.v").read_text()
        with pytest.raises(PatchError) as info:
            box.apply(patch)
        assert info.value.reason == "does-not-apply" and info.value.file == "rtl/fifo.v"
        assert (box.root / "rtl" / "fifo.v").read_text() == copied


def test_path_helper_refuses_escapes(design_copy) -> None:
    with Sandbox(load_design(design_copy("fifo")), "paths") as box:
        assert box.path("rtl/fifo.v").is_file()
        with pytest.raises(SandboxViolation):
            box.path("../../etc/passwd")
