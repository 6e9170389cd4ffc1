"""Batch verification speed: 8 patches × the fifo regression on Icarus and Verilator.

Targets (issue #5, 2-core machine):
  * serial (--jobs 1) vs --jobs 2, both from an empty build cache: wall-time ratio >= 1.7
  * a repeated run of the same (unchanged) patches, reusing the builds: >= 3x faster than the first run

The 8 patches are generated from the current RTL text with difflib, so they stay valid
when the RTL changes. Everything runs in a temporary copy of the design.

    .venv/bin/python benchmarks/bench_verify.py [--sims icarus,verilator] [--patches 8] [--wait-idle 600]

Each run prints its CPU time too: on a machine shared with other work, "cores busy"
shows how much of the machine the run actually got.
"""

from __future__ import annotations

import argparse
import difflib
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from chipchat.verify.api import verify  # noqa: E402

RTL = "rtl/fifo.v"
# (old, new): neutral edits and real bugs, each a different source text (so a different build)
EDITS = [
    ("// accepted write this cycle", "// a write that is accepted this cycle"),
    ("// accepted read this cycle", "// a read that is accepted this cycle"),
    ("wire do_write = wr_en && !full;", "wire do_write = wr_en;"),
    ("wire do_read  = rd_en && !empty;", "wire do_read  = rd_en;"),
    ("dout   <= {WIDTH{1'b0}};", "dout   <= {WIDTH{1'b1}};"),
    ("wr_ptr <= {ADDR_W{1'b0}};  // wrap", "wr_ptr <= wr_ptr;  // wrap"),
    ("// Occupancy counter.", "// Occupancy counter: DEPTH + 1 values."),
    ("end else if (do_read && !do_write) begin", "end else if (do_read) begin"),
]


def make_patches(design: Path, out: Path, count: int) -> list[Path]:
    text = (design / RTL).read_text()
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (old, new) in enumerate(EDITS[:count], 1):
        if old not in text:
            raise SystemExit(f"bench_verify: the fifo RTL changed; {old!r} is gone — update EDITS")
        diff = difflib.unified_diff(text.splitlines(True), text.replace(old, new, 1).splitlines(True),
                                    f"a/{RTL}", f"b/{RTL}")
        path = out / f"p{i}.diff"
        path.write_text("".join(diff))
        paths.append(path)
    return paths


def cpu_seconds() -> float:
    """CPU time of this process and all its finished children (the tools, the worker processes)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def wait_for_quiet(limit_s: float, threshold: float = 1.0) -> None:
    """On a shared machine other work skews wall times: wait (up to ``limit_s``) for a low load."""
    deadline = time.monotonic() + limit_s
    while os.getloadavg()[0] > threshold and time.monotonic() < deadline:
        time.sleep(5)


def run(design: Path, patches: list[Path], sims: str, jobs: int, cache: Path, label: str, wait_s: float) -> float:
    wait_for_quiet(wait_s)
    load = os.getloadavg()[0]
    t0, c0 = time.monotonic(), cpu_seconds()
    report = verify(design, patches, sims, jobs=jobs, cache_dir=cache, report_dir=cache.parent / f"report-{label}")
    wall, cpu = time.monotonic() - t0, cpu_seconds() - c0
    verdicts = " ".join(f"{p.patch}:{p.verdict}" for p in report.patches)
    cached = sum(1 for o in report.outcomes if o.run and o.run.build and o.run.build.cached)
    busy = sum(o.wall_s for o in report.outcomes)
    print(f"  {label:<22} {wall:7.1f} s wall, {cpu:6.1f} s cpu ({cpu / wall:.2f} cores busy), job time "
          f"{busy:6.1f} s, load before {load:.1f}; {len(report.outcomes)} jobs, {cached} cached builds", flush=True)
    print(f"  {'':<22} {verdicts}", flush=True)
    return wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", default="icarus,verilator")
    parser.add_argument("--patches", type=int, default=8)
    parser.add_argument("--wait-idle", type=float, default=0.0, metavar="S",
                        help="before each run, wait up to S seconds for the 1-minute load average to drop below 1")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="chipchat-bench-verify-"))
    try:
        shutil.copytree(REPO / "designs" / "fifo", work / "designs" / "fifo",
                        ignore=shutil.ignore_patterns(".chipchat", "__pycache__"))
        shutil.copytree(REPO / "verification" / "fifo", work / "verification" / "fifo",
                        ignore=shutil.ignore_patterns("__pycache__"))
        design = work / "designs" / "fifo"
        patches = make_patches(design, work / "proposals", args.patches)
        print(f"bench_verify: {len(patches)} patches x fifo regression on {args.sims}; "
              f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
        w = args.wait_idle
        serial = run(design, patches, args.sims, 1, work / "cache-serial", "serial, empty cache", w)
        parallel = run(design, patches, args.sims, 2, work / "cache-parallel", "--jobs 2, empty cache", w)
        repeat = run(design, patches, args.sims, 2, work / "cache-parallel", "--jobs 2, repeated", w)
        ratio, reuse = serial / parallel, parallel / repeat
        print(f"serial / --jobs 2:        {ratio:5.2f}x   (target >= 1.7x) {'OK' if ratio >= 1.7 else 'BELOW TARGET'}")
        print(f"first run / repeated run: {reuse:5.2f}x   (target >= 3x)   {'OK' if reuse >= 3 else 'BELOW TARGET'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
