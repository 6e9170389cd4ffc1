"""``chipchat timing``: synthesis + OpenSTA, the worst paths explained in RTL terms."""

from __future__ import annotations

import argparse
import sys
import time

from chipchat.cli._common import add_design_arg, add_json_arg, emit, open_design, parse_period
from chipchat.errors import ConfigError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "timing", help="synthesize, run static timing and explain the worst path in RTL terms",
        description="Synthesize the design with Yosys (buffering and gate sizing by ABC), time it with OpenSTA, "
                    "and explain the worst path — or the worst path into --to SIGNAL — as RTL statements with "
                    "file:line, delay shares and ranked fixes. Evidence lands in <design>/.chipchat/runs/.")
    add_design_arg(p)
    p.add_argument("--clock-period", type=parse_period, default=None, metavar="PERIOD",
                   help="what-if clock period (8ns, 2500ps, 125MHz); default: the design's SDC / chipchat.toml")
    p.add_argument("--to", default=None, metavar="SIGNAL",
                   help="explain the worst path into this RTL signal (a register or an output, e.g. acc)")
    p.add_argument("--paths", type=int, default=5, help="how many worst paths to list (default 5)")
    p.add_argument("--platform", default=None,
                   help="osu018, osu035, osu050, a .lib file or an OpenROAD-flow-scripts platform folder")
    p.add_argument("--repair", default="abc", choices=("abc", "none"),
                   help="abc: buffer high-fanout nets and size gates (default); none: plain mapping")
    add_json_arg(p)
    p.set_defaults(func=cmd_timing)


def cmd_timing(args: argparse.Namespace) -> int:
    from chipchat.timing.api import timing_report

    if not 1 <= args.paths <= 10000:
        raise ConfigError(f"--paths must be between 1 and 10000, got {args.paths}")
    design = open_design(args)
    start = time.monotonic()
    last = [start]

    def progress(stage: str) -> None:
        now = time.monotonic()
        print(f"chipchat: {stage} … (+{now - last[0]:.1f} s)", file=sys.stderr, flush=True)
        last[0] = now

    answer = timing_report(design, clock_period_ns=args.clock_period, to=args.to, paths=args.paths,
                           platform=args.platform, repair=args.repair, progress=progress)
    print(f"chipchat: done in {time.monotonic() - start:.1f} s", file=sys.stderr, flush=True)
    return emit(answer, args)
