# chipchat: floorplan, place and time ${design} with OpenROAD.
# Generated from flows/openroad/place.tcl; run as
#   openroad -no_init -no_splash -exit -metrics metrics.json place.tcl
# Command syntax: The-OpenROAD-Project/OpenROAD src/{ifp,ppl,gpl,dpl,est,rsz}/README.md.

puts "chipchat-stage: read"
${read_lef}
${read_liberty}
read_verilog ${netlist}
link_design ${top}
read_sdc ${sdc}
${wire_rc}

puts "chipchat-stage: floorplan"
initialize_floorplan -site ${site} -utilization ${utilization} -aspect_ratio ${aspect_ratio} -core_space ${core_space}
make_tracks
place_pins -hor_layers ${hor_layer} -ver_layers ${ver_layer}

puts "chipchat-stage: global_placement"
global_placement -density ${density}

puts "chipchat-stage: detailed_placement"
detailed_placement
check_placement -verbose

puts "chipchat-stage: parasitics"
estimate_parasitics -placement

puts "chipchat-stage: timing"
puts "chipchat-section: report_checks"
report_checks -path_delay max -group_path_count ${paths} -endpoint_path_count 1 -fields {slew cap input_pins fanout} -digits 3
puts "chipchat-section: report_wns"
report_wns -digits 3
puts "chipchat-section: report_tns"
report_tns -digits 3
puts "chipchat-section: report_design_area"
report_design_area
puts "chipchat-section: end"

puts "chipchat-stage: write"
write_def ${def_out}
