"""timing_report / explain_path end to end with the real tools, checked against OpenSTA run directly."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from chipchat.errors import ConfigError, ParseError, ToolTimeout
from chipchat.rtl.load import load_design
from chipchat.timing.api import explain_path, timing_report
from chipchat.toolchain import find_tool

LIB018 = Path("/usr/share/qflow/tech/osu018/osu018_stdcells.lib")

# every example design at its own clock and at a second, what-if period
CASES = [("mac16", None), ("mac16", 8.0), ("fifo", None), ("fifo", 2.5), ("uart_tx", None), ("uart_tx", 1.5),
         ("alu8", None), ("alu8", 2.0)]


def sta_direct(netlist: str, top: str, sdc: Path, period: float | None, cwd: Path) -> tuple[float, float]:
    """Worst slack and TNS from OpenSTA on the same netlist and constraints, without chipchat's recipe."""
    override = f"create_clock -name clk -period {period} [get_ports clk]\n" if period else ""
    script = (f"read_liberty {LIB018}\nread_verilog {netlist}\nlink_design {top}\nread_sdc {sdc}\n{override}"
              "report_worst_slack -digits 3\nreport_tns -digits 3\n")
    proc = subprocess.run([str(find_tool("sta").path), "-no_splash", "-exit"], input=script, text=True,
                          capture_output=True, cwd=cwd, timeout=120, check=False)
    worst = re.search(r"^worst slack (\S+)$", proc.stdout, re.M)
    tns = re.search(r"^tns (\S+)$", proc.stdout, re.M)
    assert worst and tns, proc.stdout + proc.stderr
    return float(worst.group(1)), float(tns.group(1))


def line_text(root: Path, span: dict[str, object]) -> str:
    path = Path(str(span["file"]))
    path = path if path.is_absolute() else root / path
    return " ".join(path.read_text().splitlines()[int(str(span["line"])) - 1].split())


