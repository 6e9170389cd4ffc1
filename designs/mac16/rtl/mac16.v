// mac16 -- 16x16 unsigned multiply-accumulate (Verilog-2001).
//
// One multiply and one 32-bit add sit between the input ports and the acc
// register, so the critical path is a -> product -> acc.  The multiplier is a
// single named expression (`product`) so it can be pipelined later.
//
// Behaviour on each rising clk edge (priority order):
//   rst            : acc <= 0, valid_out <= 0
//   clear &&  en   : acc <= a * b         (start a new accumulation)
//   clear && !en   : acc <= 0
//   !clear &&  en  : acc <= acc + a * b   (wraps modulo 2**32)
//   otherwise      : acc holds
//   valid_out <= en (unless rst): high for one cycle after each accepted product.
`default_nettype none

module mac16 (
    input  wire        clk,       // rising-edge clock
    input  wire        rst,       // synchronous reset, active high
    input  wire        en,        // accept a and b this cycle
    input  wire        clear,     // restart the accumulation
    input  wire [15:0] a,         // multiplicand (unsigned)
    input  wire [15:0] b,         // multiplier (unsigned)
    output reg  [31:0] acc,       // accumulated sum of products
    output reg         valid_out  // acc holds a freshly accumulated value
);

    // The multiplier: 16x16 unsigned -> 32-bit product (combinational).
    wire [31:0] product = a * b;

    // Accumulator register.
    always @(posedge clk) begin
        if (rst) begin
            acc       <= 32'd0;
            valid_out <= 1'b0;
        end else begin
            valid_out <= en;
            if (clear) begin
                acc <= en ? product : 32'd0;
            end else if (en) begin
                acc <= acc + product;
            end
        end
    end

endmodule

`default_nettype wire
