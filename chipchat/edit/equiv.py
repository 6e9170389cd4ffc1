"""Compare an edited design with the original under the same random stimulus (Icarus).

Both designs are driven by one generated testbench — the same seeded random inputs,
the reset asserted at the start and now and then later — and every output is written
to a trace once per clock cycle, at its end (inputs settled, just before the rising edge: a
combinational output and the register that replaces it then differ by exactly one cycle).
The traces are then compared with the latency the edit declares: an output the edit delays by one cycle must show, one cycle later,
the value the original showed. Cycles near a reset and unknown (``x``) values of the
original are not compared. This is evidence that goes beyond the existing tests: it
says whether a pipelined design computes the same thing, only later.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from chipchat import toolchain
from chipchat.design import Design
from chipchat.hashing import digest
from chipchat.rtl.model import Module
from chipchat.rtl.statements import RESET_NAME
from chipchat.sandbox import confine
from chipchat.steps.amaranth_elab import hdl_sources
from chipchat.steps.step import RunDir, Step, StepResult

TB_NAME = "chipchat_equiv_tb"
TB_VERSION = 4  # outputs are sampled at the end of each cycle, before the clock edge


@dataclass
class Comparison:
    """The outcome of a lagged comparison (``ran`` False: it could not run here, see ``note``)."""

    ran: bool
    equivalent: bool = False
    cycles: int = 0
    compared: int = 0
    mismatches: int = 0
    latency: dict[str, int] = field(default_factory=dict)
    first: dict[str, Any] | None = None
    static: list[str] = field(default_factory=list)  # outputs that never changed while compared
    note: str = ""
    run_dir: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def sentence(self) -> str:
        if not self.ran:
            return f"not compared with the original: {self.note}"
        lag = {o: n for o, n in self.latency.items() if n}
        how = ("equal the original's " + ", ".join(f"`{o}` {n} cycle(s) later" for o, n in lag.items())
               + ", the other outputs in the same cycle") if lag else "equal the original's in every cycle"
        if self.equivalent:
            idle = f"; `{'`, `'.join(self.static)}` never changed, so for them this shows little" \
                if self.static else ""
            return (f"under {self.cycles} cycles of the same random stimulus the outputs {how} "
                    f"({self.compared} values compared, cycles next to a reset excluded{idle})")
        f = self.first or {}
        return (f"the outputs do NOT match the original with that latency: {self.mismatches} of {self.compared} "
                f"values differ; first at cycle {f.get('cycle')}: `{f.get('output')}` = {f.get('got')}, "
                f"the original had {f.get('expected')}")


@dataclass
class Ports:
    clock: str
    reset: str | None
    reset_active: int
    inputs: list[tuple[str, int]]
    outputs: list[tuple[str, int]]


def ports_of(design: Design, top: Module) -> Ports | str:
    """The top's clock, reset, data inputs and outputs; a string says why it cannot be driven."""
    clocks = [c.port for c in design.clocks if top.port(c.port)]
    clocks += [b.clock for b in top.blocks if b.clock and top.port(b.clock)]
    if not clocks:
        return "the top module has no clock input"
    clock = clocks[0]
    resets = [b.reset for b in top.blocks if b.reset and top.port(b.reset)]
    resets += [p.name for p in top.ports if p.direction == "input" and RESET_NAME.search(p.name)
               and not re.search(r"clear|clr", p.name, re.I)]
    reset = resets[0] if resets else None
    active = 0 if reset and re.search(r"(_n|_ni|_b|rstn|resetn)$", reset, re.I) else 1
    bad = [p.name for p in top.ports if p.width < 1 or p.direction == "inout"]
    if bad:
        return f"ports {', '.join(bad)} are not plain vectors (or are inout)"
    inputs = [(p.name, p.width) for p in top.ports if p.direction == "input" and p.name not in (clock, reset)]
    outputs = [(p.name, p.width) for p in top.ports if p.direction == "output"]
    return Ports(clock, reset, active, inputs, outputs)


