"""Reference models the spec supports, recognised from its structure (a registry by name).

Each recognizer reads the :class:`~chipchat.tbgen.spec.SpecModel` and, when the spec
has what it needs, returns a :class:`ModelPlan`: Python source of a ``Model`` class
(``step(inputs) -> {output: (value, spec source)}``, one call per clock edge), the
directed tests that suit it, and which tables and rules it consumed.

- ``next-state-table``: a truth/opcode/behaviour table whose columns are inputs and
  ``next <output>`` expressions (alu8's opcode table, mac16's behaviour table);
- ``fifo-queue``: a spec that describes a FIFO with write/read requests, data, full,
  empty and count ports (a queue model);
- ``serial-frame``: a waveform table of output levels by cycles after an accepting edge,
  with a "When <request> and <ready> ..., then <data> is latched" rule (a UART frame).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from chipchat.tbgen.spec import NEXT_COL, Rule, SpecModel
from chipchat.tbgen.templates import (
    FIFO_MODEL,
    FIFO_TESTS,
    NEXT_STATE_MODEL,
    NEXT_STATE_TESTS,
    SERIAL_MODEL,
    SERIAL_TESTS,
)
from chipchat.tbgen.text import clean, is_dont_care, level, names_in, to_python


@dataclass
class ModelPlan:
    kind: str
    summary: str
    code: str  # defines class Model
    directed: str = ""  # extra @cocotb.test functions
    random_cycles: str = "2000"  # a Python expression in the generated file
    checks: list[str] = field(default_factory=list)  # outputs the model predicts
    notes: list[str] = field(default_factory=list)  # what the model could not use


def lam(expr: str, wrap: str = "") -> str:
    """``lambda <names>, **_: <expr>`` (optionally ``wrap(<expr>)``): called with every value by keyword."""
    args = ", ".join(names_in(expr))
    body = f"{wrap}({expr})" if wrap else expr
    return f"lambda {args + ', ' if args else ''}**_: {body}"


def _claim_rules(spec: SpecModel, ports: set[str], label: str) -> None:
    for rule in spec.rules:
        if set(re.findall(r"`(\w+)`", rule.text)) & ports and label not in rule.used_by:
            rule.used_by.append(label)


# -- next-state table --------------------------------------------------------------------

def next_state_table(spec: SpecModel) -> ModelPlan | None:
    table = next((t for t in spec.tables if t.kind == "function"), None)
    if table is None:
        return None
    known = {p.name for p in spec.ports} | set(spec.params)
    keys: list[tuple[int, str]] = []
    regs: list[tuple[int, str]] = []
    for i, h in enumerate(table.header):
        port = spec.port_for(h)
        if port is None:
            continue
        if NEXT_COL.match(clean(h)) and port.direction == "output":
            regs.append((i, port.name))
        elif port.direction == "input":
            keys.append((i, port.name))
    notes: list[str] = []
    rows: list[str] = []
    for n, row in enumerate(table.rows):
        line = table.line + 2 + n
        match: dict[str, int] = {}
        for i, name in keys:
            if not is_dont_care(row[i]):
                value = level(row[i], spec.names)
                if value is None:
                    notes.append(f"{spec.where(line)}: key `{row[i]}` of {name} is not a value")
                    break
                match[name] = value
        else:
            nexts = []
            for i, name in regs:
                expr = to_python(row[i], known)
                if expr is None:
                    notes.append(f"{spec.where(line)}: `{clean(row[i])}` (next {name}) is not an expression chipchat "
                                 "can evaluate; that output is not predicted for this row")
                    continue
                nexts.append(f"{name!r}: {lam(expr)}")
            label = ", ".join(f"{k}={clean(row[i])}" for i, k in keys)
            rows.append(f"    ({match!r}, {{{', '.join(nexts)}}}, {spec.where(line) + ' row ' + label!r}),")
    derived = _derived(spec, {name for _, name in regs}, known)
    reg_names = [name for _, name in regs]
    table.used_by.append("reference model (next-state table)")
    reset_in_table = spec.reset is not None and spec.reset[0] in {k for _, k in keys}
    code = "\n".join([
        f"# Reference model: {table.title} ({spec.where(table.line)}); registers load on every rising edge.",
        f"REGISTERS = {reg_names!r}",
        "ROWS = [  # (input values, {register: next value}, spec source), first match wins",
        *rows, "]",
        "DERIVED = {  # outputs computed from the registers",
        *[f"    {name!r}: ({lam(expr, 'int')}, {src!r})," for name, expr, src in derived], "}",
        f"RESET_IN_TABLE = {reset_in_table!r}",
        "",
        NEXT_STATE_MODEL,
    ])
    checks = reg_names + [d[0] for d in derived]
    _claim_rules(spec, set(checks), "reference model (next-state table)")
    plan = ModelPlan("next-state-table", f"{table.title} ({spec.where(table.line)})", code, NEXT_STATE_TESTS,
                     checks=checks, notes=notes)
    unchecked = [p.name for p in spec.outputs() if p.name not in checks]
    if unchecked:
        plan.notes.append("outputs the model does not predict: " + ", ".join(unchecked))
    return plan


def _derived(spec: SpecModel, regs: set[str], known: set[str]) -> list[tuple[str, str, str]]:
    """Outputs that are a function of registers, from the port table: "1 when `y == 0`", "inverse of `x`"."""
    out = []
    for p in spec.outputs():
        if p.name in regs:
            continue
        m = re.search(r"\b1 when `([^`]+)`", p.description)
        inv = re.search(r"\binverse of `(\w+)`", p.description)
        expr = to_python(m.group(1), known) if m else (f"1 - {inv.group(1)}" if inv and inv.group(1) in known else None)
        if expr is not None and set(names_in(expr)) <= regs | set(spec.params):
            out.append((p.name, expr, f"{spec.where(p.line)} port {p.name}: {p.description[:60]}"))
    return out


# -- FIFO queue --------------------------------------------------------------------------

ROLE_PATTERNS = {
    "wr": (r"\bwrite\b.*\b(request|enable)\b|\bpush\b", ("wr_en", "we", "push", "wr", "write")),
    "rd": (r"\bread\b.*\b(request|enable)\b|\bpop\b", ("rd_en", "re", "pop", "rd", "read")),
    "din": (r"\bwrite data\b|\bdata in", ("din", "wdata", "data_in", "wr_data")),
    "dout": (r"\bread data\b|\bdata out", ("dout", "rdata", "data_out", "rd_data")),
    "full": (r"^1 when .*full|\bfull\b", ("full",)),
    "empty": (r"^1 when .*empty|\bempty\b", ("empty",)),
    "count": (r"\bnumber of words\b|\boccupancy\b", ("count", "level", "fill", "used")),
}


def fifo_queue(spec: SpecModel) -> ModelPlan | None:
    if not re.search(r"\bFIFO\b|first-in first-out|first in,? first out", spec.text, re.I):
        return None
    roles: dict[str, str] = {}
    for role, (pattern, names) in ROLE_PATTERNS.items():
        direction = "input" if role in ("wr", "rd", "din") else "output"
        cands = [p for p in spec.ports if p.direction == direction]
        hit = next((p for p in cands if p.name in names), None) or \
            next((p for p in cands if re.search(pattern, p.description, re.I)), None)
        if hit is not None:
            roles[role] = hit.name
    if not {"wr", "rd", "din", "dout"} <= set(roles):
        return None
    depth_name = "DEPTH" if "DEPTH" in spec.params else None
    if depth_name is None:
        return None
    dout = spec.port(roles["dout"])
    registered = dout is not None and "registered" in dout.description.lower()
    code = f"""# Reference model: a queue of at most {depth_name} words (the spec's FIFO rules and port table).
