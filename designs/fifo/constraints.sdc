# fifo timing constraints (OpenSTA / SDC subset).
# 100 MHz clock; 2 ns of the cycle is reserved for the logic outside the FIFO on
# each side. With yosys + osu018 (no buffering/sizing) the default WIDTH=8,
# DEPTH=16 configuration meets this comfortably.

create_clock -name clk -period 10.0 [get_ports clk]

set_input_delay 2.0 -clock clk [get_ports {rst wr_en rd_en din[*]}]
set_output_delay 2.0 -clock clk [get_ports {dout[*] full empty count[*]}]

set_driving_cell -lib_cell INVX1 [get_ports {rst wr_en rd_en din[*]}]
set_load 0.02 [get_ports {dout[*] full empty count[*]}]
