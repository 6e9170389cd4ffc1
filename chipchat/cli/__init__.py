"""The ``chipchat`` command line.

Each module in this package that defines ``register(subparsers)`` contributes commands;
they are discovered automatically, so a feature adds its commands without editing a
central list. Handlers return an exit code; errors are :class:`ChipChatError` and are
printed as one clear message (no traceback unless ``CHIPCHAT_DEBUG=1``), and so is an ``OSError``
(a file that cannot be read or written: its name and the reason).
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import threading
from collections.abc import Sequence

from chipchat import __version__, _exec
from chipchat.errors import ChipChatError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chipchat",
        description="A conversational assistant for chip design, grounded in real tools.",
    )
    parser.add_argument("--version", action="version", version=f"chipchat {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if threading.current_thread() is threading.main_thread():
        _exec.install_signal_handlers()  # SIGTERM/SIGHUP take the running tools along
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ChipChatError as exc:
        if os.environ.get("CHIPCHAT_DEBUG") == "1":
            raise
        print(f"chipchat: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `chipchat ... | head`: the reader left; not an error of ours
        sys.stderr.close()
        return 0
    except OSError as exc:  # a file that cannot be read or written: say which and why, not a traceback
        if os.environ.get("CHIPCHAT_DEBUG") == "1":
            raise
        where = f": {os.fsdecode(exc.filename)!r}" if exc.filename else ""
        print(f"chipchat: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("chipchat: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
