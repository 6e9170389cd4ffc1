"""State machines from a spec: arrow diagrams and state tables, as reference models.

Diagrams: ``OFF (out=0) --j=1--> ON`` (Moore outputs in parentheses after the state),
``A --x=0 (z=0)--> A`` (Mealy outputs on the arrow), ``A (0) --1--> B`` (the only output and
the only input left unnamed), ``B (g0=1) --r0=0,r1=1--> C`` (``g0`` is ``g[0]``; commas are
AND), ``--(always go to next cycle)-->``. Tables: ``State | Next state in=0, Next state in=1 |
Output`` and ``Present state y[2:0] | Next state Y[2:0] when x=0, ... | Output z``.

The model tracks the *set* of states the machine may be in: after a reset to a known state it
is one state; when the spec does not say where reset goes, or no transition covers the inputs,
it is every state and outputs are checked only where all candidates agree — the machine is
never assumed to be somewhere the spec does not put it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chipchat.tbgen.blocks import PortSpec, Table
from chipchat.tbgen.layouts import ARROW_LINE
from chipchat.tbgen.vexpr import ExprError, translate

OUT_PAIR = re.compile(r"^\s*([A-Za-z_]\w*)\s*=\s*(\d+'[bdh][0-9a-fA-F]+|\d+)\s*$")


@dataclass
class Transition:
    src: str
    cond: str  # Python expression over the inputs ("1": always)
    dst: str
    outputs: dict[str, int]  # Mealy outputs "port" or "port[bit]" -> value
    line: int


@dataclass
class Fsm:
    states: list[str] = field(default_factory=list)
    moore: dict[str, dict[str, int]] = field(default_factory=dict)  # state -> {"port"/"port[bit]": value}
    transitions: list[Transition] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    default_zero: bool = False  # outputs a state does not list are 0

    def add_state(self, name: str) -> None:
        if name not in self.states:
            self.states.append(name)


def resolve(name: str, ports: dict[str, PortSpec]) -> str | None:
    """``r0`` → ``r[0]`` when ``r`` is a vector port and ``r0`` is not a port; a port name as is."""
    if name in ports:
        return name
    low = {n.lower(): n for n in ports}
    if name.lower() in low:
        return low[name.lower()]
    m = re.fullmatch(r"([A-Za-z_]+?)_?(\d+)", name)
    if m and m.group(1) in ports and int(m.group(2)) < ports[m.group(1)].width:
        return f"{m.group(1)}[{m.group(2)}]"
    return None


def condition(label: str, inputs: dict[str, PortSpec]) -> str | None:
    """A transition label as a Python condition; None when it is not one (prose)."""
    label = label.strip().strip("()").strip()
    if not label or re.search(r"\balways\b|\bany\b|\botherwise\b|^-+$|^else$", label, re.I):
        return "1"
    only = [p for p in inputs.values()]
    parts = []
    for term in re.split(r"\s*(?:,|&&|\band\b)\s*", label):
        if re.fullmatch(r"[01]+", term) and len(only) == 1:
            term = f"{only[0].name}={int(term, 2)}"
        m = re.fullmatch(r"([A-Za-z_]\w*(?:\[\d+\])?)\s*=\s*(\S+)", term)
        if not m:
            return None
        name = m.group(1) if "[" in m.group(1) else resolve(m.group(1), inputs)
        if name is None:
            return None
        parts.append(f"{name}=={m.group(2)}")
    try:
        return " and ".join(f"({translate(p, {n: q.width for n, q in inputs.items()}).py})" for p in parts) or "1"
    except ExprError:
        return None


def outputs_of(text: str, outputs: dict[str, PortSpec]) -> dict[str, int] | None:
    """``out=0`` / ``g0=1, g1=0`` / ``0`` (the only output) / empty → {port or port[bit]: value}."""
    text = text.strip()
    if not text:
        return {}
    out: dict[str, int] = {}
    for part in re.split(r"\s*,\s*", text):
        if re.fullmatch(r"\d+", part) and len(outputs) == 1:
            out[next(iter(outputs))] = int(part)
            continue
        m = OUT_PAIR.match(part)
        if not m:
            return None
        name = resolve(m.group(1), outputs)
        if name is None:
            return None
        from chipchat.tbgen.vexpr import literal

        out[name] = int(literal(m.group(2)).py)
    return out


def from_diagram(table: Table, inputs: dict[str, PortSpec], outputs: dict[str, PortSpec]) -> Fsm | str:
    fsm = Fsm(lines=list(table.lines))
    for row, line in zip(table.rows, table.lines, strict=False):
        text = row[0]
        m = ARROW_LINE.match(text)
        rest = "" if m is None else text[m.end("out") + 1:] if m.group("out") is not None else text[m.end("src"):]
        arrow = re.search(r"-{1,}\s*(?P<label>.*?)\s*-*-+>\s*(?P<dst>\w+)\s*$", rest)
        if not m or not arrow:
            return f"line {line} is not `STATE (outputs) --condition--> STATE`"
        src, dst, label = m.group("src"), arrow.group("dst"), arrow.group("label")
        mealy: dict[str, int] = {}
        paren = re.search(r"\(([^()]*=[^()]*)\)\s*$", label)
        if paren and not re.search(r"\balways\b", paren.group(1)):
            got = outputs_of(paren.group(1), outputs)
            if got is None:
                return f"line {line}: `{paren.group(1)}` is not output values"
            mealy, label = got, label[: paren.start()].strip()
        cond = condition(label, inputs)
        if cond is None:
            return f"line {line}: condition `{label}` is not `input=value` terms"
        fsm.add_state(src)
        fsm.add_state(dst)
        if m.group("out") is not None:
            got = outputs_of(m.group("out"), outputs)
            if got is None:
                return f"line {line}: `({m.group('out')})` is not output values"
            fsm.moore.setdefault(src, {}).update(got)
        fsm.transitions.append(Transition(src, cond, dst, mealy, line))
    total = sum(max(p.width, 1) for p in outputs.values())

    def bits(listed: dict[str, int]) -> int:
        return sum(1 if "[" in k else max(outputs[k].width, 1) if k in outputs else 1 for k in listed)

    # outputs listed for some states but not all of them (or only some bits): the unlisted ones are 0
    fsm.default_zero = any(fsm.moore.values()) and any(bits(fsm.moore.get(s, {})) < total for s in fsm.states)
    return fsm


def from_table(table: Table, inputs: dict[str, PortSpec], outputs: dict[str, PortSpec],
               state_port: str | None) -> tuple[Fsm, dict[str, str]] | str:
    """A state table; also returns the columns' roles: {"next": next-state vector name, "out": output port}."""
    head = [h.strip() for h in table.header]
    subs: list[tuple[int, int, str]] = []  # (column, part, condition)
    out_cols: dict[int, str] = {}  # column -> output port ("?": the one output an unnamed "Output" column means)
    roles: dict[str, str] = {}
    for c, h in enumerate(head):
        if c == 0:
            continue
        parts = [p.strip() for p in h.split(",")]
        if all(re.search(r"\bnext\b", p, re.I) for p in parts):
            for k, part in enumerate(parts):
                vec = re.search(r"next\s*state\s+([A-Za-z_]\w*)\s*\[", part, re.I)
                if vec:
                    roles["next"] = vec.group(1)
                cm = re.search(r"(?:when\s+|\s|\()([A-Za-z_]\w*\s*=\s*\d+)\s*\)?\s*$", part)
                cond = condition(cm.group(1), inputs) if cm else None
                if cond is None:
                    return f"column '{part}' does not say for which input value it holds"
                subs.append((c, k, cond))
        elif re.match(r"^output\b", h, re.I):
            named = re.findall(r"[A-Za-z_]\w*", h[6:])
            port = next((n for n in named if n in outputs), None)
            roles["out"] = port or ""
            out_cols[c] = port or "?"
        elif resolve(h, outputs) is not None:  # a column headed by an output port
            out_cols[c] = resolve(h, outputs) or h
    if not subs:
        return "no 'Next state ...' column with an input condition"
    fsm = Fsm(lines=list(table.lines))
    for row, line in zip(table.rows, table.lines, strict=False):
        state = row[0].strip()
        if not re.fullmatch(r"\w+", state):
            return f"line {line}: '{state}' is not a state name"
        fsm.add_state(state)
        for c, k, cond in subs:
            cells = [x.strip() for x in row[c].split(",")] if c < len(row) else []
            if k >= len(cells) or not re.fullmatch(r"\w+", cells[k]):
                return f"line {line}: no next state for `{cond}`"
            fsm.add_state(cells[k])
            fsm.transitions.append(Transition(state, cond, cells[k], {}, line))
        for c, port in out_cols.items():
            cell = row[c].strip() if c < len(row) else ""
            if re.fullmatch(r"\d+", cell):
                fsm.moore.setdefault(state, {})[port] = int(cell)
    return fsm, roles


