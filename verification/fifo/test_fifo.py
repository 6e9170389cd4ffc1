"""cocotb testbench for fifo (parameterized synchronous FIFO).

Checking scheme: inputs are driven just after each falling clk edge and sampled
by the DUT on the next rising edge. A Python reference model (FifoModel, a
deque plus the registered dout) is stepped once per rising edge with the same
inputs, and every output (dout, full, empty, count) is compared against the
model at every falling edge.

WIDTH and DEPTH are taken from the DUT's port widths (len(din) and
len(count) = log2(DEPTH) + 1), so the tests also run with overridden parameters.
"""

import random
from collections import deque

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge

CLK_NS = 10


class FifoModel:
    """Cycle-accurate reference model of fifo (see designs/fifo/spec.md)."""

    def __init__(self, depth, width):
        self.depth = depth
        self.mask = (1 << width) - 1
        self.q = deque()
        self.dout = 0

    @property
    def count(self):
        return len(self.q)

    @property
    def full(self):
        return int(len(self.q) == self.depth)

    @property
    def empty(self):
        return int(len(self.q) == 0)

    def step(self, rst, wr_en, din, rd_en):
        """Apply one rising clk edge; returns (wrote, read) flags."""
        if rst:
            self.q.clear()
            self.dout = 0
            return False, False
        do_write = bool(wr_en) and not self.full
        do_read = bool(rd_en) and not self.empty
        if do_read:
            self.dout = self.q.popleft()
        if do_write:
            self.q.append(din & self.mask)
        return do_write, do_read


class FifoTB:
    """Drives the FIFO one clock cycle at a time and checks it against FifoModel."""

    def __init__(self, dut):
        self.dut = dut
        self.width = len(dut.din)
        self.depth = 1 << (len(dut.count) - 1)
        self.mask = (1 << self.width) - 1
        self.model = FifoModel(self.depth, self.width)
        self.cycles = 0
        self.writes = 0
        self.reads = 0

    async def start(self):
        dut = self.dut
        dut.rst.value = 1
        dut.wr_en.value = 0
        dut.rd_en.value = 0
        dut.din.value = 0
        Clock(dut.clk, CLK_NS, unit="ns").start()
        await FallingEdge(dut.clk)
        await self.cycle(rst=1)
        await self.cycle(rst=1)
        dut._log.info("fifo WIDTH=%d DEPTH=%d", self.width, self.depth)

    def check(self):
        dut, m = self.dut, self.model
        got = {
            "dout": int(dut.dout.value),
            "full": int(dut.full.value),
            "empty": int(dut.empty.value),
            "count": int(dut.count.value),
        }
        exp = {"dout": m.dout, "full": m.full, "empty": m.empty, "count": m.count}
        assert got == exp, f"cycle {self.cycles}: got {got}, expected {exp}"

    async def cycle(self, rst=0, wr_en=0, din=0, rd_en=0):
        """Drive one cycle of inputs, clock it, check all outputs."""
        dut = self.dut
        dut.rst.value = rst
        dut.wr_en.value = wr_en
        dut.din.value = din & self.mask
        dut.rd_en.value = rd_en
        wrote, read = self.model.step(rst, wr_en, din, rd_en)
        self.writes += wrote
        self.reads += read
        await FallingEdge(dut.clk)
        self.cycles += 1
        self.check()
        return wrote, read

    async def write(self, din):
        return await self.cycle(wr_en=1, din=din)

    async def read(self):
        await self.cycle(rd_en=1)
        return int(self.dut.dout.value)

    def pattern(self, i):
        """Distinct, bit-rich data words: walking ones/zeros then a counter mix."""
        w = self.width
        if i < w:
            return 1 << i
        if i < 2 * w:
            return self.mask ^ (1 << (i - w))
        return (i * 0x9E3779B1 >> 7) & self.mask


@cocotb.test()
async def test_reset_values(dut):
    """After reset: empty=1, full=0, count=0, dout=0; reset wins over wr_en/rd_en."""
    tb = FifoTB(dut)
    await tb.start()
    assert int(dut.empty.value) == 1
    assert int(dut.full.value) == 0
    assert int(dut.count.value) == 0
    assert int(dut.dout.value) == 0
    # Put data in, read one word so dout is non-zero, then reset with requests high.
    for i in range(3):
        await tb.write(0x5A + i)
    await tb.read()
    assert int(dut.dout.value) == 0x5A & tb.mask
    await tb.cycle(rst=1, wr_en=1, din=0x33, rd_en=1)
    assert int(dut.count.value) == 0 and int(dut.empty.value) == 1
    assert int(dut.dout.value) == 0
    # After reset the old contents are gone: the next read is of new data only.
    await tb.write(0x11)
    assert await tb.read() == 0x11 & tb.mask
    assert int(dut.empty.value) == 1