FIFO = {roles!r}
DEPTH = PARAMS[{depth_name!r}]
DOUT_REGISTERED = {registered!r}
""" + FIFO_MODEL
    checks = [roles[r] for r in ("dout", "full", "empty", "count") if r in roles]
    _claim_rules(spec, set(roles.values()), "reference model (FIFO queue)")
    return ModelPlan("fifo-queue", f"FIFO of {depth_name} words ({', '.join(f'{k}={v}' for k, v in roles.items())})",
                     code, FIFO_TESTS, "3000", checks)


# -- serial frame ------------------------------------------------------------------------

TERM = re.compile(r"^(?:(\d*)\s*([A-Z]))?\s*(?:([+-])?\s*(\d+))?$")


def _term(text: str, symbol: str) -> tuple[int, int] | None:
    """``2C-1`` → (2, -1), ``C`` → (1, 0), ``0`` → (0, 0) (value = k*symbol + m)."""
    m = TERM.match(text.replace(" ", ""))
    if not m or (m.group(2) and m.group(2) != symbol) or not (m.group(2) or m.group(4)):
        return None
    k = (int(m.group(1)) if m.group(1) else 1) if m.group(2) else 0
    c = int(m.group(4) or 0) * (-1 if m.group(3) == "-" else 1)
    return k, c


def _expr(term: tuple[int, int]) -> str:
    """(2, -1) → ``2 * C - 1``, (1, 0) → ``C``, (0, 3) → ``3``."""
    k, c = term
    base = "" if k == 0 else ("C" if k == 1 else f"{k} * C")
    if not base:
        return str(c)
    return base if c == 0 else f"{base} {'-' if c < 0 else '+'} {abs(c)}"


def serial_frame(spec: SpecModel) -> ModelPlan | None:
    table = next((t for t in spec.tables if t.kind == "waveform"), None)
    if table is None:
        return None
    sym = re.search(r"\b([A-Z])\s*=\s*(?:`)?([A-Z_][A-Z0-9_]*)\b", spec.text)
    handshake = _handshake(spec)
    if sym is None or sym.group(2) not in spec.params or handshake is None:
        table.reason = "a waveform table needs its time symbol defined (e.g. `C = CLKS_PER_BIT`) and a rule " \
            "'When <request> is high and <ready> is high ..., then <data> is latched'"
        return None
    symbol, param = sym.group(1), sym.group(2)
    request, ready, data, rule = handshake
    cols = [(i, p.name) for i, h in enumerate(table.header) if (p := spec.port_for(h)) and p.direction == "output"]
    idle: dict[str, int] = {}
    segments: list[str] = []
    end = None
    for n, row in enumerate(table.rows):
        cell, line = clean(row[0]), table.line + 2 + n
        values = {}
        for i, name in cols:
            bit = re.fullmatch(rf"{re.escape(data[0].upper())}\[(\d+)\]|D\[(\d+)\]", clean(row[i]))
            values[name] = ("D", int(bit.group(1) or bit.group(2))) if bit else level(row[i])
        if cell.lower().startswith("before"):
            idle = {k: v for k, v in values.items() if isinstance(v, int)}
            continue
        later = re.match(r"^(.+?)\s+and later$", cell)
        span = [p.strip() for p in cell.split("...")] if "..." in cell else None
        if later and (t := _term(later.group(1), symbol)):
            end = _expr(t)
        elif span and len(span) == 2 and (a := _term(span[0], symbol)) and (b := _term(span[1], symbol)):
            segments.append(f"    ({_expr(a)}, {_expr(b)}, {values!r}, {spec.where(line)!r}),")
        else:
            return None
    if not segments or end is None or not idle:
        return None
    table.used_by.append("reference model (serial frame)")
    rule.used_by.append("reference model (serial frame)")
    code = "\n".join([
        f"# Reference model: {table.title} ({spec.where(table.line)}); {symbol} = {param}.",
        f"C = PARAMS[{param!r}]",
        f"REQUEST, READY, DATA = {request!r}, {ready!r}, {data!r}",
        f"IDLE_OUT = {idle!r}  # before the accepting edge and after the frame",
        "SEGMENTS = [  # (first n, last n, outputs, spec source); n = edges after the accepting edge",
        *segments, "]",
        f"FRAME_END = {end}",
        f"ACCEPT_SOURCE = {spec.where(rule.line) + ' rule ' + repr(rule.text[:60])!r}",
        "", SERIAL_MODEL])
    _claim_rules(spec, {request, ready, data, *[c for _, c in cols]}, "reference model (serial frame)")
    return ModelPlan("serial-frame", f"{table.title} ({spec.where(table.line)}), accepted by {request} & {ready}",
                     code, SERIAL_TESTS, "max(2000, 12 * FRAME_END)", [c for _, c in cols])


def _handshake(spec: SpecModel) -> tuple[str, str, str, Rule] | None:
    """(request input, ready output, data input, rule) from "When <req> and <ready>, then <data> is latched"."""
    for rule in spec.rules:
        if not rule.conditions:
            continue
        ins = [c.signal for c in rule.conditions if (p := spec.port(c.signal)) and p.direction == "input"]
        outs = [c.signal for c in rule.conditions if (p := spec.port(c.signal)) and p.direction == "output"]
        latched = [u for u in rule.unread if re.search(r"\b(latched|sampled|captured)\b", u)]
        data = [n for u in latched for n in re.findall(r"`(\w+)`", u) if (p := spec.port(n)) and p.direction == "input"]
        if len(ins) == 1 and len(outs) == 1 and data:
            return ins[0], outs[0], data[0], rule
    return None


RECOGNIZERS: dict[str, Callable[[SpecModel], ModelPlan | None]] = {
    "next-state-table": next_state_table,
    "fifo-queue": fifo_queue,
    "serial-frame": serial_frame,
}


def choose_model(spec: SpecModel) -> ModelPlan | None:
    """The first recognizer that finds what it needs in the spec."""
    for recognize in RECOGNIZERS.values():
        plan = recognize(spec)
        if plan is not None:
            return plan
    return None

