"""chipchat's chat UI (Gradio Blocks): a thin layer over ``chipchat.agent``.

Loaded by path through :func:`chipchat.cli.webui.load_app_module` (``chipchat ui``),
from the checkout or from the wheel's ``chipchat/_data/ui``. The conversation is a
:class:`~chipchat.agent.session.ChatSession`; the panels show what its tools returned
(:mod:`chipchat.agent.present`, :mod:`chipchat.agent.plots`).

Where the eye is: an answer's first line answers, its details fold below; citations are
links that open the source (highlighted) beside the chat; a proposal carries *Apply* in
its own message, and applying asks once more, inline, before anything is written — then
offers *Undo*. The only writes to a user's files are those two confirmed buttons. A page
reload restores the conversation the server holds. With ``CHIPCHAT_UI_AUTH`` set, every
route but the login page and its static files needs a login (:class:`LoginRequired`).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import gradio as gr

from chipchat.agent import plots, present, uiflow
from chipchat.agent.session import ChatSession, Turn
from chipchat.agent.tools import ToolResult
from chipchat.agent.workspace import open_design, unpack_zip
from chipchat.config import Settings
from chipchat.errors import ChipChatError

EXAMPLES = ["why does this path miss timing?", "and the second-worst path?", "what drives acc?",
            "is there anything wrong with this design?", "how big is this design?", "pipeline the multiplier"]
CSS = """
#cc-chat .message-wrap table { font-size: 0.85em; }
#cc-chat .message-wrap th { white-space: nowrap; }
#cc-chat .message-wrap td { overflow-wrap: normal; word-break: normal; }
#cc-chat details { margin-top: 6px; }
#cc-chat details > summary { cursor: pointer; color: #2563eb; font-size: 0.9em; }
#cc-chat a[href^="#cite="] { color: #1d4ed8; text-decoration: underline dotted; cursor: pointer;
  font-family: ui-monospace, monospace; font-size: 0.9em; }
