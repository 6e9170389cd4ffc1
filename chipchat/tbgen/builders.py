"""Reference models from the kinds of structure a spec shows: K-maps, truth tables, waveform listings,
state diagrams and state tables — combinational predictors and sequential models.

Each builder reads one kind of block and either contributes to the model (marking the block as
used) or records on the block why it could not. Nothing here knows a problem by name.
"""

from __future__ import annotations

import re

from chipchat.tbgen import fsm as fsmread
from chipchat.tbgen import kmap, waveform
from chipchat.tbgen.blocks import PortSpec, Table
from chipchat.tbgen.combgen import CombPlan, Predictor
from chipchat.tbgen.fsmcomb import predictors
from chipchat.tbgen.spec import SpecModel
from chipchat.tbgen.text import clean


def data_inputs(spec: SpecModel) -> dict[str, PortSpec]:
    skip = {spec.clock, spec.reset[0] if spec.reset else None}
    return {p.name: p for p in spec.inputs() if p.name not in skip}


def outputs(spec: SpecModel) -> dict[str, PortSpec]:
    return {p.name: p for p in spec.outputs()}


def caption(spec: SpecModel, table: Table) -> str:
    lines = spec.text.splitlines()
    return " ".join(lines[max(0, table.line - 4): table.line - 1])


# -- combinational -------------------------------------------------------------------------

def kmaps(spec: SpecModel, plan: CombPlan) -> None:
    ports = {p.name: p for p in spec.ports}
    for n, table in enumerate(t for t in spec.tables if t.kind == "kmap-plain"):
        out = kmap.output_for(table, spec.outputs(), caption(spec, table))
        got = kmap.read(table, ports, spec.text, out)
        if isinstance(got, str):
            table.reason = f"Karnaugh map: {got}"
            continue
        name = f"KMAP{n}"
        plan.lookups[name] = got.cells
        key = ", ".join(v.py() for v in got.variables) + ("," if len(got.variables) == 1 else "")
        axes = " ".join(v.label() for v in got.variables)
        plan.predictors.append(Predictor({got.output: f"{name}.get(({key}))"},
                                         f"{spec.where(table.line)} Karnaugh map of {got.output} ({axes})"))
        table.used_by.append(f"combinational check of {got.output} (Karnaugh map, {len(got.cells)} cells)")


def truth_tables(spec: SpecModel, plan: CombPlan) -> None:
    """Pipe tables whose columns are input and output ports, or an input column and a column naming outputs."""
    ins, outs = data_inputs(spec), outputs(spec)
    for n, table in enumerate(t for t in spec.tables if t.kind in ("vectors", "decoder", "kmap")):
        # a Markdown K-map arrives here already expanded into one row per cell (spec._kmap)
        cols = [spec.port_for(h) for h in table.header]
        key_cols = [(i, p) for i, p in enumerate(cols) if p is not None and p.name in ins]
        out_cols = [(i, p) for i, p in enumerate(cols) if p is not None and p.name in outs]
        if table.kind == "decoder":
            _decoder(spec, plan, table, n)
            continue
        if not key_cols or not out_cols:
            continue
        rows: dict[tuple[int, ...], dict[str, int]] = {}
        for row in table.rows:
            cells = [_cell(row[i], p.width) for i, p in key_cols]
            if any(k is None for k in cells):
                continue
            vals = {p.name: v for i, p in out_cols if (v := _cell(row[i], p.width)) is not None}
            rows[tuple(c for c in cells if c is not None)] = vals
        if not rows:
            table.reason = "no row gives input values"
            continue
        name = f"TRUTH{n}"
        key = ", ".join(p.name for _, p in key_cols) + ("," if len(key_cols) == 1 else "")
        plan.lookups[name] = rows  # type: ignore[assignment]
        plan.predictors.append(Predictor({p.name: f"{name}.get(({key}), {{}}).get({p.name!r})" for _, p in out_cols},
                                         f"{spec.where(table.line)} table '{table.title}'"))
        plan.vectors += [dict(zip([p.name for _, p in key_cols], k, strict=True)) for k in rows]
        table.used_by.append(f"combinational check ({len(rows)} rows)")


def _cell(text: str, width: int) -> int | None:
    t = clean(text).lower()
    m = re.fullmatch(r"(?:\d+)?'([hdbo])([0-9a-f_]+)", t)
    if m:
        return int(m.group(2).replace("_", ""), {"h": 16, "d": 10, "b": 2, "o": 8}[m.group(1)])
    if re.fullmatch(r"0x[0-9a-f]+", t):
        return int(t, 16)
    if re.fullmatch(r"\d+", t):
        return int(t, 2) if width > 1 and set(t) <= {"0", "1"} and len(t) == width and len(t) > 1 else int(t)
    return None


