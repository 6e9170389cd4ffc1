# chipchat: OpenROAD command recorder for plain tclsh.
#
# Every OpenROAD command that chipchat's scripts use is defined here as a proc that
# checks its arguments against OpenROAD's documented syntax (the keys and flags of each
# command's sta::define_cmd_args / parse_key_args in The-OpenROAD-Project/OpenROAD) and
# appends the call to a JSON-lines file. Running a generated script under this file
# proves it parses, calls the commands in the right order and passes only options that
# OpenROAD accepts -- without OpenROAD, which cannot be installed on every machine.
#
# Usage: tclsh recorder.tcl <calls.jsonl> <script.tcl>
# It does not place anything and writes no DEF: it records.

set ::chipchat_out [open [lindex $argv 0] w]

proc ::chipchat_json {s} {
    set map [list "\\" "\\\\" "\"" "\\\"" "\n" "\\n" "\r" "\\r" "\t" "\\t"]
    return "\"[string map $map $s]\""
}

# define NAME KEYS FLAGS MIN_POSITIONAL MAX_POSITIONAL
proc ::chipchat_define {name keys flags {min_pos 0} {max_pos 0}} {
    proc ::$name {args} [list ::chipchat_call $name $keys $flags $min_pos $max_pos]
}

proc ::chipchat_call {name keys flags min_pos max_pos} {
    upvar 1 args argv
    set pos {}
    set opts [dict create]
    for {set i 0} {$i < [llength $argv]} {incr i} {
        set a [lindex $argv $i]
        if {$a eq ">" || $a eq ">>"} {
            incr i
        } elseif {[string index $a 0] eq "-" && ![string is double -strict $a]} {
            if {[lsearch -exact $keys $a] >= 0} {
                incr i
                if {$i >= [llength $argv]} {
                    error "$name: option $a needs a value"
                }
                dict set opts $a [lindex $argv $i]
            } elseif {[lsearch -exact $flags $a] >= 0} {
                dict set opts $a 1
            } else {
                error "$name: unknown option $a (OpenROAD accepts: [lsort [concat $keys $flags]])"
            }
        } else {
            lappend pos $a
        }
    }
    if {[llength $pos] < $min_pos || [llength $pos] > $max_pos} {
        error "$name: takes $min_pos to $max_pos positional argument(s), got [llength $pos]: $pos"
    }
    if {[info procs ::chipchat_check_$name] ne ""} {
        ::chipchat_check_$name $opts $pos
    }
    set items [list [::chipchat_json $name]]
    foreach a $argv {
        lappend items [::chipchat_json $a]
    }
    puts $::chipchat_out "\[[join $items {, }]\]"
    flush $::chipchat_out
    return ""
}

proc ::chipchat_number {cmd opt value lo hi} {
    if {![string is double -strict $value] || $value <= $lo || $value > $hi} {
        error "$cmd: $opt must be a number in ($lo, $hi], got $value"
    }
}

# --- OpenDB / OpenSTA: reading the design (dbReadLef, sta Liberty/Verilog/SDC) ----------
chipchat_define read_lef {} {-tech -library} 1 1
chipchat_define read_def {-floorplan_initialize} {-incremental -continue_on_errors -order_wires -child -tech} 1 1
chipchat_define read_liberty {-corner} {-min -max -infer_latches} 1 1
chipchat_define read_verilog {} {} 1 1
chipchat_define link_design {} {-hier -omit_filename_prop} 0 1
chipchat_define read_sdc {} {-echo} 1 1
chipchat_define read_spef {-corner -min -max -path -keep_capacitive_coupling -coupling_reduction_factor} \
    {-reduce -increment -pin_cap_included} 1 1
chipchat_define set_wire_rc {-layer -layers -resistance -capacitance -corner -h_resistance -h_capacitance \
    -v_resistance -v_capacitance} {-clock -signal -data} 0 0
chipchat_define set_layer_rc {-layer -via -capacitance -resistance -corner} {} 0 0

