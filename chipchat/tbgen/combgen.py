"""The combinational testbench: drive the inputs, let them settle, compare every output with the spec.

A :class:`CombPlan` is a list of predictors — each one part of the spec (a K-map, a truth
table, a state table read with the state as an input, an equation, a sentence of prose) that
says what some outputs are for given inputs — and the input domain (a one-hot state input
takes only its codes). The generated test enumerates every input vector when there are at
most ``EXHAUSTIVE`` of them (in order, then shuffled), else the table rows, corner values and seeded random vectors;
every output a predictor gives a value for is compared, and a mismatch names its spec line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chipchat.tbgen.vexpr import HELPERS, names_in, py_expr, pyname

EXHAUSTIVE = 4096


@dataclass
class Predictor:
    outputs: dict[str, str]  # output port -> Python expression over the inputs (None result: not checked)
    source: str  # spec file:line and what
    used: str = ""  # what the block is marked as used by


@dataclass
class CombPlan:
    kind: str
    summary: str
    predictors: list[Predictor] = field(default_factory=list)
    domain: dict[str, list[int]] = field(default_factory=dict)  # inputs restricted to these values
    vectors: list[dict[str, int]] = field(default_factory=list)  # vectors always driven (table rows)
    lookups: dict[str, dict[tuple[int, ...], int | None]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def checks(self) -> list[str]:
        return list(dict.fromkeys(o for p in self.predictors for o in p.outputs))


COMB_HARNESS = r'''

def show(value):
    return "x" if value is None else (str(value) if value < 10 else f"{value} (0x{value:x})")


def corners(width):
    top = (1 << width) - 1
    return sorted({0, 1, top, top - 1, 1 << (width - 1), top >> 1, int("01" * width, 2) & top,
                   int("10" * width, 2) & top})


def _bit(value, n):
    return None if value is None else (value >> n) & 1


def _is(value, code):
    return None if value is None else int(value == code)


def values_of(name):
    return DOMAIN.get(name) or list(range(1 << INPUTS[name]))


def stimulus(rng):
    """Every input vector when there are few; else table rows, corners and seeded random vectors."""
    import itertools

    names = list(INPUTS)
    total = 1
    for name in names:
        total *= len(DOMAIN[name]) if name in DOMAIN else 1 << min(INPUTS[name], 30)
    if total <= EXHAUSTIVE:  # every vector in order, then again shuffled (a stale output cannot pass twice)
        ordered = [dict(zip(names, combo)) for combo in itertools.product(*[values_of(n) for n in names])]
        shuffled = list(ordered)
        rng.shuffle(shuffled)
        return ordered + shuffled
    out = [dict(v) for v in VECTORS]
    for k in range(RANDOM_VECTORS):
        vec = {}
        for name, width in INPUTS.items():
            if name in DOMAIN:
                vec[name] = rng.choice(DOMAIN[name])
            elif k % 3 == 0:
                vec[name] = rng.choice(corners(width))
            else:
                vec[name] = rng.getrandbits(width)
        out.append(vec)
    return out


def predict(vec):
    """{output: (value, source)} from every predictor that gives a value for these inputs."""
    out = []
    for outputs, source in PREDICTORS:
        for name, fn in outputs.items():
            try:
                value = fn(**pyenv(vec))
            except (TypeError, KeyError, IndexError, ZeroDivisionError):
                value = None
            if value is not None:
                out.append((name, value, source))
    return out


def read(dut, name):
    try:
        return int(getattr(dut, name).value)
    except ValueError:
        return None  # x or z


async def check_vectors(dut, vectors, why):
    checked = 0
    for vec in vectors:
        full = {**IDLE, **vec}
        for name, value in full.items():
            getattr(dut, name).value = value & ((1 << INPUTS[name]) - 1)
        await Timer(SETTLE_NS, unit="ns")
        for name, value, source in predict(full):
            got = read(dut, name)
            want = value & MASKS[name]
            if got != want:
                shown = ", ".join(f"{k}={show(v)}" for k, v in full.items())
                raise AssertionError(f"{name} = {show(got)}, spec expects {show(want)} [{source}] ({why}); "
                                     f"inputs {shown}")
            checked += 1
    dut._log.info("%s: %d vectors, %d output values checked", why, len(vectors), checked)
'''

COMB_TESTS = '''

@cocotb.test()
async def test_combinational(dut):
    """Every input vector (or table rows, corners and seeded random ones): outputs as the spec says."""
    for name in HELD:
        getattr(dut, name).value = HELD[name]
    await check_vectors(dut, stimulus(random.Random(SEED)), "combinational check")
'''


def render(plan: CombPlan, *, spec_path: str, design: str, inputs: dict[str, int], outputs: dict[str, int],
           held: dict[str, int], seed: int) -> str:
    """The test module's source."""
    lines = [
        f'"""cocotb testbench for {design}, generated by `chipchat tbgen` from {spec_path}.',
        "",
        "Combinational: drive the inputs, let them settle, compare every output the spec defines.",
        f"Reference: {plan.kind} — {plan.summary}.",
        '"""', "", "import random", "", "import cocotb", "from cocotb.triggers import Timer", "",
        f"SPEC = {spec_path!r}", f"SEED = {seed}", f"INPUTS = {inputs!r}", f"OUTPUTS = {outputs!r}",
        "MASKS = {name: (1 << width) - 1 for name, width in {**INPUTS, **OUTPUTS}.items()}",
        f"HELD = {held!r}  # inputs the combinational outputs do not depend on (clock, reset)",
        "IDLE = {name: 0 for name in INPUTS}",
        f"EXHAUSTIVE, RANDOM_VECTORS, SETTLE_NS = {EXHAUSTIVE}, 1500, 1",
        f"DOMAIN = {plan.domain!r}  # inputs that take only these values",
        HELPERS,
    ]
    for name, table in plan.lookups.items():
        lines.append(f"{name} = {table!r}")
    lines.append("VECTORS = [  # table rows, always driven")
    lines += [f"    {v!r}," for v in plan.vectors]
    lines.append("]")
    lines.append("PREDICTORS = [  # ({output: f(inputs)}, spec source)")
    for p in plan.predictors:
        body = ", ".join(f"{o!r}: {_lam(e, inputs)}" for o, e in p.outputs.items())
        lines.append(f"    ({{{body}}}, {p.source!r}),")
    lines.append("]")
    return "\n".join(lines) + COMB_HARNESS + COMB_TESTS


def _lam(expr: str, inputs: dict[str, int]) -> str:
    """``lambda a, b, **_: <expr>`` — called with every input by keyword."""
    expr = py_expr(expr)
    args = [n for n in names_in(expr) if n in {pyname(i) for i in inputs}]
    return f"lambda {', '.join(args) + ', ' if args else ''}**_: {expr}"
