"""Sequential reference models from state diagrams, state tables, next-state truth tables and prose
registers, and the replay of waveform listings that show a clock."""

from __future__ import annotations

import re

from chipchat.tbgen import fsm as fsmread
from chipchat.tbgen import waveform
from chipchat.tbgen.blocks import Table
from chipchat.tbgen.builders import data_inputs, outputs
from chipchat.tbgen.models import ModelPlan
from chipchat.tbgen.spec import SpecModel
from chipchat.tbgen.templates import FSM_MODEL, RT_MODEL
from chipchat.tbgen.text import clean
from chipchat.tbgen.vexpr import HELPERS, ExprError, names_in, py_expr, translate


def _lam(expr: str) -> str:
    expr = py_expr(expr)
    args = names_in(expr)
    return f"lambda {', '.join(args) + ', ' if args else ''}**_: {expr}"


def _reset_doc(spec: SpecModel) -> str:
    info = spec.reset_info
    return f"reset ({'; '.join(info.evidence[-3:])})" if info else "reset"


def state_machine(spec: SpecModel) -> ModelPlan | None:
    """A diagram or state table of a clocked design whose state is internal."""
    ins, outs = data_inputs(spec), outputs(spec)
    if any(p.name.lower() in ("state", "y", "present_state", "current_state") for p in ins.values()):
        return None  # the state is an input: the combinational reading applies
    for table in (t for t in spec.tables if t.kind in ("states", "fsm-diagram") and not t.used_by):
        got = fsmread.from_table(table, ins, outs, None) if table.kind == "states" else \
            (fsmread.from_diagram(table, ins, outs), {})
        machine = got if isinstance(got, str) else got[0]
        if isinstance(machine, str):
            table.reason = (table.reason + "; " if table.reason else "") + f"state machine: {machine}"
            continue
        if isinstance(got, tuple) and got[1].get("out") == "" and len(outs) == 1:
            for values in machine.moore.values():
                if "?" in values:
                    values[next(iter(outs))] = values.pop("?")
        target = spec.reset_info.target if spec.reset_info else ""
        reset_state = target if target in machine.states else ""
        if not reset_state and spec.reset_info and re.fullmatch(r"\d+", target or "x") is None and target:
            reset_state = ""
        where = spec.where(table.line)
        trans = [f"    ({t.src!r}, {_lam(t.cond)}, {t.dst!r}, {t.outputs!r}, {spec.where(t.line)!r}),"
                 for t in machine.transitions]
        code = "\n".join([
            f"# Reference model: the state machine at {where}.",
            f"STATES = {machine.states!r}",
            f"MOORE = {machine.moore!r}  # state -> outputs it shows",
            "TRANSITIONS = [  # (from, condition on the inputs, to, Mealy outputs, spec line)", *trans, "]",
            f"RESET_STATE = {reset_state!r}  # '' when the spec does not say",
            f"DEFAULT_ZERO = {machine.default_zero!r}  # outputs a state does not list are 0",
            f"FSM_SOURCE = {where!r}", f"RESET_DOC = {_reset_doc(spec)!r}",
            HELPERS, FSM_MODEL])
        table.used_by.append("reference model (state machine" + (f", reset to {reset_state})" if reset_state else
                                                                 ", reset state not given: tracked as unknown)"))
        checks = list(outs)
        notes = [] if reset_state or spec.reset is None else \
            ["the spec does not say which state reset enters: outputs are checked once the inputs determine it"]
        return ModelPlan("state-machine", f"{len(machine.states)} states, {len(machine.transitions)} transitions "
                         f"({where})", code, checks=checks, notes=notes)
    return None