def _decoder(spec: SpecModel, plan: CombPlan, table: Table, n: int) -> None:
    """``Scancode | Arrow key`` / ``16'he06b | left arrow`` / ``Anything else | none``: one output per row."""
    key_port = spec.port_for(re.sub(r"\[.*$", "", clean(table.header[0])))
    outs = outputs(spec)
    assert key_port is not None
    rows: dict[int, str] = {}
    default = False
    for row in table.rows:
        value = _cell(row[0], key_port.width)
        words = set(re.findall(r"\w+", row[1].lower()))
        named = [o for o in outs if o.lower() in words]
        if value is None:
            if re.search(r"\b(?:anything else|otherwise|default|others?)\b", row[0], re.I) and \
                    re.search(r"\bnone\b|\bnothing\b", row[1], re.I):
                default = True
                continue
            table.reason = f"'{row[0]}' is not a value of {key_port.name}"
            return
        if len(named) != 1:
            table.reason = f"'{row[1]}' does not name exactly one output"
            return
        rows[value] = named[0]
    name = f"DECODE{n}"
    plan.lookups[name] = {(k,): v for k, v in rows.items()}  # type: ignore[misc]
    miss = "0" if default else "None"
    preds = {o: f"(int({name}.get(({key_port.name},)) == {o!r}) if {name}.get(({key_port.name},)) is not None else {miss})"
             for o in sorted(set(rows.values()))}
    plan.predictors.append(Predictor(preds, f"{spec.where(table.line)} table '{table.title or table.header[0]}'"))
    plan.vectors += [{key_port.name: k} for k in rows]
    table.used_by.append(f"combinational check ({len(rows)} codes" + (", anything else: none)" if default else ")"))


def comb_listings(spec: SpecModel, plan: CombPlan) -> None:
    ports = {p.name: p for p in spec.ports}
    ins, outs = list(data_inputs(spec)), list(outputs(spec))
    for n, table in enumerate(t for t in spec.tables if t.kind == "listing"):
        got = waveform.read(table, ports, spec.clock, spec.reset[0] if spec.reset else None)
        if isinstance(got, str):
            table.reason = f"waveform listing: {got}"
            continue
        if got.clock is not None:
            continue
        rows, where, conflict = waveform.vectors(got, ins, outs)
        if conflict:
            table.reason = conflict
            continue
        name = f"WAVE{n}"
        key = ", ".join(ins) + ("," if len(ins) == 1 else "")
        plan.lookups[name] = rows  # type: ignore[assignment]
        plan.predictors.append(Predictor({o: f"{name}.get(({key}), {{}}).get({o!r})" for o in outs},
                                         f"{spec.where(table.line)} waveform listing (rows with these inputs)"))
        plan.vectors += [dict(zip(ins, k, strict=True)) for k in rows]
        radix = "hexadecimal" if got.radix == 16 else "decimal"
        table.used_by.append(f"combinational check of {len(rows)} distinct input vectors ({radix} values"
                             + (f"; {got.unknown_inputs} x inputs not driven" if got.unknown_inputs else "") + ")")


def state_input_fsm(spec: SpecModel, plan: CombPlan) -> None:
    """A state table or diagram whose current state is an input port: next state and outputs are combinational."""
    ins, outs = data_inputs(spec), outputs(spec)
    state_port = next((p for p in ins.values() if p.name.lower() in ("state", "y", "present_state", "current_state",
                                                                     "ps", "cs", "s") and p.width > 1), None)
    if state_port is None:
        return
    for table in (t for t in spec.tables if t.kind in ("states", "fsm-diagram")):
        others = {k: v for k, v in ins.items() if k != state_port.name}
        got = fsmread.from_table(table, others, outs, state_port.name) if table.kind == "states" else \
            (fsmread.from_diagram(table, others, outs), {})
        if isinstance(got, str):
            table.reason = f"state machine: {got}"
            continue
        machine, roles = got
        if isinstance(machine, str):
            table.reason = f"state machine: {machine}"
            continue
        codes = fsmread.encoding(machine, spec.text, state_port.width)
        if codes is None:
            table.reason = "state machine with the state as an input: the spec gives no state encoding chipchat " \
                           "can read (binary state names, `A=2'b00, ...`, or a one-hot tuple)"
            continue
        preds, lookups, note = predictors(spec, machine, codes, state_port, others, outs, roles, table)
        if not preds:
            table.reason = note
            continue
        plan.predictors += preds
        plan.lookups.update(lookups)
        plan.domain[state_port.name] = sorted(codes.values())
        table.used_by.append("combinational check: next state and outputs for every state code and input"
                             + (f" ({note})" if note else ""))
