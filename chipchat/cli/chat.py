"""``chipchat chat`` (the conversation in the terminal) and ``chipchat ui`` (the same in a browser)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from chipchat.cli._common import add_design_arg, open_design
from chipchat.errors import ChipChatError, ConfigError

if TYPE_CHECKING:
    from chipchat.agent.session import ChatSession

HELP = "Commands: /quit (or Ctrl-D) leaves, /reset forgets the conversation, /apply ID writes a proposal " \
       "and /undo ID restores the files it changed (each after you confirm it)."


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "chat", help="talk about a design in the terminal (the same agent as the UI)",
        description="A conversation about a design: timing, structure, tests, placement, edits. Answers stream "
                    "with their tool steps and end with the file:line citations and run directories they rest on. "
                    "The conversation is remembered in <design>/.chipchat/chat/. Offline by default; set "
                    "CHIPCHAT_LLM_BASE_URL to use an OpenAI-compatible model. " + HELP)
    add_design_arg(p)
    p.add_argument("--conversation", default="default", help="name of the remembered conversation (default: default)")
    p.add_argument("--new", action="store_true", help="start a new conversation (forget the remembered one)")
    p.set_defaults(func=cmd_chat)

    u = sub.add_parser(
        "ui", help="the chat UI in the browser (Gradio), on 127.0.0.1:7860",
        description="Start the chat UI on a design. It binds 127.0.0.1 unless --host says otherwise, never "
                    "shares a public link unless --share is given, and asks for a login when CHIPCHAT_UI_AUTH "
                    "is set (user:password,...).")
    u.add_argument("design", nargs="?", default=None,
                   help="design folder or bundled example (mac16, fifo, uart_tx, alu8); pick one in the UI if left out")
    u.add_argument("--host", default=None, help="address to bind (default CHIPCHAT_UI_HOST, 127.0.0.1)")
    u.add_argument("--port", type=int, default=None, help="port (default CHIPCHAT_UI_PORT, 7860)")
    u.add_argument("--share", action="store_true", help="also create a public Gradio share link (off by default)")
    u.set_defaults(func=cmd_ui)


def cmd_ui(args: argparse.Namespace) -> int:
    from chipchat.cli.webui import launch

    if args.port is not None and not 1 <= args.port <= 65535:
        raise ConfigError(f"--port must be between 1 and 65535, got {args.port}")
    from chipchat.config import settings

    design = str(open_design(args).root) if args.design else None
    config = settings()
    print(f"chipchat: starting the chat UI on http://{args.host or config.ui_host}:{args.port or config.ui_port}"
          " (Ctrl-C stops it)", file=sys.stderr, flush=True)
    launch(design, host=args.host, port=args.port, share=args.share)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from chipchat.agent.session import ChatSession

    session = ChatSession(open_design(args), conversation=args.conversation)
    if args.new:
        session.reset()
    session.warm_up()
    return repl(session, sys.stdin, sys.stdout, input_fn=None)


def repl(session: ChatSession, stdin: TextIO, out: TextIO, input_fn: Callable[[str], str] | None = None) -> int:
    """Read questions until /quit or end of input; stream each answer."""
    d = session.design
    out.write(f"chipchat — {d.name} (top {d.top}) · model: {session.model_label()}\n{HELP}\n")
    if session.messages:
        out.write(f"(continuing the remembered conversation: {len(session.history()) // 2} earlier question(s))\n")

    def read(prompt: str) -> str | None:
        out.write(prompt)
        out.flush()
        if input_fn is not None:
            return input_fn(prompt)
        line = stdin.readline()
        return None if line == "" else line.rstrip("\n")

    while True:
        line = read("\nyou> ")
        if line is None:
            out.write("\n")
            return 0
        q = line.strip()
        if not q:
            continue
        if q in ("/quit", "/exit", "/q"):
            return 0
        if q == "/reset":
            session.reset()
            out.write("(conversation forgotten)\n")
            continue
        if q.startswith("/apply"):
            _apply(session, q.removeprefix("/apply").strip(), read, out)
            continue
        if q.startswith("/undo"):
            _apply(session, q.removeprefix("/undo").strip(), read, out, undo=True)
            continue
        if q.startswith("/"):
            out.write(f"unknown command {q.split()[0]}. {HELP}\n")
            continue
        try:
            _turn(session, q, out)
        except ChipChatError as exc:
            out.write(f"\nchipchat: error: {exc}\n")


def _turn(session: ChatSession, question: str, out: TextIO) -> None:
    out.write("\nchipchat> ")
    for ev in session.stream(question):
        if ev.kind == "token":
            out.write(ev.text)
        elif ev.kind == "tool_start":
            args = ", ".join(f"{k}={json.dumps(v)}" for k, v in ev.args.items())
            out.write(f"\n  [tool] {ev.tool}({args}) …")
        elif ev.kind == "tool_end":
            status = "failed" if ev.result is not None and ev.result.error else "done"
            out.write(f" {status} in {ev.duration_s:.1f} s\n\n")
        elif ev.kind == "notice":
            out.write(f"\n  [note] {ev.text}\n\n")
        elif ev.kind == "done" and ev.turn is not None and ev.turn.awaiting_confirmation:
            out.write(f"\n\n(to write proposal {ev.turn.awaiting_confirmation}, type /apply "
                      f"{ev.turn.awaiting_confirmation})")
        elif ev.kind == "done" and ev.turn is not None and ev.turn.awaiting_undo:
            out.write(f"\n\n(to restore the files of proposal {ev.turn.awaiting_undo}, type /undo "
                      f"{ev.turn.awaiting_undo})")
        out.flush()
    out.write("\n")


def _apply(session: ChatSession, pid: str, read: Callable[[str], str | None], out: TextIO, undo: bool = False) -> None:
    from chipchat.agent.functions import prepare_apply, prepare_undo

    verb = "undo" if undo else "apply"
    if not pid:
        out.write(f"usage: /{verb} PROPOSAL_ID\n")
        return
    try:
        out.write((prepare_undo if undo else prepare_apply)(session.design, pid).text + "\n")
        ask = f"Restore the files proposal {pid} changed? [y/N] " if undo else f"Write proposal {pid} to your files? [y/N] "
        answer = (read(ask) or "").strip().lower()
        if answer not in ("y", "yes"):
            out.write(f"Not {'undone' if undo else 'applied'}; nothing was written.\n")
            return
        done = session.undo(pid, confirmed=True) if undo else session.apply(pid, confirmed=True)
        out.write(done.text + "\n")
    except ChipChatError as exc:
        out.write(f"chipchat: error: {exc}\n")
