"""Helpers shared by the command modules: design arguments and printing answers."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from chipchat.answer import Answer
from chipchat.design import Design
from chipchat.rtl.load import load_design
from chipchat.types import period_ns


def add_design_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("design", help="design folder (or a bundled example name: mac16, fifo, uart_tx, alu8)")


def add_json_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the answer as JSON")


def open_design(args: argparse.Namespace) -> Design:
    return load_design(args.design)


def emit(answer: Answer, args: argparse.Namespace) -> int:
    """Print ``answer`` as Markdown (rendered when stdout is a terminal) or as JSON."""
    if getattr(args, "json", False):
        print(json.dumps(answer.to_json(), indent=2))
        return 0
    text = answer.to_markdown()
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        print(text)
    return 0


def emit_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def parse_period(text: str) -> float:
    """A ``--clock-period`` value (8ns, 2500ps, 125MHz ...) in nanoseconds."""
    try:
        return period_ns(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