.cc-hidden { display: none !important; }
.cc-source { font-family: ui-monospace, monospace; font-size: 0.85em; }
.cc-source-title { font-weight: 600; margin-bottom: 4px; }
.cc-dim { color: #888; font-weight: normal; }
table.cc-src { border-collapse: collapse; width: 100%; }
table.cc-src, table.cc-src tr, table.cc-src td { border: none !important; }
table.cc-src td { padding: 0 6px; vertical-align: top; }
table.cc-src pre { margin: 0; white-space: pre-wrap; background: none; padding: 0; }
td.cc-ln { color: #999; text-align: right; user-select: none; width: 3em; }
tr.cc-hit { background: #fff3b0; }
tr.cc-hit td.cc-ln { color: #b45309; font-weight: 700; }
.cc-diff { font-family: ui-monospace, monospace; font-size: 0.82em; border: 1px solid #e5e7eb; border-radius: 6px;
  max-height: 560px; overflow: auto; }
.cc-diff div { white-space: pre-wrap; overflow-wrap: anywhere; padding: 0 8px; }
.cc-d-add { background: #e6ffec; color: #116329; }
.cc-d-del { background: #ffebe9; color: #82071e; }
.cc-d-hunk { background: #ddf4ff; color: #0550ae; }
.cc-d-file { font-weight: 700; background: #f6f8fa; }
#cc-tabs button[role="tab"] { padding: 6px 8px; font-size: 0.92em; }
#cc-confirm-box { border: 2px solid #dc2626; border-radius: 8px; padding: 8px; }
#cc-chat .options { justify-content: flex-start; margin-left: 0; padding-top: 4px;
  grid-template-columns: repeat(auto-fit, minmax(150px, max-content)); }
#cc-chat button.option { border-style: solid; font-weight: 600; padding: 8px 16px; }
#cc-chat button.option:first-child { background: var(--button-primary-background-fill);
  color: var(--button-primary-text-color); border-color: var(--button-primary-border-color); }
"""
# Clicking a citation link in the chat opens it in the source viewer (a hidden box + button carry it to Python).
JS = """
() => {
  if (window.__ccCites) return; window.__ccCites = true;
  document.addEventListener('click', (ev) => {
    const a = ev.target.closest && ev.target.closest('a[href^="#cite="]');
    if (!a) return;
    ev.preventDefault(); ev.stopPropagation();
    const box = document.querySelector('#cc-cite-target textarea');
    if (!box) return;
    box.value = decodeURIComponent(a.getAttribute('href').slice(6)) + '|' + Date.now();
    box.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(() => document.querySelector('#cc-cite-open').click(), 30);
  }, true);
}
"""
PUBLIC = re.compile(r"^/(|login/?|logout/?|config/?|gradio_api/login_check/?|favicon\.ico|robots\.txt|manifest\.json|"
                    r"theme\.css|gradio_api/theme\.css|(assets|static|svelte|gradio_api/static)/.*|pwa_icon(/.*)?)$")


class LoginRequired:
    """ASGI middleware: with a login configured, only the login page and its static files answer without one."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        loopback = (scope.get("client") or ("",))[0] in ("127.0.0.1", "::1")
        own_startup = loopback and path.rstrip("/") == "/gradio_api/startup-events"  # Gradio's launch calls it
        if scope["type"] in ("http", "websocket") and not PUBLIC.match(path) and not own_startup:
            gradio_app = scope.get("app")
            if getattr(gradio_app, "auth", None) is not None and not _logged_in(scope, gradio_app):
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                body = b'{"detail": "Not authenticated"}'
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def _logged_in(scope: Any, gradio_app: Any) -> bool:
    cookies: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, val = part.strip().partition("=")
                cookies[key] = val
    cid = getattr(gradio_app, "cookie_id", "")
    token = cookies.get(f"access-token-{cid}") or cookies.get(f"access-token-unsecure-{cid}")
    return token is not None and token in getattr(gradio_app, "tokens", {})


def app_kwargs(config: Settings) -> dict[str, Any]:
    """Keyword arguments for Gradio's FastAPI app: the login guard on every route when a login is configured."""
    from starlette.middleware import Middleware

    return {"middleware": [Middleware(LoginRequired)]} if config.ui_auth else {}


def theme() -> Any:
    """A theme with system fonts only: nothing is fetched from the network."""
    return gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"],
                             font_mono=["ui-monospace", "SFMono-Regular", "monospace"])


class Workspace:
    """Sessions by design folder, which of them were uploaded, and copies of files the browser may load."""

    def __init__(self, config: Settings) -> None:
        self.config = config
        self.root = Path(tempfile.mkdtemp(prefix="chipchat-ui-"))
        self.sessions: dict[str, ChatSession] = {}
        self.uploaded: set[str] = set()
        self.lock = threading.Lock()

    def session(self, design_root: str, uploaded: bool = False) -> ChatSession:
        with self.lock:
            if design_root not in self.sessions:
                s = ChatSession(open_design(design_root), config=self.config, trusted=not uploaded)
                self.sessions[design_root] = s
                if uploaded:
                    self.uploaded.add(design_root)
                s.warm_up()
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
        return "## chipchat\nOpen a design folder or upload a zip under **Design** above."
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
    return text[0][:300] if text else "done"


def _answer_options(turn: Turn) -> list[dict[str, str]]:
    """The buttons an answer carries: Apply for a proposal it made or prepared, Undo for one it prepared to undo."""
    if turn.awaiting_undo:
        return [{"value": f"undo:{turn.awaiting_undo}", "label": f"Undo {turn.awaiting_undo}…"}]
    pid = turn.awaiting_confirmation
    if pid is None:
        made = next((r for r in reversed(turn.results) if r.ok and r.tool == "propose_edit"
                     and r.answer.data.get("proposal_id")), None)
        pid = str(made.answer.data["proposal_id"]) if made is not None else None
    return [{"value": f"apply:{pid}", "label": f"Apply {pid}…"}] if pid else []


def _msg(m: uiflow.Message) -> gr.ChatMessage:
    role, content, options = m
    return gr.ChatMessage(role=role, content=content, options=options)  # type: ignore[arg-type]


def restore_messages(session: ChatSession | None) -> list[gr.ChatMessage]:
    return [_msg(m) for m in uiflow.restore_messages(session)] if session is not None else []


def disarm(messages: list[Any]) -> list[Any]:
    """The messages with no buttons left armed (a button acts once, from the newest message only)."""
    return [gr.ChatMessage(role=m["role"], content=m["content"], metadata=m["metadata"] or {})
            for m in uiflow.messages_json(messages)]


def proposal_panel(design: Any, pid: str) -> tuple[Any, str, str]:
    diff_html, notes = uiflow.proposal_view(design, pid)
    return gr.update(choices=present.proposal_choices(design), value=pid), diff_html, notes


def action_buttons(design: Any, pid: str | None) -> tuple[Any, Any]:
    """Apply is armed only for a proposal not yet applied, Undo only for an applied one."""
    status = uiflow.proposal_status(design, pid) if pid else ""
    return gr.update(interactive=status in ("proposed", "undone")), gr.update(interactive=status == "applied")


def panels_for(turn: Turn, session: ChatSession, ws: Workspace, outputs: list[Any]) -> list[Any]:
    """What the panels show after a turn, and the tab its results belong to."""
    res = turn.results
    out: list[Any] = [gr.update(choices=[present.citation_label(c) for c in turn.citations], value=None)]
    out += [gr.skip()] * (len(outputs) - 1)
    tab = "source" if turn.citations else None
    d = session.design
    t = present.latest(res, ("timing",))
    if t:
        out[1] = present.timing_rows(t)
        out[2] = plots.slack_histogram_figure(t)
        tab = "timing"
    p = present.latest(res, ("placement",))
    if p:
        out[3] = _figure(lambda: plots.placement_figure(p, d))
        tab = "placement"
    s = present.latest(res, ("sim",))
    if s:
        out[4] = present.sim_rows(s)
        tests = [e.get("test") for e in s.get("data", {}).get("excerpts", [])]
        out[5] = gr.update(choices=tests, value=tests[0] if tests else None)
        out[6] = _figure(lambda: plots.waveform_figure(s, d)) if tests else None
        tab = "sim"
    v = present.latest(res, ("verify",))
    if v:
        out[7] = present.verify_rows(v)
        tab = "verify"
    e = present.latest(res, ("edit",))
    pid = turn.awaiting_confirmation or turn.awaiting_undo or (e or {}).get("data", {}).get("proposal_id")
    if pid:
        out[8], out[9], out[10] = proposal_panel(d, str(pid))
        tab = "proposals"
    out[11] = gr.Tabs(selected=tab) if tab else gr.skip()
    return out


def _figure(make: Any) -> Any:
    try:
        return make()
    except (ChipChatError, OSError, ValueError, KeyError):
        return None  # the answer and its PNG stand; the interactive figure is an extra


def build(design: str | None, config: Settings) -> gr.Blocks:
    ws = Workspace(config)
    first: ChatSession | None = None
    error = ""
    if design:
        try:
            first = ws.session(str(open_design(design).root))
        except ChipChatError as exc:
            error = f"**Could not open {design}:** {exc}"

    with gr.Blocks(title="chipchat", fill_width=True) as app:
        root = gr.State(str(first.design.root) if first else "")
        remembered = gr.BrowserState("", storage_key="chipchat-design")
        pending = gr.State(None)
        header = gr.Markdown(_header(first), elem_id="cc-header")
        with gr.Accordion("Design", open=first is None, elem_id="cc-design"), gr.Row():
            path = gr.Textbox(label="Design folder (or a bundled example: mac16, fifo, uart_tx, alu8)", scale=3,
                              value=str(first.design.root) if first else (design or ""))
            open_btn = gr.Button("Open folder", scale=1)
            upload = gr.File(label="…or upload a zip of the design folder", file_types=[".zip"], type="filepath",
                             scale=2)
            with gr.Column(scale=3):
                info = gr.Markdown(error or (f"```\n{first.design.summary()}\n```" if first else ""))
                trust_btn = gr.Button("Allow running this design's Python", visible=False, elem_id="cc-trust")
        with gr.Row(equal_height=False):
            with gr.Column(scale=5):
                chat = gr.Chatbot(value=restore_messages(first) if first else [], height=680, elem_id="cc-chat",
                                  label="Conversation", feedback_options=None, buttons=["copy"],
                                  group_consecutive_messages=False)
                with gr.Row():
                    box = gr.Textbox(label="Ask about the design (Enter sends)", lines=1, scale=8,
                                     elem_id="cc-input", autofocus=True)
                    send = gr.Button("Send", variant="primary", scale=1, elem_id="cc-send")
                gr.Examples(EXAMPLES, inputs=box, label="Try")
                new = gr.Button("New conversation", size="sm", elem_id="cc-new")
                cite_target = gr.Textbox(elem_id="cc-cite-target", elem_classes=["cc-hidden"], show_label=False)
                cite_open = gr.Button("open citation", elem_id="cc-cite-open", elem_classes=["cc-hidden"])
            with gr.Column(scale=4), gr.Tabs(selected="source", elem_id="cc-tabs") as tabs:
                with gr.Tab("Source", id="source"):
                    cites = gr.Radio(label="Cited by the last answer", choices=[], elem_id="cc-cites")
                    source = gr.HTML("<p class='cc-dim'>Click a citation in the chat to open it here.</p>",
                                     elem_id="cc-source")
                with gr.Tab("Proposals", id="proposals"):
                    proposal = gr.Dropdown(label="Proposal", elem_id="cc-proposal", interactive=True,
                                           choices=present.proposal_choices(first.design) if first else [])
                    with gr.Row():
                        apply_btn = gr.Button("Apply…", variant="primary", elem_id="cc-apply", size="sm")
                        undo_btn = gr.Button("Undo…", elem_id="cc-undo", size="sm")
                        refresh = gr.Button("Refresh", size="sm")
                    with gr.Column(visible=False, elem_id="cc-confirm-box") as confirm_box:
                        confirm_text = gr.Markdown(elem_id="cc-confirm-text")
                        with gr.Row():
                            yes_btn = gr.Button("Yes, write it", variant="stop", elem_id="cc-yes", size="sm")
                            cancel_btn = gr.Button("Cancel", elem_id="cc-cancel", size="sm")
                    applied = gr.Markdown(elem_id="cc-applied")
                    diff = gr.HTML(elem_id="cc-diff")
                    notes = gr.Markdown(elem_id="cc-notes")
                with gr.Tab("Timing", id="timing"):
                    hist = gr.Plot(label="Endpoint slack", elem_id="cc-hist")
                    timing = gr.Dataframe(headers=present.TIMING_HEADERS, interactive=False,
                                          elem_id="cc-timing", label="Worst paths")
                with gr.Tab("Placement", id="placement"):
                    placement = gr.Plot(label="Placement", elem_id="cc-place")
                with gr.Tab("Sim", id="sim"):
                    sim = gr.Dataframe(headers=present.SIM_HEADERS, interactive=False, label="Tests", wrap=True,
                                       column_widths=["28%", "12%", "14%", "10%", "36%"])
                    wave_test = gr.Dropdown(label="Waveform of", choices=[], elem_id="cc-wave-test")
                    waves = gr.Plot(label="Waveform (drag to zoom, double-click to reset)", elem_id="cc-waves")
                with gr.Tab("Verify", id="verify"):
                    verify = gr.Dataframe(headers=present.VERIFY_HEADERS, interactive=False, wrap=True,
                                          column_widths=["15%", "18%", "16%", "23%", "10%", "18%"],
                                          label="Patches × tests")

        panel_outputs = [cites, timing, hist, placement, sim, wave_test, waves, verify, proposal, diff, notes, tabs]

        def session_of(design_root: str) -> ChatSession:
            return ws.session(design_root)

        def respond(message: str, messages: list[Any], design_root: str):  # type: ignore[no-untyped-def]
            skip = [gr.skip()] * len(panel_outputs)
            messages = [m for m in (messages or [])]
            if not message.strip():
                yield messages, "", *skip
                return
            messages.append(gr.ChatMessage(role="user", content=message))
            if not design_root:
                messages.append(gr.ChatMessage(role="assistant", content="Open a design first (**Design** above)."))
                yield messages, "", *skip
                return
            yield messages, "", *skip
            steps: dict[str, int] = {}
            answer_at: int | None = None
            last = 0.0
            try:
                session = session_of(design_root)
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
                        t = ev.turn
                        body = present.chat_markdown(t.body or t.text, t.footer, t.citations)
                        final = gr.ChatMessage(role="assistant", content=body, options=_answer_options(t))
                        if answer_at is None:
                            messages.append(final)
                        else:
                            messages[answer_at] = final
                        yield messages, "", *panels_for(t, session, ws, panel_outputs)
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
        box.submit(respond, **chat_io).then(lambda r, p: action_buttons(session_of(r).design, p) if r and p
                                            else (gr.skip(), gr.skip()), inputs=[root, proposal],
                                            outputs=[apply_btn, undo_btn])
        send.click(respond, **chat_io).then(lambda r, p: action_buttons(session_of(r).design, p) if r and p
                                            else (gr.skip(), gr.skip()), inputs=[root, proposal],
                                            outputs=[apply_btn, undo_btn])

        # -- citations: a link in the chat, or the list in the Source tab --------------------------------
        def open_citation(label: str | None, design_root: str) -> tuple[Any, Any]:
            if not label or not design_root:
                return gr.skip(), gr.skip()
            try:
                file, line, end = present.parse_citation(label.split("|", 1)[0])
                html = present.source_html(session_of(design_root).design, file, line, end,
                                           uploaded=design_root in ws.uploaded)
            except ChipChatError as exc:
                html = f"<p><b>Cannot open {label.split('|', 1)[0]}:</b> {exc}</p>"
            return html, gr.Tabs(selected="source")

        cites.change(open_citation, inputs=[cites, root], outputs=[source, tabs])
        cite_open.click(open_citation, inputs=[cite_target, root], outputs=[source, tabs])

        # -- apply / undo: in the chat message, and in the Proposals tab; both confirm inline -----------------
        def on_option(evt: gr.SelectData, messages: list[Any], design_root: str) -> tuple[Any, ...]:
            if not design_root:
                return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            session = session_of(design_root)
            added, pid = uiflow.chat_action(str(evt.value), session)
            shown = disarm(messages) + [_msg(m) for m in added]
            if pid is None:
                return shown, gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return (shown, *proposal_panel(session.design, pid), gr.Tabs(selected="proposals"))

        arm = dict(fn=lambda r, p: action_buttons(session_of(r).design, p) if r else (gr.skip(), gr.skip()),
                   inputs=[root, proposal], outputs=[apply_btn, undo_btn])
        chat.option_select(on_option, inputs=[chat, root], outputs=[chat, proposal, diff, notes, tabs]).then(**arm)

        def ask_confirm(kind: str, design_root: str, pid: str | None) -> tuple[Any, ...]:
            if not design_root or not pid:
                return None, gr.update(visible=False), "", "No proposal is selected. Ask for a change first."
            text = uiflow.confirm_question(kind, session_of(design_root), pid)
            return (kind, pid), gr.update(visible=True), text, ""

        apply_btn.click(lambda r, p: ask_confirm("apply", r, p), inputs=[root, proposal],
                        outputs=[pending, confirm_box, confirm_text, applied])
        undo_btn.click(lambda r, p: ask_confirm("undo", r, p), inputs=[root, proposal],
                       outputs=[pending, confirm_box, confirm_text, applied])

        def confirmed(design_root: str, action: Any) -> tuple[Any, ...]:
            if not action:
                return None, gr.update(visible=False), "Nothing to confirm.", gr.skip(), gr.skip(), gr.skip()
            message = uiflow.run_confirmed(session_of(design_root), action[0], action[1])
            return (None, gr.update(visible=False), message,
                    *proposal_panel(session_of(design_root).design, action[1]))

        yes_btn.click(confirmed, inputs=[root, pending],
                      outputs=[pending, confirm_box, applied, proposal, diff, notes]).then(**arm)
        cancel_btn.click(lambda: (None, gr.update(visible=False), "Cancelled — nothing was written."),
                         outputs=[pending, confirm_box, applied])

        def show(design_root: str, pid: str | None) -> tuple[Any, ...]:
            if not design_root or not pid:
                return gr.skip(), "", ""
            return proposal_panel(session_of(design_root).design, pid)

        proposal.change(show, inputs=[root, proposal], outputs=[proposal, diff, notes]).then(**arm)
        refresh.click(lambda r: gr.update(choices=present.proposal_choices(session_of(r).design)) if r
                      else gr.skip(), inputs=[root], outputs=[proposal])

        def pick_wave(design_root: str, test: str | None) -> Any:
            session = session_of(design_root) if design_root else None
            result = session.last_result("sim") if session is not None else None
            if session is None or result is None or not test:
                return gr.skip()
            return _figure(lambda: plots.waveform_figure(result, session.design, test))

        wave_test.input(pick_wave, inputs=[root, wave_test], outputs=[waves])

        # -- designs: open a folder, upload a zip, allow an upload's Python; reload restores ------------------
        def switch(folder: str | None, zip_file: str | None) -> tuple[Any, ...]:
            try:
                target = str(unpack_zip(zip_file, ws.root / "uploads")) if zip_file else (folder or "").strip()
                d_root = str(open_design(target).root)
                session = ws.session(d_root, uploaded=bool(zip_file))
            except ChipChatError as exc:
                return (gr.skip(),) * 3 + (f"**Could not open the design:** {exc}", gr.skip(), None, gr.skip(),
                                           gr.skip())
            d = session.design
            blocked = session.blocked_python()
            note = f"\n\n**Not read yet:** {blocked}. It runs only when you allow it." if blocked else ""
            return (str(d.root), _header(session), restore_messages(session),
                    f"Opened `{d.root}`\n\n```\n{d.summary()}\n```{note}", str(d.root), None,
                    gr.update(visible=blocked is not None), str(d.root))

        switch_io = dict(outputs=[root, header, chat, info, path, upload, trust_btn, remembered])
        open_btn.click(lambda f: switch(f, None), inputs=[path], **switch_io)
        upload.upload(lambda z: switch(None, z), inputs=[upload], **switch_io)

        def trust(design_root: str) -> tuple[Any, Any]:
            if design_root:
                session_of(design_root).trust()
            return gr.update(visible=False), "Allowed: this design's Python now runs (confined) when a tool needs it."

        trust_btn.click(trust, inputs=[root], outputs=[trust_btn, info])

        def restore(saved: str, current: str) -> tuple[Any, ...]:
            target = saved if saved and saved in ws.sessions else current
            if not target or target not in ws.sessions:
                return gr.skip(), gr.skip(), gr.skip(), gr.skip()
            session = ws.sessions[target]
            return target, _header(session), restore_messages(session), \
                gr.update(choices=present.proposal_choices(session.design))

        app.load(restore, inputs=[remembered, root], outputs=[root, header, chat, proposal], queue=False,
                 show_progress="hidden")
        app.load(None, js=JS, queue=False)

        def reset(design_root: str) -> list[Any]:
            if design_root:
                session_of(design_root).reset()
            return []

        new.click(reset, inputs=[root], outputs=[chat])
    return app
