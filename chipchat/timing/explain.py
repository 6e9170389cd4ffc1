"""Explain a timing path in the user's RTL terms: signals, statements, delay shares, fixes.

A path from OpenSTA is a list of netlist pins. Each cell output on it drives a net
whose *support* (the registers and inputs it is computed from, see
:meth:`Netlist.support`) is matched to the RTL statement with the smallest covering
support among the statements feeding the endpoint (:meth:`RtlMap.cone`): a gate fed
only by ``a`` and ``b`` belongs to ``product = a * b``; once ``acc`` joins, to
``acc <= acc + product``. Delay is summed per statement, and fixes are ranked by the
gain the path's own numbers predict. A fix chipchat can perform names the request that does
it (``how``, e.g. "pipeline product"); one it cannot is *manual* and is never ranked above one it
can. Where synthesis merged two arithmetic statements into one tree (``acc + a * b`` becomes a
single multiply-add), a cut between them needs a carry-propagate adder of its own that this path
does not show: the fix says so, and its estimate is an upper bound.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from chipchat.formats.sta_report import PathPoint, TimingPath
from chipchat.formats.yosys_json import Netlist
from chipchat.timing.fixes import (
    accumulator_share,
    balanced_cut,
    cut_after,
    fused_caveat,
    how_pipeline,
    how_split,
)
from chipchat.timing.rtlmap import RtlMap, Statement, split
from chipchat.types import Span

HIGH_FANOUT = 8


@dataclass
class Stage:
    """One driver on the path: a cell output (or the launching register/input) and the delay it adds."""

    pin: str
    cell: str
    delay: float
    net: str  # RTL name when the net has one, else the netlist name
    fanout: int | None
    kind: str  # launch | input | logic
    statement: Statement | None = None
    arrival: float = 0.0  # at the end of this stage, relative to the path start
    control: bool = False  # the gate computes the statement's if/case/index control, not its value


@dataclass
class Share:
    """Delay attributed to one RTL statement (or to the launch / input / setup)."""

    label: str
    delay: float
    cells: int
    statement: Statement | None = None
    control: bool = False
    kind: str = "logic"  # launch | input | logic | untraced | setup (setup is not part of the arrival)

    @property
    def expression(self) -> str:
        """What the share is, in RTL words: ``a * b``, or ``control of acc (rst, clear)``."""
        if self.statement is None:
            return self.label
        return self.statement.control if self.control else self.statement.expression

    def percent(self, total: float) -> float:
        return 100.0 * self.delay / total if total > 0 else 0.0


@dataclass
class Fix:
    kind: str  # pipeline | retime | duplicate | relax_clock | input_delay | restructure
    title: str
    detail: str
    gain_ns: float | None  # expected improvement of this path's slack
    evidence: str
    span: Span | None = None
    how: str = ""  # the request that performs it ("pipeline product"); empty: manual (or a constraint)
    upper_bound: bool = False  # the estimate ignores logic synthesis must add after the cut

    @property
    def label(self) -> str:
        if self.how:
            return f'performable: "{self.how}"'
        return "constraint" if self.kind in ("relax_clock", "clock_crossing") else "manual"


@dataclass
class PathExplanation:
    path: TimingPath
    start: str
    start_kind: str  # register | input port | …
    end: str
    end_kind: str
    start_span: Span | None
    end_span: Span | None
    stages: list[Stage]
    shares: list[Share]
    total: float  # data arrival relative to the launch clock edge
    setup: float
    logic_depth: int
    high_fanout: list[Stage]
    fixes: list[Fix] = field(default_factory=list)

    @property
    def statements(self) -> list[Statement]:
        return [s.statement for s in self.shares if s.statement is not None]

    def dominant(self) -> Share | None:
        logic = [s for s in self.shares if s.statement is not None]
        return max(logic, key=lambda s: s.delay) if logic else None


def rtl_name_of_point(net: Netlist, instance: str, kind: str) -> tuple[str, str]:
    """(RTL name, kind) of a startpoint/endpoint: a flop becomes the register bit it holds."""
    if kind == "port" or net.cell(instance) is None:
        return instance.replace("\\", ""), "port"
    cell = net.cell(instance)
    assert cell is not None
    if net.is_sequential(cell):
        q = net.flop_output_bit(cell)
        if q is not None:
            return net.display_name(q), "register"
    return instance, "cell"


def explain(path: TimingPath, net: Netlist, rtl: RtlMap | None, *, period_ns: float | None = None) -> PathExplanation:
    """Analyse ``path`` against the netlist and the RTL (``rtl`` may be None: then only netlist names)."""
    start_kind_sta = "port" if "port" in path.startpoint_kind else "cell"
    end_kind_sta = "port" if "port" in path.endpoint_kind else "cell"
    start, start_kind = rtl_name_of_point(net, path.startpoint, start_kind_sta)
    end, end_kind = rtl_name_of_point(net, path.endpoint, end_kind_sta)
    if start_kind == "port":
        start_kind = "input port"
    if end_kind == "port":
        end_kind = "output port"
    stages, t0, setup = _stages(path, net)
    candidates = rtl.cone(end) if rtl is not None and end_kind in ("register", "output port") else []
    supports = [(st, rtl.statement_support(st), rtl.data_support(st)) for st in candidates] if rtl else []
    data_of = {id(st): data for st, _full, data in supports}
    for stage in stages:
        if stage.kind == "logic":
            bit = net.bit_of_pin(stage.pin)
            support = net.support(bit) if bit is not None else frozenset()
            stage.statement = _choose(support, supports)
            if stage.statement is not None:
                data = data_of.get(id(stage.statement), frozenset())
                stage.control = not stage.statement.assignment.reads or not support <= data
    total = (path.data_arrival if path.data_arrival is not None else 0.0) - t0
    shares = _shares(stages, start, setup)
    depth = sum(1 for s in stages if s.kind == "logic")
    fanouts = _high_fanout(stages)
    exp = PathExplanation(
        path=path, start=start, start_kind=start_kind, end=end, end_kind=end_kind,
        start_span=_span(rtl, start), end_span=_span(rtl, end), stages=stages, shares=shares, total=total,
        setup=setup, logic_depth=depth, high_fanout=fanouts)
    exp.fixes = rank_fixes(exp, period_ns)
    return exp


def _high_fanout(stages: list[Stage]) -> list[Stage]:
    """Stages whose net has a high fanout *and* costs clearly more than a typical stage of the path."""
    delays = [s.delay for s in stages if s.kind == "logic"]
    typical = statistics.median(delays) if delays else 0.0
    return [s for s in stages if s.fanout is not None and s.fanout >= HIGH_FANOUT
            and (s.delay >= 1.5 * typical or s.fanout >= 4 * HIGH_FANOUT)]


def _span(rtl: RtlMap | None, name: str) -> Span | None:
    if rtl is None:
        return None
    sig = rtl.signal(name)
    return sig.span if sig else None


def _stages(path: TimingPath, net: Netlist) -> tuple[list[Stage], float, float]:
    """Group the path's points into driver stages; returns (stages, launch time, setup time)."""
    stages: list[Stage] = []
    t0: float | None = None
    input_delay = 0.0
    for p in path.points:
        if p.kind == "clock" and t0 is None:
            t0 = p.arrival or 0.0
        elif p.kind == "input_delay":
            input_delay += p.incr or 0.0
        elif p.kind in ("pin", "port"):
            if t0 is None:
                t0 = (p.arrival or 0.0) - (p.incr or 0.0)
            if _is_driver(p, net, first=not stages):
                kind = "input" if p.kind == "port" else ("launch" if not stages else "logic")
                delay = (p.incr or 0.0) + (input_delay if kind == "input" else 0.0)
                bit = net.bit_of_pin(p.pin)
                name = net.display_name(bit) if bit is not None else (p.net or p.pin)
                fanout = p.fanout if p.fanout is not None else (net.fanout(bit) if bit is not None else None)
                stages.append(Stage(p.pin, p.cell, delay, name, fanout, kind))
            elif stages:
                stages[-1].delay += p.incr or 0.0
            if stages and p.arrival is not None:
                stages[-1].arrival = p.arrival - (t0 or 0.0)
    setup = -sum(p.incr or 0.0 for p in path.required_points if p.kind in ("setup", "output_delay"))
    return stages, (t0 or 0.0), setup


