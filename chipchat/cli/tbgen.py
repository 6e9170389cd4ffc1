"""``chipchat tbgen``: a cocotb testbench generated from the spec, run on the RTL and graded by mutation score."""

from __future__ import annotations

import argparse

from chipchat.cli._common import add_design_arg, add_json_arg, emit, open_design


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "tbgen", help="generate a cocotb testbench from the spec, run it on the RTL, grade it by mutation score",
        description="Extract the spec's structure (port, parameter and reset tables, truth/opcode/behaviour tables, "
                    "cycle and waveform tables, 'When ..., then ...' rules), generate a cocotb testbench with a "
                    "reference model where the spec allows, run it on the RTL and grade it by mutation score. A "
                    "generated test that fails is reported as a disagreement between spec and RTL, with evidence. "
                    "With CHIPCHAT_LLM_BASE_URL set, a language model writes tests for what could not be extracted. "
                    "Output goes to <design>/.chipchat/tbgen/<run>/ (never the design's test folder unless --out). "
                    "Exit code 0 when a testbench was generated and the spec and RTL agree, 1 otherwise.")
    add_design_arg(p)
    p.add_argument("--spec", default=None, help="the spec (Markdown); default: the design's spec document")
    p.add_argument("--sim", "--simulator", dest="simulator", default="icarus",
                   help="icarus (default), verilator, or both: icarus,verilator (grading uses the first)")
    p.add_argument("--no-grade", action="store_true", help="do not measure the mutation score")
    p.add_argument("--max", dest="max_mutants", type=int, default=50, help="mutants for grading (default 50)")
    p.add_argument("--seed", type=int, default=1, help="stimulus and sampling seed (default 1)")
    p.add_argument("--jobs", "-j", type=int, default=None, help="parallel mutants (default CHIPCHAT_JOBS; 0 = one per core)")
    p.add_argument("--executor", default=None, help="local (process pool) or dask://host:port; default CHIPCHAT_EXECUTOR")
    p.add_argument("--out", default=None, help="also copy the generated test module(s) to this folder or .py file")
    add_json_arg(p)
    p.set_defaults(func=cmd_tbgen)


def cmd_tbgen(args: argparse.Namespace) -> int:
    from chipchat.config import settings
    from chipchat.tbgen import api

    config = settings()
    result = api.generate(open_design(args), args.spec, args.simulator, not args.no_grade, args.max_mutants,
                          seed=args.seed, jobs=config.jobs if args.jobs is None else args.jobs,
                          executor=args.executor or config.executor, out=args.out)
    emit(api.answer(result), args)
    agree = not any(d.kind in ("spec-vs-rtl", "static") for d in result.disagreements)
    return 0 if result.usable and agree else 1
