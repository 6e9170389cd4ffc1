"""cocotb testbench for mac16 (16x16 unsigned multiply-accumulate).

Checking scheme: inputs are driven just after each falling clk edge and sampled
by the DUT on the next rising edge; a Python reference model (MacModel) is
stepped once per rising edge with the same inputs, and every output (acc,
valid_out) is compared against the model at every falling edge.
"""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge

MASK32 = 0xFFFF_FFFF
MASK16 = 0xFFFF
CLK_NS = 10


class MacModel:
    """Cycle-accurate reference model of mac16 (see designs/mac16/spec.md)."""

    def __init__(self):
        self.acc = 0
        self.valid_out = 0

    def step(self, rst, en, clear, a, b):
        """Apply one rising clk edge with the given input values."""
        if rst:
            self.acc = 0
            self.valid_out = 0
            return
        product = (a & MASK16) * (b & MASK16)
        self.valid_out = 1 if en else 0
        if clear:
            self.acc = product if en else 0
        elif en:
            self.acc = (self.acc + product) & MASK32


class MacTB:
    """Drives mac16 one clock cycle at a time and checks it against MacModel."""

    def __init__(self, dut):
        self.dut = dut
        self.model = MacModel()
        self.cycles = 0

    async def start(self):
        self.dut.rst.value = 1
        self.dut.en.value = 0
        self.dut.clear.value = 0
        self.dut.a.value = 0
        self.dut.b.value = 0
        Clock(self.dut.clk, CLK_NS, unit="ns").start()
        await FallingEdge(self.dut.clk)
        await self.cycle(rst=1)
        await self.cycle(rst=1)

    def check(self):
        dut = self.dut
        acc = int(dut.acc.value)
        valid = int(dut.valid_out.value)
        assert acc == self.model.acc, (
            f"cycle {self.cycles}: acc=0x{acc:08x}, expected 0x{self.model.acc:08x}"
        )
        assert valid == self.model.valid_out, (
            f"cycle {self.cycles}: valid_out={valid}, expected {self.model.valid_out}"
        )

    async def cycle(self, rst=0, en=0, clear=0, a=0, b=0):
        """Drive one cycle of inputs (at a falling edge), clock it, check outputs."""
        dut = self.dut
        dut.rst.value = rst
        dut.en.value = en
        dut.clear.value = clear
        dut.a.value = a
        dut.b.value = b
        self.model.step(rst, en, clear, a, b)
        await FallingEdge(dut.clk)
        self.cycles += 1
        self.check()
        return int(dut.acc.value)


@cocotb.test()
async def test_reset_values(dut):
    """After reset acc is 0 and valid_out is 0; reset overrides en and clear."""
    tb = MacTB(dut)
    await tb.start()
    assert int(dut.acc.value) == 0
    assert int(dut.valid_out.value) == 0
    # Accumulate something, then reset with en/clear asserted: reset must win.
    await tb.cycle(en=1, a=1234, b=567)
    assert int(dut.acc.value) == 1234 * 567
    await tb.cycle(rst=1, en=1, clear=0, a=0xFFFF, b=0xFFFF)
    assert int(dut.acc.value) == 0 and int(dut.valid_out.value) == 0
    await tb.cycle(en=1, a=3, b=5)
    await tb.cycle(rst=1, en=1, clear=1, a=7, b=9)
    assert int(dut.acc.value) == 0 and int(dut.valid_out.value) == 0
    # Hold reset for several cycles with random inputs.
    rng = random.Random(11)
    for _ in range(5):
        await tb.cycle(rst=1, en=rng.getrandbits(1), clear=rng.getrandbits(1),
                       a=rng.getrandbits(16), b=rng.getrandbits(16))
        assert int(dut.acc.value) == 0


@cocotb.test()
async def test_spec_example(dut):
    """Replays the example sequence table from spec.md, cycle by cycle."""
    tb = MacTB(dut)
    await tb.start()
    seq = [
        # en, clear, a, b, acc after, valid after
        (1, 0, 3, 4, 12, 1),
        (1, 0, 5, 6, 42, 1),
        (0, 0, 7, 7, 42, 0),
        (1, 1, 2, 2, 4, 1),
        (0, 1, 0, 0, 0, 0),
        (1, 0, 65535, 65535, 0xFFFE0001, 1),
        (1, 0, 65535, 65535, 0xFFFC0002, 1),
    ]
    for en, clear, a, b, acc_exp, valid_exp in seq:
        await tb.cycle(en=en, clear=clear, a=a, b=b)
        assert int(dut.acc.value) == acc_exp
        assert int(dut.valid_out.value) == valid_exp


