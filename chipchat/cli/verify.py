"""``chipchat verify``: every patch × every simulator × every test, in sandboxes, in parallel."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from chipchat.cli._common import add_design_arg, add_json_arg, emit, open_design


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify", help="check proposed RTL patches: sandboxed apply, lint, build, all tests vs the baseline",
        description="Apply each unified diff in its own sandbox copy of the design (never the design itself), "
                    "lint it with verilator --lint-only, build it for each simulator and run every cocotb test. "
                    "Reports newly failing / newly passing tests against the unpatched design as a Markdown table, "
                    "JSON and JUnit XML. Exit code 0 when no patch breaks anything, 1 otherwise.")
    add_design_arg(p)
    p.add_argument("--patches", nargs="+", required=True, metavar="DIFF", help="unified diff files")
    p.add_argument("--sims", default=None,
                   help="comma-separated simulators, e.g. icarus,verilator (default: the design's [tests] simulators)")
    p.add_argument("--jobs", "-j", type=int, default=None, help="parallel jobs (default CHIPCHAT_JOBS; 0 = one per core)")
    p.add_argument("--executor", default=None,
                   help="local (process pool) or dask://host:port (a Dask scheduler); default CHIPCHAT_EXECUTOR")
    p.add_argument("-k", "--filter", default=None, help="run only tests whose name matches this regular expression")
    p.add_argument("--timeout", type=float, default=None, help="wall-clock limit of one test, in seconds")
    p.add_argument("--seed", type=int, default=None, help="cocotb random seed used for every run")
    p.add_argument("--report-dir", default=None, help="where to write report.md/.json and junit.xml")
    p.add_argument("--junit", default=None, metavar="PATH", help="also copy the JUnit XML report to PATH")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines on stderr")
    add_json_arg(p)
    p.set_defaults(func=cmd_verify)


def cmd_verify(args: argparse.Namespace) -> int:
    from chipchat.config import settings
    from chipchat.verify import api
    from chipchat.verify.batch import DEFAULT_SEED, JobOutcome
    from chipchat.verify.report import CLEAN, IMPROVES

    design = open_design(args)
    config = settings()
    sims = args.sims or ",".join(design.tests.simulators or ("icarus",))
    done = [0]

    def progress(_index: int, outcome: JobOutcome) -> None:
        done[0] += 1
        what = outcome.run.summary() if outcome.run is not None and outcome.status == "ok" else outcome.status
        print(f"[{done[0]}] {outcome.patch} on {outcome.simulator}: {what} ({outcome.wall_s:.1f} s)", file=sys.stderr)

    report = api.verify(
        design, list(args.patches), sims, config.jobs if args.jobs is None else args.jobs,
        args.executor or config.executor, filter=args.filter, timeout_s=args.timeout,
        seed=DEFAULT_SEED if args.seed is None else args.seed, report_dir=args.report_dir,
        progress=None if args.quiet else progress)
    if args.junit:
        Path(args.junit).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(report.files["junit"], args.junit)
    emit(report.answer(), args)
    return 0 if all(p.verdict in (CLEAN, IMPROVES) for p in report.patches) else 1
