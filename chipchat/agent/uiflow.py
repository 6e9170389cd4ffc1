"""The chat UI's flows that are not layout: restoring a conversation, and applying or undoing a proposal.

No Gradio here (``ui/app.py`` arranges it): messages are ``(role, markdown, options)``
tuples, where options are the buttons a message carries (``{"value", "label"}``).

Applying is two clicks in the conversation itself: *Apply …* on the proposal's message asks
what will be written ("Write rtl/mac16.v (+6 −2) to your files?") with *Yes, write it* and
*Cancel*; only *Yes* calls :meth:`ChatSession.apply` with ``confirmed=True``. The answer
then offers *Undo …*, confirmed the same way. A proposal applied meanwhile from another tab
is refused with the reason ("already applied"), never written twice.
"""

from __future__ import annotations

import re
from typing import Any

from chipchat.agent import present
from chipchat.agent.session import ChatSession
from chipchat.design import Design
from chipchat.errors import ChipChatError

Message = tuple[str, str, list[dict[str, str]]]
_FOOTER = re.compile(r"\n\n(?=\*\*Cited:\*\*|\*\*Tool runs:\*\*|\*\*Tools:\*\*|_No tool was run)")
_CITED = re.compile(r"(?<![\w/.])([\w./-]+\.(?:v|sv|vh|svh|py|md|sdc|toml|txt)):(\d+)(?:-(\d+))?")


def restore_messages(session: ChatSession) -> list[Message]:
    """The remembered conversation as the chat shows it (answers folded, citations linked)."""
    out: list[Message] = []
    for role, text in session.history():
        if role == "user":
            out.append(("user", text, []))
            continue
        parts = _FOOTER.split(text, maxsplit=1)
        body, footer = parts[0], parts[1] if len(parts) > 1 else ""
        cites = [{"file": m.group(1), "line": int(m.group(2))} for m in _CITED.finditer(text)]
        out.append(("assistant", present.chat_markdown(body, footer, cites), []))
    return out


def confirm_question(kind: str, session: ChatSession, pid: str) -> str:
    """What confirming will do, said before anything is written."""
    from chipchat.edit import api

    try:
        shown = api.show_proposal(session.design, pid).data
        files = ", ".join(f"`{f}`" for f in _changed_files(str(shown.get("diff", "")))) or "the design's files"
    except ChipChatError as exc:
        return f"**Cannot {kind} `{pid}`:** {exc}"
    if kind == "undo":
        return (f"**Undo proposal `{pid}`?** This restores {files} to what they were before it was applied "
                "(from the backup made then).")
    return (f"**Apply proposal `{pid}` ({shown.get('title', '')})?** This writes {files} in your design folder; the "
            "originals are backed up and *Undo* restores them.")


def run_confirmed(session: ChatSession, kind: str, pid: str) -> str:
    """Apply or undo after the user's *Yes*; a refusal (already applied, stale …) comes back as its reason."""
    try:
        ans = session.undo(pid, confirmed=True) if kind == "undo" else session.apply(pid, confirmed=True)
    except ChipChatError as exc:
        return f"**Not {'undone' if kind == 'undo' else 'applied'}:** {exc}"
    if kind == "undo":
        return ans.text
    files = ", ".join(f"`{f['path']}` (+{f.get('added', 0)} −{f.get('removed', 0)})" for f in ans.data.get("files", [])
                      if isinstance(f, dict) and f.get("path"))
    warn = "".join(f"\n\n> warning: {w}" for w in ans.warnings)
    return (f"**Applied proposal `{pid}`** to {session.design.name}: {files or 'its files'}. The originals are backed "
            f"up; *Undo* below restores them.{warn}")


def chat_action(value: str, session: ChatSession) -> tuple[list[Message], str | None]:
    """The messages a button of a chat message adds, and the proposal to show in the Proposals panel.

    ``apply:ID`` / ``undo:ID`` ask for the confirmation; ``yes-apply:ID`` / ``yes-undo:ID`` write;
    ``cancel:ID`` writes nothing.
    """
    action, _, pid = value.partition(":")
    if not pid:
        return [("assistant", "That button no longer applies to anything.", [])], None
    if action in ("apply", "undo"):
        yes = "Yes, write it" if action == "apply" else "Yes, restore the files"
        return [("assistant", confirm_question(action, session, pid),
                 [{"value": f"yes-{action}:{pid}", "label": yes}, {"value": f"cancel:{pid}", "label": "Cancel"}])], pid
    if action in ("yes-apply", "yes-undo"):
        kind = action.removeprefix("yes-")
        text = run_confirmed(session, kind, pid)
        ok = text.startswith(("**Applied", "**Undone"))
        follow = ([{"value": f"undo:{pid}", "label": f"Undo {pid}…"}] if ok and kind == "apply" else
                  [{"value": f"apply:{pid}", "label": f"Apply {pid} again…"}] if ok else [])
        return [("assistant", text, follow)], pid
    if action == "cancel":
        return [("assistant", f"Cancelled — nothing was written (proposal `{pid}` is unchanged).", [])], pid
    return [("assistant", f"Unknown action {action!r}.", [])], None


def proposal_status(design: Design, pid: str) -> str:
    """proposed, applied or undone ("" for an unknown id)."""
    from chipchat.edit import proposal as store

    try:
        return store.load(design, pid).status
    except ChipChatError:
        return ""


def proposal_view(design: Design, pid: str) -> tuple[str, str]:
    """(the coloured diff as HTML, the proposal's notes and evidence as Markdown without the diff)."""
    from chipchat.edit import api

    try:
        ans = api.show_proposal(design, pid)
    except ChipChatError as exc:
        return "", f"**Cannot show {pid}:** {exc}"
    notes = re.sub(r"```diff\n.*?```\n?", "", ans.text, flags=re.S).strip()
    return present.diff_html(str(ans.data.get("diff", ""))), notes


def _changed_files(diff: str) -> list[str]:
    files = []
    for m in re.finditer(r"^\+\+\+ (?:b/)?(\S+)", diff, re.M):
        if m.group(1) != "/dev/null":
            files.append(m.group(1))
    return list(dict.fromkeys(files))


def messages_json(messages: list[Any]) -> list[dict[str, Any]]:
    """Chat messages (Gradio's dicts or objects) as plain dicts: role, content, options."""
    out = []
    for m in messages:
        get = m.get if isinstance(m, dict) else lambda k, d=None, m=m: getattr(m, k, d)
        out.append({"role": get("role"), "content": get("content"), "options": get("options") or [],
                    "metadata": get("metadata") or {}})
    return out