def _is_driver(p: PathPoint, net: Netlist, *, first: bool) -> bool:
    if p.kind == "port":
        return p.cell == "in"
    cell = net.cell(p.instance)
    if cell is None:
        return not first and p.fanout is not None
    direction = cell.directions.get(p.pin_name, "")
    return direction == "output"


def _choose(support: frozenset[str], candidates: list[tuple[Statement, frozenset[str], frozenset[str]]]
            ) -> Statement | None:
    """The statement whose support covers the net's with the least to spare (data dependencies first)."""
    if not candidates or not support:
        return None
    covering = [c for c in candidates if support <= c[1]]
    if covering:
        best = min(covering, key=lambda c: (len(c[1]), 0 if support <= c[2] else 1, c[0].span.line))
        return best[0]
    best = max(candidates, key=lambda c: (len(support & c[1]) / len(support | c[1]), -c[0].span.line))
    return best[0] if support & best[1] else None


def _shares(stages: list[Stage], start: str, setup: float) -> list[Share]:
    shares: dict[str, Share] = {}
    for stage in stages:
        if stage.kind == "launch":
            key, label, kind = "launch", f"clock-to-output of the register {start}", "launch"
        elif stage.kind == "input":
            key, label, kind = "input", f"input {start} (external delay and input drive)", "input"
        elif stage.statement is not None:
            st = stage.statement
            key, label, kind = f"{st.scope}:{st.span.file}:{st.span.line}:{stage.control}", st.text, "logic"
        else:
            key, label, kind = "other", "logic not traced to one RTL statement", "untraced"
        share = shares.setdefault(key, Share(label, 0.0, 0, stage.statement, stage.control, kind))
        share.delay += stage.delay
        share.cells += 1 if stage.kind == "logic" else 0
    if setup > 0:
        shares["setup"] = Share("setup time of the capturing register / output delay (after the arrival)",
                                setup, 0, kind="setup")
    return sorted(shares.values(), key=lambda s: -s.delay)


