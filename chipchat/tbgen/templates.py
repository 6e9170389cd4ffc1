"""Code of the reference models and their directed tests, pasted into generated testbenches.

They run inside the generated file, next to the harness (:mod:`chipchat.tbgen.harness`) and the
data the recognizers in :mod:`chipchat.tbgen.models` emit (``ROWS``, ``FIFO``, ``SEGMENTS`` ...).
"""

NEXT_STATE_MODEL = '''class Model:
    """Registers from the table above; reset values from the reset table; derived outputs from the port table."""

    def __init__(self):
        self.state = {r: RESET_VALUES.get(r, (None, ""))[0] for r in REGISTERS}

    def step(self, inputs):
        env = {**PARAMS, **self.state, **inputs}
        if RESET and inputs[RESET] == RESET_ACTIVE and not RESET_IN_TABLE:
            self.state = {r: RESET_VALUES.get(r, (None, ""))[0] for r in REGISTERS}
            source = "reset values table"
        else:
            row = next((r for r in ROWS if all(inputs.get(k) == v for k, v in r[0].items())), None)
            source = row[2] if row else "no table row matches"
            new = {}
            for r in REGISTERS:
                try:
                    new[r] = row[1][r](**env) & MASKS.get(r, -1) if row and r in row[1] else None
                except TypeError:  # an operand was unknown (x)
                    new[r] = None
            self.state = new
        out = {r: (v, source) for r, v in self.state.items() if r in OUTPUTS}
        for name, (fn, src) in DERIVED.items():
            try:
                out[name] = (fn(**{**PARAMS, **self.state}), src)
            except TypeError:
                out[name] = (None, src)
        return out
'''

NEXT_STATE_TESTS = '''

@cocotb.test()
async def test_table_rows(dut):
    """Every row of the behaviour table, with corner and random values on the other inputs."""
    rng = random.Random(SEED)
    tb = Harness(dut, Model())
    await tb.start()
    for match, _, source in ROWS:
        for _ in range(12):
            drive = random_inputs(rng, reset_p=0.0)
            drive.update(match)
            await tb.cycle(drive, why=source)
'''

FIFO_MODEL = '''from collections import deque


class Model:
    """Writes accepted when not full, reads when not empty (flags from before the edge); data in order."""

    def __init__(self):
        self.q = deque()
        self.dout = RESET_VALUES.get(FIFO["dout"], (0, ""))[0]

    def step(self, inputs):
        if RESET and inputs[RESET] == RESET_ACTIVE:
            self.q.clear()
            self.dout = RESET_VALUES.get(FIFO["dout"], (0, ""))[0]
            source = "reset values table"
        else:
            do_write = inputs[FIFO["wr"]] and len(self.q) < DEPTH
            do_read = inputs[FIFO["rd"]] and len(self.q) > 0
            if do_read:
                self.dout = self.q.popleft()
            if do_write:
                self.q.append(inputs[FIFO["din"]] & MASKS[FIFO["din"]])
            source = "FIFO rules (When rules on write/read requests, full and empty)"
        out = {}
        if "full" in FIFO:
            out[FIFO["full"]] = (int(len(self.q) == DEPTH), source + "; full = (count == DEPTH)")
        if "empty" in FIFO:
            out[FIFO["empty"]] = (int(not self.q), source + "; empty = (count == 0)")
        if "count" in FIFO:
            out[FIFO["count"]] = (len(self.q), source + "; count = words stored")
        dout = self.dout if DOUT_REGISTERED else (self.q[0] if self.q else None)
        out[FIFO["dout"]] = (dout, source + "; dout = the word read most recently, in write order")
        return out
'''

