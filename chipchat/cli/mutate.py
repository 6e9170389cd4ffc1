"""``chipchat mutate``: inject bugs into the RTL and report how many the tests catch."""

from __future__ import annotations

import argparse
import sys

from chipchat.cli._common import add_design_arg, add_json_arg, emit, open_design


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "mutate", help="mutation testing: how many injected bugs (mutants) the tests catch, and which they miss",
        description="Build mutants of the RTL from its syntax tree (operator swap, constant flip, condition "
                    "negation, stuck assignment, off-by-one comparison; Amaranth designs are mutated in their "
                    "Python), run the tests on every mutant in parallel (one build per mutant, stopping at the "
                    "first failing test) and report the mutation score with the surviving mutants' file:line. "
                    "A mutant that hangs the simulator is stopped and counts as killed; one that does not compile "
                    "is 'invalid' and left out of the score. Reports go to <design>/.chipchat/mutate/<time>/.")
    add_design_arg(p)
    p.add_argument("--tests", default=None,
                   help="tests to grade: a test_*.py file or a folder of them (default: the design's own tests)")
    p.add_argument("--sim", "--simulator", dest="simulator", default="icarus", help="icarus (default) or verilator")
    p.add_argument("--max", dest="max_mutants", type=int, default=50,
                   help="at most this many mutants, sampled with --seed (default 50; 0 = all)")
    p.add_argument("--seed", type=int, default=1, help="sampling seed (default 1)")
    p.add_argument("--operators", default=None,
                   help="comma-separated operators (default all): operator-swap, constant-flip, "
                        "condition-negation, stuck-assignment, off-by-one")
    p.add_argument("--jobs", "-j", type=int, default=None, help="parallel mutants (default CHIPCHAT_JOBS; 0 = one per core)")
    p.add_argument("--executor", default=None, help="local (process pool) or dask://host:port; default CHIPCHAT_EXECUTOR")
    p.add_argument("--timeout", type=float, default=None, help="wall-clock limit of one test on a mutant, in seconds")
    p.add_argument("--report-dir", default=None, help="where to write report.md and report.json")
    p.add_argument("--only", default=None, help="comma-separated mutant ids to run (from --list), e.g. m004,m007")
    p.add_argument("--list", action="store_true", help="list the mutants that would run, and exit")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines on stderr")
    add_json_arg(p)
    p.set_defaults(func=cmd_mutate)


def cmd_mutate(args: argparse.Namespace) -> int:
    from chipchat.answer import Answer
    from chipchat.config import settings
    from chipchat.mutate import api
    from chipchat.mutate.run import MutantResult
    from chipchat.types import Citation

    design = open_design(args)
    if args.list:
        mutants, candidates = api.find_mutants(design, args.max_mutants, args.seed, args.operators)
        lines = [f"**{len(mutants)} mutants of {design.name}** (from {candidates} sites, seed {args.seed})", ""]
        lines += [f"- {m.id} `{m.where}` {m.operator}: {m.description}" for m in mutants]
        answer = Answer("\n".join(lines), [Citation(m.file, m.line, 0, label=m.id) for m in mutants],
                        {"mutants": [m.to_json() for m in mutants], "candidates": candidates}, kind="mutate")
        return emit(answer, args)
    config = settings()
    done = [0]

    def progress(_index: int, result: MutantResult) -> None:
        done[0] += 1
        m = result.mutant
        by = f" by {result.killed_by.rsplit('.', 1)[-1]}" if result.killed_by else ""
        print(f"[{done[0]}] {m.id} {m.where} {m.operator}: {result.status}{by} ({result.wall_s:.1f} s)",
              file=sys.stderr)

    report = api.mutate(design, args.tests, args.simulator, args.max_mutants,
                        config.jobs if args.jobs is None else args.jobs, args.executor or config.executor,
                        args.seed, operators=args.operators, timeout_s=args.timeout, report_dir=args.report_dir,
                        progress=None if args.quiet else progress,
                        only=[i.strip() for i in args.only.split(",") if i.strip()] if args.only else None)
    emit(report.answer(), args)
    return 0