@cocotb.test()
async def test_fill_to_full(dut):
    """Writing DEPTH words raises full exactly at count == DEPTH; data reads back in order."""
    tb = FifoTB(dut)
    await tb.start()
    data = [tb.pattern(i) for i in range(tb.depth)]
    for i, d in enumerate(data):
        assert int(dut.full.value) == 0
        await tb.write(d)
        assert int(dut.count.value) == i + 1
        assert int(dut.empty.value) == 0
    assert int(dut.full.value) == 1
    out = []
    for i in range(tb.depth):
        out.append(await tb.read())
        assert int(dut.full.value) == 0
        assert int(dut.count.value) == tb.depth - 1 - i
    assert out == data
    assert int(dut.empty.value) == 1


@cocotb.test()
async def test_overflow(dut):
    """Writes while full are ignored: count stays DEPTH and the extra data never appears."""
    tb = FifoTB(dut)
    await tb.start()
    data = [tb.pattern(i + 3) for i in range(tb.depth)]
    for d in data:
        await tb.write(d)
    assert int(dut.full.value) == 1
    for i in range(tb.depth + 3):
        wrote, _ = await tb.write(tb.mask ^ data[i % tb.depth])
        assert not wrote
        assert int(dut.count.value) == tb.depth and int(dut.full.value) == 1
    out = [await tb.read() for _ in range(tb.depth)]
    assert out == data, "a write while full corrupted the FIFO contents"
    assert int(dut.empty.value) == 1
    # Drained FIFO accepts writes again.
    await tb.write(0x42)
    assert int(dut.count.value) == 1


@cocotb.test()
async def test_underflow(dut):
    """Reads while empty are ignored: count stays 0, dout keeps its last value."""
    tb = FifoTB(dut)
    await tb.start()
    for _ in range(4):
        await tb.read()
        assert int(dut.count.value) == 0 and int(dut.empty.value) == 1
        assert int(dut.dout.value) == 0
    await tb.write(0xA5)
    assert int(dut.empty.value) == 0 and int(dut.count.value) == 1
    assert await tb.read() == 0xA5 & tb.mask
    for _ in range(4):
        await tb.read()
        assert int(dut.dout.value) == 0xA5 & tb.mask, "dout changed on an empty read"
        assert int(dut.count.value) == 0
    # The next write after underflow attempts is read back correctly.
    await tb.write(0x3C)
    assert await tb.read() == 0x3C & tb.mask


@cocotb.test()
async def test_simultaneous_read_write(dut):
    """wr_en and rd_en together: count unchanged mid-range; only write when empty, only read when full."""
    tb = FifoTB(dut)
    await tb.start()
    # Empty: the read is ignored, the write happens.
    wrote, read = await tb.cycle(wr_en=1, din=0x01, rd_en=1)
    assert wrote and not read and int(dut.count.value) == 1
    for i in range(min(3, tb.depth - 2)):
        await tb.write(0x10 + i)
    # Mid-range: both happen, count holds, data order preserved.
    for i in range(2 * tb.depth):
        before = int(dut.count.value)
        wrote, read = await tb.cycle(wr_en=1, din=0x80 + i, rd_en=1)
        assert wrote and read
        assert int(dut.count.value) == before
    # Fill up, then both at full: the write is ignored, the read happens.
    while not tb.model.full:
        await tb.write(tb.pattern(tb.model.count))
    head = tb.model.q[0]
    wrote, read = await tb.cycle(wr_en=1, din=0xEE, rd_en=1)
    assert read and not wrote
    assert int(dut.dout.value) == head
    assert int(dut.count.value) == tb.depth - 1 and int(dut.full.value) == 0
    while not tb.model.empty:
        await tb.read()


@cocotb.test()
async def test_wrap_around(dut):
    """Pointers wrap past DEPTH-1 many times at several fill levels without losing order."""
    tb = FifoTB(dut)
    await tb.start()
    n = 0
    for level in (1, 2, tb.depth // 2, tb.depth - 1, tb.depth):
        while tb.model.count < level:
            await tb.write(tb.pattern(n))
            n += 1
        # Steady state: one write + one read per cycle (or alternating when full).
        for _ in range(3 * tb.depth):
            if tb.model.full:
                await tb.read()
                await tb.write(tb.pattern(n))
            else:
                await tb.cycle(wr_en=1, din=tb.pattern(n), rd_en=1)
            n += 1
        while tb.model.count:
            await tb.read()
    assert tb.writes == tb.reads
    assert tb.writes > 4 * tb.depth


@cocotb.test()
async def test_random(dut):
    """Seeded random wr_en/rd_en/din/rst traffic in several phases, scoreboard-checked every cycle."""
    tb = FifoTB(dut)
    await tb.start()
    rng = random.Random(0xF1F0)
    phases = [(0.5, 0.5), (0.9, 0.2), (0.2, 0.9), (0.7, 0.7), (1.0, 0.1), (0.1, 1.0)]
    for p_wr, p_rd in phases:
        for _ in range(400):
            rst = 1 if rng.random() < 0.005 else 0
            await tb.cycle(rst=rst,
                           wr_en=int(rng.random() < p_wr),
                           din=rng.getrandbits(tb.width),
                           rd_en=int(rng.random() < p_rd))
    dut._log.info("random: %d cycles, %d writes, %d reads", tb.cycles, tb.writes, tb.reads)
    assert tb.writes > 500 and tb.reads > 500