FIFO_TESTS = '''

@cocotb.test()
async def test_fifo_fill_overflow_drain_underflow(dut):
    """Write DEPTH+2 words (the last two while full), read DEPTH+2 (the last two while empty), checked every cycle."""
    rng = random.Random(SEED)
    tb = Harness(dut, Model())
    await tb.start()
    for _ in range(DEPTH + 2):
        await tb.cycle({FIFO["wr"]: 1, FIFO["din"]: rng.getrandbits(INPUTS[FIFO["din"]])}, why="fill")
    for _ in range(DEPTH + 2):
        await tb.cycle({FIFO["rd"]: 1}, why="drain")


@cocotb.test()
async def test_fifo_simultaneous_read_write(dut):
    """Write and read together when empty, part full and full; pointers wrap several times."""
    rng = random.Random(SEED + 1)
    tb = Harness(dut, Model())
    await tb.start()
    for level in (0, 1, DEPTH // 2, DEPTH - 1, DEPTH):
        while len(tb.model.q) < level:
            await tb.cycle({FIFO["wr"]: 1, FIFO["din"]: rng.getrandbits(INPUTS[FIFO["din"]])}, why="fill")
        for _ in range(2 * DEPTH + 3):
            await tb.cycle({FIFO["wr"]: 1, FIFO["rd"]: 1, FIFO["din"]: rng.getrandbits(INPUTS[FIFO["din"]])},
                           why=f"write and read at level {level}")
        while tb.model.q:
            await tb.cycle({FIFO["rd"]: 1}, why="drain")
'''

SERIAL_MODEL = '''class Model:
    """Idle until REQUEST is taken while READY; then n counts edges and the outputs follow the segment table."""

    def __init__(self):
        self.n = None
        self.data = 0

    def step(self, inputs):
        if RESET and inputs[RESET] == RESET_ACTIVE:
            self.n, source = None, "reset values table"
        elif self.n is None:
            if inputs[REQUEST] and IDLE_OUT.get(READY, 1):
                self.n, self.data = 0, inputs[DATA] & MASKS[DATA]
            source = ACCEPT_SOURCE
        else:
            self.n += 1
            if self.n >= FRAME_END:
                self.n = None
            source = "waveform table"
        if self.n is None:
            return {k: (v, source if source != "waveform table" else "waveform table: after the frame")
                    for k, v in IDLE_OUT.items()}
        first, last, values, where = next(s for s in SEGMENTS if s[0] <= self.n <= s[1])
        return {k: ((self.data >> v[1]) & 1 if isinstance(v, tuple) else v, f"{where} (n = {self.n})")
                for k, v in values.items() if v is not None}

    def frame_bits(self):
        """(sample point, data bit) of every data segment: the middle of the segment."""
        return [((s[0] + s[1]) // 2, v[1]) for s in SEGMENTS for v in s[2].values() if isinstance(v, tuple)]
'''

SERIAL_TESTS = '''

async def send(tb, byte, hold=False):
    """Wait for READY, request once, run to the end of the frame; returns the output trace after acceptance."""
    for _ in range(FRAME_END + 2):
        if tb.read(READY) == IDLE_OUT.get(READY, 1):
            break
        await tb.cycle()
    await tb.cycle({REQUEST: 1, DATA: byte}, why=f"request 0x{byte:x}")
    trace = [tb.outputs()]
    for _ in range(FRAME_END):
        trace.append(await tb.cycle({REQUEST: int(hold), DATA: byte ^ 0xFF}, why="frame in flight"))
    return trace


@cocotb.test()
async def test_frames_sampled_mid_bit(dut):
    """Send bytes and decode the line like a receiver: sample each data bit in the middle of its segment."""
    tb = Harness(dut, Model())
    await tb.start()
    rng = random.Random(SEED)
    line = [k for k in OUTPUTS if any(isinstance(s[2].get(k), tuple) for s in SEGMENTS)]
    for byte in [0x00, 0xFF, 0xA5, 0x5A, 0x01, 0x80] + [rng.getrandbits(INPUTS[DATA]) for _ in range(4)]:
        trace = await send(tb, byte)
        for port in line:
            bits = {bit: trace[n][port] for n, bit in tb.model.frame_bits() if n < len(trace)}
            got = sum((v or 0) << bit for bit, v in bits.items())
            assert got == byte & MASKS[DATA], f"{port} = 0x{got:x} decoded mid-bit, spec expects 0x{byte:x} [{SEGMENTS[0][3]}]"


@cocotb.test()
async def test_request_held_and_reset_mid_frame(dut):
    """REQUEST held high (requests while busy are ignored, frames follow back to back), then resets mid-frame."""
    rng = random.Random(SEED + 1)
    tb = Harness(dut, Model())
    await tb.start()
    for _ in range(3 * FRAME_END + 5):
        await tb.cycle({REQUEST: 1, DATA: rng.getrandbits(INPUTS[DATA])}, why="request held high")
    for stop in (1, C, FRAME_END // 2, FRAME_END - 2):
        await tb.cycle({REQUEST: 1, DATA: rng.getrandbits(INPUTS[DATA])})
        for _ in range(stop):
            await tb.cycle()
        await tb.cycle({RESET: RESET_ACTIVE}, why="reset in the middle of a frame")
'''

