"""The typed result of ``chipchat tbgen`` and what it says it looked for (shared by the API and the answer)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chipchat.tbgen.evidence import Disagreement
from chipchat.tbgen.spec import SpecModel

LOOKED_FOR = [
    "a port table (| port | direction | width | description |) naming the clock and the reset",
    "a reset-values table (| register / output | reset value |)",
    "truth / opcode / behaviour tables: input columns and `next <output>` (or `<output> (next)`) columns",
    "vector tables: input-port and output-port columns, one case per row",
    "cycle tables: a `cycle` column, input-port columns and output-port columns",
    "waveform tables: a `n (cycles after E0)` column of ranges such as `C … 2C−1` and output-port columns",
    "rules written as `When <condition>, then <effect>.` with signals in backticks",
    "port lists as bullets (` - input in (8 bits)`); without one, the ports come from the RTL",
    "Karnaugh maps with or without a `---` row (`ab\\cd`, or the column variables on the line above the map)",
    "waveform listings (`time a b q` then `0ns 0 0 0` rows; hex or decimal values, x/z unknown)",
    "state diagrams (`A (out=0) --x=1--> B`, Mealy `A --x=0 (z=1)--> A`) and state tables "
    "(`State | Next state in=0, Next state in=1 | Output`)",
    "truth tables whose cells use the old value of an output (`Qold`, `~Qold`)",
    "equations (`z = (x^y) & x`), `<out> should be 1 if <condition>` sentences, and named standard blocks "
    "(gates, adders, multiplexers, priority encoders, population count, bit/byte reversal, sign extension, "
    "minimum/maximum, D flip-flops, counters, shift registers, Galois LFSRs, edge detectors)",
    "value lists (`if the input is A, B or C, the output is 1, 2 or 3 respectively`) and minterm lists "
    "(`a logic-1 when 2, 7 or 15 appears on the inputs`)",
]
MODEL_NEEDS = ("A language model can write tests from prose: set CHIPCHAT_LLM_BASE_URL (and CHIPCHAT_LLM_MODEL) to an "
               "OpenAI-compatible endpoint. It is given the spec text and the RTL's ports; it needs the spec to say "
               "what each output does in response to the inputs and the clock, cycle by cycle.")


@dataclass
class TbgenResult:
    design: str
    spec_path: str
    spec: SpecModel
    file: str = ""
    folder: str = ""
    model: dict[str, Any] = field(default_factory=dict)
    tests: list[str] = field(default_factory=list)
    runs: dict[str, Any] = field(default_factory=dict)  # simulator -> SimRun JSON
    disagreements: list[Disagreement] = field(default_factory=list)
    mutation: dict[str, Any] | None = None
    llm: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def usable(self) -> bool:
        return bool(self.tests) or bool(self.llm and self.llm.get("passing"))

    def to_json(self) -> dict[str, Any]:
        return {"design": self.design, "spec_path": self.spec_path, "file": self.file, "folder": self.folder,
                "usable": self.usable, "model": self.model, "tests": self.tests, "runs": self.runs,
                "extracted": _extracted(self.spec), "not_used": self.spec.unused(),
                "disagreements": [d.to_json() for d in self.disagreements], "mutation": self.mutation,
                "llm": self.llm, "looked_for": LOOKED_FOR if not self.tests else [], "wall_s": round(self.wall_s, 3)}


def _extracted(spec: SpecModel) -> dict[str, Any]:
    info = spec.reset_info
    return {"ports": [p.name for p in spec.ports], "port_source": spec.port_source, "parameters": spec.params,
            "clock": spec.clock, "clock_edge": spec.clock_edge, "reset": spec.reset,
            "reset_kind": info.kind if info else None, "reset_to": info.target if info else "",
            "reset_evidence": info.evidence if info else [],
            "reset_values": {k: v for k, (v, _) in spec.resets.items()},
            "tables": [{"title": t.title, "kind": t.kind, "layout": t.layout, "line": t.line, "used_by": t.used_by,
                        "reason": t.reason} for t in spec.tables],
            "paragraphs": [{"line": t.line, "text": " ".join(t.text)[:200], "used_by": t.used_by, "reason": t.reason}
                           for t in spec.paragraphs],
            "rules": [{"line": r.line, "text": r.text, "used_by": r.used_by, "reason": r.reason} for r in spec.rules],
            "names": spec.names}


