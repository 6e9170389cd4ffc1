"""A state machine whose present state is an input port: its next-state and output logic as predictors.

Outputs are recognised by role: the next-state vector (``next_state``, or the vector the table
names, ``Y[2:0]``), a bit of it (``Y0``), a one-hot indicator of a next state (``B3_next``) or a
Moore / Mealy output of the machine. Transitions are evaluated here, once per state code and
input combination, into lookup tables the generated test reads.
"""

from __future__ import annotations

import itertools
import re

from chipchat.tbgen.blocks import PortSpec, Table
from chipchat.tbgen.combgen import Predictor
from chipchat.tbgen.fsm import Fsm
from chipchat.tbgen.spec import SpecModel
from chipchat.tbgen.vexpr import HELPERS, pyname

MAX_INPUT_BITS = 12


def _evaluator() -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(HELPERS, namespace)  # noqa: S102 - our own helper source, no spec text
    return namespace


def predictors(spec: SpecModel, machine: Fsm, codes: dict[str, int], state_port: PortSpec,
               others: dict[str, PortSpec], outs: dict[str, PortSpec], roles: dict[str, str],
               table: Table) -> tuple[list[Predictor], dict[str, dict], str]:
    names = list(others)
    if sum(p.width for p in others.values()) > MAX_INPUT_BITS:
        return [], {}, "state machine: too many input bits to tabulate its transitions"
    env = _evaluator()
    nexts: dict[tuple[int, ...], int | None] = {}  # (state code, inputs...) -> next code
    mealy: dict[str, dict[tuple[int, ...], int | None]] = {}
    for state, code in codes.items():
        for combo in itertools.product(*[range(1 << others[n].width) for n in names]):
            values = {pyname(k): v for k, v in zip(names, combo, strict=True)}
            hits = [t for t in machine.transitions if t.src == state and eval(t.cond, env, values)]  # noqa: S307
            dsts = {t.dst for t in hits}
            nexts[(code, *combo)] = codes.get(dsts.pop()) if len(dsts) == 1 else None
            for t in hits[:1]:
                for label, value in t.outputs.items():
                    mealy.setdefault(label, {})[(code, *combo)] = value
    key = ", ".join([state_port.name, *names]) + ("," if not names else "")  # raw names: combgen renames
    where = f"{spec.where(table.line)} state {'table' if table.kind == 'states' else 'diagram'}"
    nxt = "FSM_NEXT"
    lookups: dict[str, dict] = {nxt: nexts}
    preds: dict[str, str] = {}
    vector = (roles.get("next") or "").lower()
    rest: list[PortSpec] = []
    for port in outs.values():  # first pass: the next-state roles
        low = port.name.lower()
        bit = re.fullmatch(rf"{re.escape(vector)}_?(\d+)", low) if vector else None
        ind = re.fullmatch(r"(\w+?)_?next|next_?(\w+)", port.name)
        target = next((s for s in codes if ind and s in (ind.group(1), ind.group(2))), None)
        if port.width == state_port.width and (low in ("next_state", "next", "ns", "nextstate") or low == vector):
            preds[port.name] = f"{nxt}.get(({key}))"
        elif bit and port.width == 1:
            preds[port.name] = f"_bit({nxt}.get(({key})), {int(bit.group(1))})"
        elif target is not None and port.width == 1:
            preds[port.name] = f"_is({nxt}.get(({key})), {codes[target]})"
        elif port.name in mealy:
            lookups[f"FSM_MEALY_{port.name}"] = mealy[port.name]
            preds[port.name] = f"FSM_MEALY_{port.name}.get(({key}))"
        else:
            rest.append(port)
    claims = {p for v in machine.moore.values() for p in v}
    unnamed = "?" in claims
    for port in rest:  # second pass: state outputs (an unnamed "Output" column is the one output left)
        if port.name not in claims and not unnamed and not machine.default_zero:
            continue
        label = "?" if unnamed and port.name not in claims else port.name
        unnamed = unnamed and label != "?"
        moore: dict[tuple[int, ...], int | None] = {}
        for state, code in codes.items():
            shown = machine.moore.get(state, {}).get(label)
            moore[(code,)] = 0 if shown is None and machine.default_zero else shown
        if any(v is not None for v in moore.values()):
            lookups[f"FSM_OUT_{port.name}"] = moore
            preds[port.name] = f"FSM_OUT_{port.name}.get(({state_port.name},))"
    if not preds:
        return [], {}, "state machine: no output is the next state, a bit of it, a next-state indicator or a " \
            "state output"
    missing = [p for p in outs if p not in preds]
    return [Predictor(preds, where)], lookups, ("outputs not predicted: " + ", ".join(missing)) if missing else ""
