"""Arithmetic on design facts: the numbers a designer works out from parameters, widths and a clock.

``design_math`` reads the facts a question needs from the structural model — parameter
values, signal widths, the statements that accumulate or multiply — and a clock from the
question (``100 MHz``, ``10 ns``) or the design, then applies the formula the question asks
for: baud rate and cycles per bit, frame time and throughput, the largest value a signal
holds, how many additions before an accumulator wraps, the largest product, storage bits,
a width under a parameter override, and the latency in register stages. Every step is
shown with the facts it used and where they are declared; a question no formula covers is
answered with the facts found and an honest "I cannot compute that".

(about 420 lines: each formula is a small recipe over the same facts; one place reads them all.)
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from chipchat.answer import Answer
from chipchat.design import Design
from chipchat.qa.latency import register_stages
from chipchat.qa.size import storage_bits
from chipchat.rtl.load import DesignArg, load_design, load_model
from chipchat.rtl.model import DesignModel, Module, Signal
from chipchat.types import Span

DIVIDER = re.compile(r"CLKS?_?PER_?BIT|CYCLES_PER_BIT|BAUD_?DIV\w*|CLK_?DIV\w*|DIVISOR|PRESCALE\w*|TICKS_PER_BIT", re.I)


@dataclass
class Calculation:
    """The result (``headline``), how it was worked out, and the facts it used (with where they are)."""

    design: Design
    question: str
    headline: str = ""
    steps: list[str] = field(default_factory=list)
    facts: list[tuple[str, str, Span | None]] = field(default_factory=list)
    values: dict[str, float] = field(default_factory=dict)
    formula: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.formula)

    def answer(self) -> Answer:
        ans = Answer(text="", kind="compute", data={"formula": self.formula, "values": self.values,
                                                    "facts": {n: v for n, v, _ in self.facts}})
        lines = [self.headline or "**I cannot compute that from the design's facts.**", ""]
        lines += [f"- {s}" for s in self.steps]
        if self.facts:
            lines += ["", "Facts used: " + "; ".join(
                f"`{n}` = {v}" + (f" ({ans.cite(sp, self.design.root, n)})" if sp else "") for n, v, sp in self.facts)]
        ans.text = "\n".join(lines).strip()
        return ans


def design_math(design: DesignArg, question: str, previous: str = "") -> Calculation:
    """Work out a number from the design's facts: baud rate / cycles per bit at a clock, frame time, throughput,
    the largest value of a signal, additions before an accumulator wraps, the largest product, storage bits, a
    width under a parameter override, latency in register stages.

    Args:
        question: the question, with its numbers ("baud rate at 100 MHz?", "how wide is count when DEPTH=64").
        previous: the previous question, for a follow-up such as "and at 50?".
    """
    d = load_design(design)
    model = load_model(d)
    q = question.lower()
    if previous and re.fullmatch(r"\W*(and|what about|how about)?\s*(at|for|with)?\s*[\d.]+\s*(mhz|ghz|ns|k?baud)?"
                                 r"\W*", q):
        earlier = re.sub(r"[\d.]+\s*(mhz|ghz|khz|ns)\b", "", previous.lower())  # the new number replaces the old
        q = earlier + " " + _with_unit(q, previous.lower())
    calc = Calculation(d, question)
    top = model.modules.get(model.top or d.top or "")
    if top is None:
        calc.headline = "**I cannot compute that: the design has no top module to read facts from.**"
        return calc
    for trigger, recipe in RECIPES:
        if re.search(trigger, q) and recipe(calc, model, top, q):
            return calc
    facts = ", ".join(f"`{p.name}` = {p.value}" for p in top.parameters[:6])
    calc.headline = ("**I cannot compute that from the design's facts** — no formula of mine covers the question"
                     + (f" (the parameters I can read: {facts})" if facts else "") + ".")
    if re.search(r"\bif\b.*=|\bwhat('s| is) (y|the result)", q):
        calc.steps.append("Evaluating the logic for given input values needs a simulation; chipchat's calculator "
                          "does not simulate. Ask \"what does op=N do\" for the case that computes it, or write a "
                          "test with those values and \"run the tests\".")
    return calc


def _with_unit(q: str, previous: str) -> str:
    if re.search(r"[a-z]", q.replace("and", "").replace("at", "").replace("what about", "")):
        return q
    unit = re.search(r"\d\s*(mhz|ghz|ns)", previous)
    return re.sub(r"([\d.]+)", r"\1 " + (unit.group(1) if unit else "mhz"), q)


# -- facts ----------------------------------------------------------------------------------------
def clock_mhz(calc: Calculation, q: str) -> float | None:
    m = re.search(r"([\d.]+)\s*(mhz|ghz|khz)\b", q)
    if m:
        value = float(m.group(1)) * {"khz": 1e-3, "mhz": 1.0, "ghz": 1e3}[m.group(2)]
        calc.facts.append(("clock", f"{_num(value)} MHz (from the question)", None))
        return value
    m = re.search(r"([\d.]+)\s*ns\s*(clock|period)", q)
    if m:
        value = 1000.0 / float(m.group(1))
        calc.facts.append(("clock", f"{_num(value)} MHz ({m.group(1)} ns, from the question)", None))
        return value
    d = calc.design
    if d.clocks and d.clocks[0].period_ns:
        value = 1000.0 / d.clocks[0].period_ns
        calc.facts.append(("clock", f"{_num(value)} MHz (the design's {d.clocks[0].period_ns:g} ns clock "
                           f"`{d.clocks[0].port}`)", None))
        return value
    return None


def param(calc: Calculation, top: Module, pattern: re.Pattern[str]) -> tuple[str, int] | None:
    for p in top.parameters:
        if pattern.fullmatch(p.name):
            v = to_int(p.value)
            if v is not None:
                calc.facts.append((p.name, str(v), p.span))
                return p.name, v
    return None


def to_int(text: str) -> int | None:
    t = text.strip().replace("_", "")
    m = re.fullmatch(r"(\d+)?'[sS]?([bBoOdDhH])([0-9a-fA-F]+)", t)
    if m:
        return int(m.group(3), {"b": 2, "o": 8, "d": 10, "h": 16}[m.group(2).lower()])
    try:
        return int(t, 0)
    except ValueError:
        return None


def width_of(sig: Signal) -> int:
    return storage_bits(sig.width, sig.type) if "$" in sig.type else max(sig.width, 1)


def named_signal(top: Module, q: str) -> Signal | None:
    for word in re.findall(r"[a-z_][a-z0-9_]*", q):
        for name, sig in top.signals.items():
            if name.lower() == word and not name.startswith("$"):
                return sig
    return None


# -- recipes ------------------------------------------------------------------------------------------
def _baud(calc: Calculation, model: DesignModel, top: Module, q: str) -> bool:
    div = param(calc, top, DIVIDER)
    if div is None:
        return False
    name, cpb = div
    f = clock_mhz(calc, q)
    target = re.search(r"([\d.,]+)\s*(k)?\s*(baud|bauds|bps|bit/s)\b", q)
    if target and f:
        baud = float(target.group(1).replace(",", "")) * (1000 if target.group(2) else 1)
        need = max(1, round(f * 1e6 / baud))
        actual = f * 1e6 / need
        calc.formula = f"{name} = round(f_clk / baud)"
        calc.values = {"clks_per_bit": need, "actual_baud": actual, "error_pct": 100 * (actual - baud) / baud}
        calc.headline = (f"**{name} = {need}** for {_num(baud)} baud at {_num(f)} MHz "
                         f"(gives {_num(actual)} baud, {100 * (actual - baud) / baud:+.2f}% off)")
        calc.steps.append(f"{_num(f)} MHz / {_num(baud)} baud = {f * 1e6 / baud:.3f} cycles per bit → round to {need}")
        return True
    if not f:
        calc.formula = f"cycles per bit = {name}"
        calc.values = {"clks_per_bit": cpb}
        calc.headline = f"**{cpb} clock cycles per bit** ({name}); the baud rate is f_clk / {cpb} — give me a clock."
        return True
    baud = f * 1e6 / cpb
    calc.formula = f"baud = f_clk / {name}"
    calc.values = {"clks_per_bit": cpb, "baud": baud}
    calc.headline = f"**{cpb} cycles per bit → {_rate(baud)} at {_num(f)} MHz**"
    calc.steps.append(f"{_num(f)} MHz / {cpb} cycles per bit = {_num(baud)} bit/s")
    return True


def _frame(calc: Calculation, model: DesignModel, top: Module, q: str) -> bool:
    div = param(calc, top, DIVIDER)
    if div is None:
        return False
    name, cpb = div
    data = next((p for p in sorted(top.ports, key=lambda p: -p.width) if p.direction == "input" and p.width > 1), None)
    data_bits = data.width if data is not None else 8
    if data is not None:
        calc.facts.append((data.name, f"{data.width} bits (the data bits of a frame)", data.span))
    bits = data_bits + 2
    cycles = bits * cpb
    calc.steps.append(f"a frame is 1 start + {data_bits} data + 1 stop = {bits} bits (no parity: none is declared)")
    calc.steps.append(f"{bits} bits × {cpb} cycles per bit ({name}) = {cycles} clock cycles")
    calc.formula = f"cycles per frame = (data bits + 2) × {name}"
    calc.values = {"cycles_per_frame": cycles}
    f = clock_mhz(calc, q) if re.search(r"\b(us|µs|ms|seconds?|time|long|throughput|bytes?/s|per second)\b", q) \
        else None
    if f:
        t_us = cycles / f
        rate = f * 1e6 / cycles
        calc.values.update(frame_us=t_us, bytes_per_s=rate)
        calc.steps.append(f"{cycles} cycles / {_num(f)} MHz = {_num(t_us)} µs per byte; "
                          f"{_num(f)} MHz / {cycles} = {_num(rate)} bytes/s back to back (plus any idle cycle the "
                          "FSM spends between frames)")
        if re.search(r"throughput|bytes?/s|per second", q):
            calc.headline = f"**≈ {_num(rate)} bytes/s** ({cycles} cycles per byte at {_num(f)} MHz)"
        else:
            calc.headline = f"**{_num(t_us)} µs per byte** ({cycles} cycles at {_num(f)} MHz)"
    else:
        calc.headline = f"**{cycles} clock cycles per transfer** ({bits} bits × {cpb})"
    return True


def _wraps(calc: Calculation, model: DesignModel, top: Module, q: str) -> bool:
    acc = named_signal(top, q) or _accumulator(top)
    if acc is None:
        return False
    grow = next((a for a in top.drivers(acc.name) if acc.name in a.reads and "+" in a.text), None)
    if grow is None:
        return False
    addend = next((r for r in grow.reads if r != acc.name and r in top.signals), None)
    if addend is None:
        return False
    w = width_of(acc)
    calc.facts.append((acc.name, f"{w} bits", acc.span))
    biggest, how = _max_of(calc, top, addend)
    n = (2 ** w - 1) // biggest if biggest else 0
    calc.formula = f"floor((2^{w} − 1) / max({addend}))"
    calc.values = {"additions": n, "max_addend": biggest}
    calc.headline = (f"**{n:,} full-scale addition{'s fit' if n != 1 else ' fits'} before `{acc.name}` wraps**"
                     + (" — a second one already overflows" if n == 1 else ""))
    calc.steps.append(f"the largest `{addend}` is {how} = {biggest:,}")
    calc.steps.append(f"`{acc.name}` holds up to 2^{w} − 1 = {2 ** w - 1:,}; {2 ** w - 1:,} // {biggest:,} = {n:,} "
                      f"(at {grow.span.file.rsplit('/', 1)[-1]}:{grow.span.line}: `{grow.text}`)")
    return True


def _accumulator(top: Module) -> Signal | None:
    for a in top.assignments:
        if a.target in a.reads and "+" in a.text and a.target in top.signals:
            return top.signals[a.target]
    return None


def _max_of(calc: Calculation, top: Module, name: str) -> tuple[int, str]:
    drv = next((a for a in top.drivers(name) if "*" in a.text), None)
    if drv is not None and len([r for r in drv.reads if r in top.signals]) == 2:
        x, y = [top.signals[r] for r in drv.reads if r in top.signals]
        calc.facts += [(x.name, f"{width_of(x)} bits", x.span), (y.name, f"{width_of(y)} bits", y.span)]
        mx, my = 2 ** width_of(x) - 1, 2 ** width_of(y) - 1
        return mx * my, f"{mx:,} × {mx:,}" if mx == my else f"{mx:,} × {my:,}"
    sig = top.signals[name]
    return 2 ** width_of(sig) - 1, f"2^{width_of(sig)} − 1"


def _max_value(calc: Calculation, model: DesignModel, top: Module, q: str) -> bool:
    expr = re.search(r"([a-z_]\w*)\s*([*+])\s*([a-z_]\w*)", q)
    if expr and expr.group(1) in top.signals and expr.group(3) in top.signals:
        x, y = top.signals[expr.group(1)], top.signals[expr.group(3)]
        calc.facts += [(x.name, f"{width_of(x)} bits", x.span), (y.name, f"{width_of(y)} bits", y.span)]
        mx, my = 2 ** width_of(x) - 1, 2 ** width_of(y) - 1
        value = mx * my if expr.group(2) == "*" else mx + my
        calc.formula = f"max({x.name}) {expr.group(2)} max({y.name})"
        calc.values = {"max": value}
        calc.headline = f"**{value:,} = 0x{value:X}** (the largest {x.name} {expr.group(2)} {y.name})"
        calc.steps.append(f"{mx:,} {expr.group(2)} {my:,} = {value:,} (0x{value:X}), {value.bit_length()} bits")
        return True
    sig = named_signal(top, q)
    if sig is None:
        return False
    w = width_of(sig)
    calc.facts.append((sig.name, f"{w} bits ({sig.type})", sig.span))
    calc.formula = f"2^{w} − 1"
    calc.values = {"max": 2 ** w - 1}
    signed = "signed" in sig.type
    if signed:
        calc.headline = f"**`{sig.name}` holds −{2 ** (w - 1):,} … {2 ** (w - 1) - 1:,}** ({w}-bit signed)"
    else:
        calc.headline = f"**`{sig.name}` holds up to {2 ** w - 1:,} (0x{2 ** w - 1:X})**, {w} bits unsigned"
    return True


def _storage(calc: Calculation, model: DesignModel, top: Module, q: str) -> bool:
    sig = named_signal(top, q)
    mems = [sig] if sig is not None else [s for s in top.signals.values() if "$[" in s.type]
    mems = [s for s in mems if s is not None]
    if not mems:
        return False
    total = 0
    for s in mems:
        bits = width_of(s)
        total += bits
        dims = re.findall(r"\[(-?\d+):(-?\d+)\]", s.type)
        calc.facts.append((s.name, f"{s.type} = {bits} bits", s.span))
        if len(dims) >= 2:
            words = abs(int(dims[-1][0]) - int(dims[-1][1])) + 1
            wbits = abs(int(dims[0][0]) - int(dims[0][1])) + 1
            calc.steps.append(f"`{s.name}`: {words} words × {wbits} bits = {bits} bits ({bits / 8:g} bytes)")
    calc.formula = "words × bits per word"
    calc.values = {"bits": total}
    calc.headline = f"**{total:,} bits of storage** ({total / 8:g} bytes)"
    return True


def _width_override(calc: Calculation, model: DesignModel, top: Module, q: str) -> bool:
    m = re.search(r"how wide is (\w+) (?:when|if|with) (\w+)\s*(?:=|is|of)\s*(\d+)", q)
    if not m or m.group(1) not in {n.lower() for n in top.signals}:
        return False
    sig = next(s for n, s in top.signals.items() if n.lower() == m.group(1))
    override = {m.group(2).upper(): int(m.group(3))}
    line = _source_line(sig.span)
    rng = re.search(r"\[([^\[\]:]+):([^\[\]]+)\]\s*" + re.escape(sig.name) + r"\b", line)
    if rng is None:
        return False
    env = _param_env(top, override)
    hi, lo = evaluate(rng.group(1), env), evaluate(rng.group(2), env)
    if hi is None or lo is None:
        return False
    width = abs(hi - lo) + 1
    calc.facts.append((sig.name, f"[{rng.group(1).strip()}:{rng.group(2).strip()}]", sig.span))
    calc.formula = f"[{rng.group(1).strip()}:{rng.group(2).strip()}] with {m.group(2).upper()}={m.group(3)}"
    calc.values = {"width": width}
    calc.headline = f"**`{sig.name}` is {width} bits wide when {m.group(2).upper()} = {m.group(3)}**"
    calc.steps.append(f"[{rng.group(1).strip()}:{rng.group(2).strip()}] → [{hi}:{lo}] = {width} bits")
    return True


def _latency(calc: Calculation, model: DesignModel, top: Module, q: str) -> bool:
    found = register_stages(top, q)
    if found is None:
        return False
    calc.headline, calc.formula, calc.values = found.headline, found.formula, found.values
    calc.steps += found.steps
    calc.facts += found.facts
    return True


def _source_line(span: Span) -> str:
    try:
        with open(span.file, encoding="utf-8", errors="replace") as fh:
            return fh.read().splitlines()[span.line - 1]
    except (OSError, IndexError):
        return ""


def _param_env(top: Module, override: dict[str, int]) -> dict[str, int]:
    """Parameter values with ``override`` applied, localparams re-derived from their declarations."""
    env: dict[str, int] = {}
    for p in top.parameters:
        if p.name.upper() in override:
            env[p.name] = override[p.name.upper()]
            continue
        m = re.search(re.escape(p.name) + r"\s*=\s*([^,;]+)", _source_line(p.span))
        value = evaluate(m.group(1), env) if m and p.local else None
        env[p.name] = value if value is not None else (to_int(p.value) or 0)
    return env


_OPS: dict[type, Callable[..., int]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.FloorDiv: operator.floordiv,
    ast.Div: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow, ast.LShift: operator.lshift,
    ast.RShift: operator.rshift, ast.BitAnd: operator.and_, ast.BitOr: operator.or_, ast.BitXor: operator.xor}


def evaluate(text: str, env: dict[str, int]) -> int | None:
    """A Verilog constant expression over parameters (+ − * / % ** << >> & | ^, $clog2); None if it is not one."""
    src = re.sub(r"\$clog2\s*\(", "clog2(", text.strip())
    src = re.sub(r"(\d+)?'[sS]?([bBoOdDhH])([0-9a-fA-F_]+)",
                 lambda m: str(int(m.group(3).replace("_", ""), {"b": 2, "o": 8, "d": 10, "h": 16}[m.group(2).lower()])),
                 src)
    try:
        tree = ast.parse(src, mode="eval")
    except SyntaxError:
        return None

    def ev(node: ast.AST) -> int:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name) and node.id in env:
            return env[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "clog2" and node.args:
            v = ev(node.args[0])
            return max(0, math.ceil(math.log2(v))) if v > 0 else 0
        raise ValueError(ast.dump(node))

    try:
        return ev(tree)
    except (ValueError, ZeroDivisionError, OverflowError):
        return None


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x - round(x)) < 1e-9 or abs(x) >= 1000 else f"{x:,.4g}"


def _rate(baud: float) -> str:
    if baud >= 1e6:
        return f"{baud / 1e6:g} Mbaud"
    if baud >= 1e3:
        return f"{baud / 1e3:g} kbaud"
    return f"{baud:g} baud"


RECIPES: list[tuple[str, Callable[[Calculation, DesignModel, Module, str], bool]]] = [
    (r"how wide is \w+ (when|if|with)", _width_override),
    (r"\bbauds?\b|cycles? per bit|bit rate|bit time|clks_per_bit", _baud),
    (r"transfer|frame|byte take|one byte|send a byte|throughput|bytes?/s|bytes per second|per byte", _frame),
    (r"before .*(wrap|overflow|saturat)|how many .*accumulate|accumulate .* before", _wraps),
    (r"latency|cycles (from|until|between|after)|how many cycles\b.*\b(from|until|before|to)\b|pipeline depth",
     _latency),
    (r"bits of storage|storage|capacity|bytes can .* hold|how many (bits|bytes|words)", _storage),
    (r"max(imum)?|largest|biggest|highest|hold|range", _max_value),
]
