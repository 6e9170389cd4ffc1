"""Timing as plain typed functions: the same calls back the CLI, the chat UI and the agent.

``timing_report`` synthesizes the design (Yosys, with buffering and sizing), runs
OpenSTA, and explains the worst path — or the worst path into ``to`` — in RTL terms.
``explain_path`` answers "why does the path to X miss timing?" with that one path.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from chipchat.answer import Answer
from chipchat.config import settings
from chipchat.design import Design
from chipchat.errors import ConfigError
from chipchat.formats.sdc import sdc_period
from chipchat.formats.sta_report import TimingPath
from chipchat.formats.yosys_json import Netlist
from chipchat.hashing import digest
from chipchat.platforms import get_platform
from chipchat.rtl.load import load_design, with_inferred_clock
from chipchat.steps.opensta import EndpointQuery, OpenSTA, StaResults
from chipchat.tcl import validate_identifier
from chipchat.timing.explain import explain
from chipchat.timing.rtlmap import RtlMap, split
from chipchat.timing.run import TimingRun, explanation_json, timing_metrics
from chipchat.timing.synth import synthesize

Progress = Callable[[str], None]


def effective_period(design: Design, clock_period_ns: float | None) -> float | None:
    """The clock period synthesis targets: the what-if, else the SDC's first clock, else chipchat.toml's."""
    if clock_period_ns is not None:
        if not clock_period_ns > 0:
            raise ConfigError(f"clock period must be positive, got {clock_period_ns}")
        return float(clock_period_ns)
    if design.sdc is not None:
        period = sdc_period(design.sdc)
        if period:
            return period
    return design.clocks[0].period_ns if design.clocks else None


def run_timing(design: Design | str | Path, *, clock_period_ns: float | None = None, to: str | None = None,
               paths: int = 5, platform: str | None = None, repair: str = "abc",
               progress: Progress | None = None, refine: bool = True) -> TimingRun:
    """Synthesize, time and explain; returns the typed :class:`TimingRun`. ``refine``: measure what the path
    cannot show (:mod:`chipchat.timing.probe`) to replace an upper-bound prediction."""
    say = progress or (lambda _msg: None)
    timeout = settings().tool_timeout_s
    d, clock_note = with_inferred_clock(load_design(design), clock_period_ns)
    plat = get_platform(platform or d.platform, base=d.root)
    if to is not None:
        validate_identifier(to, "signal")
    if d.sdc is None and not d.clocks:
        raise ConfigError("no clock: the design has no SDC file and no [[clocks]] in chipchat.toml"
                          + ("" if clock_period_ns is None else ", and no input of the top clocks a register"),
                          hint="pass --clock-period (e.g. 10ns) and chipchat finds the clock port, or add [[clocks]] "
                               "with port = \"clk\" and period_ns = 10.0 to chipchat.toml, or an SDC with create_clock")
    period = effective_period(d, clock_period_ns)
    say(f"synthesis (yosys, {plat.name}" + (f", target {period:g} ns)" if period else ")"))
    synth = synthesize(d, platform=plat, clock_period_ns=period, repair=repair, timeout_s=timeout)
    from chipchat.formats.liberty import read_liberty

    seq = {c for lib in plat.liberty for c in read_liberty(lib).flops()}
    net = Netlist.load(synth.artifacts["netlist_json"], top=d.top, sequential_types=seq)
    warnings = ([clock_note] if clock_note else []) + list(synth.metrics.get("warnings", []))
    say("RTL model (pyslang)")
    rtl = _rtl_map(d, warnings)
    if rtl is not None:
        net.prefer = rtl.name_preference
    query = resolve_endpoint(to, net, rtl) if to else None
    ports = {"inputs": [p.name for p in net.ports.values() if p.direction in ("input", "inout")],
             "outputs": [p.name for p in net.ports.values() if p.direction in ("output", "inout")]}
    say("static timing (opensta)")
    sta = OpenSTA(d, netlist=synth.artifacts["netlist_v"], top=d.top, platform=plat, ports=ports,
                  clock_period_ns=clock_period_ns, paths=paths, to=query, timeout_s=timeout).start()
    results = StaResults.from_json(json.loads(Path(sta.artifacts["sta_result.json"]).read_text()))
    warnings += results.warnings
    run = TimingRun(d, plat, clock_period_ns or (results.clocks[0][1] if results.clocks else period), synth, sta,
                    results, net, rtl, query, warnings=warnings)
    say("explanation")
    focus = results.to_paths if query is not None else results.paths[:1]
    run.explanations = [explain(p, net, rtl, period_ns=run.period_ns) for p in focus[:1] if p.constrained]
    if refine and rtl is not None:
        from chipchat.timing.probe import refine_pipeline_fix

        for exp in run.explanations:
            refine_pipeline_fix(d, plat, exp, period, rtl.module(""), run_timing)
    _artifacts(run)
    return run


def _rtl_map(design: Design, warnings: list[str]) -> RtlMap | None:
    from chipchat.rtl.build import parse_design

    try:
        model = parse_design(design)
    except Exception as exc:  # noqa: BLE001 - the explanation degrades to netlist names, the timing stands
        warnings.append(f"RTL could not be parsed for the explanation ({exc}); netlist names are used")
        return None
    return RtlMap(model, design.root)


def resolve_endpoint(signal: str, net: Netlist, rtl: RtlMap | None) -> EndpointQuery:
    """Netlist pins for an RTL signal name: its flops' data pins, or its output ports, or its nets."""
    validate_identifier(signal, "signal")
    base, index = signal, None
    selected = re.fullmatch(r"(.+)\[(\d+)\]", signal)
    if signal not in net.netnames and selected:
        base, index = selected.group(1), int(selected.group(2))  # acc[3] -> acc, bit 3; mem[15][0] -> mem[15]
    matches = [n for n in net.netnames if n == base or n.endswith("." + base)]
    if base in net.netnames:
        matches = [base]
    query = EndpointQuery(signal)
    for name in matches:
        nn = net.netnames[name]
        bits = [nn.bit_at(index)] if index is not None else list(nn.bits)
        for bit in bits:
            if not isinstance(bit, int):
                continue
            driver = net.drivers.get(bit)
            cell = net.cells.get(driver[0]) if driver and driver[0] else None
            if cell is not None and net.is_sequential(cell):
                pin = next((p for p in ("D", "d", "DATA") if p in cell.connections), None)
                if pin and f"{cell.name}/{pin}" not in query.pins:
                    query.pins.append(f"{cell.name}/{pin}")
            elif name in net.ports and net.ports[name].direction in ("output", "inout"):
                port = name if len(net.ports[name].bits) == 1 else f"{name}[{nn.index_of(nn.bits.index(bit))}]"
                query.ports.append(port)
            else:
                query.nets.append(name if len(nn.bits) == 1 else f"{name}[{nn.index_of(nn.bits.index(bit))}]")
    if query.pins:
        query.ports, query.nets = [], []
    elif query.ports:
        query.nets = []
    if query.empty:
        regs = sorted({split(n)[1] if not split(n)[0] else f"{split(n)[0]}.{split(n)[1]}"
                       for n in net.netnames if not net.netnames[n].anonymous
                       and any(_is_flop_bit(net, b) for b in net.netnames[n].bits)})
        outs = sorted(p.name for p in net.ports.values() if p.direction == "output")
        raise ConfigError(f"no signal named {signal!r} survives in the synthesized netlist",
                          hint="registers: " + (", ".join(regs[:20]) or "none") + "; outputs: "
                               + (", ".join(outs[:20]) or "none"))
    return query


