# chipchat: floorplan, place and time mac16 with OpenROAD.
# Generated from flows/openroad/place.tcl; run as
#   openroad -no_init -no_splash -exit -metrics metrics.json place.tcl
# Command syntax: The-OpenROAD-Project/OpenROAD src/{ifp,ppl,gpl,dpl,est,rsz}/README.md.

puts "chipchat-stage: read"
read_lef /pdk/osu018/osu018_stdcells.lef
read_liberty /pdk/osu018/osu018_stdcells.lib
read_verilog /work/run/netlist.v
link_design mac16
read_sdc /work/mac16/constraints.sdc
set_wire_rc -signal -layer metal2
set_wire_rc -clock -layer metal2

puts "chipchat-stage: floorplan"
initialize_floorplan -site core -utilization 50 -aspect_ratio 1 -core_space 5
make_tracks
place_pins -hor_layers metal3 -ver_layers metal2

puts "chipchat-stage: global_placement"
global_placement -density 0.6

puts "chipchat-stage: detailed_placement"
detailed_placement
check_placement -verbose

puts "chipchat-stage: parasitics"
estimate_parasitics -placement

puts "chipchat-stage: timing"
puts "chipchat-section: report_checks"
report_checks -path_delay max -group_path_count 5 -endpoint_path_count 1 -fields {slew cap input_pins fanout} -digits 3
puts "chipchat-section: report_wns"
report_wns -digits 3
puts "chipchat-section: report_tns"
report_tns -digits 3
puts "chipchat-section: report_design_area"
report_design_area
puts "chipchat-section: end"

puts "chipchat-stage: write"
write_def /work/run/placed.def
