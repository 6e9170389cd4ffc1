"""The `chipchat` command line, run as a user runs it (a real subprocess)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

CHIPCHAT = [sys.executable, "-m", "chipchat"]


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "CHIPCHAT_EMBEDDINGS": "none", **(env or {})}
    return subprocess.run([*CHIPCHAT, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300)


def tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and ".chipchat" not in p.parts}


def test_index_ask_show_on_fifo(design_copy, tmp_path):
    root = design_copy("fifo")
    before = tree_digest(root)
    res = run("index", str(root), "--json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["top"] == "fifo" and data["chunks"] > 5 and data["skipped"] == {}

    res = run("ask", str(root), "what drives full?", cwd=tmp_path)
    assert res.returncode == 0 and "rtl/fifo.v:38" in res.stdout

    res = run("ask", str(root), "where is the write pointer wrapped?", "--json", cwd=tmp_path)
    ans = json.loads(res.stdout)
    assert ans["citations"][0] == {"file": "rtl/fifo.v", "line": 54, "end_line": 54, "label": "always"}

    res = run("show", str(root), "wr_ptr", cwd=tmp_path)
    assert res.returncode == 0
    for expected in ("declared at rtl/fifo.v:32", "rtl/fifo.v:56", "resets to", "Fan-in cone"):
        assert expected in res.stdout
    assert tree_digest(root) == before  # nothing but .chipchat/ was written


def test_errors_are_one_clear_line_and_exit_2(tmp_path):
    res = run("ask", str(tmp_path / "missing"), "what drives x?", cwd=tmp_path)
    assert res.returncode == 2
    assert res.stderr.startswith("chipchat: error: no design folder") and "Traceback" not in res.stderr
    (tmp_path / "empty").mkdir()
    res = run("index", str(tmp_path / "empty"), cwd=tmp_path)
    assert res.returncode == 2 and "no RTL sources found" in res.stderr


def test_unknown_signal_suggests_close_names(design_copy, tmp_path):
    res = run("show", str(design_copy("fifo")), "wr_pt", cwd=tmp_path)
    assert res.returncode == 2 and "did you mean `wr_ptr`" in res.stderr


def test_doctor_lists_tools_and_says_how_to_install_missing_ones(tmp_path):
    res = run("doctor", cwd=tmp_path)
    assert res.returncode == 0 and "yosys" in res.stdout
    assert "optional openroad" in res.stdout and "CHIPCHAT_OPENROAD" in res.stdout
    res = run("doctor", cwd=tmp_path, env={"CHIPCHAT_YOSYS": "/nonexistent/yosys"})
    assert res.returncode == 1 and "missing  yosys" in res.stdout
    res = run("doctor", cwd=tmp_path, env={"CHIPCHAT_EMBEDDINGS": "static", "CHIPCHAT_CACHE_DIR": str(tmp_path)})
    assert res.returncode == 0 and "pending  embeddings" in res.stdout and str(tmp_path) in res.stdout
    assert not (tmp_path / "static-minilm-l6-v2").exists()  # the doctor looks, it does not distil


def test_help_is_fast_and_lists_commands(tmp_path):
    res = run("--help", cwd=tmp_path)
    for cmd in ("index", "ask", "show", "doctor"):
        assert cmd in res.stdout


def test_index_names_black_boxes(tmp_path):
    (tmp_path / "rtl").mkdir()
    (tmp_path / "rtl" / "top.v").write_text(
        "module top(input clk, output [7:0] q);\n  vendor_ram u_ram (.clk(clk), .dout(q));\nendmodule\n")
    res = run("index", str(tmp_path), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "black box: `vendor_ram` (instance top.u_ram at rtl/top.v:2)" in res.stdout
    data = json.loads(run("index", str(tmp_path), "--json", cwd=tmp_path).stdout)
    assert data["black_boxes"] == [{"module": "vendor_ram", "instance": "top.u_ram", "at": "rtl/top.v:2"}]
