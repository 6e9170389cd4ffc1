// fifo -- parameterized synchronous FIFO (Verilog-2001 + $clog2).
//
// One clock, synchronous active-high reset, registered read data.
//   * A write happens when wr_en is high and the FIFO is not full.
//   * A read happens when rd_en is high and the FIFO is not empty; the word
//     at the head appears on dout after that clock edge and dout then holds
//     its value until the next read.
//   * A write while full and a read while empty are ignored (no state change).
//   * Simultaneous read and write (neither blocked) leave count unchanged.
`default_nettype none

module fifo #(
    parameter WIDTH = 8,   // data word width in bits
    parameter DEPTH = 16   // number of words; must be a power of two, >= 2
) (
    input  wire                   clk,    // rising-edge clock
    input  wire                   rst,    // synchronous reset, active high
    input  wire                   wr_en,  // write request
    input  wire [WIDTH-1:0]       din,    // write data
    input  wire                   rd_en,  // read request
    output reg  [WIDTH-1:0]       dout,   // read data (registered)
    output wire                   full,   // count == DEPTH, writes are ignored
    output wire                   empty,  // count == 0, reads are ignored
    output reg  [$clog2(DEPTH):0] count   // number of words stored, 0..DEPTH
);

    localparam              ADDR_W     = $clog2(DEPTH);          // pointer width
    localparam [ADDR_W-1:0] LAST_ADDR  = {ADDR_W{1'b1}};         // DEPTH-1, highest slot
    localparam [ADDR_W:0]   FULL_COUNT = {1'b1, {ADDR_W{1'b0}}}; // DEPTH, count when full

    reg [WIDTH-1:0]  mem [0:DEPTH-1];  // storage array, not reset
    reg [ADDR_W-1:0] wr_ptr;           // next slot to write
    reg [ADDR_W-1:0] rd_ptr;           // next slot to read (head of the queue)

    wire do_write = wr_en && !full;    // accepted write this cycle
    wire do_read  = rd_en && !empty;   // accepted read this cycle

    assign full  = (count == FULL_COUNT);
    assign empty = (count == {(ADDR_W+1){1'b0}});

    // Storage: the memory array is written without reset.
    always @(posedge clk) begin
        if (do_write) begin
            mem[wr_ptr] <= din;
        end
    end

    // Write pointer.
    always @(posedge clk) begin
        if (rst) begin
            wr_ptr <= {ADDR_W{1'b0}};
        end else if (do_write) begin
            if (wr_ptr == LAST_ADDR) begin
                wr_ptr <= {ADDR_W{1'b0}};  // wrap: after the last slot, write slot 0 next
            end else begin
                wr_ptr <= wr_ptr + 1'b1;
            end
        end
    end

    // Read pointer and registered read data.
    always @(posedge clk) begin
        if (rst) begin
            rd_ptr <= {ADDR_W{1'b0}};
            dout   <= {WIDTH{1'b0}};
        end else if (do_read) begin
            dout <= mem[rd_ptr];
            if (rd_ptr == LAST_ADDR) begin
                rd_ptr <= {ADDR_W{1'b0}};  // wrap: after the last slot, read slot 0 next
            end else begin
                rd_ptr <= rd_ptr + 1'b1;
            end
        end
    end

    // Occupancy counter.
    always @(posedge clk) begin
        if (rst) begin
            count <= {(ADDR_W+1){1'b0}};
        end else if (do_write && !do_read) begin
            count <= count + 1'b1;
        end else if (do_read && !do_write) begin
            count <= count - 1'b1;
        end
    end

endmodule

`default_nettype wire
