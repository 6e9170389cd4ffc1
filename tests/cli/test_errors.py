"""Broken state and odd input on the command line: one clear error (exit 2), never a traceback (issue 16)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from chipchat.cli import main

RTL = "module top(input clk, input a, output b);\n  assign b = a;\nendmodule\n"


@pytest.fixture
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CHIPCHAT_EMBEDDINGS", "none")
    root = tmp_path / "small"
    root.mkdir()
    (root / "top.v").write_text(RTL)
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    assert "Traceback" not in out.err + out.out
    return code, out.out + out.err


@pytest.mark.parametrize("command", [["index"], ["tree"], ["show", "b"], ["ask", "what drives b"]])
def test_state_folder_as_a_file(small: Path, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    (small / ".chipchat").write_text("x")
    code, text = run(capsys, command[0], str(small), *command[1:])
    assert code == 2 and ".chipchat is a regular file, not chipchat's state folder" in text


@pytest.mark.parametrize("name", ["index", "cache", "runs", "model.json", "index.lock"])
def test_state_entries_of_the_wrong_kind_are_rebuilt(small: Path, capsys: pytest.CaptureFixture[str],
                                                     name: str) -> None:
    state = small / ".chipchat"
    state.mkdir()
    if name.endswith((".json", ".lock")):
        (state / name).mkdir()
    else:
        (state / name).write_text("a file where a folder belongs")
    assert run(capsys, "index", str(small))[0] == 0
    assert run(capsys, "tree", str(small))[0] == 0


def test_chipchat_toml_as_a_folder_and_wrong_types(small: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (small / "chipchat.toml").mkdir()
    code, text = run(capsys, "tree", str(small))
    assert code == 2 and "chipchat.toml is a folder, not a regular file" in text
    (small / "chipchat.toml").rmdir()
    (small / "chipchat.toml").write_text('[design]\nsources = ["top.v"]\n[tests]\ntimeout_s = "x"\n')
    code, text = run(capsys, "index", str(small))
    assert code == 2 and "`timeout_s` must be a number, got a string 'x'" in text


def test_non_utf8_file_names(small: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (small / os.fsdecode(b"odd\xe9.v")).write_text("module odd; endmodule\n")
    (small / os.fsdecode(b"notes\xff.md")).write_text("# notes\n")
    code, text = run(capsys, "index", str(small))
    assert code == 0
    assert run(capsys, "tree", str(small))[0] == 0
    only = small.parent / "only"
    only.mkdir()
    (only / os.fsdecode(b"odd\xe9.v")).write_text(RTL)
    code, text = run(capsys, "tree", str(only))
    assert code == 2 and "odd\\xe9.v: its file name is not UTF-8" in text


def test_the_file_system_root(capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run(capsys, "index", "/")
    assert code == 2 and "root of the file system" in text


def test_a_patch_path_too_long_for_the_file_system(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, text = run(capsys, "verify", "fifo", "--patches", "p" * 256 + ".diff", "-q")
    assert code == 2 and "File name too long" in text
    fifo = tmp_path / "pipe.diff"
    os.mkfifo(fifo)
    code, text = run(capsys, "verify", "fifo", "--patches", str(fifo), "-q")
    assert code == 2 and "is a FIFO (named pipe), not a regular file" in text


@pytest.mark.parametrize("content", [
    b"\xff\xfe garbage", b"[1, 2]", b"{}",
    json.dumps({"id": "x-1", "design": 3, "request": "r", "engine": "e", "title": "t", "diff": "", "files": {}}).encode(),
    json.dumps({"id": "x-1", "design": "d", "request": "r", "engine": "e", "title": "t", "diff": "",
                "files": "no"}).encode(),
])
def test_garbage_in_proposal_json(small: Path, capsys: pytest.CaptureFixture[str], content: bytes) -> None:
    folder = small / ".chipchat" / "proposals" / "x-1"
    folder.mkdir(parents=True)
    (folder / "proposal.json").write_bytes(content)
    code, text = run(capsys, "apply", str(small), "x-1", "--yes")
    assert code == 2 and "proposal x-1 is damaged" in text and "remove the folder" in text
    code, text = run(capsys, "proposals", str(small), "--show", "x-1")
    assert code == 2 and "is damaged" in text
    assert run(capsys, "proposals", str(small))[0] == 0  # the list skips it
