# uart_tx timing constraints (OpenSTA / SDC subset).
# 100 MHz clock (with CLKS_PER_BIT = 868 this gives 115200 baud; the RTL default
# of 16 gives 6.25 Mbaud). tx is a registered output.

create_clock -name clk -period 10.0 [get_ports clk]

set_input_delay 2.0 -clock clk [get_ports {rst tx_start tx_data[*]}]
set_output_delay 2.0 -clock clk [get_ports {tx busy tx_ready}]

set_driving_cell -lib_cell INVX1 [get_ports {rst tx_start tx_data[*]}]
set_load 0.02 [get_ports {tx busy tx_ready}]
