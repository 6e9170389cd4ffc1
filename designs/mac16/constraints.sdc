# mac16 timing constraints (OpenSTA / SDC subset: create_clock, set_input_delay,
# set_output_delay, set_driving_cell, set_load).
#
# The 4.0 ns (250 MHz) clock is deliberately too fast for the single-cycle
# 16x16 multiplier + 32-bit accumulate: the a*b -> acc path MISSES timing.
#
# Measured (yosys 0.23 + OpenSTA 2.0.17, osu018_stdcells.lib, no buffering or
# gate sizing, ideal clock, this file read with read_sdc):
#   yosys -p "read_verilog rtl/mac16.v; synth -top mac16;
#             dfflibmap -liberty osu018_stdcells.lib; abc -liberty osu018_stdcells.lib;
#             opt_clean; write_verilog -noattr mac16_net.v"      (1785 cells, 33 DFFs)
#   sta: read_liberty; read_verilog mac16_net.v; link_design mac16;
#        read_sdc constraints.sdc; report_checks -path_delay max; report_wns; report_tns
#   period 4.0 ns : WNS -3.251 ns, TNS -43.46 ns  (a[5] -> ... -> acc flop D, arrival 7.095 ns)
#   period 5.0 ns : WNS -2.251 ns
#   period 6.0 ns : WNS -1.251 ns
#   period 7.0 ns : WNS -0.251 ns
#   period 8.0 ns : WNS  0.000 (worst slack +0.749 ns, MET)
#   period 10.0 ns: worst slack +2.749 ns (MET)
# Pipelining the multiplier (register `product`) splits the path roughly in half.

create_clock -name clk -period 4.0 [get_ports clk]

set_input_delay 0.5 -clock clk [get_ports {rst en clear a[*] b[*]}]
set_output_delay 0.5 -clock clk [get_ports {acc[*] valid_out}]

set_driving_cell -lib_cell INVX1 [get_ports {rst en clear a[*] b[*]}]
set_load 0.02 [get_ports {acc[*] valid_out}]