@pytest.mark.parametrize(("name", "period"), CASES)
def test_wns_equals_sta_run_directly_and_the_explanation_matches_the_path(
        shared_design, tmp_path: Path, name: str, period: float | None) -> None:
    root = shared_design(name)
    answer = timing_report(str(root), clock_period_ns=period)
    design = load_design(root)
    m = answer.data["metrics"]
    worst, tns = sta_direct(answer.artifacts["netlist.v"], design.top or name, design.sdc, period, tmp_path)
    assert m["worst_slack"] == worst and m["wns"] == min(worst, 0.0) and m["tns"] == tns
    assert m["clock_period_ns"] == (period or json.loads(Path(answer.artifacts["metrics.json"]).read_text())[
        "clock_period_ns"])
    assert m["cells"] > 0 and m["area"] > 0 and m["max_fanout"] <= 16 and m["repair"] == "abc"
    assert "Repair done: ABC buffered" in answer.text
    exp = answer.data["explanation"]
    worst_path = answer.data["paths"][0]
    assert (exp["startpoint"], exp["endpoint"]) == (worst_path["startpoint"], worst_path["endpoint"])
    assert exp["slack"] == worst_path["slack"] == worst
    assert not re.fullmatch(r"_\d+_", exp["endpoint"].split("[")[0])  # an RTL name, not _19382_
    if exp["endpoint_kind"] == "register":
        base = exp["endpoint"].split("[")[0].rsplit(".", 1)[-1]
        assert base in line_text(root, exp["endpoint_span"])
    cited = [s for s in exp["shares"] if s["span"]]
    assert cited, "no RTL statement was cited"
    for share in cited:
        text = line_text(root, share["span"])
        expected = share["expression"] if not share["expression"].startswith("control of") else \
            share["expression"].split()[2]
        assert " ".join(expected.split()) in text, (share, text)
    assert abs(sum(s["delay"] for s in exp["shares"] if s["kind"] != "setup") - exp["arrival"]) < 0.01
    if worst < 0:
        assert exp["fixes"] and any(f["kind"] == "relax_clock" and abs(f["gain_ns"] + worst) < 1e-6
                                    for f in exp["fixes"])
    else:
        assert exp["fixes"] == [] and "nothing to fix" in answer.text
    for key in ("metrics.json", "paths.json", "paths.md", "slack_histogram.png", "explanation.md"):
        assert Path(answer.artifacts[key]).exists(), key
    assert Path(answer.artifacts["slack_histogram.png"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    metrics = json.loads(Path(answer.artifacts["metrics.json"]).read_text())
    assert {"wns", "tns", "worst_paths", "cells", "area", "max_fanout"} <= set(metrics)
    assert len(json.loads(Path(answer.artifacts["paths.json"]).read_text())) == metrics["worst_paths"]


def test_mac16_blames_the_multiply_and_the_accumulate(shared_design) -> None:
    root = shared_design("mac16")
    source = (root / "rtl" / "mac16.v").read_text().splitlines()
    mul_line = next(n for n, ln in enumerate(source, 1) if "product = a * b;" in ln)
    add_line = next(n for n, ln in enumerate(source, 1) if "acc <= acc + product;" in ln)
    answer = timing_report(str(root))
    exp = answer.data["explanation"]
    assert exp["slack"] < 0 and re.fullmatch(r"acc\[\d+\]", exp["endpoint"])
    assert re.fullmatch(r"[ab]\[\d+\]|acc\[\d+\]", exp["startpoint"])
    lines = {s["span"]["line"]: s for s in exp["shares"] if s["span"] and not s["expression"].startswith("control")}
    assert mul_line in lines and add_line in lines
    assert lines[mul_line]["expression"] == "a * b" and lines[mul_line]["percent"] > 30
    assert lines[add_line]["expression"] == "acc + product" and lines[add_line]["percent"] > 20
    assert f"of the delay is the `a * b` at rtl/mac16.v:{mul_line}" in answer.text
    assert any(c.line == mul_line and c.file == "rtl/mac16.v" for c in answer.citations)
    kinds = [f["kind"] for f in exp["fixes"]]
    assert "pipeline" in kinds and "relax_clock" in kinds
    pipeline = next(f for f in exp["fixes"] if f["kind"] == "pipeline")
    assert "a * b" in pipeline["title"] and 0 < pipeline["gain_ns"] < exp["arrival"]
    # the path table and the explanation count the same gates for the worst path
    row = next(ln for ln in answer.text.splitlines() if ln.startswith("| 1 | "))
    assert f"through {exp['logic_depth']} levels of logic" in answer.text
    assert row.rstrip(" |").rsplit("|", 1)[-1].strip() == str(exp["logic_depth"])


def test_path_to_a_named_signal(shared_design) -> None:
    root = shared_design("mac16")
    answer = timing_report(str(root), to="acc")
    assert "Worst path into `acc`" in answer.text
    assert re.fullmatch(r"acc\[\d+\]", answer.data["explanation"]["endpoint"])
    valid = explain_path(str(root), to="valid_out")
    assert valid.data["explanation"]["endpoint"] == "valid_out"
    with pytest.raises(ConfigError, match="no signal named 'nosuch'") as err:
        timing_report(str(root), to="nosuch")
    assert "acc" in str(err.value)


def test_evil_signal_name_runs_nothing(shared_design, tmp_path: Path) -> None:
    pwned = tmp_path / "pwned"
    with pytest.raises(ConfigError, match="not a valid identifier"):
        timing_report(str(shared_design("mac16")), to=f"x]; exec touch {pwned}; #")
    assert not pwned.exists()


def test_without_repair_the_answer_says_so(shared_design) -> None:
    answer = timing_report(str(shared_design("uart_tx")), repair="none")
    assert "No repair was done" in answer.text and answer.data["metrics"]["repair"] == "none"


def test_no_clock(make_design) -> None:
    root = make_design("noclk", "module top(input clk, input a, output reg q);\n always @(posedge clk) q <= a;\n"
                                "endmodule\n", '[design]\ntop = "top"\nsources = ["rtl/*.v"]\n')
    with pytest.raises(ConfigError, match="no clock"):
        timing_report(str(root))


def test_clock_on_a_port_that_does_not_exist(make_design) -> None:
    root = make_design("badclk", "module top(input clk, input a, output reg q);\n always @(posedge clk) q <= a;\n"
                                 "endmodule\n",
                       '[design]\ntop = "top"\nsources = ["rtl/*.v"]\n[[clocks]]\nport = "clock"\nperiod_ns = 5\n')
    with pytest.raises(ConfigError, match="clock port 'clock' does not exist") as err:
        timing_report(str(root))
    assert "a, clk" in str(err.value)


def test_unknown_platform_lists_known_ones(shared_design) -> None:
    with pytest.raises(ConfigError, match="unknown platform 'tsmc3'") as err:
        timing_report(str(shared_design("uart_tx")), platform="tsmc3")
    assert "osu018, osu035, osu050" in str(err.value)


def test_liberty_that_does_not_parse(shared_design, tmp_path: Path) -> None:
    broken = tmp_path / "broken.lib"
    broken.write_text(LIB018.read_text()[:5000] + "\n  cell (X) { area : ; }\n")
    with pytest.raises(ParseError) as err:
        timing_report(str(shared_design("uart_tx")), platform=str(broken))
    assert err.value.file == str(broken.resolve()) and err.value.line is not None


def test_rtl_that_does_not_synthesize(make_design) -> None:
    root = make_design("bad", "module top(input clk, input a, output reg q);\n always @(posedge clk) q <= a +;\n"
                              "endmodule\n",
                       '[design]\ntop = "top"\nsources = ["rtl/*.v"]\n[[clocks]]\nport = "clk"\nperiod_ns = 5\n')
    with pytest.raises(ParseError) as err:
        timing_report(str(root))
    assert (err.value.file, err.value.line) == ("rtl/top.v", 2)


def test_no_register_to_register_paths_is_nothing_to_time(make_design) -> None:
    root = make_design("comb", "module top(input clk, input a, input b, output y);\n assign y = a ^ b;\nendmodule\n",
                       '[design]\ntop = "top"\nsources = ["rtl/*.v"]\nsdc = "constraints.sdc"\n',
                       sdc="create_clock -name clk -period 5 [get_ports clk]\n")
    answer = timing_report(str(root))
    assert answer.data["nothing_to_time"] and answer.text.startswith("**Nothing to time in comb")


def test_a_hung_tool_times_out(make_design, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "hung-yosys"
    script.write_text('#!/bin/sh\nif [ "$1" = "-V" ]; then echo "Yosys 0.23"; exit 0; fi\nexec sleep 300\n')
    script.chmod(0o755)
    monkeypatch.setenv("CHIPCHAT_YOSYS", str(script))
    monkeypatch.setenv("CHIPCHAT_TOOL_TIMEOUT", "1")
    root = make_design("hang", "module top(input clk, input a, output reg q);\n always @(posedge clk) q <= a;\n"
                               "endmodule\n",
                       '[design]\ntop = "top"\nsources = ["rtl/*.v"]\n[[clocks]]\nport = "clk"\nperiod_ns = 5\n')
    with pytest.raises(ToolTimeout, match="did not finish within 1 s"):
        timing_report(str(root))


def test_path_to_one_bit_and_to_a_memory_word(shared_design) -> None:
    bit = explain_path(str(shared_design("mac16")), to="acc[31]")
    assert bit.data["explanation"]["endpoint"] == "acc[31]"
    word = explain_path(str(shared_design("fifo")), to="mem[15][0]")
    assert word.data["explanation"]["endpoint"] == "mem[15][0]"
