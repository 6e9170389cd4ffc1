"""``chipchat sim``: run a design's cocotb tests on Icarus or Verilator and explain failures."""

from __future__ import annotations

import argparse
from typing import Any

from chipchat.cli._common import add_design_arg, add_json_arg, emit, open_design
from chipchat.errors import ConfigError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sim", help="run the design's cocotb tests (Icarus or Verilator) and explain failing ones",
        description="Build the design (cached by content), run its cocotb tests with a wall-clock limit per test, "
                    "and for each failing test cite the failing check, the test line, the RTL that drives the "
                    "checked signals and a waveform excerpt. Exit code 0 when every test passes, 1 otherwise.")
    add_design_arg(p)
    p.add_argument("--sim", "--simulator", dest="simulator", default=None,
                   help="icarus or verilator (default: the first of the design's [tests] simulators)")
    p.add_argument("-k", "--filter", default=None, help="run only tests whose name matches this regular expression")
    p.add_argument("--module", action="append", default=None, help="cocotb test module to run (repeatable)")
    p.add_argument("--waves", action="store_true", help="record a waveform of the whole run")
    p.add_argument("-P", "--param", action="append", default=[], metavar="NAME=VALUE",
                   help="override a top-level parameter (repeatable)")
    p.add_argument("-D", "--define", action="append", default=[], metavar="NAME[=VALUE]",
                   help="preprocessor define (repeatable)")
    p.add_argument("--seed", type=int, default=None, help="cocotb random seed")
    p.add_argument("--timeout", type=float, default=None, help="wall-clock limit of one test, in seconds")
    p.add_argument("--no-explain", action="store_true", help="do not re-run failing tests to explain them")
    p.add_argument("--list", action="store_true", help="list the tests and exit")
    add_json_arg(p)
    p.set_defaults(func=cmd_sim)


def parse_assignments(items: list[str], what: str, *, value_required: bool) -> dict[str, Any]:
    """``NAME=VALUE`` options → a dict (integers converted)."""
    out: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not name.isidentifier() or (value_required and not sep):
            raise ConfigError(f"{what} {item!r} is not NAME=VALUE", hint=f"e.g. {what} DEPTH=8")
        out[name] = int(value) if value.lstrip("-").isdigit() else (value if sep else "1")
    return out


def cmd_sim(args: argparse.Namespace) -> int:
    from chipchat.verify import api

    design = open_design(args)
    if args.list:
        return emit(api.list_tests(design), args)
    simulator = args.simulator or (design.tests.simulators[0] if design.tests.simulators else "icarus")
    answer = api.run_tests(
        design, simulator, args.filter, args.waves, modules=args.module,
        parameters=parse_assignments(args.param, "-P", value_required=True),
        defines={k: str(v) for k, v in parse_assignments(args.define, "-D", value_required=False).items()},
        seed=args.seed, timeout_s=args.timeout, explain=not args.no_explain)
    emit(answer, args)
    return 0 if answer.data.get("ok") else 1
