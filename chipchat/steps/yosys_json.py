"""Yosys turns a synthesized Verilog netlist into JSON with the same names (what placement reads).

Run inside the calling step's run directory (its log is ``yosys_json.log`` there), so the
placement step that needs the JSON keeps it with its own evidence.
"""

from __future__ import annotations

from pathlib import Path

from chipchat import toolchain
from chipchat.errors import ToolFailed
from chipchat.formats.yosys_json import Netlist
from chipchat.steps.step import RunDir
from chipchat.tcl import yosys_quote


def yosys_json_script(netlist_v: Path, liberty: list[Path], top: str, out_json: Path) -> str:
    """The Yosys script that turns a synthesized Verilog netlist into JSON with the same names."""
    lines = [f"read_liberty -lib {yosys_quote(lib)}" for lib in liberty]
    lines += [f"read_verilog {yosys_quote(netlist_v)}", f"hierarchy -check -top {top}",
              f"write_json {yosys_quote(out_json)}"]
    return "\n".join(lines) + "\n"


def load_netlist(run: RunDir, netlist_v: Path, liberty: list[Path], top: str) -> tuple[Netlist, Path]:
    """Convert the Verilog netlist to JSON with Yosys (log ``yosys_json.log``) and read it as a flat netlist."""
    json_path = run.file(f"{top}.json")
    script = run.file("yosys_json.ys")
    script.write_text(yosys_json_script(netlist_v, liberty, top, json_path))
    yosys = toolchain.find_tool("yosys")
    result = run.exec(yosys.argv("-q", "-s", str(script)), log="yosys_json.log", tool="yosys")
    if not result.ok:
        raise ToolFailed("yosys", "Yosys could not read the synthesized netlist", log_tail=result.tail(),
                         log_path=result.log_path, returncode=result.returncode)
    return Netlist.load(json_path, top=top, flat=True), json_path
