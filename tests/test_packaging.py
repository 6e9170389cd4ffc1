"""`pip install .` gives a chipchat that works outside the checkout, carrying its data."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_into_a_clean_venv_and_answers(tmp_path):
    dist = tmp_path / "dist"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                            str(REPO), "-w", str(dist)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    (wheel,) = dist.glob("chipchat-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for data in ("flows/yosys", "ui/app.py", "designs/fifo/chipchat.toml", "verification/fifo/test_fifo.py"):
        assert any(n.startswith(f"chipchat/_data/{data}") for n in names), data
    assert not [n for n in names if "/.chipchat/" in n or "__pycache__" in n]

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    site = next(venv.glob("lib/python3*/site-packages"))
    # the dependencies come from the project's environment (installing them again costs minutes and GBs);
    # chipchat itself comes only from the wheel: the checkout is not on the path
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
                         capture_output=True, text=True, timeout=300)
    assert pip.returncode == 0, pip.stderr

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg"), "CHIPCHAT_EMBEDDINGS": "none",
           "PYTHONPATH": ""}
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import chipchat; print(chipchat.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert where.stdout.startswith(str(site)), where.stdout + where.stderr
    ui = subprocess.run([str(venv / "bin" / "python"), "-c", "from chipchat.cli.webui import load_app_module; "
                         "print(load_app_module().__file__)"], cwd=work, env=env, capture_output=True, text=True,
                        timeout=120)
    assert ui.returncode == 0 and ui.stdout.strip().startswith(str(site / "chipchat" / "_data" / "ui")), ui.stderr
    res = subprocess.run([str(venv / "bin" / "chipchat"), "ask", "fifo", "what drives full?"], cwd=work, env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "rtl/fifo.v:38" in res.stdout
    copied = tmp_path / "xdg" / "chipchat" / "examples" / "designs" / "fifo"
    assert (copied / ".chipchat").is_dir()  # state went to the user's copy, not into site-packages
    assert not (site / "chipchat" / "_data" / "designs" / "fifo" / ".chipchat").exists()