@cocotb.test()
async def test_product_corners(dut):
    """Each corner-case product is exact: clear+en loads acc with a*b alone."""
    tb = MacTB(dut)
    await tb.start()
    corners = [0, 1, 2, 3, 0x00FF, 0x0100, 0x5555, 0xAAAA, 0x7FFF, 0x8000,
               0xFFFE, 0xFFFF]
    corners += [1 << i for i in range(16)]
    for a in corners:
        for b in corners:
            await tb.cycle(en=1, clear=1, a=a, b=b)
            assert int(dut.acc.value) == a * b, f"{a:#x}*{b:#x}"
    # Operand order must not matter, and bit-lane tests of each input alone.
    rng = random.Random(7)
    for _ in range(64):
        a, b = rng.getrandbits(16), rng.getrandbits(16)
        await tb.cycle(en=1, clear=1, a=a, b=b)
        await tb.cycle(en=1, clear=1, a=b, b=a)


@cocotb.test()
async def test_accumulate_and_hold(dut):
    """acc adds a*b only when en is high; with en low acc holds and valid_out drops."""
    tb = MacTB(dut)
    await tb.start()
    rng = random.Random(3)
    total = 0
    for i in range(40):
        a, b = rng.getrandbits(16), rng.getrandbits(16)
        en = 1 if i % 3 != 2 else 0
        await tb.cycle(en=en, a=a, b=b)
        if en:
            total = (total + a * b) & MASK32
        assert int(dut.acc.value) == total
        assert int(dut.valid_out.value) == en
    # en low for many cycles with changing inputs: nothing moves.
    for _ in range(10):
        await tb.cycle(en=0, a=rng.getrandbits(16), b=rng.getrandbits(16))
        assert int(dut.acc.value) == total


@cocotb.test()
async def test_clear(dut):
    """clear with en reloads acc with a*b; clear without en zeroes acc."""
    tb = MacTB(dut)
    await tb.start()
    await tb.cycle(en=1, a=100, b=200)
    await tb.cycle(en=1, a=300, b=400)
    assert int(dut.acc.value) == 100 * 200 + 300 * 400
    await tb.cycle(en=1, clear=1, a=9, b=11)
    assert int(dut.acc.value) == 99 and int(dut.valid_out.value) == 1
    await tb.cycle(en=1, a=1, b=1)
    assert int(dut.acc.value) == 100
    await tb.cycle(en=0, clear=1, a=0xFFFF, b=0xFFFF)
    assert int(dut.acc.value) == 0 and int(dut.valid_out.value) == 0
    # clear while acc is already 0 and en low keeps it 0.
    await tb.cycle(en=0, clear=1, a=5, b=5)
    assert int(dut.acc.value) == 0
    # clear with en and a zero operand: acc must become exactly 0.
    await tb.cycle(en=1, a=0x1234, b=0x10)
    await tb.cycle(en=1, clear=1, a=0, b=0xFFFF)
    assert int(dut.acc.value) == 0 and int(dut.valid_out.value) == 1


@cocotb.test()
async def test_wraparound(dut):
    """The 32-bit sum wraps modulo 2**32 when accumulating large products."""
    tb = MacTB(dut)
    await tb.start()
    expected = 0
    for _ in range(70):
        await tb.cycle(en=1, a=0xFFFF, b=0xFFFF)
        expected = (expected + 0xFFFF * 0xFFFF) & MASK32
        assert int(dut.acc.value) == expected
    # Carry ripple across all 32 bits: acc = 0xFFFF_FFFF then +1 -> 0.
    await tb.cycle(en=1, clear=1, a=0xFFFF, b=0xFFFF)  # 0xFFFE0001
    await tb.cycle(en=1, a=0xFFFE, b=1)                 # 0xFFFEFFFF
    await tb.cycle(en=1, a=0xFFFF, b=0x0001)            # 0xFFFFFFFE
    await tb.cycle(en=1, a=1, b=1)                      # 0xFFFFFFFF
    assert int(dut.acc.value) == 0xFFFF_FFFF
    await tb.cycle(en=1, a=1, b=1)
    assert int(dut.acc.value) == 0


@cocotb.test()
async def test_random(dut):
    """Seeded random en/clear/rst/a/b stimulus, scoreboard-checked every cycle."""
    tb = MacTB(dut)
    await tb.start()
    rng = random.Random(0xC0C07B)
    for i in range(3000):
        rst = 1 if rng.random() < 0.01 else 0
        clear = 1 if rng.random() < 0.05 else 0
        en = 1 if rng.random() < 0.7 else 0
        mode = rng.random()
        if mode < 0.1:
            a, b = 0xFFFF, rng.choice([0xFFFF, rng.getrandbits(16)])
        elif mode < 0.2:
            a, b = rng.getrandbits(4), rng.getrandbits(4)
        else:
            a, b = rng.getrandbits(16), rng.getrandbits(16)
        await tb.cycle(rst=rst, en=en, clear=clear, a=a, b=b)
    dut._log.info("random: %d cycles checked, final acc=0x%08x", tb.cycles, tb.model.acc)
