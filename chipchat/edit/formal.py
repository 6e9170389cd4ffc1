"""Latency-aware formal equivalence with Yosys's built-in SAT solver (MiniSat, no external tool).

A miter instantiates the original (``chipchat_gold``) and the edited design (``chipchat_gate``)
on the same inputs, delays each output of the original by the latency the edit declares, and
asserts that the edited outputs equal the delayed ones once the delays are filled. Both
designs start from all-zero registers with the reset asserted in the first cycle and held
off afterwards (a later reset also clears values in flight in a new pipeline stage, which
the original never had). ``sat -tempinduct`` then either

* proves the assertions for every input sequence (the induction step holds: ``proved``),
* finds a counterexample in the base case — the outputs really differ (``counterexample``),
* or runs out of its step or time budget, having shown them equal for the first N cycles
  of every input sequence (``bounded``; N = 0 means nothing was shown: ``inconclusive``).

Comparing a multiplier with a carry-save rewrite of it is hard for SAT; the budget keeps
that from blocking a check, and the caller falls back to simulation.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar

from chipchat import toolchain
from chipchat.design import Design
from chipchat.errors import ToolTimeout
from chipchat.hashing import digest
from chipchat.steps.amaranth_elab import hdl_sources
from chipchat.steps.step import RunDir, Step, StepResult
from chipchat.tcl import yosys_quote

PROVED, BOUNDED, COUNTEREXAMPLE, INCONCLUSIVE, NOT_RUN = "proved", "bounded", "counterexample", "inconclusive", "not run"
MITER = "chipchat_miter"
FORMAL_VERSION = 2  # bump when the miter or the script changes


@dataclass
class FormalResult:
    status: str
    steps: int = 0  # cycles compared from reset, every input sequence (bounded / proved: the induction depth)
    arm: int = 0  # cycles before the comparison starts (reset + the largest latency)
    seconds: float = 0.0
    budget_s: float = 0.0
    note: str = ""
    run_dir: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def sentence(self) -> str:
        if self.status == PROVED:
            return (f"proved with Yosys SAT (k-induction, depth {self.steps}): for every input sequence after a reset, "
                    "the edited outputs equal the original's with the declared latency")
        if self.status == COUNTEREXAMPLE:
            return (f"Yosys SAT found an input sequence after which the outputs differ (cycle {self.steps} after "
                    f"reset): {self.note}")
        if self.status == BOUNDED:
            return (f"proved with Yosys SAT for the first {self.steps} compared cycle(s) after a reset, every input "
                    f"sequence (bounded: {self.note})")
        return f"no formal result: {self.note}"


def miter(top: str, clock: str, reset: str | None, reset_active: int, inputs: list[tuple[str, int]],
          outputs: list[tuple[str, int]], latency: dict[str, int], rename: dict[str, str],
          style: str = "outputs") -> tuple[str, int]:
    """(Verilog of the miter, cycles before the comparison starts).

    ``style="outputs"`` delays the original's outputs; ``"inputs"`` (a uniform latency only) feeds the
    original with its inputs — the reset too — delayed instead, so registers the edit added at the inputs
    meet identical registers in the miter (synthesis merges them, and SAT has little left to prove).
    """
    arm = max(latency.values(), default=0) + 1
    lag_in = max(latency.values(), default=0) if style == "inputs" else 0
    bits = max(arm + 1, 2).bit_length() + 1
    ports = [f"input {clock}"] + [f"input [{w - 1}:0] {n}" if w > 1 else f"input {n}" for n, w in inputs]
    lines = [f"module {MITER}({', '.join(ports)});",
             f"    reg [{bits - 1}:0] chipchat_cycle;",
             f"    always @(posedge {clock}) if (chipchat_cycle != {{{bits}{{1'b1}}}}) chipchat_cycle <= chipchat_cycle + 1'b1;"]
    conn = {clock: clock, **{n: n for n, _ in inputs}}
    if reset:
        lines.append(f"    wire chipchat_rst = (chipchat_cycle == 0) ? 1'b{reset_active} : 1'b{1 - reset_active};")
        conn[reset] = "chipchat_rst"
    for side in ("gold", "gate"):
        for n, w in outputs:
            lines.append(f"    wire [{w - 1}:0] {side}_{n};")
    gold_conn = dict(conn)
    for p, w in [*inputs, *([(reset, 1)] if reset else [])]:
        prev = conn[p]
        for k in range(1, lag_in + 1):
            lines.append(f"    reg [{w - 1}:0] in_{p}_d{k};")
            lines.append(f"    always @(posedge {clock}) in_{p}_d{k} <= {prev};")
            prev = f"in_{p}_d{k}"
        gold_conn[p] = prev
    gold = [f".{p}({e})" for p, e in gold_conn.items()] + [f".{n}(gold_{n})" for n, _ in outputs]
    gate = [f".{rename.get(p, p)}({e})" for p, e in conn.items()] + \
        [f".{rename.get(n, n)}(gate_{n})" for n, _ in outputs]
    lines.append(f"    chipchat_gold gold({', '.join(gold)});")
    lines.append(f"    chipchat_gate gate({', '.join(gate)});")
    checks: list[str] = []
    for n, w in outputs:
        lag = latency.get(n, 0) - lag_in
        prev = f"gold_{n}"
        for k in range(1, lag + 1):
            lines.append(f"    reg [{w - 1}:0] gold_{n}_d{k};")
            lines.append(f"    always @(posedge {clock}) gold_{n}_d{k} <= {prev};")
            prev = f"gold_{n}_d{k}"
        checks.append(f"assert(gate_{n} == {prev});")
    lines.append(f"    always @* if (chipchat_cycle > {arm}) begin {' '.join(checks)} end")
    lines.append("endmodule")
    return "\n".join(lines) + "\n", arm


class FormalEquiv(Step):
    """Prove (or bound) the edited design equal to the original delayed by its declared latency."""

    name: ClassVar[str] = "formal_equiv"
    tools: ClassVar[tuple[str, ...]] = ("yosys",)
    inputs: ClassVar[tuple[str, ...]] = ("before_sources", "after_sources")
    outputs: ClassVar[tuple[str, ...]] = ("miter-<style>.v", "equiv-<style>.ys", "yosys-<style>.log")
    config_vars: ClassVar[dict[str, str]] = {
        "after": "the edited design (a Design)",
        "ports": "clock, reset, inputs and outputs of the original top (equiv.Ports)",
        "latency": "output -> extra cycles the edit introduces",
        "rename": "original port name -> edited port name",
        "max_steps": "the largest induction depth / bound to try",
        "budget_s": "wall-clock budget of the proof",
        "styles": "miter styles to try, in order: outputs (the original's outputs delayed), inputs",
    }

    def cache_key(self) -> str | None:
        c = self.config
        return digest("formal_equiv", FORMAL_VERSION, *hdl_sources(self.design), *hdl_sources(c["after"]), asdict(c["ports"]),
                      c["latency"], c["rename"], c["max_steps"], c["budget_s"], c["styles"], self.design.parameters)

    def _read(self, design: Design, name: str) -> list[str]:
        flags = ["-sv"] + [f"-I{yosys_quote(d, 'include folder')}" for d in design.include_dirs]
        flags += [f"-D{k}={v}" if v != "" else f"-D{k}" for k, v in sorted(design.defines.items())
                  if re.fullmatch(r"[A-Za-z_]\w*", k) and not re.search(r"[\s\";]", str(v))]
        params = "".join(f" -chparam {k} {v}" for k, v in sorted(design.parameters.items())
                         if re.fullmatch(r"[A-Za-z_]\w*", k) and re.fullmatch(r"-?\d+|\d*'[sS]?[bBoOdDhH][\w]+", str(v)))
        srcs = " ".join(yosys_quote(p, "source path") for p in hdl_sources(design))
        top = design.top or ""
        return [f"read_verilog {' '.join(flags)} {srcs}", f"hierarchy -top {top}{params}",
                "proc; flatten; memory; opt_clean; async2sync", f"rename {top} {name}", f"design -stash {name}"]

    def script(self, miter_file: Path) -> str:
        """The Yosys script: both designs flattened under fixed names, the miter on top, then SAT."""
        c = self.config
        lines = [*self._read(self.design, "chipchat_gold"), *self._read(c["after"], "chipchat_gate"),
                 "design -copy-from chipchat_gold -as chipchat_gold chipchat_gold",
                 "design -copy-from chipchat_gate -as chipchat_gate chipchat_gate",
                 f"read_verilog -sv -formal {yosys_quote(miter_file, 'miter path')}",
                 f"hierarchy -top {MITER}", "proc; flatten; opt",
                 f"sat -tempinduct -prove-asserts -set-init-zero -maxsteps {c['max_steps']}"]
        return "\n".join(lines) + "\n"

    def run(self, run: RunDir) -> StepResult:
        import time

        c = self.config
        p = c["ports"]
        lags = {c["latency"].get(n, 0) for n, _ in p.outputs}
        styles = [st for st in c["styles"] if st == "outputs" or (len(lags) == 1 and max(lags) > 0)]
        t0 = time.monotonic()
        best: FormalResult | None = None
        for i, style in enumerate(styles):
            left = c["budget_s"] - (time.monotonic() - t0)
            budget = left / (len(styles) - i) if i < len(styles) - 1 else left
            if budget < 1:
                break
            text, arm = miter(self.design.top or "", p.clock, p.reset, p.reset_active, p.inputs, p.outputs,
                              c["latency"], c["rename"], style)
            run.file(f"miter-{style}.v").write_text(text)
            run.file(f"equiv-{style}.ys").write_text(self.script(run.file(f"miter-{style}.v")))
            yosys = toolchain.find_tool("yosys").path
            log = run.file(f"yosys-{style}.log")
            try:
                done = run.exec([str(yosys), "-q", "-l", log.name, f"equiv-{style}.ys"], log=f"yosys-{style}.out",
                                tool="yosys", timeout=budget)
                timed_out, ok = False, done.ok
            except ToolTimeout:
                timed_out, ok = True, True
            result = read_outcome(log.read_text(errors="replace") if log.exists() else "", arm, timed_out, ok)
            result.note = (result.note + f" (miter with the original's {style} delayed)").strip()
            if best is None or RANK[result.status] > RANK[best.status] or \
                    (result.status == best.status and result.steps > best.steps):
                best = result
            if result.status in (PROVED, COUNTEREXAMPLE):
                break
        assert best is not None
        best.seconds = round(time.monotonic() - t0, 2)
        best.budget_s = c["budget_s"]
        best.run_dir = str(run.path)
        return StepResult(self.name, run.path, artifacts={k.name: k for k in run.path.glob("*.log")},
                          metrics={"formal": best.to_json()})


RANK = {NOT_RUN: 0, INCONCLUSIVE: 1, BOUNDED: 2, PROVED: 3, COUNTEREXAMPLE: 4}


def read_outcome(log: str, arm: int, timed_out: bool, ok: bool) -> FormalResult:
    """What the Yosys log says: proved, a counterexample, or how far the base case got."""
    cases = [int(n) for n in re.findall(r"\[base case (\d+)\] Solving", log)]
    last = max(cases, default=0)
    if "Induction step proven: SUCCESS" in log or "temporal induction proof finished - no model found" in log:
        return FormalResult(PROVED, steps=last, arm=arm)
    if "model found for base case: FAIL" in log:
        return FormalResult(COUNTEREXAMPLE, steps=max(last - arm, 1), arm=arm,
                            note="the SAT model is in the Yosys log")
    passed = (last - 1 if timed_out else last) - arm
    if not ok and not timed_out:
        err = next((ln for ln in log.splitlines() if "ERROR" in ln), "yosys failed")
        return FormalResult(INCONCLUSIVE, arm=arm, note=f"the miter could not be built: {err.strip()}")
    why = "the time budget ran out" if timed_out else "the induction did not close within the step limit"
    if passed <= 0:
        return FormalResult(INCONCLUSIVE, arm=arm, note=f"{why} before any compared cycle was proved "
                                                       "(a multiplier against its rewrite is hard for SAT)")
    return FormalResult(BOUNDED, steps=passed, arm=arm, note=why)


def prove(before: Design, after: Design, latency: dict[str, int], *, rename: dict[str, str] | None = None,
          budget_s: float = 20.0, max_steps: int = 12, inputs_first: bool = False) -> FormalResult:
    """Run :class:`FormalEquiv`; a design that cannot be driven generically comes back ``not run``.

    ``inputs_first``: try the miter with the original's inputs delayed first (registers added at
    the inputs); the other style gets what is left of the budget.
    """
    from chipchat.edit.equiv import ports_of
    from chipchat.rtl.load import load_model

    if budget_s <= 0:
        return FormalResult(NOT_RUN, note="no time budget for a formal proof")
    model = load_model(before)
    top = model.module(model.top or "")
    if top is None:
        return FormalResult(NOT_RUN, note="the top module could not be read")
    ports = ports_of(before, top)
    if isinstance(ports, str):
        return FormalResult(NOT_RUN, note=ports)
    step = FormalEquiv(before, timeout_s=budget_s + 30, after=after, ports=ports, latency=dict(latency),
                       rename=dict(rename or {}), max_steps=max_steps, budget_s=budget_s,
                       styles=["inputs", "outputs"] if inputs_first else ["outputs", "inputs"])
    return FormalResult(**step.start().metrics["formal"])