def testbench(top: str, ports: Ports, cycles: int, seed: int, parameters: dict[str, Any],
              rename: dict[str, str] | None = None) -> str:
    """A Verilog testbench driving ``top`` with seeded random inputs and tracing every output each cycle."""
    rename = rename or {}

    def port(name: str) -> str:
        return rename.get(name, name)

    def rnd(width: int) -> str:
        words = (width + 31) // 32
        return "$random(seed)" if words == 1 else "{" + ", ".join(["$random(seed)"] * words) + "}"

    decl = [f"    reg {ports.clock} = 1'b0;"]
    if ports.reset:
        decl.append(f"    reg {ports.reset};")
    decl += [f"    reg [{w - 1}:0] {n};" for n, w in ports.inputs]
    flags = [n for n, w in ports.inputs if w == 1]
    decl += [f"    integer bias_{n};" for n in flags]
    decl += [f"    wire [{w - 1}:0] {n};" for n, w in ports.outputs]
    conns = [ports.clock] + ([ports.reset] if ports.reset else []) + [n for n, _ in ports.inputs + ports.outputs]
    params = ", ".join(f".{k}({v})" for k, v in parameters.items())
    inst = f"    {top} {'#(' + params + ') ' if params else ''}dut (" + ", ".join(
        f".{port(c)}({c})" for c in conns) + ");"
    reset_drive = ""
    if ports.reset:
        on, off = ports.reset_active, 1 - ports.reset_active
        reset_drive = (f"            {ports.reset} = (i < 3 || ($random(seed) & 255) == 0) ? 1'b{on} : 1'b{off};\n")
    # One-bit inputs (enables, requests) change their bias every 128 cycles: mostly low, even, mostly
    # high — so that state builds up (a FIFO fills, a counter wraps) as well as toggling quickly.
    bias = "".join(f"                bias_{n} = {{$random(seed)}} % 3;\n" for n in flags)
    drive = (f"            if (i % 128 == 0) begin\n{bias}            end\n" if flags else "") + "".join(
        f"            {n} = bias_{n} == 0 ? ($random(seed) & 7) == 0 : bias_{n} == 1 ? $random(seed) "
        f": ($random(seed) & 7) != 0;\n" if w == 1 else f"            {n} = {rnd(w)};\n" for n, w in ports.inputs)
    fmt = " ".join(["%0d", "%b"] + ["%h"] * len(ports.outputs))
    rst_value = ports.reset if ports.reset else "1'b0"
    outs = ", ".join(n for n, _ in ports.outputs)
    return f"""`timescale 1ns/1ps
module {TB_NAME};
{chr(10).join(decl)}
{inst}
    integer i, f;
    integer seed;
    initial begin
        seed = {seed};
        f = $fopen("trace.txt", "w");
        for (i = 0; i < {cycles}; i = i + 1) begin
{reset_drive}{drive}            #4 $fdisplay(f, "{fmt}", i, {rst_value}{', ' + outs if outs else ''});
            #1 {ports.clock} = 1'b1;
            #5 {ports.clock} = 1'b0;
        end
        $fclose(f);
        $finish;
    end
endmodule
"""


def read_trace(path: Path, outputs: list[str]) -> list[tuple[int, dict[str, str]]]:
    rows: list[tuple[int, dict[str, str]]] = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) != 2 + len(outputs):
            continue
        rows.append((1 if parts[1] == "1" else 0, dict(zip(outputs, parts[2:], strict=True))))
    return rows


def compare_traces(before: list[tuple[int, dict[str, str]]], after: list[tuple[int, dict[str, str]]],
                   latency: dict[str, int], rename: dict[str, str], reset_active: int) -> Comparison:
    """Each output of ``after`` ``latency[o]`` cycles later against ``before``; cycles near a reset skipped."""
    n = min(len(before), len(after))
    window = max(latency.values(), default=0) + 1
    resets = [i for i in range(n) if before[i][0] == reset_active]
    near: set[int] = set()
    for r in resets:
        near.update(range(r - window, r + 2 * window + 1))
    result = Comparison(ran=True, cycles=n, latency=dict(latency))
    outputs = list(before[0][1]) if before else []
    for o in outputs:
        lag = latency.get(o, 0)
        seen: set[str] = set()
        for t in range(n - lag):
            if t in near or t + lag in near:
                continue
            want = before[t][1][o]
            if re.search(r"[xzXZ]", want):
                continue
            got = after[t + lag][1].get(rename.get(o, o), "?")
            seen.add(want)
            result.compared += 1
            if got != want:
                result.mismatches += 1
                if result.first is None or t < int(result.first["cycle"]):
                    result.first = {"cycle": t + lag, "output": o, "got": f"0x{got}", "expected": f"0x{want}",
                                    "original_cycle": t}
        if len(seen) < 2:
            result.static.append(o)
    result.equivalent = result.compared > 0 and result.mismatches == 0
    if result.compared == 0:
        result.note = "no output value could be compared (all unknown or next to a reset)"
    return result