def _is_flop_bit(net: Netlist, bit: object) -> bool:
    if not isinstance(bit, int):
        return False
    driver = net.drivers.get(bit)
    cell = net.cells.get(driver[0]) if driver and driver[0] else None
    return cell is not None and net.is_sequential(cell)


def _artifacts(run: TimingRun) -> None:
    """metrics.json, paths.md, slack_histogram.png, explanation.json in the OpenSTA run folder."""
    from chipchat.timing.render import path_table, slack_histogram

    folder = run.sta.run_dir
    metrics = timing_metrics(run)
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2))
    run.sta.artifacts["metrics.json"] = folder / "metrics.json"
    table = folder / "paths.md"
    if not table.exists():
        table.write_text(path_table(run.results.paths, run.names) + "\n")
    run.sta.artifacts["paths.md"] = table
    png = folder / "slack_histogram.png"
    if not png.exists():
        title = f"{run.design.name}: endpoint slack" + (f" at {run.period_ns:g} ns" if run.period_ns else "")
        slacks = [e.slack for e in run.results.endpoints]
        cached = run.design.state_dir / "cache" / f"slack_histogram-{digest(title, slacks)}.png"
        if not cached.exists():
            cached.parent.mkdir(parents=True, exist_ok=True)
            slack_histogram(run.results.endpoints, cached, title=title)
        if cached.exists():
            shutil.copyfile(cached, png)
    if png.exists():
        run.sta.artifacts["slack_histogram.png"] = png


