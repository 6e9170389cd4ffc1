"""pyverilog's dataflow analysis: a register's whole next-state function as one expression.

pyslang builds chipchat's model (it parses SystemVerilog and is ~100× faster); pyverilog
is used where it is the better tool: its dataflow analyzer merges every if/else branch
that assigns a signal into a single expression (``acc = rst ? 0 : clear ? ... : acc +
product``), which is the clearest answer to "what exactly computes X?". It reads
Verilog-2001 only (no packages, interfaces or ``always_ff``) and does not evaluate
``$clog2``, so chipchat uses it only for Verilog-2001 designs and labels its output.

pyverilog writes parser tables into the current directory, so it runs in a child
process (through ``_exec``) inside a scratch directory, never in the user's tree.
"""

from __future__ import annotations

import json
import sys
import tempfile

from chipchat import _exec
from chipchat.design import Design
from chipchat.errors import ToolFailed


def is_verilog2001(design: Design) -> bool:
    return design.amaranth is None and all(p.suffix == ".v" for p in design.sources)


def dataflow_drivers(design: Design, signals: list[str], *, timeout_s: float = 60.0) -> dict[str, str]:
    """Signal → its merged next-state/assignment expression (pyverilog), for the top module."""
    if not is_verilog2001(design):
        raise ToolFailed("pyverilog", "pyverilog's dataflow analysis reads Verilog-2001 only; "
                                      f"{design.name} has SystemVerilog or generated sources")
    with tempfile.TemporaryDirectory(prefix="chipchat-pyverilog-") as scratch:
        argv = [sys.executable, "-m", "chipchat.rtl._dataflow_child", design.top or "top",
                json.dumps([str(p) for p in design.sources]), json.dumps([str(p) for p in design.include_dirs]),
                json.dumps([f"{k}={v}" if v else k for k, v in design.defines.items()]), json.dumps(signals)]
        result = _exec.run(argv, cwd=scratch, timeout=timeout_s, tool="pyverilog")
    if not result.ok:
        raise ToolFailed("pyverilog", "pyverilog could not analyse the design", log_tail=result.tail(8))
    payload = result.output.strip().splitlines()[-1]
    data: dict[str, str] = json.loads(payload)
    return data
