"""Regenerate the golden OpenSTA reports in this folder from the real ``sta`` binary.

    python tests/golden/sta/regenerate.py

Each ``<case>.txt`` is exactly what Debian's OpenSTA printed for the command listed in
CASES, on ``tiny.v`` (a hand-written osu018 netlist) or ``uart_tx_netlist.v`` (Yosys
output for designs/uart_tx). The parser tests read these files; they never run sta.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LIB = "/usr/share/qflow/tech/osu018/osu018_stdcells.lib"

SETUP = {
    "tiny": ["read_verilog tiny.v", "link_design tiny", "read_sdc tiny.sdc"],
    "tiny_propagated": ["read_verilog tiny.v", "link_design tiny", "read_sdc tiny.sdc",
                        "set_propagated_clock [all_clocks]"],
    "tiny_noclock": ["read_verilog tiny.v", "link_design tiny"],
    "uart": ["read_verilog uart_tx_netlist.v", "link_design uart_tx", "read_sdc uart_tx.sdc"],
}

# case name -> (setup, report command)
CASES: dict[str, tuple[str, str]] = {
    "full_nofields": ("tiny", "report_checks -path_delay max -group_count 3 -digits 3"),
    "full_allfields": ("tiny", "report_checks -path_delay max -group_count 3 -digits 3 "
                               "-fields {slew cap input_pins nets fanout}"),
    "full_fanout": ("tiny", "report_checks -path_delay max -group_count 2 -fields {fanout}"),
    "full_nets": ("tiny", "report_checks -path_delay max -group_count 2 -fields {nets}"),
    "full_input_pins": ("tiny", "report_checks -path_delay max -group_count 2 -fields {input_pins}"),
    "full_slew_cap": ("tiny", "report_checks -path_delay max -group_count 2 -fields {slew cap}"),
    "full_min": ("tiny", "report_checks -path_delay min -group_count 2 -digits 3 -fields {fanout cap slew}"),
    "clock_expanded": ("tiny_propagated", "report_checks -path_delay max -format full_clock_expanded "
                                          "-fields {slew cap input_pins nets fanout} -digits 3"),
    "full_clock": ("tiny_propagated", "report_checks -path_delay max -format full_clock -digits 3"),
    "end": ("tiny", "report_checks -path_delay max -format end -group_count 100 -endpoint_count 1"),
    "summary": ("tiny", "report_checks -path_delay max -format summary -group_count 100"),
    "unconstrained": ("tiny_noclock", "report_checks -unconstrained -path_delay max -group_count 2 "
                                      "-fields {slew cap input_pins nets fanout} -digits 3"),
    "no_paths": ("tiny", "report_checks -from [get_ports a] -to [get_ports z]"),
    "end_noclock": ("tiny_noclock", "report_checks -path_delay max -format end -group_count 10"),
    "uart_allfields": ("uart", "report_checks -path_delay max -group_count 3 -digits 3 "
                               "-fields {slew cap input_pins nets fanout}"),
    "uart_end": ("uart", "report_checks -path_delay max -format end -group_count 1000 -endpoint_count 1 "
                         "-digits 3"),
}


def main() -> int:
    sta = shutil.which("sta")
    if sta is None:
        print("sta (Debian opensta) is not installed", file=sys.stderr)
        return 1
    for name, (setup, command) in CASES.items():
        script = HERE / "_case.tcl"
        script.write_text("\n".join([f"read_liberty {LIB}", *SETUP[setup], f"{command} > {name}.txt", ""]))
        proc = subprocess.run([sta, "-no_splash", "-exit", str(script)], cwd=HERE, capture_output=True,
                              text=True, check=False)
        script.unlink()
        if proc.returncode != 0 or "Error" in proc.stdout:
            print(f"{name}: sta failed:\n{proc.stdout}{proc.stderr}", file=sys.stderr)
            return 1
        print(f"{name}.txt  <-  {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
