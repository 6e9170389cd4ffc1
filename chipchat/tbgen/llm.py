"""With a language model configured: it writes the tests for what the extractor could not use.

The model gets the spec, the design's real ports, the list of spec parts no generated
check covers, and the names of the tests already generated. Its cocotb module is
written next to the generated one (``test_<design>_llm.py``), checked for syntax and
run; failures go back to it for at most ``rounds`` repair rounds. Tests still failing
after the last round are kept and reported as disagreements (``model-written``) — a
human decides whether the spec, the RTL or the model is wrong.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chipchat.config import settings
from chipchat.design import Design, TestConfig
from chipchat.formats.cocotb_results import SimRun
from chipchat.llm import chat_model
from chipchat.tbgen.evidence import Disagreement, disagreements
from chipchat.tbgen.spec import SpecModel

SYSTEM = """You write cocotb 2.1 testbenches in Python for Verilog designs.
Rules: one complete Python module in a single ```python fenced block; tests are `@cocotb.test()` async functions
named test_*; start the clock with `Clock(dut.<clock>, <period>, unit="ns").start()`; use
`from cocotb.triggers import FallingEdge, RisingEdge, ClockCycles`; drive inputs after a falling edge and read
outputs at the next falling edge; read values with `int(dut.<port>.value)`; every loop must be bounded; every
assert message must say which spec line it checks and the expected and observed values, in the form
`<port> = <observed>, spec expects <expected> [<spec file>:<line> <what>]`. Test only through the ports listed."""


MAX_SPEC_CHARS = 60_000  # what is sent of a very long spec


@dataclass
class LlmOutcome:
    module: str = ""
    file: str = ""
    rounds: int = 0  # model calls made
    passing: list[str] = field(default_factory=list)
    failing: list[str] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)
    transcript: list[dict[str, str]] = field(default_factory=list)
    run: SimRun | None = None
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"module": self.module, "file": self.file, "rounds": self.rounds, "passing": self.passing,
                "failing": self.failing, "disagreements": [d.to_json() for d in self.disagreements],
                "error": self.error, "run": self.run.to_json() if self.run else None}


def configured() -> bool:
    return settings().provider == "openai"


def write_tests(design: Design, spec: SpecModel, spec_text: str, generated: list[str], folder: Path, simulator: str,
                *, rounds: int = 2, seed: int = 1, period_ns: float = 10.0) -> LlmOutcome:
    """Ask the model for tests of the unused spec parts, run them, feed failures back (``rounds`` repairs)."""
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    from chipchat.verify.simulate import simulate

    module = f"test_{design.name}_llm"
    outcome = LlmOutcome(module, str(folder / f"{module}.py"))
    messages: list[Any] = [SystemMessage(SYSTEM), HumanMessage(_request(design, spec, spec_text, generated, period_ns))]
    model = chat_model()
    for attempt in range(rounds + 1):
        try:
            reply = model.invoke(messages)
        except Exception as exc:  # the endpoint is down or refuses: the offline testbench stands on its own
            outcome.error = f"the language model at {settings().llm_base_url} failed: {exc}"
            return outcome
        outcome.rounds = attempt + 1
        text = str(reply.content)
        outcome.transcript.append({"request": str(messages[-1].content), "reply": text})
        messages.append(AIMessage(text))
        code, problem = _code(text)
        if code is not None:
            Path(outcome.file).write_text(code)
            target = dataclasses.replace(design, tests=TestConfig(folder, (module,), (simulator,), 60.0))
            run = simulate(target, simulator, modules=[module], seed=seed, test_timeout_s=60.0)
            outcome.run = run
            outcome.passing = [t.short_name for t in run.tests if t.status == "pass"]
            outcome.failing = [t.short_name for t in run.failing() if t.status != "not-run"]
            problem = _failures(run)
        if not problem:
            break
        messages.append(HumanMessage(f"{problem}\nFix the module and reply with the complete corrected module."))
    if outcome.run is not None:
        outcome.disagreements = disagreements(outcome.run, "model-written")
    elif not outcome.error:
        outcome.error = "the language model never returned a usable Python module"
        Path(outcome.file).unlink(missing_ok=True)
    return outcome


def _request(design: Design, spec: SpecModel, spec_text: str, generated: list[str], period_ns: float) -> str:
    ports = "\n".join(f"- {p.name}: {p.direction}, {p.width} bit(s){' — ' + p.description if p.description else ''}"
                      for p in spec.ports) or "(the spec has no port table; see the RTL ports below)"
    unused = "\n".join(f"- {u['where']} {u['what']}: {u['reason']}" for u in spec.unused()[:60]) or "- (none)"
    clock = f"clock `{spec.clock}` ({spec.clock_edge} edge) with a {period_ns:g} ns period" if spec.clock else \
        "no clock: a combinational design (drive the inputs, wait 1 ns with Timer, read the outputs)"
    return (f"Design `{design.name}` (top module `{design.top}`), {clock}, reset "
            f"`{spec.reset[0] if spec.reset else 'none'}`.\n\nPorts:\n{ports}\n\n"
            f"Already tested by generated tests: {', '.join(generated) or 'nothing'}.\n\n"
            f"Parts of the spec no generated test covers (write tests for these):\n{unused}\n\n"
            f"The spec ({spec.path}):\n\n{spec_text[:MAX_SPEC_CHARS]}" +
            (f"\n\n[the spec continues for {len(spec_text) - MAX_SPEC_CHARS} more characters]"
             if len(spec_text) > MAX_SPEC_CHARS else ""))


def _code(text: str) -> tuple[str | None, str]:
    blocks = re.findall(r"```(?:python|py)?\s*\n(.*?)```", text, re.S)
    code = max(blocks, key=len) if blocks else (text if "import cocotb" in text else "")
    if not code.strip():
        return None, "Your reply had no ```python code block."
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        return None, f"The module does not parse: line {exc.lineno}: {exc.msg}."
    if not any(isinstance(n, ast.AsyncFunctionDef) and n.name.startswith("test") for n in ast.walk(tree)):
        return None, "The module defines no async test_* function decorated with @cocotb.test()."
    return code, ""


def _failures(run: SimRun) -> str:
    if run.error:
        return f"The module did not run: {run.error}"
    failing = [t for t in run.failing() if t.status != "not-run"]
    if not failing:
        return ""
    parts = [f"{len(failing)} test(s) failed on the RTL:"]
    for t in failing[:6]:
        where = f" at line {t.assert_line.line}" if t.assert_line else ""
        parts.append(f"- {t.short_name} ({t.status}){where}: {(t.exc_type + ': ') if t.exc_type else ''}"
                     f"{(t.message or '').strip()[:400]}")
    parts.append("If the RTL is right and your test misread the spec, fix the test; if the spec clearly says "
                 "otherwise, keep the check and say so in its assert message.")
    return "\n".join(parts)