def next_state_truth_table(spec: SpecModel) -> ModelPlan | None:
    """A truth table of a clocked design whose output cells use the output's old value (``Qold``, ``~Qold``)."""
    outs = outputs(spec)
    for table in (t for t in spec.tables if t.kind == "vectors" and not t.used_by):
        cols = [spec.port_for(h) for h in table.header]
        key = [(i, p) for i, p in enumerate(cols) if p is not None and p.direction == "input"]
        regs = [(i, p) for i, p in enumerate(cols) if p is not None and p.name in outs]
        cells = " ".join(row[i] for row in table.rows for i, _ in regs)
        if not regs or not re.search(r"\b\w+(?:old|_old|_prev|prev)\b|\(t\)", cells, re.I):
            continue
        widths = {p.name: p.width for p in spec.ports}
        arms: dict[str, list[str]] = {p.name: [] for _, p in regs}
        for n, row in enumerate(table.rows):
            conds = []
            for i, p in key:
                v = clean(row[i])
                if not re.fullmatch(r"[xX\-]|", v):
                    conds.append(f"{p.name} == {int(v, 2) if p.width > 1 and set(v) <= {'0', '1'} else int(v)}")
            for i, p in regs:
                text = re.sub(rf"\b{re.escape(p.name)}\s*(?:_?old|_?prev|\(t\))\b", p.name, clean(row[i]), flags=re.I)
                try:
                    expr = translate(text, widths).py
                except ExprError as exc:
                    table.reason = f"row {table.row_line(n)}: {exc}"
                    return None
                arms[p.name].append(f"({expr}) if ({' and '.join(conds) or 'True'})")
        nexts = {name: " else ".join(a) + " else None" for name, a in arms.items()}
        where = spec.where(table.line)
        table.used_by.append("reference model (next value of " + ", ".join(nexts) + " per row)")
        return rt_plan(spec, {n: (e, f"{where} table '{table.title}'") for n, e in nexts.items()}, {},
                       "next-state table", f"truth table at {where}")
    return None


def rt_plan(spec: SpecModel, nexts: dict[str, tuple[str, str]], outs: dict[str, tuple[str, str]], kind: str,
            summary: str, reset: dict[str, int | None] | None = None, widths: dict[str, int] | None = None) -> ModelPlan:
    """A register-transfer model: ``nexts`` are registers (an output port or an internal name) -> next value;
    ``outs`` output ports computed from registers and inputs (a register that is an output port shows itself)."""
    ports = {p.name: p.width for p in spec.ports}
    widths = {**ports, **(widths or {})}
    outs = dict(outs)
    for name, (_, source) in nexts.items():
        if name in outputs(spec) and name not in outs:
            outs[name] = (name, source)
    reset_state = {v: (reset or {}).get(v) for v in nexts}
    code = "\n".join([
        f"# Reference model: {summary}.",
        "NEXT = {  # register -> its value after the active edge, from the values before it",
        *[f"    {n!r}: {_lam(e)}," for n, (e, _) in nexts.items()], "}",
        f"VMASK = {{{', '.join(f'{n!r}: {(1 << widths.get(n, 64)) - 1}' for n in nexts)}}}",
        "OUTS = {", *[f"    {n!r}: ({_lam(e)}, {s!r})," for n, (e, s) in outs.items()], "}",
        f"RESET_STATE = {reset_state!r}  # None: the spec does not say",
        HELPERS, RT_MODEL])
    return ModelPlan(kind, summary, code, checks=list(outs))


def clocked_listings(spec: SpecModel) -> tuple[str, list[str]]:
    """(test code, test names) replaying every waveform listing that shows the clock."""
    ports = {p.name: p for p in spec.ports}
    ins = set(data_inputs(spec)) | ({spec.reset[0]} if spec.reset else set())
    code: list[str] = []
    tests: list[str] = []
    for n, table in enumerate(t for t in spec.tables if t.kind == "listing"):
        got = waveform.read(table, ports, spec.clock, spec.reset[0] if spec.reset else None)
        if isinstance(got, str) or got.clock is None:
            continue
        rows = []
        for t, row, line in zip(got.times_ns, got.rows, got.lines, strict=True):
            drive = {k: v for k, v in row.items() if k in ins or k == got.clock}
            expect = {k: v for k, v in row.items() if ports[k].direction == "output"}
            rows.append((t, drive, expect, f"{spec.where(line)} waveform listing"))
        name = f"test_waveform_line_{table.line}"
        code.append(f"\n\nLISTING_{n} = {{'clock': {got.clock!r}, 'rows': {rows!r}}}\n\n\n@cocotb.test()\n"
                    f"async def {name}(dut):\n    \"\"\"Replay the listing at {spec.where(table.line)} with its own "
                    f"timing (the clock as its rows show it).\"\"\"\n    await replay_listing(dut, LISTING_{n})\n")
        tests.append(name)
        radix = "hexadecimal" if got.radix == 16 else "decimal"
        table.used_by.append(f"{name} ({len(rows)} rows replayed at their times, {radix} values"
                             + (f"; {got.unknown_inputs} x inputs not driven" if got.unknown_inputs else "") + ")")
    if code:
        code.insert(0, waveform.REPLAY)
    return "".join(code), tests


def unused_listing_reason(table: Table) -> None:
    if table.kind == "listing" and not table.used_by and not table.reason:
        table.reason = "a waveform listing of a clocked design needs a clock column to be replayed"
