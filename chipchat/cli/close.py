"""``chipchat close``: timing closure — checked edits tried until the clock is met, or the limit shown."""

from __future__ import annotations

import argparse
import sys
import time

from chipchat.cli._common import add_design_arg, add_json_arg, emit, open_design, parse_period


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "close", help="make the design meet a clock period by checked RTL edits (or show the limit)",
        description="Explain the worst path, try the edits it suggests (pipelining, a multiplier split over "
                    "cycles, carry-save accumulation, registered inputs/outputs) in parallel on sandbox copies, "
                    "keep the best and go on until the clock is met after synthesis and after placement, nothing "
                    "improves, or the budget is spent. The best design and the testbench update that follows its "
                    "new latency are stored as checked proposals; nothing is applied (see `chipchat apply`).")
    add_design_arg(p)
    p.add_argument("--clock-period", type=parse_period, default=None, metavar="PERIOD",
                   help="the clock to meet (4ns, 250MHz); default: the design's SDC / chipchat.toml")
    p.add_argument("--candidates", type=int, default=12, metavar="N",
                   help="how many candidate designs may be evaluated (0 is valid: nothing is tried)")
    p.add_argument("--time", type=float, default=120.0, metavar="SECONDS",
                   help="wall-clock budget of the search (default 120; the final checks come on top)")
    p.add_argument("--iterations", type=int, default=4, help="how many rounds of edits may be stacked")
    p.add_argument("--no-place", action="store_true", help="do not check the best design after placement")
    p.add_argument("--no-propose", action="store_true", help="store no proposals (measure only)")
    p.add_argument("--executor", default=None,
                   help="local (process pool), serial or dask://host:port (default: CHIPCHAT_EXECUTOR)")
    p.add_argument("--jobs", type=int, default=0, help="parallel evaluations (0: one per core)")
    add_json_arg(p)
    p.set_defaults(func=cmd_close)


def cmd_close(args: argparse.Namespace) -> int:
    from chipchat.closure.api import close_timing

    design = open_design(args)
    start = time.monotonic()

    def progress(stage: str) -> None:
        print(f"chipchat: {stage} … ({time.monotonic() - start:.0f} s)", file=sys.stderr, flush=True)

    result = close_timing(design, args.clock_period, max_candidates=args.candidates, time_budget_s=args.time,
                          iterations=args.iterations, place=not args.no_place, propose=not args.no_propose,
                          executor=args.executor, workers=args.jobs, progress=progress)
    emit(result.answer(), args)
    return 0 if result.closed else 1
