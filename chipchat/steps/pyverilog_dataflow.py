"""Step: pyverilog's dataflow analysis — a register's whole next-state function as one expression.

pyslang builds chipchat's model (it parses SystemVerilog and is ~100× faster); pyverilog
is used where it is the better tool: its dataflow analyzer merges every if/else branch
that assigns a signal into a single expression (``acc = rst ? 0 : clear ? ... : acc +
product``), which is the clearest answer to "what exactly computes X?". It reads
Verilog-2001 only (no packages, interfaces or ``always_ff``) and does not evaluate
``$clog2``, so chipchat uses it only for Verilog-2001 designs and labels its output.

pyverilog writes parser tables into the current directory, so it runs in a child process
(``python -m chipchat.steps._dataflow_child``) inside its run directory, never in the user's tree.
"""

from __future__ import annotations

import json
import sys
from typing import Any, ClassVar

from chipchat.design import Design
from chipchat.errors import ToolFailed
from chipchat.steps.step import RunDir, Step, StepResult


def is_verilog2001(design: Design) -> bool:
    return design.amaranth is None and all(p.suffix == ".v" for p in design.sources)


class PyverilogDataflow(Step):
    """Signal → its merged next-state/assignment expression, for the top module."""

    name: ClassVar[str] = "pyverilog_dataflow"
    inputs: ClassVar[tuple[str, ...]] = ("Verilog-2001 sources",)
    outputs: ClassVar[tuple[str, ...]] = ("dataflow.json",)
    config_vars: ClassVar[dict[str, str]] = {"signals": "the signals whose expressions are wanted"}

    def validate(self) -> None:
        if not is_verilog2001(self.design):
            raise ToolFailed("pyverilog", "pyverilog's dataflow analysis reads Verilog-2001 only; "
                                          f"{self.design.name} has SystemVerilog or generated sources")

    def run(self, run: RunDir) -> StepResult:
        d = self.design
        argv = [sys.executable, "-m", "chipchat.steps._dataflow_child", d.top or "top",
                json.dumps([str(p) for p in d.sources]), json.dumps([str(p) for p in d.include_dirs]),
                json.dumps([f"{k}={v}" if v else k for k, v in d.defines.items()]),
                json.dumps(list(self.config.get("signals", [])))]
        result = run.exec(argv, log="pyverilog.log", tool="pyverilog")
        if not result.ok:
            raise ToolFailed("pyverilog", "pyverilog could not analyse the design", log_tail=result.tail(8),
                             log_path=result.log_path)
        out = run.file("dataflow.json")
        out.write_text(result.output.strip().splitlines()[-1])
        return StepResult(self.name, run.path, artifacts={"dataflow.json": out})


def dataflow_drivers(design: Design, signals: list[str], *, timeout_s: float = 60.0) -> dict[str, str]:
    """Signal → its merged next-state/assignment expression (pyverilog), for the top module."""
    result = PyverilogDataflow(design, timeout_s=timeout_s, signals=signals).start()
    data: dict[str, Any] = json.loads(result.artifacts["dataflow.json"].read_text())
    return {str(k): str(v) for k, v in data.items()}
