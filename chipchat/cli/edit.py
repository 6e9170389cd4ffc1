"""``chipchat propose`` / ``apply`` / ``proposals``: checked edits, written only after the user says so."""

from __future__ import annotations

import argparse
import sys

from chipchat.cli._common import add_design_arg, add_json_arg, emit, open_design


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "propose", help="propose an edit as a diff, with the evidence that it is safe (nothing is written)",
        description="Turn a request (\"pipeline the multiplier\", \"rename wr_ptr to wptr\", \"set DEPTH to 32\", "
                    "\"register the output full\", \"add a synchronous reset\", \"make acc 40 bits wide\") into a "
                    "unified diff, then check it on a sandbox copy: parse, lint, the regression tests, the timing "
                    "delta and a comparison with the original. The proposal is stored under "
                    "<design>/.chipchat/proposals/<id>/; `chipchat apply` writes it after confirmation. With "
                    "CHIPCHAT_LLM_BASE_URL set, requests no built-in transformation covers go to the model.")
    add_design_arg(p)
    p.add_argument("request", help="what to change, in words")
    p.add_argument("--no-check", action="store_true", help="make the diff only; gather no evidence")
    p.add_argument("--no-timing", action="store_true", help="skip the timing delta (synthesis + STA)")
    p.add_argument("--sims", default="icarus", help="simulators for the regression, e.g. icarus,verilator")
    p.add_argument("--engine", default="auto", choices=("auto", "transform", "model"),
                   help="auto: a built-in transformation if one covers the request, else the model if configured")
    p.add_argument("--repair-rounds", type=int, default=2, help="model edits: failure feedback rounds (default 2)")
    add_json_arg(p)
    p.set_defaults(func=cmd_propose)

    a = sub.add_parser(
        "apply", help="apply a stored proposal to the design's files (asks for confirmation)",
        description="Write a proposal's diff into the design, after an explicit yes (--yes, or the y/N prompt). "
                    "Refuses a proposal whose source files changed since it was made, and one whose evidence shows "
                    "a build failure unless --force. The originals are backed up; --undo restores them.")
    add_design_arg(a)
    a.add_argument("proposal", help="proposal id (see `chipchat proposals DESIGN`)")
    a.add_argument("--yes", "-y", action="store_true", help="confirm without asking")
    a.add_argument("--force", action="store_true", help="apply even though the edited design does not build")
    a.add_argument("--undo", action="store_true", help="restore the files an applied proposal changed")
    add_json_arg(a)
    a.set_defaults(func=cmd_apply)

    ls = sub.add_parser("proposals", help="list a design's proposals, or show one (--show ID)")
    add_design_arg(ls)
    ls.add_argument("--show", metavar="ID", default=None, help="show one proposal: diff, notes, evidence")
    add_json_arg(ls)
    ls.set_defaults(func=cmd_proposals)


def cmd_propose(args: argparse.Namespace) -> int:
    from chipchat.edit.api import propose_edit

    design = open_design(args)
    answer = propose_edit(design, args.request, check=not args.no_check, simulators=args.sims, engine=args.engine,
                          timing=not args.no_timing, repair_rounds=args.repair_rounds)
    emit(answer, args)
    if "proposal_id" not in answer.data:
        return 1
    return 0 if answer.data.get("build_ok", True) and not answer.data.get("regression") else 1


def cmd_apply(args: argparse.Namespace) -> int:
    from chipchat.edit.api import apply_proposal, undo_proposal

    design = open_design(args)
    act = undo_proposal if args.undo else apply_proposal
    extra = {} if args.undo else {"force": args.force}
    confirm = args.yes
    if not confirm:
        preview = act(design, args.proposal, confirm=False, **extra)
        if not sys.stdin.isatty():
            emit(preview, args)
            print("chipchat: not confirmed: pass --yes to write the design's files", file=sys.stderr)
            return 1
        print(preview.to_markdown())
        what = "Undo" if args.undo else "Apply"
        try:
            reply = input(f"{what} proposal {args.proposal} to {design.root}? [y/N] ")
        except EOFError:
            reply = ""
        if reply.strip().lower() not in ("y", "yes"):
            print("Nothing was written.")
            return 1
        confirm = True
    emit(act(design, args.proposal, confirm=confirm, **extra), args)
    return 0


def cmd_proposals(args: argparse.Namespace) -> int:
    from chipchat.edit.api import list_proposals, show_proposal

    design = open_design(args)
    emit(show_proposal(design, args.show) if args.show else list_proposals(design), args)
    return 0
