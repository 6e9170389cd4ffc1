"""Shared physical-design test material: the osu018 library, small netlists synthesized with Yosys,
fixtures (registered in tests/conftest.py) and helpers for misbehaving tools and edited LEFs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from chipchat.formats.lef import read_lef

TECH = Path("/usr/share/qflow/tech/osu018")
LIB = TECH / "osu018_stdcells.lib"
LEF = TECH / "osu018_stdcells.lef"
REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "golden" / "openroad"  # real OpenROAD output (see SOURCE.md there)



def synthesize(sources: list[Path], top: str, out: Path) -> Path:
    """A flat osu018 netlist of ``top`` (a test input; the product uses the synthesis step)."""
    script = (f"read_verilog -sv {' '.join(str(s) for s in sources)}\n"
              f"synth -flatten -top {top}\ndfflibmap -liberty {LIB}\nabc -liberty {LIB}\n"
              f"opt_clean -purge\nwrite_verilog -noattr -noexpr -nohex -nodec {out}\n")
    ys = out.with_suffix(".ys")
    ys.write_text(script)
    subprocess.run([shutil.which("yosys") or "yosys", "-q", "-s", str(ys)], check=True, capture_output=True)
    return out


@pytest.fixture(scope="session")
def osu018_lef():
    return read_lef([LEF])


@pytest.fixture(scope="session")
def uart_netlist(tmp_path_factory) -> Path:
    rtl = REPO / "designs" / "uart_tx" / "rtl"
    out = tmp_path_factory.mktemp("uart") / "uart_tx_net.v"
    return synthesize([rtl / "uart_pkg.sv", rtl / "uart_tx.sv"], "uart_tx", out)


@pytest.fixture(scope="module")
def uart_synth(tmp_path_factory):
    """A private copy of designs/uart_tx and its synthesis step result (the real YosysSynth step)."""
    from chipchat.rtl.load import load_design
    from chipchat.steps.yosys_synth import YosysSynth

    root = tmp_path_factory.mktemp("uart_design") / "uart_tx"
    shutil.copytree(REPO / "designs" / "uart_tx", root, ignore=shutil.ignore_patterns(".chipchat"))
    design = load_design(root)
    return design, YosysSynth(design).start()


def fake_tool(folder: Path, name: str, body: str) -> Path:
    """An executable shell script standing in for a tool that misbehaves (crashes, hangs)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return path


def lef_without(tmp: Path, *, macros: tuple[str, ...] = (), site: bool = True) -> Path:
    """A copy of the osu018 LEF with some MACROs (or the SITE) removed."""
    import re

    text = LEF.read_text()
    for macro in macros:
        text = re.sub(rf"^MACRO {macro}\n.*?^END {macro}\n", "", text, flags=re.S | re.M)
    if not site:
        text = re.sub(r"^SITE\s+core\n.*?^END\s+core\n", "", text, flags=re.S | re.M)
    out = tmp / "edited.lef"
    out.write_text(text)
    return out
