# chipchat timing recipe for OpenSTA (filled in by chipchat/steps/opensta.py).
# Every $${...} field below is filled in with quoted Tcl (chipchat/tcl.py); nothing else is generated.
# Reports go to files in the run directory; `@@chipchat` lines tell the parser what was set up.
${READ_LIBERTY}
read_verilog ${NETLIST}
link_design ${TOP}
${CONSTRAINTS}
${PARASITICS}
foreach chipchat_clock [all_clocks] {
  puts "@@chipchat clock [get_name $$chipchat_clock] [get_property $$chipchat_clock period]"
}
report_checks -path_delay max -group_count ${PATHS} -endpoint_count 1 -fields {slew cap input_pins nets fanout} -digits 3 > paths.rpt
${TO_REPORT}
report_checks -path_delay max -format end -group_count ${ENDPOINTS} -endpoint_count 1 -digits 3 > endpoints.rpt
report_worst_slack -digits 3 > summary.rpt
report_tns -digits 3 >> summary.rpt
puts "@@chipchat done"