# -- fixes ------------------------------------------------------------------------------------

MIN_GAIN_NS = 0.01


def rank_fixes(exp: PathExplanation, period_ns: float | None) -> list[Fix]:
    """Candidate fixes with the slack gain this path's numbers predict, best evidence first."""
    slack = exp.path.slack if exp.path.slack is not None else 0.0
    deficit = max(0.0, -slack)
    fixes: list[Fix] = []
    if deficit <= 0:
        return fixes  # the path meets timing: nothing to fix
    launch = next((s.delay for s in exp.stages if s.kind == "launch"), 0.0)
    clk2q = launch if launch > 0 else 0.2
    arrival = exp.total
    dom = exp.dominant()
    logic = [s for s in exp.stages if s.kind == "logic"]
    if dom is not None and dom.statement is not None and len(logic) >= 2:
        found = cut_after(exp.stages, dom.statement)
        if found is not None and 0 < found[0] < arrival:
            cut, side = found
            new = max(cut, arrival - cut + clk2q)
            gain = arrival - new
            expr = dom.expression
            what = ("control logic" if dom.control else "multiply" if "*" in expr
                    else "adder" if any(op in expr for op in "+-") else "logic")
            fused = fused_caveat(exp, dom)
            fixes.append(Fix(
                "pipeline", f"Pipeline the {what} `{_short(expr)}`",
                f"put a register {side} `{_short(dom.statement.text)}`: the path splits into {cut:.2f} ns and "
                f"{arrival - cut:.2f} ns (+{clk2q:.2f} ns clock-to-output); one cycle more latency" + fused,
                gain, f"{dom.percent(arrival):.0f}% of the path delay is in this statement", dom.statement.span,
                how=how_pipeline(dom), upper_bound=bool(fused)))
    acc = accumulator_share(exp)
    if acc is not None:
        a = acc.statement.assignment if acc.statement else None
        assert a is not None
        fixes.append(Fix(
            "restructure", f"Keep `{a.target}` in carry-save form",
            f"`{_short(acc.statement.text if acc.statement else '')}` is an accumulator: its result is its own input "
            "next cycle, so no register can go inside the loop; kept as two vectors (sum and carry) the loop has "
            f"no carry chain, and the {acc.delay:.2f} ns of carry propagation move to an adder after it, pipelined "
            "over as many cycles as it needs (latency grows, throughput stays)",
            acc.delay, f"{acc.percent(arrival):.0f}% of the path delay is in the accumulator's adder",
            acc.statement.span if acc.statement else None, how=f"use carry-save accumulation for {a.target}"))
    best = balanced_cut(exp.stages, arrival, clk2q)
    if best is not None and len(logic) >= 2 and arrival - best[0] > 0.01:
        new, where = best
        inside = (f"inside `{_short(where.statement.control if where.control else where.statement.expression)}` "
                  f"({_cite(where.statement.span)})" if where.statement else f"at net {where.net}")
        if exp.start_kind == "register":
            title, how = ("Retime: move the launching register into the path",
                          "Yosys can retime with `abc -dff`, or move the register in the RTL")
        else:
            title, how = ("Add a pipeline register at the balanced point", "one cycle more latency")
        performs = how_split(where)
        manual = "" if performs else ("; no transformation puts a register inside one statement: split the logic by "
                                      "hand, or let synthesis retime it")
        fixes.append(Fix(
            "retime", title, f"the best single cut is {inside}, after {where.pin}; both halves then take at most "
                             f"{new:.2f} ns ({how}){manual}" + (" — chipchat splits a multiplier at its carry-save "
                                                               "boundary instead, which is near this point"
                                                               if performs else ""),
            arrival - new, "balanced split of this path's stage delays",
            where.statement.span if where.statement else None, how=performs, upper_bound=True))
    if exp.high_fanout and logic:
        typical = statistics.median(s.delay for s in logic)
        for stage in sorted(exp.high_fanout, key=lambda s: -s.delay)[:2]:
            extra = stage.delay - typical
            if extra <= 0.01:
                continue
            kind = "duplicate" if stage.kind == "launch" else "restructure"
            title = (f"Duplicate the high-fanout register {stage.net}" if kind == "duplicate"
                     else f"Reduce the fanout of {stage.net}")
            fixes.append(Fix(kind, title, f"it drives {stage.fanout} loads and takes {stage.delay:.2f} ns here, "
                                         f"{extra:.2f} ns more than a typical stage of this path",
                             extra, f"fanout {stage.fanout} on the path", stage.statement.span if stage.statement
                             else exp.start_span if stage.kind == "launch" else None))
    if exp.start_kind == "input port":
        inp = next((s.delay for s in exp.stages if s.kind == "input"), 0.0)
        if arrival > 0 and inp / arrival > 0.25 and logic:
            new = max(inp, arrival - inp + clk2q)
            fixes.append(Fix("input_delay", f"Register the input {exp.start} before its logic",
                             f"the input arrives {inp:.2f} ns into the cycle (external delay and drive) and "
                             f"{arrival - inp:.2f} ns of logic follow; a register at the input splits them "
                             "(one cycle more latency)", arrival - new, "set_input_delay in the constraints",
                             how="register the inputs"))
    launch_clock, capture_clock = _clocks(exp.path)
    if launch_clock and capture_clock and launch_clock != capture_clock:
        fixes.append(Fix("clock_crossing", f"Check the {launch_clock} → {capture_clock} crossing",
                         "launch and capture clocks differ, so the budget is the distance between their edges, "
                         "not a period; if the clocks are asynchronous, synchronize the signal and declare the "
                         "crossing (set_false_path / set_max_delay) instead", deficit,
                         "the path's startpoint and endpoint are clocked by different clocks"))
    elif period_ns and deficit > 0:
        new_period = period_ns + deficit
        fixes.append(Fix("relax_clock", f"Relax the clock by {deficit:.2f} ns",
                         f"period {period_ns:g} ns → {new_period:.2f} ns ({1000.0 / new_period:.0f} MHz "
                         f"instead of {1000.0 / period_ns:.0f} MHz)", deficit,
                         "exact for this netlist (re-synthesis for the new period may change it a little)"))
    # a design change predicted to gain nothing measurable is noise in the answer, not a fix
    design_fixes = [f for f in fixes if f.kind not in ("relax_clock", "clock_crossing")
                    and (f.gain_ns is None or f.gain_ns >= MIN_GAIN_NS)]
    relax = [f for f in fixes if f.kind in ("relax_clock", "clock_crossing")]
    # what chipchat can do first (reliable estimates before upper bounds); then what only a person can
    # do — before the clock is relaxed when it closes the path on its own, after it otherwise: a manual
    # fix is never ranked above a performable one
    performable = sorted((f for f in design_fixes if f.how), key=lambda f: (f.upper_bound, -(f.gain_ns or 0)))
    by_hand = [f for f in design_fixes if not f.how]
    enough = sorted((f for f in by_hand if (f.gain_ns or 0) >= deficit > 0), key=lambda f: -(f.gain_ns or 0))
    rest = sorted((f for f in by_hand if f not in enough), key=lambda f: -(f.gain_ns or 0))
    return performable + enough + relax + rest


def _clocks(path: TimingPath) -> tuple[str, str]:
    def clock(kind: str) -> str:
        match = re.search(r"clocked by (\S+)", kind)
        return match.group(1) if match else ""

    return clock(path.startpoint_kind), clock(path.endpoint_kind)


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _cite(span: Span) -> str:
    return f"{span.file.rsplit('/', 1)[-1]}:{span.line}"


def signal_base(name: str) -> str:
    """``u_core.acc[3]`` → ``u_core.acc``."""
    scope, local = split(name)
    return f"{scope}.{local}" if scope else local
