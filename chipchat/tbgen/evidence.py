"""Turn failing generated tests into disagreements between the spec and the RTL, with evidence.

A generated check fails with ``<port> = <observed>, spec expects <expected> [<spec
source>]``; that message, the test, the spec line and the simulator log line where the
failure was printed become one :class:`Disagreement`. A failure that is not such a check
(an exception in the testbench itself) is still reported, as ``testbench-error`` — a
generated test is never dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from chipchat.formats.cocotb_results import SimRun, TestResult

CHECK = re.compile(r"(?P<port>\w+) = (?P<got>.+?), spec expects (?P<exp>.+?) \[(?P<source>.+?)\]")


@dataclass
class Disagreement:
    test: str
    kind: str  # spec-vs-rtl | testbench-error | model-written | static
    source: str  # the spec line and the rule or table row
    expected: str
    observed: str
    message: str
    log: str = ""  # <sim log>:<line>: <text>
    simulator: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        if self.kind == "static":
            return f"- {self.test}: the spec ({self.source}) says {self.expected}; the RTL has {self.observed}"
        what = f"expects {self.expected}, the RTL gives {self.observed}" if self.expected else self.message[:200]
        label = {"testbench-error": " (an error in the generated test, not a check)",
                 "model-written": " (a test the language model wrote)"}.get(self.kind, "")
        log = f" — log `{self.log}`" if self.log else ""
        return f"- `{self.test}` on {self.simulator}{label}: {self.source}: {what}{log}"


def disagreements(run: SimRun, kind: str = "spec-vs-rtl") -> list[Disagreement]:
    """One disagreement per failing test of ``run``."""
    out: list[Disagreement] = []
    for test in run.failing():
        if test.status == "not-run":
            continue
        m = CHECK.search(test.message or "")
        log = _log_line(run, test)
        if m:
            out.append(Disagreement(test.short_name, kind, m.group("source"), f"{m.group('port')} = {m.group('exp')}",
                                    m.group("got"), test.message.splitlines()[0], log, run.simulator))
        else:
            what = kind if test.exc_type == "AssertionError" or test.status == "timeout" else \
                ("model-written" if kind == "model-written" else "testbench-error")
            where = f"{Path(test.assert_line.file).name}:{test.assert_line.line}" if test.assert_line else test.name
            message = (f"{test.exc_type}: " if test.exc_type else "") + (test.message or test.status)
            out.append(Disagreement(test.short_name, what, where, "", "", message.splitlines()[0] if message else "",
                                    log, run.simulator))
    return out


def _log_line(run: SimRun, test: TestResult) -> str:
    """``<log>:<line>: <text>`` of the line where the simulator printed this test's failure."""
    needle = (test.message or "").splitlines()[0][:60] if test.message else f"{test.short_name} failed"
    for folder in run.run_dirs:
        for log in sorted(Path(folder).glob("sim-*.log")):
            try:
                lines = log.read_text(errors="replace").splitlines()
            except OSError:
                continue
            for i, text in enumerate(lines, 1):
                if needle and needle in text:
                    return f"{log}:{i}: {text.strip()[:240]}"
    return ""
