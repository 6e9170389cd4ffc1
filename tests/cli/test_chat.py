"""`chipchat chat` in the terminal and the `chipchat ui` command line."""

from __future__ import annotations

import io

import pytest

from chipchat.cli import build_parser, main
from chipchat.cli.webui import auth_pairs
from chipchat.config import Settings
from chipchat.errors import ConfigError


@pytest.fixture(autouse=True)
def lexical_search(monkeypatch):
    monkeypatch.setenv("CHIPCHAT_EMBEDDINGS", "none")


def chat(monkeypatch, capsys, design, lines):
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(line + "\n" for line in lines)))
    code = main(["chat", str(design)])
    return code, capsys.readouterr().out


def test_a_conversation_in_the_terminal(design_copy, monkeypatch, capsys):
    root = design_copy("mac16")
    code, out = chat(monkeypatch, capsys, root, ["what drives acc?", "", "/bogus", "and valid_out?", "/reset", "/quit",
                                                 "never read"])
    assert code == 0
    assert "chipchat — mac16 (top mac16) · model: offline planner" in out
    assert '[tool] drivers(signal="acc") … done in' in out and "rtl/mac16.v:40" in out
    assert "unknown command /bogus" in out
    assert '[tool] drivers(signal="valid_out")' in out
    assert "(conversation forgotten)" in out and "never read" not in out
    assert not (root / ".chipchat" / "chat" / "default.json").exists()


def test_the_conversation_continues_after_a_restart_and_ends_at_eof(design_copy, monkeypatch, capsys):
    root = design_copy("mac16")
    chat(monkeypatch, capsys, root, ["what drives acc?"])  # no /quit: end of input
    code, out = chat(monkeypatch, capsys, root, ["and valid_out?", "/quit"])
    assert code == 0 and "continuing the remembered conversation: 1 earlier question(s)" in out
    assert '[tool] drivers(signal="valid_out")' in out


def test_apply_asks_and_writes_only_on_yes(design_copy, monkeypatch, capsys):
    from chipchat.edit.api import propose_edit
    from chipchat.rtl.load import load_design

    root = design_copy("mac16")
    pid = propose_edit(load_design(root), "pipeline the multiplier", check=False).data["proposal_id"]
    rtl = (root / "rtl" / "mac16.v").read_bytes()
    _, out = chat(monkeypatch, capsys, root, [f"/apply {pid}", "n", "/apply", "/quit"])
    assert "Write proposal" in out and "Not applied; nothing was written." in out
    assert "usage: /apply PROPOSAL_ID" in out
    assert (root / "rtl" / "mac16.v").read_bytes() == rtl
    _, out = chat(monkeypatch, capsys, root, [f"/apply {pid}", "y", "/quit"])
    assert f"Applied proposal `{pid}`" in out and (root / "rtl" / "mac16.v").read_bytes() != rtl
    _, out = chat(monkeypatch, capsys, root, ["/apply nonexistent-1", "/quit"])
    assert "chipchat: error:" in out


def test_ui_command_line(capsys):
    args = build_parser().parse_args(["ui", "designs/fifo", "--port", "7861"])
    assert args.port == 7861 and args.host is None and args.share is False
    assert build_parser().parse_args(["ui"]).design is None
    assert main(["ui", "mac16", "--port", "70000"]) == 2
    assert "--port must be between 1 and 65535" in capsys.readouterr().err
    assert main(["ui", "/no/such/design"]) == 2
    assert "no design folder /no/such/design" in capsys.readouterr().err


def test_ui_login_pairs():
    assert auth_pairs(Settings()) is None
    assert auth_pairs(Settings(ui_auth="ann:pw1,bob:p:w")) == [("ann", "pw1"), ("bob", "p:w")]
    with pytest.raises(ConfigError, match="user:password"):
        auth_pairs(Settings(ui_auth="ann:"))
