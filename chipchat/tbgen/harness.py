"""The fixed part of every generated testbench: a cycle harness and the generic checks.

The generated file holds the spec's content as data (ports, reset values, rules, tables,
the reference model) followed by this code, so what a check compares against is always a
spec line the user can open. Every failing check raises ``AssertionError`` with the
text ``<port> = <observed>, spec expects <expected> [<spec file>:<line> ...]`` — the
evidence chipchat reports when a generated test disagrees with the RTL.
"""

HARNESS = r'''

def show(value):
    return "x" if value is None else (str(value) if value < 10 else f"{value} (0x{value:x})")


def inputs_text(values):
    return ", ".join(f"{k}={show(v)}" for k, v in values.items())


def corners(width):
    top = (1 << width) - 1
    return sorted({0, 1, top, top - 1, 1 << (width - 1), top >> 1, int("01" * width, 2) & top,
                   int("10" * width, 2) & top})


def random_inputs(rng, bias=None, reset_p=0.01):
    """One cycle of random inputs; ``bias`` maps an input to the values a rule asks for (taken 80% of the time)."""
    out = {}
    for name, width in INPUTS.items():
        if bias and name in bias and rng.random() < 0.8:
            out[name] = rng.choice(bias[name])
        elif name == RESET:
            out[name] = RESET_ACTIVE if rng.random() < reset_p else 1 - RESET_ACTIVE
        elif width == 1:
            out[name] = rng.getrandbits(1)
        elif rng.random() < 0.3:
            out[name] = rng.choice(corners(width))
        else:
            out[name] = rng.getrandbits(width)
    return out


class Harness:
    """Drives the DUT one clock cycle at a time: inputs after the inactive clock edge (the falling one for a
    rising-edge design), outputs read at the next inactive edge — half a period after the active one."""

    def __init__(self, dut, model=None):
        self.dut = dut
        self.model = model
        self.cycles = 0
        self.last = dict(IDLE)

    async def start(self):
        for name, value in IDLE.items():
            getattr(self.dut, name).value = value
        Clock(getattr(self.dut, CLOCK), PERIOD_NS, unit="ns").start()
        if EDGE == "both":  # a quarter period after a rising edge: every half period crosses one active edge
            await RisingEdge(getattr(self.dut, CLOCK))
            await Timer(PERIOD_NS / 4, unit="ns")
        else:
            await INACTIVE(getattr(self.dut, CLOCK))
        if RESET:
            for _ in range(2):
                await self.cycle({RESET: RESET_ACTIVE}, why="reset")

    def read(self, name):
        try:
            return int(getattr(self.dut, name).value)
        except ValueError:
            return None  # x or z

    def outputs(self):
        return {name: self.read(name) for name in OUTPUTS}

    async def cycle(self, inputs=None, expect=None, why=""):
        """Drive ``inputs`` (the rest idle), clock once, compare the outputs with ``expect`` and the model."""
        drive = dict(IDLE)
        drive.update(inputs or {})
        self.last = drive
        for name, value in drive.items():
            getattr(self.dut, name).value = value & MASKS[name]
        predicted = self.model.step(drive) if self.model is not None else {}
        await INACTIVE(getattr(self.dut, CLOCK))
        self.cycles += 1
        got = self.outputs()
        for table in (expect or {}, predicted):
            for name, (value, source) in table.items():
                if value is not None and name in got:
                    self.compare(got, name, value, source, why, drive)
        for conditions, effects, source in INVARIANTS:
            if all(got.get(k) in allowed for k, allowed in conditions.items()):
                for name, value in effects.items():
                    self.compare(got, name, value, source, why or "invariant", drive)
        return got

    def compare(self, got, name, value, source, why, drive):
        if got[name] != value & MASKS[name]:
            raise AssertionError(
                f"cycle {self.cycles}: {name} = {show(got[name])}, spec expects {show(value & MASKS[name])} "
                f"[{source}]" + (f" ({why})" if why else "") + f"; inputs {inputs_text(drive)}")


async def check_rule(dut, rule, trials=24, seed=SEED):
    """Reach a state where the rule's output conditions hold, apply its input conditions, check its effects."""
    rng = random.Random(seed + rule["line"])
    tb = Harness(dut)
    await tb.start()
    exercised = 0
    for trial in range(trials):
        if trial % 4 == 0 and RESET:
            await tb.cycle({RESET: RESET_ACTIVE}, why="reset before a trial")
        for _ in range(rng.randrange(0, rule["warmup"] + 1)):
            await tb.cycle(random_inputs(rng, rule["bias"], reset_p=0.0))
        before = tb.outputs()
        if not all(before.get(k) in allowed for k, allowed in rule["state"].items()):
            continue
        loose = random_inputs(rng, reset_p=0.0)
        drive = {k: loose[k] for k in rule["free"]}
        drive.update({k: rng.choice(v) for k, v in rule["inputs"].items()})
        env = {**PARAMS, **before, **drive}
        expect = {}
        for name, kind, value in rule["effects"]:
            if kind == "value":
                expect[name] = (value, rule["source"])
            elif before.get(name) is not None and kind == "hold":
                expect[name] = (before[name], rule["source"] + " (holds its value)")
            elif before.get(name) is not None and kind == "delta":
                expect[name] = ((before[name] + value) & MASKS[name], rule["source"])
            elif kind == "expr":
                try:
                    expect[name] = (value(**env) & MASKS[name], rule["source"])
                except TypeError:  # an operand was x
                    continue
        await tb.cycle(drive, expect, why="rule check")
        exercised += 1
    dut._log.info("rule at line %d: %d of %d trials reached its condition", rule["line"], exercised, trials)


async def replay(dut, table):
    """Drive each row of a spec table for one cycle and compare the outputs with the row."""
    tb = Harness(dut)
    await tb.start()
    for label, inputs, outputs, source in table["rows"]:
        await tb.cycle(inputs, {k: (v, source) for k, v in outputs.items()}, why=f"{table['name']} row {label}")


async def random_run(dut, model, cycles, seed=SEED):
    """Seeded random stimulus in phases, one per rule condition, checked against the reference model every cycle."""
    rng = random.Random(seed)
    tb = Harness(dut, model)
    await tb.start()
    phases = PHASES or [{}]
    per_phase = max(1, cycles // len(phases))
    for bias in phases:
        for _ in range(per_phase):
            await tb.cycle(random_inputs(rng, bias), why="random")


async def check_reset_kind(dut, model, attempts=3, seed=SEED):
    """Assert reset between clock edges (inputs otherwise unchanged): an asynchronous reset must act before the
    next active edge, a synchronous one must not — the difference a cycle-sampled test cannot see."""
    rng = random.Random(seed + 7)
    expect = {k: v for k, (v, _) in Model().step({**IDLE, RESET: RESET_ACTIVE}).items() if v is not None}
    tb = Harness(dut, model)
    await tb.start()
    tried = 0
    for _ in range(400):
        got = await tb.cycle(random_inputs(rng, reset_p=0.0), why="random run before the reset-kind check")
        differs = [k for k, v in expect.items() if got.get(k) is not None and got[k] != v & MASKS[k]]
        if not differs:
            continue
        drive = dict(tb.last)
        drive[RESET] = RESET_ACTIVE
        getattr(dut, RESET).value = RESET_ACTIVE
        await Timer(PERIOD_NS / 4, unit="ns")
        now = tb.outputs()
        for k in differs:
            if RESET_KIND == "async":
                tb.compare(now, k, expect[k], RESET_SOURCE + " (asynchronous: before the clock edge)",
                           "reset asserted between edges", drive)
            else:
                tb.compare(now, k, got[k], RESET_SOURCE + " (synchronous: no change before the clock edge)",
                           "reset asserted between edges", drive)
        predicted = tb.model.step(drive)
        await INACTIVE(getattr(dut, CLOCK))
        after = tb.outputs()
        for name, (value, source) in predicted.items():
            if value is not None and name in after:
                tb.compare(after, name, value, source, "after the reset edge", drive)
        tried += 1
        if tried >= attempts:
            break
    if not tried:
        dut._log.warning("reset kind not exercised: no random run reached outputs that differ from the reset values")
'''
