"""`chipchat sim` and `chipchat verify` from the command line: output, exit codes, errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from chipchat.cli import main

DO_WRITE = "wire do_write = wr_en && !full;"


def test_sim_json_and_exit_codes(fifo: Path, capsys) -> None:
    assert main(["sim", str(fifo), "--sim", "icarus", "-k", "overflow", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "sim" and out["data"]["summary"] == "1/1 pass"
    rtl = fifo / "rtl" / "fifo.v"
    rtl.write_text(rtl.read_text().replace(DO_WRITE, "wire do_write = wr_en;"))
    assert main(["sim", str(fifo), "-k", "overflow", "-P", "DEPTH=16"]) == 1
    text = capsys.readouterr().out
    assert "Why test_overflow fails" in text and "rtl/fifo.v:35" in text


def test_sim_bad_options_are_clear(fifo: Path, capsys) -> None:
    assert main(["sim", str(fifo), "--sim", "modelsim"]) == 2
    assert "known simulators: icarus, verilator" in capsys.readouterr().err
    assert main(["sim", str(fifo), "-P", "DEPTH"]) == 2
    assert "NAME=VALUE" in capsys.readouterr().err
    assert main(["sim", str(fifo), "--list"]) == 0
    assert "test_wrap_around" in capsys.readouterr().out


def test_verify_writes_reports_and_fails_on_a_regression(fifo: Path, diff, tmp_path: Path, capsys) -> None:
    good = tmp_path / "good.diff"
    good.write_text(diff(fifo, "rtl/fifo.v", "// accepted write this cycle", "// accepted write"))
    bad = tmp_path / "bad.diff"
    bad.write_text(diff(fifo, "rtl/fifo.v", DO_WRITE, "wire do_write = wr_en;"))
    junit = tmp_path / "ci" / "junit.xml"
    code = main(["verify", str(fifo), "--patches", str(good), str(bad), "--sims", "icarus", "--jobs", "2",
                 "--junit", str(junit), "--report-dir", str(tmp_path / "rep")])
    captured = capsys.readouterr()
    assert code == 1
    assert "| good | clean |" in captured.out and "| bad | **regression** |" in captured.out
    assert "[3] " in captured.err  # progress lines
    assert {s.get("name") for s in ET.parse(junit).getroot()} == {"good", "bad"}
    assert (tmp_path / "rep" / "report.md").is_file()
    assert main(["verify", str(fifo), "--patches", str(good), "--sims", "icarus", "-q", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["data"]["patches"][0]["verdict"] == "clean"


def test_verify_rejects_an_unknown_executor(fifo: Path, tmp_path: Path, capsys) -> None:
    patch = tmp_path / "p.diff"
    patch.write_text("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n")
    assert main(["verify", str(fifo), "--patches", str(patch), "--executor", "ray://h:1"]) == 2
    assert "valid executors" in capsys.readouterr().err
    assert main(["verify", str(fifo), "--patches", str(tmp_path / "missing.diff")]) == 2
    assert "missing.diff does not exist" in capsys.readouterr().err