def encoding(fsm: Fsm, text: str, width: int) -> dict[str, int] | None:
    """State codes: binary names (``000``), ``A=2'b00, B=2'b01`` in prose, or a one-hot tuple."""
    from chipchat.tbgen.vexpr import literal

    if all(re.fullmatch(r"[01]+", s) for s in fsm.states):
        return {s: int(s, 2) for s in fsm.states}
    codes: dict[str, int] = {}
    for name, lit in re.findall(r"\b([A-Za-z_]\w*)\s*=\s*(\d+'[bdh][0-9a-fA-F_]+)", text):
        if name in fsm.states:
            codes[name] = int(literal(lit).py)
    if set(codes) == set(fsm.states):
        return codes
    tup = re.search(r"\(([\w\s,]+)\)\s*=\s*\(([^()]*)\)", text)
    if tup:
        names = [n.strip() for n in tup.group(1).split(",")]
        values = [v.strip() for v in tup.group(2).split(",")]
        known = [int(literal(v).py) for v in values if re.fullmatch(r"\d+'[bdh][0-9a-fA-F_]+", v)]
        one_hot = known and all(v == 1 << i for i, v in enumerate(known[:-1])) and \
            known[-1] == 1 << (len(names) - 1)
        if set(names) == set(fsm.states) and (one_hot or len(known) == len(names)):
            return {n: (1 << i if one_hot else known[i]) for i, n in enumerate(names)}
    if re.search(r"\bone[- ]hot\b", text, re.I) and len(fsm.states) == width:
        return None  # one-hot but the order is not given: not guessed
    return None
