// uart_pkg -- constants shared by the UART blocks (8N1 framing).
//
// Referenced with explicit scope (uart_pkg::NAME) rather than `import`, so the
// same source reads in Icarus 11, Verilator 5 and Yosys 0.23.
package uart_pkg;

    localparam int   DATA_BITS  = 8;     // data bits per frame, sent LSB first
    localparam logic START_BIT  = 1'b0;  // level of the start bit
    localparam logic STOP_BIT   = 1'b1;  // level of the stop bit
    localparam logic IDLE_LEVEL = 1'b1;  // level of the line between frames

endpackage
