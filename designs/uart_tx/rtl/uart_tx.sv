// uart_tx -- UART transmitter, 8N1, LSB first (SystemVerilog).
//
// A byte is accepted on a rising clk edge where tx_start and tx_ready are both
// high. The frame is then shifted out on `tx`: one start bit (0), eight data
// bits (tx_data[0] first) and one stop bit (1), each CLKS_PER_BIT clock cycles
// long. tx_ready goes high again once the stop bit has been fully sent.
`default_nettype none

module uart_tx #(
    parameter int CLKS_PER_BIT = 16           // clock cycles per bit (clk_hz / baud), >= 2
) (
    input  logic       clk,       // rising-edge clock
    input  logic       rst,       // synchronous reset, active high
    input  logic       tx_start,  // request to send tx_data (taken only when tx_ready)
    input  logic [7:0] tx_data,   // byte to send, sampled when the request is taken
    output logic       tx,        // serial output, idle high (registered)
    output logic       busy,      // a frame is being sent
    output logic       tx_ready   // high when a new byte can be accepted
);

    // Transmitter state machine: one state per part of an 8N1 frame.
    typedef enum logic [1:0] {
        S_IDLE  = 2'd0,  // line idle (high), ready for a new byte
        S_START = 2'd1,  // driving the start bit (low)
        S_DATA  = 2'd2,  // driving data bits 0..7, LSB first
        S_STOP  = 2'd3   // driving the stop bit (high)
    } state_t;

    localparam int               CNT_W     = $clog2(CLKS_PER_BIT);        // width of the bit-time counter
    localparam logic [CNT_W-1:0] LAST_TICK = CNT_W'(CLKS_PER_BIT - 1);     // last cycle of a bit
    localparam logic [2:0]       LAST_BIT  = 3'(uart_pkg::DATA_BITS - 1);  // index of the MSB

    state_t           state;     // current state of the frame
    state_t           state_nxt; // next state (combinational)
    logic [CNT_W-1:0] tick;      // clock cycles spent in the current bit, 0..CLKS_PER_BIT-1
    logic [2:0]       bit_idx;   // index of the data bit being sent, 0..7
    logic [7:0]       data_q;    // byte latched when the request was taken
    logic             bit_done;  // last clock cycle of the current bit
    logic             accept;    // a new byte is taken on this edge

    // tx_ready is driven only by the state register: high exactly in S_IDLE.
    assign tx_ready = (state == S_IDLE);
    assign busy     = ~tx_ready;

    assign accept   = tx_start && tx_ready;
    assign bit_done = (tick == LAST_TICK);

    // Next-state logic.
    always_comb begin
        state_nxt = state;
        case (state)
            S_IDLE:  if (accept)   state_nxt = S_START;
            S_START: if (bit_done) state_nxt = S_DATA;
            S_DATA:  if (bit_done && bit_idx == LAST_BIT) state_nxt = S_STOP;
            S_STOP:  if (bit_done) state_nxt = S_IDLE;
            default:               state_nxt = S_IDLE;
        endcase
    end

    // State, counters, data latch and the registered serial output.
    always_ff @(posedge clk) begin
        if (rst) begin
            state   <= S_IDLE;
            tick    <= '0;
            bit_idx <= '0;
            data_q  <= '0;
            tx      <= uart_pkg::IDLE_LEVEL;
        end else begin
            state <= state_nxt;

            // Bit-time counter: runs while a frame is in flight.
            if (state == S_IDLE || bit_done) begin
                tick <= '0;
            end else begin
                tick <= tick + 1'b1;
            end

            case (state)
                S_IDLE: begin
                    if (accept) begin
                        data_q  <= tx_data;
                        bit_idx <= '0;
                        tx      <= uart_pkg::START_BIT;
                    end else begin
                        tx      <= uart_pkg::IDLE_LEVEL;
                    end
                end
                S_START: begin
                    if (bit_done) begin
                        tx <= data_q[0];  // first data bit (LSB)
                    end
                end
                S_DATA: begin
                    if (bit_done) begin
                        if (bit_idx == LAST_BIT) begin
                            tx <= uart_pkg::STOP_BIT;
                        end else begin
                            bit_idx <= bit_idx + 1'b1;
                            tx      <= data_q[bit_idx + 1'b1];
                        end
                    end
                end
                S_STOP: begin
                    tx <= uart_pkg::STOP_BIT;
                end
                default: begin
                    tx <= uart_pkg::IDLE_LEVEL;
                end
            endcase
        end
    end

endmodule

`default_nettype wire