# --- ifp: initialize_floorplan, make_tracks ------------------------------------------
chipchat_define initialize_floorplan {-utilization -aspect_ratio -core_space -die_area -core_area -site \
    -additional_sites -row_parity -flip_sites -gap} {} 0 0
proc ::chipchat_check_initialize_floorplan {opts pos} {
    if {![dict exists $opts -site]} {
        error "initialize_floorplan: use -site to add placement rows (IFP-0035)"
    }
    if {[dict exists $opts -utilization]} {
        ::chipchat_number initialize_floorplan -utilization [dict get $opts -utilization] 0 100
        if {![dict exists $opts -core_space]} {
            error "initialize_floorplan: no -core_space specified (IFP-0034)"
        }
    } elseif {![dict exists $opts -die_area]} {
        error "initialize_floorplan: no -utilization or -die_area specified (IFP-0019)"
    }
    if {[dict exists $opts -aspect_ratio]} {
        ::chipchat_number initialize_floorplan -aspect_ratio [dict get $opts -aspect_ratio] 0 1e6
    }
}
chipchat_define make_tracks {-x_pitch -y_pitch -x_offset -y_offset} {} 0 1

# --- ppl: place_pins -----------------------------------------------------------------
chipchat_define place_pins {-hor_layers -ver_layers -random_seed -corner_avoidance -min_distance -exclude \
    -group_pins -write_pin_placement} {-random -min_distance_in_tracks -annealing -minimize_displacement} 0 0
proc ::chipchat_check_place_pins {opts pos} {
    foreach opt {-hor_layers -ver_layers} {
        if {![dict exists $opts $opt]} {
            error "place_pins: $opt is required"
        }
    }
}

# --- gpl / dpl: global_placement, detailed_placement, check_placement --------------------
chipchat_define global_placement {-density -bin_grid_count -init_density_penalty -init_wirelength_coef \
    -min_phi_coef -max_phi_coef -reference_hpwl -overflow -initial_place_max_iter -initial_place_max_fanout \
    -pad_left -pad_right -random_seed -routability_target_rc_metric -routability_check_overflow \
    -routability_max_density -keep_resize_below_overflow} \
    {-skip_initial_place -skip_nesterov_place -timing_driven -routability_driven -incremental -skip_io \
    -force_center_initial_place} 0 0
proc ::chipchat_check_global_placement {opts pos} {
    if {[dict exists $opts -density]} {
        ::chipchat_number global_placement -density [dict get $opts -density] 0 1
    }
}
chipchat_define detailed_placement {-max_displacement -report_file_name} {-disallow_one_site_gaps} 0 0
chipchat_define check_placement {-report_filename -report_file_name} {-verbose -disallow_one_site_gaps} 0 0

# --- est: estimate_parasitics ------------------------------------------------------------
chipchat_define estimate_parasitics {-spef_file} {-placement -global_routing} 0 0
proc ::chipchat_check_estimate_parasitics {opts pos} {
    if {![dict exists $opts -placement] && ![dict exists $opts -global_routing]} {
        error "estimate_parasitics: missing -placement or -global_routing flag (EST-0003)"
    }
}

# --- sta / rsz reports and odb output ------------------------------------------------------
chipchat_define report_checks {-path_delay -group_path_count -endpoint_path_count -fields -digits -format \
    -from -to -through -rise_from -fall_from -rise_to -fall_to -corner -slack_max -slack_min -path_group} \
    {-unique_paths_to_endpoint -sort_by_slack -no_line_splits -unconstrained} 0 0
chipchat_define report_wns {-digits -corner} {-max -min} 0 0
chipchat_define report_tns {-digits -corner} {-max -min} 0 0
chipchat_define report_worst_slack {-digits -corner} {-max -min} 0 0
chipchat_define report_design_area {} {} 0 0
chipchat_define write_def {-version} {} 1 1
chipchat_define write_verilog {-remove_cells} {-include_pwr_gnd} 1 1

set ::chipchat_script [lindex $argv 1]
source $::chipchat_script
close $::chipchat_out
