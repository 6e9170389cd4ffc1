// A hand-written osu018 gate-level netlist for golden OpenSTA reports.
module tiny (clk, a, b, c, y, z);
  input clk;
  input a;
  input b;
  input c;
  output y;
  output z;
  wire clkb, q1, q2, n1, n2, n3;
  CLKBUF1 cb (.A(clk), .Y(clkb));
  DFFPOSX1 r1 (.CLK(clkb), .D(a), .Q(q1));
  DFFPOSX1 r2 (.CLK(clkb), .D(b), .Q(q2));
  NAND2X1 u1 (.A(q1), .B(q2), .Y(n1));
  INVX1 u2 (.A(n1), .Y(n2));
  XOR2X1 u3 (.A(n2), .B(q1), .Y(n3));
  DFFPOSX1 r3 (.CLK(clkb), .D(n3), .Q(y));
  AND2X1 u4 (.A(b), .B(c), .Y(z));
endmodule
