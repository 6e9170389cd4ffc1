"""run_patched: the one "copy, patch, run a job" path shared by verify, mutate and checked edits."""

from __future__ import annotations

from pathlib import Path

from chipchat.design import Design
from chipchat.errors import ToolFailed, ToolNotFound
from chipchat.rtl.load import load_design
from chipchat.sandbox.run import ERROR, NOT_APPLY, OK, REJECTED, UNAVAILABLE, run_patched

from .test_box import fifo_diff


def test_the_job_sees_the_patched_copy_and_the_copy_is_removed(design_copy) -> None:
    root = design_copy("fifo")
    design = load_design(root)
    seen: dict[str, object] = {}

    def job(target: Design, paths) -> str:
        seen["root"] = target.root
        seen["text"] = (target.root / "rtl" / "fifo.v").read_text()
        return paths.strip(f"{target.root}/rtl/fifo.v:3: note")

    done = run_patched(design, fifo_diff(root, "wire do_write = wr_en && !full;", "wire do_write = wr_en;"), job,
                       name="p1")
    assert done.status == OK and done.ok
    assert done.value == "rtl/fifo.v:3: note"  # the sandbox prefix is gone
    assert "wire do_write = wr_en;" in str(seen["text"])
    assert Path(str(seen["root"])) != root and not Path(done.sandbox).exists()
    assert "wire do_write = wr_en && !full;" in (root / "rtl" / "fifo.v").read_text()  # the user's file


def test_no_patch_runs_on_the_design_itself(design_copy) -> None:
    design = load_design(design_copy("fifo"))
    done = run_patched(design, None, lambda d, paths: d.root)
    assert done.ok and done.value == design.root and done.sandbox == ""


def test_bad_patches_and_failing_jobs_are_statuses_not_exceptions(design_copy) -> None:
    root = design_copy("fifo")
    design = load_design(root)
    escaping = "--- a/../outside.v\n+++ b/../outside.v\n@@ -0,0 +1 @@\n+module x; endmodule\n"
    assert run_patched(design, escaping, lambda d, p: None).status == REJECTED
    stale = fifo_diff(root, "wire do_write = wr_en && !full;", "wire do_write = wr_en;").replace(
        "wr_en && !full", "wr_en && !empty")
    assert run_patched(design, stale, lambda d, p: None).status == NOT_APPLY

    def missing_tool(d: Design, p) -> None:
        raise ToolNotFound("verilator", "verilator is not installed")

    def failing_tool(d: Design, p) -> None:
        raise ToolFailed("yosys", f"yosys failed on {d.root}/rtl/fifo.v")

    def broken(d: Design, p) -> None:
        raise KeyError("oops")

    patch = fifo_diff(root, "wire do_write = wr_en && !full;", "wire do_write = wr_en;")
    assert run_patched(design, patch, missing_tool).status == UNAVAILABLE
    failed = run_patched(design, patch, failing_tool)
    assert failed.status == ERROR and "yosys failed on rtl/fifo.v" in failed.message
    internal = run_patched(design, patch, broken)
    assert internal.status == ERROR and "internal error: KeyError('oops')" in internal.message
    assert not list((root / ".chipchat" / "sandboxes").iterdir())  # every copy removed
