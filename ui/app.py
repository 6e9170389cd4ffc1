"""chipchat's chat UI (Gradio Blocks): a thin layer over ``chipchat.agent``.

Loaded by path through :func:`chipchat.cli.webui.load_app_module` (``chipchat ui``),
from the checkout or from the wheel's ``chipchat/_data/ui``. The conversation is a
:class:`~chipchat.agent.session.ChatSession`; the panels show what its tools returned
(:mod:`chipchat.agent.present`). The only write to a user's file is the *Apply* button,
and only with its confirmation box ticked.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import gradio as gr

from chipchat.agent import present
from chipchat.agent.session import ChatSession, Turn
from chipchat.agent.tools import ToolResult
from chipchat.agent.workspace import open_design, unpack_zip
from chipchat.config import Settings
from chipchat.errors import ChipChatError

EXAMPLES = ["why does this path miss timing?", "and the second-worst path?", "what drives acc?",
            "summarize the design", "run the tests", "place the design"]
CSS = """
#cc-chat .message-wrap table { font-size: 0.85em; }
#cc-chat .message-wrap th { white-space: nowrap; }
#cc-chat .message-wrap td { overflow-wrap: normal; word-break: normal; }
.cc-source { font-family: ui-monospace, monospace; font-size: 0.85em; }
.cc-source-title { font-weight: 600; margin-bottom: 4px; }
.cc-dim { color: #888; font-weight: normal; }
table.cc-src { border-collapse: collapse; width: 100%; }
table.cc-src td { padding: 0 6px; border: none; vertical-align: top; }
table.cc-src pre { margin: 0; white-space: pre-wrap; background: none; padding: 0; }
td.cc-ln { color: #999; text-align: right; user-select: none; width: 3em; }
tr.cc-hit { background: #fff3b0; }
tr.cc-hit td.cc-ln { color: #b45309; font-weight: 700; }
"""
TABS = {"timing": "timing", "placement": "placement", "sim": "sim", "verify": "verify"}


def theme() -> Any:
    """A theme with system fonts only: nothing is fetched from the network."""
    return gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"],
                             font_mono=["ui-monospace", "SFMono-Regular", "monospace"])


class Workspace:
    """Sessions by design folder, uploads and the copies of pictures the browser may load."""

    def __init__(self, config: Settings) -> None:
        self.config = config
        self.root = Path(tempfile.mkdtemp(prefix="chipchat-ui-"))
        self.sessions: dict[str, ChatSession] = {}
        self.lock = threading.Lock()

    def session(self, design_root: str) -> ChatSession:
        with self.lock:
            if design_root not in self.sessions:
                self.sessions[design_root] = ChatSession(open_design(design_root), config=self.config)
                self.sessions[design_root].warm_up()
            return self.sessions[design_root]

    def servable(self, path: str) -> str:
        """A copy of ``path`` in the UI's temp folder (Gradio serves files from there only)."""
        src = Path(path)
        dst = self.root / "files" / f"{abs(hash(str(src.resolve())))}-{src.name}"
        dst.parent.mkdir(parents=True, exist_ok=True)
        if not dst.exists() or dst.stat().st_mtime < src.stat().st_mtime:
            shutil.copyfile(src, dst)
        return str(dst)


def _header(session: ChatSession | None) -> str:
    if session is None:
        return "## chipchat\nOpen a design folder or upload a zip in the **Design** tab."
    d = session.design
    return f"## chipchat — `{d.name}`\nTop `{d.top}` · model: {session.model_label()}"


def _tool_title(tool: str, args: dict[str, Any]) -> str:
    shown = ", ".join(f"{k}={json.dumps(v)}" for k, v in args.items())
    return f"tool · {tool}({shown})"


def _brief(result: ToolResult | None) -> str:
    if result is None:
        return "done"
    if result.error:
        return "failed: " + result.error.splitlines()[0][:300]
    text = result.answer.text.strip().splitlines()
    runs = result.answer.runs
    return (text[0][:300] if text else "done") + (f"\n\nruns: {', '.join(runs)}" if runs else "")


def build(design: str | None, config: Settings) -> gr.Blocks:
    ws = Workspace(config)
    first: ChatSession | None = None
    error = ""
    if design:
        try:
            first = ws.session(str(open_design(design).root))
        except ChipChatError as exc:
            error = f"**Could not open {design}:** {exc}"
    history = [gr.ChatMessage(role=r, content=t) for r, t in (first.history() if first else [])]

    with gr.Blocks(title="chipchat", fill_width=True) as app:
        root = gr.State(str(first.design.root) if first else "")
        header = gr.Markdown(_header(first), elem_id="cc-header")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chat = gr.Chatbot(value=history, height=640, elem_id="cc-chat", label="Conversation",
                                  feedback_options=None, buttons=["copy"], group_consecutive_messages=False)
                with gr.Row():
                    box = gr.Textbox(label="Ask about the design (Enter sends)", lines=1, scale=8,
                                     elem_id="cc-input", autofocus=True)
                    send = gr.Button("Send", variant="primary", scale=1, elem_id="cc-send")
                gr.Examples(EXAMPLES, inputs=box, label="Try")
                new = gr.Button("New conversation", size="sm", elem_id="cc-new")
            with gr.Column(scale=2), gr.Tabs(selected="design" if first is None else "source") as tabs:
                with gr.Tab("Design", id="design"):
                    path = gr.Textbox(label="Design folder (or a bundled example: mac16, fifo, uart_tx, alu8)",
                                      value=str(first.design.root) if first else (design or ""))
                    open_btn = gr.Button("Open folder")
                    upload = gr.File(label="…or upload a zip of the design folder", file_types=[".zip"],
                                     type="filepath")
                    info = gr.Markdown(error or (f"```\n{first.design.summary()}\n```" if first else ""))
                with gr.Tab("Source", id="source"):
                    cites = gr.Radio(label="Cited lines — click one to open it", choices=[],
                                     elem_id="cc-cites")
                    source = gr.HTML("<p class='cc-dim'>Citations of the last answer appear above.</p>",
                                     elem_id="cc-source")
                with gr.Tab("Timing", id="timing"):
                    timing = gr.Dataframe(headers=present.TIMING_HEADERS, interactive=False,
                                          elem_id="cc-timing", label="Worst paths")
                    hist = gr.Image(label="Endpoint slack histogram", type="filepath", interactive=False,
                                    elem_id="cc-hist")
                with gr.Tab("Placement", id="placement"):
                    placement = gr.Image(label="Placement", type="filepath", interactive=False,
                                         elem_id="cc-place")
                with gr.Tab("Simulation", id="sim"):
                    sim = gr.Dataframe(headers=present.SIM_HEADERS, interactive=False, label="Tests", wrap=True,
                                       column_widths=["28%", "12%", "14%", "10%", "36%"])
                    waves = gr.Gallery(label="Waveforms around failures", columns=1, height="auto",
                                       object_fit="contain")  # whole picture: signal names and the marker
                with gr.Tab("Verification", id="verify"):
                    verify = gr.Dataframe(headers=present.VERIFY_HEADERS, interactive=False, wrap=True,
                                          column_widths=["15%", "18%", "16%", "23%", "10%", "18%"],
                                          label="Patches × tests")
                with gr.Tab("Proposals", id="proposals"):
                    proposal = gr.Dropdown(label="Proposal", elem_id="cc-proposal", interactive=True,
                                           choices=present.proposal_choices(first.design) if first else [])
                    refresh = gr.Button("Refresh the list", size="sm")
                    diff = gr.Markdown(elem_id="cc-diff")
                    confirm = gr.Checkbox(label="I reviewed this change and its checks: write it to my files",
                                          value=False, elem_id="cc-confirm")
                    apply_btn = gr.Button("Apply", variant="stop", elem_id="cc-apply")
                    applied = gr.Markdown(elem_id="cc-applied")

        panel_outputs = [cites, timing, hist, placement, sim, waves, verify, proposal, diff, tabs]

        def panels(turn: Turn, session: ChatSession) -> list[Any]:
            res = turn.results
            out: list[Any] = [gr.update(choices=[present.citation_label(c) for c in turn.citations], value=None)]
            out += [gr.skip()] * (len(panel_outputs) - 1)
            tab = "source" if turn.citations else None
            t = present.latest(res, ("timing",))
            if t:
                out[1] = present.timing_rows(t)
                pngs = [p for p, n in present.pictures(t) if "histogram" in n]
                out[2] = ws.servable(pngs[0]) if pngs else None
                tab = "timing"
            p = present.latest(res, ("placement",))
            if p:
                pngs = [x for x, _ in present.pictures(p)]
                out[3] = ws.servable(pngs[0]) if pngs else None
                tab = "placement"
            s = present.latest(res, ("sim",))
            if s:
                out[4] = present.sim_rows(s)
                out[5] = [(ws.servable(x), n) for x, n in present.pictures(s)]
                tab = "sim"
            v = present.latest(res, ("verify",))
            if v:
                out[6] = present.verify_rows(v)
                tab = "verify"
            e = present.latest(res, ("edit",))
            pid = turn.awaiting_confirmation or (e or {}).get("data", {}).get("proposal_id")
            if pid:
                design = session.design
                out[7] = gr.update(choices=present.proposal_choices(design), value=pid)
                out[8] = present.proposal_text(design, pid)
                tab = "proposals"
            out[9] = gr.Tabs(selected=tab) if tab else gr.skip()
            return out

        def respond(message: str, messages: list[Any], design_root: str):  # type: ignore[no-untyped-def]
            skip = [gr.skip()] * len(panel_outputs)
            messages = list(messages or [])
            if not message.strip():
                yield messages, "", *skip
                return
            messages.append(gr.ChatMessage(role="user", content=message))
            if not design_root:
                messages.append(gr.ChatMessage(role="assistant", content="Open a design first (the Design tab)."))
                yield messages, "", *skip
                return
            yield messages, "", *skip
            steps: dict[str, int] = {}
            answer_at: int | None = None
            last = 0.0
            try:
                session = ws.session(design_root)
                for ev in session.stream(message):
                    if ev.kind == "tool_start":
                        steps[ev.call_id] = len(messages)
                        messages.append(gr.ChatMessage(role="assistant", content="running…", metadata={
                            "title": _tool_title(ev.tool, ev.args), "status": "pending", "id": ev.call_id}))
                    elif ev.kind == "tool_end" and ev.call_id in steps:
                        old = messages[steps[ev.call_id]]
                        messages[steps[ev.call_id]] = gr.ChatMessage(
                            role="assistant", content=_brief(ev.result), metadata={
                                "title": old.metadata["title"], "status": "done",
                                "duration": round(ev.duration_s, 2), "id": ev.call_id})
                    elif ev.kind == "notice":
                        if answer_at is not None:  # the failed model's partial text goes
                            messages.pop(answer_at)
                            answer_at = None
                        messages.append(gr.ChatMessage(role="assistant", content=f"**Note:** {ev.text}"))
                    elif ev.kind == "token":
                        if answer_at is None:
                            answer_at = len(messages)
                            messages.append(gr.ChatMessage(role="assistant", content=""))
                        messages[answer_at] = gr.ChatMessage(role="assistant",
                                                             content=str(messages[answer_at].content) + ev.text)
                        if time.monotonic() - last < 0.15:
                            continue
                    elif ev.kind == "done" and ev.turn is not None:
                        body = ev.turn.text
                        if answer_at is None:
                            messages.append(gr.ChatMessage(role="assistant", content=body))
                        else:
                            messages[answer_at] = gr.ChatMessage(role="assistant", content=body)
                        yield messages, "", *panels(ev.turn, session)
                        return
                    last = time.monotonic()
                    yield messages, "", *skip
            except ChipChatError as exc:
                messages.append(gr.ChatMessage(role="assistant", content=f"**Error:** {exc}"))
            except Exception as exc:  # noqa: BLE001 - the chat must stay usable
                messages.append(gr.ChatMessage(role="assistant", content=f"**Internal error:** {type(exc).__name__}: "
                                                                           f"{exc}. The conversation goes on."))
            yield messages, "", *skip

        chat_io = dict(inputs=[box, chat, root], outputs=[chat, box, *panel_outputs])
        box.submit(respond, **chat_io)
        send.click(respond, **chat_io)

        def open_citation(label: str | None, design_root: str) -> tuple[Any, Any]:
            if not label or not design_root:
                return gr.skip(), gr.skip()
            try:
                file, line, end = present.parse_citation(label)
                html = present.source_html(ws.session(design_root).design, file, line, end)
            except ChipChatError as exc:
                html = f"<p><b>Cannot open {label}:</b> {exc}</p>"
            return html, gr.Tabs(selected="source")

        cites.change(open_citation, inputs=[cites, root], outputs=[source, tabs])

        def switch(folder: str | None, zip_file: str | None) -> tuple[Any, ...]:
            try:
                target = str(unpack_zip(zip_file, ws.root / "uploads")) if zip_file else (folder or "").strip()
                session = ws.session(str(open_design(target).root))
            except ChipChatError as exc:
                return gr.skip(), gr.skip(), gr.skip(), f"**Could not open the design:** {exc}", gr.skip(), None
            msgs = [gr.ChatMessage(role=r, content=t) for r, t in session.history()]
            d = session.design
            return (str(d.root), _header(session), msgs, f"Opened `{d.root}`\n\n```\n{d.summary()}\n```",
                    str(d.root), None)

        switch_io = dict(outputs=[root, header, chat, info, path, upload])
        open_btn.click(lambda f: switch(f, None), inputs=[path], **switch_io)
        upload.upload(lambda z: switch(None, z), inputs=[upload], **switch_io)

        def reset(design_root: str) -> list[Any]:
            if design_root:
                ws.session(design_root).reset()
            return []

        new.click(reset, inputs=[root], outputs=[chat])

        def apply(design_root: str, pid: str, confirmed: bool) -> tuple[str, bool]:
            if not pid:
                return "No proposal is prepared. Ask for one, then \"apply proposal ID\".", False
            if not confirmed:
                return "**Nothing was written.** Tick the confirmation box first, then press Apply.", False
            try:
                ans = ws.session(design_root).apply(pid, confirmed=True)
            except ChipChatError as exc:
                return f"**Not applied:** {exc}", False
            return ans.text, False

        apply_btn.click(apply, inputs=[root, proposal, confirm], outputs=[applied, confirm]).then(
            lambda r, pid: (gr.update(choices=present.proposal_choices(ws.session(r).design), value=pid),
                            present.proposal_text(ws.session(r).design, pid)) if r else (gr.skip(), gr.skip()),
            inputs=[root, proposal], outputs=[proposal, diff])

        def show(design_root: str, pid: str | None) -> str:
            if not design_root or not pid:
                return ""
            try:
                return present.proposal_text(ws.session(design_root).design, pid)
            except ChipChatError as exc:
                return f"**Cannot show {pid}:** {exc}"

        proposal.change(show, inputs=[root, proposal], outputs=[diff])
        refresh.click(lambda r: gr.update(choices=present.proposal_choices(ws.session(r).design)) if r
                      else gr.skip(), inputs=[root], outputs=[proposal])
    return app
