"""cocotb testbench for uart_tx (8N1 UART transmitter, LSB first).

Checking scheme: inputs are driven just after each falling clk edge and sampled
by the DUT on the next rising edge. A cycle-accurate Python reference model
(UartModel) is stepped once per rising edge, and every output (tx, busy,
tx_ready) is compared against it at every falling edge. Independently, a
serial-line monitor (decode_frame) samples tx in the middle of each bit, like a
real receiver, and the decoded bytes are compared with the bytes that were sent.

CLKS_PER_BIT is read from the DUT parameter when the simulator exposes it, else
from the CLKS_PER_BIT environment variable, else the RTL default (16).
"""

import os
import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge

CLK_NS = 10
DEFAULT_CLKS_PER_BIT = 16
FRAME_BITS = 10  # start + 8 data + stop


def clks_per_bit(dut):
    try:
        return int(dut.CLKS_PER_BIT.value)
    except Exception:  # parameter not visible through this simulator's VPI
        return int(os.environ.get("CLKS_PER_BIT", DEFAULT_CLKS_PER_BIT))


def frame_levels(byte):
    """Line level of each of the 10 bits of an 8N1 frame, in time order."""
    return [0] + [(byte >> i) & 1 for i in range(8)] + [1]


class UartModel:
    """Cycle-accurate reference model of uart_tx (see designs/uart_tx/spec.md).

    After the edge that accepts a byte, `n` counts rising edges since that edge;
    the frame lasts FRAME_BITS * cpb cycles and bit k occupies
    n in [k*cpb, (k+1)*cpb).
    """

    def __init__(self, cpb):
        self.cpb = cpb
        self.n = None  # None: idle
        self.data = 0

    @property
    def tx_ready(self):
        return int(self.n is None)

    @property
    def busy(self):
        return int(self.n is not None)

    @property
    def tx(self):
        if self.n is None:
            return 1
        return frame_levels(self.data)[self.n // self.cpb]

    def step(self, rst, tx_start, tx_data):
        """Apply one rising clk edge; returns True when a byte is accepted."""
        if rst:
            self.n = None
            return False
        if self.n is None:
            if tx_start:
                self.n = 0
                self.data = tx_data & 0xFF
                return True
            return False
        self.n += 1
        if self.n == FRAME_BITS * self.cpb:
            self.n = None
        return False


class UartTB:
    """Drives uart_tx one clock cycle at a time; checks outputs and decodes the line."""

    def __init__(self, dut):
        self.dut = dut
        self.cpb = clks_per_bit(dut)
        self.model = UartModel(self.cpb)
        self.cycles = 0
        self.sent = []        # bytes accepted (per the model)
        self.line = []        # tx level after every edge since the last reset
        self.ready_trace = []

    async def start(self):
        dut = self.dut
        dut.rst.value = 1
        dut.tx_start.value = 0
        dut.tx_data.value = 0
        Clock(dut.clk, CLK_NS, unit="ns").start()
        await FallingEdge(dut.clk)
        await self.cycle(rst=1)
        await self.cycle(rst=1)
        self.line.clear()
        self.ready_trace.clear()
        dut._log.info("uart_tx CLKS_PER_BIT=%d", self.cpb)

    def check(self):
        dut, m = self.dut, self.model
        got = {
            "tx": int(dut.tx.value),
            "busy": int(dut.busy.value),
            "tx_ready": int(dut.tx_ready.value),
        }
        exp = {"tx": m.tx, "busy": m.busy, "tx_ready": m.tx_ready}
        assert got == exp, (
            f"cycle {self.cycles}: got {got}, expected {exp} "
            f"(model frame cycle {m.n}, data 0x{m.data:02x})"
        )

    async def cycle(self, rst=0, tx_start=0, tx_data=0):
        """Drive one cycle of inputs, clock it, check all outputs."""
        dut = self.dut
        dut.rst.value = rst
        dut.tx_start.value = tx_start
        dut.tx_data.value = tx_data & 0xFF
        accepted = self.model.step(rst, tx_start, tx_data)
        if accepted:
            self.sent.append(tx_data & 0xFF)
        await FallingEdge(dut.clk)
        self.cycles += 1
        self.check()
        self.line.append(int(dut.tx.value))
        self.ready_trace.append(int(dut.tx_ready.value))
        return accepted

    async def idle(self, n):
        for _ in range(n):
            await self.cycle()

    async def send(self, byte, hold_data_until_done=False, noise=None):
        """Wait for tx_ready, pulse tx_start for one cycle, wait until the frame ends.

        While the frame is in flight tx_data is scrambled (noise) unless
        hold_data_until_done, proving the byte is latched at acceptance.
        """
        while not int(self.dut.tx_ready.value):
            await self.cycle()
        assert await self.cycle(tx_start=1, tx_data=byte)
        while not int(self.dut.tx_ready.value):
            junk = byte if hold_data_until_done or noise is None else noise.getrandbits(8)
            await self.cycle(tx_data=junk)

    def decode_frame(self, line, start):
        """Decode one frame from line levels, starting at the first start-bit cycle."""
        cpb = self.cpb
        mid = cpb // 2
        levels = [line[start + k * cpb + mid] for k in range(FRAME_BITS)]
        assert levels[0] == 0, f"start bit not low at cycle {start}"
        assert levels[9] == 1, f"stop bit not high (frame at cycle {start})"
        return sum(bit << i for i, bit in enumerate(levels[1:9]))

    def decode_all(self, allow_truncated=False):
        """Scan the recorded line like a receiver: find falling edges, decode frames."""
        out, i, line = [], 0, self.line
        prev = 1
        while i < len(line):
            if prev == 1 and line[i] == 0:
                if i + FRAME_BITS * self.cpb > len(line):
                    if allow_truncated:
                        break
                    raise AssertionError("frame truncated at end of trace")
                out.append(self.decode_frame(line, i))
                i += FRAME_BITS * self.cpb - 1
                prev = line[i]
                i += 1
                continue
            prev = line[i]
            i += 1
        return out


@cocotb.test()
async def test_reset_values(dut):
    """After reset tx=1 (idle), busy=0, tx_ready=1; tx_start during reset is ignored."""
    tb = UartTB(dut)
    await tb.start()
    assert int(dut.tx.value) == 1
    assert int(dut.busy.value) == 0
    assert int(dut.tx_ready.value) == 1
    for _ in range(3):
        await tb.cycle(rst=1, tx_start=1, tx_data=0x00)
        assert int(dut.tx.value) == 1 and int(dut.tx_ready.value) == 1
    # Idle line stays high and ready with no request.
    await tb.idle(2 * tb.cpb)
    assert all(v == 1 for v in tb.line)


@cocotb.test()
async def test_single_frame_timing(dut):
    """Each bit of the frame (start, d0..d7 LSB first, stop) lasts exactly CLKS_PER_BIT cycles."""
    tb = UartTB(dut)
    await tb.start()
    for byte in (0xA5, 0x00, 0xFF, 0x01, 0x80, 0x5A, 0x3C):
        tb.line.clear()
        await tb.send(byte)
        # line[0] is the level after the accepting edge: the start bit.
        expected = []
        for level in frame_levels(byte):
            expected += [level] * tb.cpb
        assert tb.line[:-1] == expected, f"frame for 0x{byte:02x} has wrong bit timing"
        assert tb.line[-1] == 1, "line not idle-high after the stop bit"
        assert tb.decode_frame(tb.line, 0) == byte
        await tb.idle(3)


@cocotb.test()
async def test_tx_ready_handshake(dut):
    """tx_ready is low for exactly 10*CLKS_PER_BIT cycles per frame; starts while busy are ignored."""
    tb = UartTB(dut)
    await tb.start()
    assert await tb.cycle(tx_start=1, tx_data=0xC3)
    assert int(dut.tx_ready.value) == 0 and int(dut.busy.value) == 1
    # Keep requesting another byte while busy: it must be ignored until tx_ready.
    n = 0
    while not await tb.cycle(tx_start=1, tx_data=0x3C):
        n += 1
        assert n <= FRAME_BITS * tb.cpb + 1, "second byte never accepted"
    n += 1
    assert n == FRAME_BITS * tb.cpb + 1, f"second byte accepted {n} cycles after the first"
    assert tb.ready_trace[-(n + 1):] == [0] * (FRAME_BITS * tb.cpb) + [1, 0]
    # tx_start was still high: the next byte is accepted on the first ready edge.
    assert tb.sent == [0xC3, 0x3C]
    while not int(dut.tx_ready.value):
        await tb.cycle()
    assert tb.decode_all() == [0xC3, 0x3C]


@cocotb.test()
async def test_data_latched_at_start(dut):
    """tx_data is captured when the request is taken; later changes do not alter the frame."""
    tb = UartTB(dut)
    await tb.start()
    noise = random.Random(5)
    for byte in (0x96, 0x0F, 0xF0, 0x55, 0xAA):
        await tb.send(byte, noise=noise)
        await tb.idle(1)
    assert tb.decode_all() == [0x96, 0x0F, 0xF0, 0x55, 0xAA]


@cocotb.test()
async def test_back_to_back(dut):
    """tx_start held high with a byte stream: frames follow each other with a 1-cycle idle gap."""
    tb = UartTB(dut)
    await tb.start()
    stream = [0x12, 0x34, 0x56, 0x78, 0x9A]
    idx = 0
    accept_cycles = []
    while idx < len(stream):
        accepted = await tb.cycle(tx_start=1, tx_data=stream[idx])
        if accepted:
            accept_cycles.append(tb.cycles)
            idx += 1
    while not int(dut.tx_ready.value):
        await tb.cycle()
    gaps = [b - a for a, b in zip(accept_cycles, accept_cycles[1:])]
    assert gaps == [FRAME_BITS * tb.cpb + 1] * (len(stream) - 1), gaps
    assert tb.decode_all() == stream


@cocotb.test()
async def test_reset_during_frame(dut):
    """A synchronous reset mid-frame returns the line to idle-high and tx_ready to 1."""
    tb = UartTB(dut)
    await tb.start()
    for abort_after in (1, tb.cpb, 4 * tb.cpb + 1, 9 * tb.cpb + 2):
        await tb.cycle(tx_start=1, tx_data=0x00)
        for _ in range(abort_after):
            await tb.cycle()
        await tb.cycle(rst=1)
        assert int(dut.tx.value) == 1 and int(dut.tx_ready.value) == 1
        await tb.idle(2)
    # After the aborted frames a clean frame still goes out correctly.
    tb.line.clear()
    await tb.send(0x6B)
    assert tb.decode_frame(tb.line, 0) == 0x6B


@cocotb.test()
async def test_random(dut):
    """Seeded random tx_start/tx_data/rst traffic, checked every cycle and decoded off the line."""
    tb = UartTB(dut)
    await tb.start()
    rng = random.Random(0x0A27)
    frames = 0
    for _ in range(30 * FRAME_BITS * tb.cpb):
        rst = 1 if rng.random() < 0.0005 else 0
        if rst:
            done = tb.decode_all(allow_truncated=True)
            assert done == tb.sent[: len(done)] and len(done) >= len(tb.sent) - 1
            tb.sent.clear()
        start = int(rng.random() < 0.2)
        frames += await tb.cycle(rst=rst, tx_start=start, tx_data=rng.getrandbits(8))
        if rst:
            tb.line.clear()
    while not int(dut.tx_ready.value):
        await tb.cycle()
    decoded = tb.decode_all()
    dut._log.info("random: %d cycles, %d frames (%d since last reset)",
                  tb.cycles, frames, len(decoded))
    assert decoded == tb.sent
    assert frames >= 20
