"""The WebAssembly Yosys sees mounted folders only: host paths map in, and its messages map back out."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipchat.errors import ConfigError
from chipchat.steps.wasm_slang import Mounts, script


def test_sources_inside_and_outside_the_design_get_guest_paths_and_come_back(tmp_path: Path) -> None:
    root, vendor, run = tmp_path / "d", tmp_path / "vendor" / "ip", tmp_path / "d" / ".chipchat" / "runs" / "r1"
    for folder in (root / "rtl", root / "inc", vendor, run):
        folder.mkdir(parents=True, exist_ok=True)
    sources = [root / "rtl" / "top.sv", vendor / "fifo.sv"]
    mounts = Mounts(root, [root / "inc"], sources, run)
    assert [mounts.guest(s) for s in sources] == ["/design/rtl/top.sv", "/ext0/fifo.sv"]
    assert mounts.env()["YOWASP_MOUNT"].split(":")[:2] == [f"/design={root.resolve()}", f"/run={run.resolve()}"]
    text = ('(* src = "design/rtl/top.sv:12.3-12.9|/share/techmap.v:5.1" *)\n'
            "ext0/fifo.sv:40: ERROR: unknown module 'tc_sync'\nmydesign/x.sv:1 stays")
    back = mounts.host_paths(text)
    assert f'"{root.resolve()}/rtl/top.sv:12.3-12.9|/share/techmap.v:5.1"' in back
    assert f"{vendor.resolve()}/fifo.sv:40: ERROR" in back and "mydesign/x.sv:1 stays" in back
    ys = script(mounts, "top", sources, 1, {"SYNTHESIS": ""}, {"W": 4}, str)
    assert ys.startswith("read_slang --threads 1 --top top -G W=4 -I /inc0 -D SYNTHESIS /design/rtl/top.sv "
                         "/ext0/fifo.sv\n") and "write_verilog /run/slang.v" in ys


def test_names_slang_cannot_take_are_refused_with_the_way_out(tmp_path: Path) -> None:
    root = tmp_path / "my design"
    (root / "rtl").mkdir(parents=True)
    src = root / "rtl" / "a b.sv"
    with pytest.raises(ConfigError, match="space or a quote") as err:
        script(Mounts(root, [], [src], root), "top", [src], 0, {}, {}, str)
    assert "sv2v" in (err.value.hint or "")
    with pytest.raises(ConfigError, match="':' or '='"):
        Mounts(tmp_path / "a:b", [], [], tmp_path)
