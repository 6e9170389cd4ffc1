"""alu8 -- 8-bit registered ALU written in Amaranth HDL (0.5).

The result and carry are computed combinationally from ``a``, ``b`` and ``op``
and registered on every rising edge of the default ``sync`` domain (ports
``clk`` and ``rst``; ``rst`` is synchronous and active high). ``zero`` is
combinational from the registered result.

Opcode table (``op``, 3 bits):

====  =====  ===========================  ===========================
 op   name   y (next)                     carry (next)
====  =====  ===========================  ===========================
  0   ADD    (a + b) mod 256              carry out of bit 7
  1   SUB    (a - b) mod 256              borrow: 1 when a < b
  2   AND    a & b                        0
  3   OR     a | b                        0
  4   XOR    a ^ b                        0
  5   SHL    (a << 1) mod 256             a[7] (bit shifted out)
  6   SHR    a >> 1 (logical)             a[0] (bit shifted out)
  7   SLTU   1 if a < b (unsigned) else 0  0
====  =====  ===========================  ===========================

Convert to Verilog with::

    from amaranth.back import verilog
    verilog.convert(ALU8(), name="alu8")
"""

from amaranth.hdl import Module, Signal
from amaranth.lib import enum, wiring
from amaranth.lib.wiring import In, Out


class Op(enum.Enum, shape=3):
    """ALU operation codes (value of the ``op`` port)."""

    ADD = 0
    SUB = 1
    AND = 2
    OR = 3
    XOR = 4
    SHL = 5
    SHR = 6
    SLTU = 7


class ALU8(wiring.Component):
    """8-bit ALU with a registered result and carry, and a combinational zero flag.

    Ports (besides ``clk`` and ``rst`` from the ``sync`` domain):

    - ``a``, ``b``: 8-bit unsigned operands.
    - ``op``: 3-bit opcode, see :class:`Op`.
    - ``y``: 8-bit result register, reset value 0.
    - ``carry``: carry/borrow/shifted-out bit register, reset value 0.
    - ``zero``: 1 when ``y`` is 0 (combinational from the ``y`` register).
    """

    a: In(8)
    b: In(8)
    op: In(Op)
    y: Out(8)
    carry: Out(1)
    zero: Out(1)

    def elaborate(self, platform):
        m = Module()

        result = Signal(8)  # next value of y
        carry_nxt = Signal()  # next value of carry

        with m.Switch(self.op):
            with m.Case(Op.ADD):
                total = self.a + self.b  # 9-bit sum
                m.d.comb += [result.eq(total[:8]), carry_nxt.eq(total[8])]
            with m.Case(Op.SUB):
                m.d.comb += [result.eq(self.a - self.b), carry_nxt.eq(self.a < self.b)]
            with m.Case(Op.AND):
                m.d.comb += [result.eq(self.a & self.b), carry_nxt.eq(0)]
            with m.Case(Op.OR):
                m.d.comb += [result.eq(self.a | self.b), carry_nxt.eq(0)]
            with m.Case(Op.XOR):
                m.d.comb += [result.eq(self.a ^ self.b), carry_nxt.eq(0)]
            with m.Case(Op.SHL):
                m.d.comb += [result.eq(self.a << 1), carry_nxt.eq(self.a[7])]
            with m.Case(Op.SHR):
                m.d.comb += [result.eq(self.a >> 1), carry_nxt.eq(self.a[0])]
            with m.Case(Op.SLTU):
                m.d.comb += [result.eq(self.a < self.b), carry_nxt.eq(0)]

        # Registered outputs (reset to 0 by the synchronous rst of the sync domain).
        m.d.sync += [self.y.eq(result), self.carry.eq(carry_nxt)]

        # Zero flag: combinational from the registered result.
        m.d.comb += self.zero.eq(~self.y.any())

        return m


if __name__ == "__main__":
    import sys

    from amaranth.back import verilog

    text = verilog.convert(ALU8(), name="alu8")
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w") as f:
            f.write(text)
    else:
        print(text)
