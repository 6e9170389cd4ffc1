"""`chipchat propose`, `apply` and `proposals` as a user runs them."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chipchat.cli import main

CHIPCHAT = [sys.executable, "-m", "chipchat"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHIPCHAT_LLM")}
    return subprocess.run([*CHIPCHAT, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)


@pytest.mark.slow
def test_propose_then_apply_only_with_yes(design_copy, files_of, tmp_path: Path) -> None:
    root = design_copy("fifo")
    before = files_of(root)
    res = run("propose", str(root), "rename wr_ptr to wptr", "--no-timing", "--json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)["data"]
    pid = data["proposal_id"]
    assert "+    reg [ADDR_W-1:0] wptr;" in data["diff"] and data["evidence"]["build_ok"]
    assert files_of(root) == before

    res = run("apply", str(root), pid, cwd=tmp_path)  # stdin is not a terminal and there is no --yes
    assert res.returncode == 1 and "not confirmed" in res.stderr and "Not applied" in res.stdout
    assert files_of(root) == before

    res = run("proposals", str(root), cwd=tmp_path)
    assert res.returncode == 0 and pid in res.stdout and "proposed" in res.stdout

    res = run("apply", str(root), pid, "--yes", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "Applied proposal" in res.stdout and "wptr" in (root / "rtl" / "fifo.v").read_text()

    res = run("apply", str(root), pid, "--undo", "--yes", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert files_of(root) == before


def test_unknown_id_and_uncovered_request(design_copy, tmp_path: Path) -> None:
    root = design_copy("mac16")
    res = run("apply", str(root), "missing-000000", "--yes", cwd=tmp_path)
    assert res.returncode == 2 and "no proposal 'missing-000000'" in res.stderr and "Traceback" not in res.stderr
    res = run("propose", str(root), "make it use less power", cwd=tmp_path)
    assert res.returncode == 1 and "No built-in transformation covers" in res.stdout
    assert "CHIPCHAT_LLM_BASE_URL" in res.stdout


def test_the_prompt_asks_and_a_no_writes_nothing(design_copy, files_of, monkeypatch, capsys) -> None:
    root = design_copy("fifo")
    assert main(["propose", str(root), "set WIDTH to 16", "--no-check"]) == 0
    pid = capsys.readouterr().out.split("`")[1]
    before = files_of(root)

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Tty())
    answers = iter(["n", "y"])
    prompts: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or next(answers))
    assert main(["apply", str(root), pid]) == 1
    assert files_of(root) == before and "Nothing was written" in capsys.readouterr().out
    assert main(["apply", str(root), pid]) == 0
    assert prompts == [f"Apply proposal {pid} to {root}? [y/N] "] * 2
    assert "parameter WIDTH = 16" in (root / "rtl" / "fifo.v").read_text()


@pytest.mark.parametrize("request_text", ["pipeline the multiplier"])
def test_show_a_stored_proposal(design_copy, capsys, request_text: str) -> None:
    root = design_copy("mac16")
    assert main(["propose", str(root), request_text, "--no-check", "--json"]) == 0
    pid = json.loads(capsys.readouterr().out)["data"]["proposal_id"]
    assert main(["proposals", str(root), "--show", pid]) == 0
    out = capsys.readouterr().out
    assert "product_q <= product;" in out and "not checked" in out