class EquivSim(Step):
    """Simulate the original and the edited design with one random testbench; compare the traces."""

    name: ClassVar[str] = "equiv_sim"
    tools: ClassVar[tuple[str, ...]] = ("iverilog", "vvp")
    inputs: ClassVar[tuple[str, ...]] = ("before_sources", "after_sources")
    outputs: ClassVar[tuple[str, ...]] = ("before/trace.txt", "after/trace.txt")
    config_vars: ClassVar[dict[str, str]] = {
        "after": "the edited design (a Design)",
        "ports": "clock, reset, inputs and outputs of the original top (Ports)",
        "latency": "output -> extra cycles the edit introduces",
        "rename": "original port name -> edited port name",
        "cycles": "random cycles to simulate",
        "seed": "stimulus seed",
    }

    def argv(self, design: Design, tb: Path, out: Path) -> list[str]:
        iverilog = toolchain.find_tool("iverilog").path
        argv = [str(iverilog), "-g2012", "-o", str(out), "-s", TB_NAME]
        argv += [f"-I{d}" for d in design.include_dirs]
        argv += [f"-D{k}={v}" if v else f"-D{k}" for k, v in design.defines.items()]
        return argv + [str(tb)] + [str(s) for s in hdl_sources(design)]

    def cache_key(self) -> str | None:
        after: Design = self.config["after"]
        c = self.config
        return digest(TB_VERSION, *hdl_sources(self.design), *hdl_sources(after), asdict(c["ports"]),
                      c["latency"], c["rename"], c["cycles"], c["seed"], self.design.parameters)

    def run(self, run: RunDir) -> StepResult:
        c = self.config
        ports: Ports = c["ports"]
        rows = {}
        for side, design in (("before", self.design), ("after", c["after"])):
            folder = run.file(side)
            folder.mkdir(exist_ok=True)
            tb = folder / "tb.v"
            tb.write_text(testbench(self.design.top or "", ports, c["cycles"], c["seed"], self.design.parameters,
                                    c["rename"] if side == "after" else None))
            box = confine.policy(folder, readable=[design.root])  # the edited side is untrusted RTL
            build = run.exec(self.argv(design, tb, folder / "sim.vvp"), log=f"{side}-build.log", tool="iverilog",
                             confine=box)
            if not build.ok:
                return self._failed(run, f"the {side} design does not compile for the comparison: "
                                         + (build.tail(3) or "iverilog failed"))
            sim = run.exec([str(toolchain.find_tool("vvp").path), "-n", str(folder / "sim.vvp")],
                           log=f"{side}-sim.log", cwd=folder, tool="vvp", confine=box)
            if not sim.ok or sim.blocked or not (folder / "trace.txt").exists():
                return self._failed(run, f"the {side} simulation failed: "
                                    + ((sim.tail(3) + confine.note(sim)).strip() or "no trace"))
            rows[side] = read_trace(folder / "trace.txt", [n for n, _ in ports.outputs])
        result = compare_traces(rows["before"], rows["after"], c["latency"], c["rename"], ports.reset_active)
        result.run_dir = str(run.path)
        return StepResult(self.name, run.path, artifacts={"before": run.file("before/trace.txt"),
                                                          "after": run.file("after/trace.txt")},
                          metrics={"comparison": result.to_json()})

    def _failed(self, run: RunDir, note: str) -> StepResult:
        result = Comparison(ran=False, note=note, run_dir=str(run.path))
        return StepResult(self.name, run.path, metrics={"comparison": result.to_json()})


def compare_designs(before: Design, after: Design, latency: dict[str, int], *, rename: dict[str, str] | None = None,
                    cycles: int = 2000, seed: int = 20261125, timeout_s: float = 120.0) -> Comparison:
    """Run :class:`EquivSim`; a design that cannot be driven generically comes back with ``ran`` False."""
    from chipchat.rtl.load import load_model

    model = load_model(before)
    top = model.module(model.top or "")
    if top is None:
        return Comparison(ran=False, note="the top module could not be read")
    ports = ports_of(before, top)
    if isinstance(ports, str):
        return Comparison(ran=False, note=ports)
    step = EquivSim(before, timeout_s=timeout_s, after=after, ports=ports, latency=dict(latency),
                    rename=dict(rename or {}), cycles=cycles, seed=seed)
    data = step.start().metrics["comparison"]
    return Comparison(**data)
