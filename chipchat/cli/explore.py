"""Commands to build the index and ask about a design: ``index``, ``ask``, ``show``, ``tree``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from chipchat.cli._common import add_design_arg, add_json_arg, emit, emit_json, open_design
from chipchat.errors import ChipChatError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("index", help="parse the design and build its search index (incremental)")
    add_design_arg(p)
    p.add_argument("--rebuild", action="store_true", help="discard the index and build it from scratch")
    add_json_arg(p)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("ask", help="ask a question about the design (answers cite file:line)")
    add_design_arg(p)
    p.add_argument("question", help="e.g. \"what drives full?\"")
    add_json_arg(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("show", help="a signal: declaration, drivers, loads, reset value, fan-in cone")
    add_design_arg(p)
    p.add_argument("signal", help="signal name (acc, acc[31], u_core.state)")
    p.add_argument("--depth", type=int, default=2, help="fan-in cone depth (default 2)")
    p.add_argument("--module", help="module to look in when the name exists in several")
    p.add_argument("--dataflow", action="store_true",
                   help="also print the merged next-state expression (pyverilog; Verilog-2001 designs)")
    add_json_arg(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("tree", help="the instantiation hierarchy of the top module")
    add_design_arg(p)
    add_json_arg(p)
    p.set_defaults(func=cmd_tree)


def _progress_printer(enabled: bool) -> tuple[Any, Any]:
    """A rich progress bar on stderr (so --json output on stdout stays clean)."""
    if not enabled:
        return None, None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=Console(stderr=True), transient=True)
    tasks: dict[str, Any] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(stage, total=total)
        progress.update(tasks[stage], completed=done, total=total)

    return progress, update


def cmd_index(args: argparse.Namespace) -> int:
    from chipchat.index import DesignIndex
    from chipchat.rtl.load import load_model

    design = open_design(args)
    for note in design.inferred:
        print(f"inferred {note}", file=sys.stderr)
    model = load_model(design, use_cache=not args.rebuild)
    index = DesignIndex(design)
    progress, update = _progress_printer(sys.stderr.isatty() and not args.json)
    if progress:
        with progress:
            report = index.update(update, rebuild=args.rebuild)
    else:
        report = index.update(rebuild=args.rebuild)
    skipped = {design.relpath(f.path): f for f in model.files if f.status in ("error", "skipped")}
    skipped_all: dict[str, str] = {**report.skipped, **{k: f"{k}{':' + str(f.line) if f.line else ''}"
                                                        f"{':' + str(f.col) if f.col else ''}: {f.message}"
                                                        for k, f in skipped.items()}}
    data: dict[str, Any] = {
        "design": design.name, "top": model.top, "modules": len(model.modules),
        "files": report.files, "indexed": report.indexed, "unchanged": report.unchanged,
        "removed": report.removed, "chunks": report.chunks, "embedded": report.embedded,
        "skipped": skipped_all,
        "duration_s": round(report.duration_s, 2), "rebuilt": report.rebuilt_reason,
        "index": str(index.path), "black_boxes": black_boxes(model, design),
    }
    if args.json:
        emit_json(data)
        return 0
    print(f"{design.name}: top `{model.top}`, {len(model.modules)} module(s), {report.files} file(s): "
          f"{len(report.indexed)} indexed, {report.unchanged} unchanged, {len(report.removed)} removed; "
          f"{report.chunks} chunks ({report.embedded} embedded) in {report.duration_s:.1f} s")
    if report.rebuilt_reason:
        print(f"note: {report.rebuilt_reason}")
    for reason in skipped_all.values():
        print(f"skipped: {reason}")
    for box in data["black_boxes"]:
        print(f"black box: `{box['module']}` (instance {box['instance']} at {box['at']}) is not in the sources; "
              "its port directions are unknown")
    print(f"index: {index.path}")
    return 0


def black_boxes(model: Any, design: Any) -> list[dict[str, str]]:
    """Instances of modules the sources do not define (vendor IP, a file left out of the filelist)."""
    return [{"module": i.module, "instance": f"{m.name}.{i.name}",
             "at": f"{design.relpath(i.span.file)}:{i.span.line}"}
            for m in model.modules.values() for i in m.instances if i.module not in model.modules]


def cmd_ask(args: argparse.Namespace) -> int:
    from chipchat.agent.planner import answer

    design = open_design(args)
    return emit(answer(design, args.question), args)


def cmd_show(args: argparse.Namespace) -> int:
    from chipchat.qa.structure import show_signal

    design = open_design(args)
    ans = show_signal(design, args.signal, args.depth, args.module)
    if args.dataflow:
        from chipchat.steps.pyverilog_dataflow import dataflow_drivers

        name = ans.data["signal"]
        try:
            expr = dataflow_drivers(design, [name]).get(name)
        except ChipChatError as exc:  # pyverilog reads less than pyslang: the rest of the answer stands
            ans.warnings.append(f"no merged expression: {exc.message}")
            expr = None
        if expr:
            ans.text += f"\n\nMerged next-state expression (pyverilog dataflow):\n\n    {name} = {expr}"
            ans.data["dataflow"] = expr
    return emit(ans, args)


def cmd_tree(args: argparse.Namespace) -> int:
    from chipchat.qa.tree import hierarchy

    return emit(hierarchy(open_design(args)), args)