def timing_report(design: Design | str, clock_period_ns: float | None = None, to: str | None = None,
                  paths: int = 5, platform: str | None = None, repair: str = "abc",
                  progress: Progress | None = None) -> Answer:
    """WNS, TNS and the worst paths of a design, with the worst path explained in RTL terms.

    Args:
        design: design folder or bundled example name (mac16, fifo, uart_tx, alu8).
        clock_period_ns: what-if clock period in ns (default: the design's SDC / chipchat.toml clock).
        to: an RTL signal (register or output, e.g. ``acc``): explain the worst path into it.
        paths: how many worst paths to list.
        platform: osu018 / osu035 / osu050, a .lib path or an OpenROAD-flow-scripts platform folder.
        repair: ``abc`` (buffering and gate sizing, default) or ``none``.
    """
    run = run_timing(design, clock_period_ns=clock_period_ns, to=to, paths=paths, platform=platform,
                     repair=repair, progress=progress)
    return run.answer()


def explain_path(design: Design | str, to: str | None = None, clock_period_ns: float | None = None,
                 platform: str | None = None) -> Answer:
    """Why does the path to ``to`` (default: the worst path) miss timing? RTL statements, delay shares, fixes.

    Args:
        design: design folder or bundled example name.
        to: RTL signal at the end of the path (a register or an output); default: the worst path overall.
        clock_period_ns: what-if clock period in ns.
        platform: platform name, .lib path or ORFS platform folder.
    """
    run = run_timing(design, clock_period_ns=clock_period_ns, to=to, paths=3, platform=platform)
    return run.answer(focus=True)


def explain_netlist_path(design: Design | str, path: TimingPath, netlist_json: str | Path, *,
                         platform: str | None = None, period_ns: float | None = None) -> Answer:
    """Explain one already-computed path (e.g. after placement) against the Yosys JSON netlist it was timed on."""
    from chipchat.formats.liberty import read_liberty
    from chipchat.timing.render import explanation_markdown

    d = load_design(design)
    plat = get_platform(platform or d.platform, base=d.root)
    seq = {c for lib in plat.liberty for c in read_liberty(lib).flops()}
    net = Netlist.load(netlist_json, top=d.top, sequential_types=seq)
    warnings: list[str] = []
    rtl = _rtl_map(d, warnings)
    if rtl is not None:
        net.prefer = rtl.name_preference
    exp = explain(path, net, rtl, period_ns=period_ns or effective_period(d, None))
    answer = Answer(text="", kind="timing", warnings=warnings)
    answer.text = explanation_markdown(exp, answer, d.root, heading="Path")
    answer.data = {"explanation": explanation_json(exp)}
    return answer