FSM_MODEL = '''class Model:
    """The set of states the machine may be in (one after a reset to a known state); outputs are predicted
    where every candidate state (and, for Mealy outputs, its transition) agrees."""

    def __init__(self):
        self.states = set(STATES)

    def step(self, inputs):
        if RESET and inputs[RESET] == RESET_ACTIVE:
            self.states = {RESET_STATE} if RESET_STATE else set(STATES)
            source = RESET_DOC
        else:
            new = set()
            for s in self.states:
                nxt = [dst for src, cond, dst, _, _ in TRANSITIONS if src == s and cond(**pyenv(inputs))]
                new |= set(nxt) if nxt else set(STATES)  # no transition given: anywhere
            self.states = new
            source = "state diagram / table"
        return self.outputs(inputs, source)

    def outputs(self, inputs, source):
        out = {}
        for port in OUTPUTS:
            seen = set()
            for s in self.states:
                seen.add(state_output(s, port, inputs))
            if len(seen) == 1 and None not in seen:
                where = sorted(self.states)[0]
                out[port] = (seen.pop(), f"{FSM_SOURCE} state {where} ({source})")
        return out


def state_output(state, port, inputs):
    """The value of ``port`` in ``state`` (Moore) or on the transition the inputs take (Mealy); None: unknown."""
    bits = dict(MOORE.get(state, {}))
    taken = [outs for src, cond, dst, outs, _ in TRANSITIONS if src == state and outs and cond(**pyenv(inputs))]
    if taken:
        bits.update(taken[0])
    width = OUTPUTS[port]
    if port in bits:
        return bits[port]
    value = 0
    for i in range(width):
        key = f"{port}[{i}]" if width > 1 else port
        bit = bits.get(key, 0 if DEFAULT_ZERO else None)
        if bit is None:
            return None
        value |= bit << i
    return value
'''

RT_MODEL = '''class Model:
    """Registers and their next values from the spec (one update per active clock edge); outputs from them."""

    def __init__(self):
        self.state = {v: None for v in NEXT}

    def step(self, inputs):
        resetting = RESET and inputs[RESET] == RESET_ACTIVE
        env = pyenv({**PARAMS, **self.state, **inputs})
        new = {}
        for var, fn in NEXT.items():
            if resetting and RESET_STATE[var] != "follow":  # "follow": a register reset does not clear
                new[var] = RESET_STATE[var]
                continue
            try:
                value = fn(**env)
                new[var] = None if value is None else value & VMASK[var]
            except TypeError:  # an operand is unknown
                new[var] = None
        self.state = new
        env = pyenv({**PARAMS, **self.state, **inputs})
        out = {}
        for port, (fn, source) in OUTS.items():
            try:
                out[port] = (fn(**env), source)
            except TypeError:
                out[port] = (None, source)
        return out
'''
