"""Timing benchmarks: the figures next to their targets (issue #3).

    python benchmarks/bench_timing.py            # all figures
    python benchmarks/bench_timing.py --quick    # skip the repair study (two extra large syntheses)

1. mac16 end to end (synthesis + STA + explanation), cold cache: target <= 5 s.
2. A second question on unchanged sources (cache): target <= 1 s.
3. A generated design of picorv32's size (about 3,000 lines, thousands of cells), cold: target <= 30 s.
4. Repair study: max fanout and worst slack with ABC's buffering/sizing (`repair=abc`) and without
   (`repair=none`), on mac16 and on the generated design.

Wall-clock times depend on what else runs on the machine; the CPU seconds of the tools
(children) and of chipchat itself are printed next to them.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from chipchat.timing.api import timing_report  # noqa: E402


def lane_module(i: int, w: int) -> str:
    ops = ["x + y", "x - y", "x & y", "x | y", "x ^ y", "x << y[1:0]", "x >> y[1:0]", "x + (y << 1)"]
    rot = ops[i % len(ops):] + ops[:i % len(ops)]
    cases = "\n".join(f"            3'd{k}: alu_r = {e};" for k, e in enumerate(rot))
    return f"""
// lane {i}: a {w}-bit register file, an ALU and an accumulator
module gen_lane_{i} (
    input  wire         clk,        // rising-edge clock
    input  wire         rst,        // synchronous reset
    input  wire         stall,      // hold every register
    input  wire         sel,        // this lane is addressed
    input  wire [2:0]   op,         // ALU operation
    input  wire [1:0]   rs1,        // first source register
    input  wire [1:0]   rs2,        // second source register
    input  wire [1:0]   rd,         // destination register
    input  wire [{w - 1}:0]   din,        // data from the previous lane
    output wire [{w - 1}:0]   dout,       // data to the next lane
    output wire         hit         // the mixed value matched the key
);
    reg  [{w - 1}:0] r0, r1, r2, r3;   // register file
    reg  [{w - 1}:0] acc;              // accumulator
    reg  [{w - 1}:0] pipe;             // pipeline register
    reg  [7:0]     count;            // operations done
    reg            flag;             // toggles on a hit
    reg  [{w - 1}:0] x, y, alu_r;
    wire           we    = sel && !stall;
    wire [{w - 1}:0] wdata = flag ? acc : din;
    always @(*) begin
        case (rs1)
            2'd0: x = r0;
            2'd1: x = r1;
            2'd2: x = r2;
            default: x = r3;
        endcase
        case (rs2)
            2'd0: y = r0;
            2'd1: y = r1;
            2'd2: y = r2;
            default: y = r3;
        endcase
    end
    always @(*) begin
        case (op)
{cases}
        endcase
    end
    wire [{w - 1}:0] mix = (alu_r ^ {{pipe[{w - 2}:0], pipe[{w - 1}]}}) + count[{w - 1}:0];
    assign hit  = (mix == {w}'d{(i * 37) % (1 << w)});
    assign dout = pipe;
    always @(posedge clk) begin
        if (rst) begin
            r0 <= {w}'d0;
            r1 <= {w}'d0;
            r2 <= {w}'d0;
            r3 <= {w}'d0;
            acc <= {w}'d0;
            pipe <= {w}'d0;
            count <= 8'd0;
            flag <= 1'b0;
        end else if (!stall) begin
            if (we && rd == 2'd0) r0 <= wdata;
            if (we && rd == 2'd1) r1 <= wdata;
            if (we && rd == 2'd2) r2 <= wdata;
            if (we && rd == 2'd3) r3 <= wdata;
            pipe <= alu_r;
            if (sel) begin
                acc <= acc + mix;
                count <= count + 8'd1;
            end
            if (hit)
                flag <= ~flag;
            else if (count == 8'hff)
                flag <= 1'b0;
        end
    end
endmodule
"""


def generate_core(lanes: int = 36, w: int = 4) -> str:
    """A synthetic core: ``lanes`` distinct lane modules and a top that chains them (≈85 lines per lane)."""
    parts = [f"// generated benchmark core: {lanes} lanes of {w} bits", "`default_nettype none"]
    parts.extend(lane_module(i, w) for i in range(lanes))
    top = [f"""
module gen_core (
    input  wire        clk,
    input  wire        rst,
    input  wire [31:0] insn,
    input  wire        insn_valid,
    input  wire [{w - 1}:0]  data_in,
    output wire [31:0] data_out,
    output wire        busy
);
    reg  [31:0] ir;          // instruction register
    reg         ir_valid;    // ir holds an instruction
    reg  [31:0] total;       // running total of the lane outputs
    wire [2:0]  op  = ir[2:0];
    wire [1:0]  rd  = ir[4:3];
    wire [1:0]  rs1 = ir[6:5];
    wire [1:0]  rs2 = ir[8:7];
    wire [7:0]  lane_sel = ir[16:9];
    wire        stall = ir_valid && ir[31];   // drives every register enable
    always @(posedge clk) begin
        if (rst) begin
            ir <= 32'd0;
            ir_valid <= 1'b0;
        end else if (!stall) begin
            ir <= insn;
            ir_valid <= insn_valid;
        end
    end"""]
    prev = "data_in"
    for i in range(lanes):
        top.append(f"""    wire [{w - 1}:0] d{i};
    wire       h{i};
    gen_lane_{i} u_lane{i} (.clk(clk), .rst(rst), .stall(stall), .sel(lane_sel == 8'd{i}), .op(op),
        .rs1(rs1), .rs2(rs2), .rd(rd), .din({prev}), .dout(d{i}), .hit(h{i}));""")
        prev = f"d{i}"
    total = " + ".join(f"{{{32 - w}'d0, d{i}}}" for i in range(lanes))
    hits = " | ".join(f"h{i}" for i in range(lanes))
    top.append(f"""    wire [31:0] lane_sum = {total};
    always @(posedge clk) begin
        if (rst) total <= 32'd0;
        else if (!stall) total <= total + lane_sum;
    end
    assign data_out = total;
    assign busy = stall | {hits};
endmodule
`default_nettype wire
""")
    parts.append("\n".join(top))
    return "\n".join(parts)


def write_generated(folder: Path, period_ns: float = 5.0) -> Path:
    (folder / "rtl").mkdir(parents=True)
    (folder / "rtl" / "gen_core.v").write_text(generate_core())
    (folder / "constraints.sdc").write_text(
        f"create_clock -name clk -period {period_ns} [get_ports clk]\n"
        "set_input_delay 0.5 -clock clk [get_ports {rst insn[*] insn_valid data_in[*]}]\n"
        "set_output_delay 0.5 -clock clk [get_ports {data_out[*] busy}]\n")
    (folder / "chipchat.toml").write_text('[design]\nname = "gen_core"\ntop = "gen_core"\nsources = ["rtl/*.v"]\n'
                                          'platform = "osu018"\nsdc = "constraints.sdc"\n')
    return folder


def cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


MISSED: list[str] = []  # figures over their target: the exit status says so (make bench lists this script)


def timed(label: str, target: float | None, fn):  # type: ignore[no-untyped-def]
    c0 = cpu()
    t0 = time.monotonic()
    result = fn()
    wall = time.monotonic() - t0
    c1 = cpu()
    verdict = "" if target is None else ("  OK" if wall <= target else "  OVER TARGET")
    if target is not None and wall > target:
        MISSED.append(label)
    target_text = f"target <= {target:g} s" if target is not None else ""
    print(f"{label:58s} {wall:7.2f} s   {target_text:16s} (cpu: chipchat {c1[0] - c0[0]:.2f} s, "
          f"tools {c1[1] - c0[1]:.2f} s){verdict}", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip the repair study")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="chipchat-bench-timing-"))
    try:
        import matplotlib  # noqa: F401 - imported once up front, as a long-running UI/agent process would

        mac16 = work / "mac16"
        shutil.copytree(REPO / "designs" / "mac16", mac16, ignore=shutil.ignore_patterns(".chipchat"))
        answer = timed("mac16 end to end, cold (synth + STA + explanation)", 5.0, lambda: timing_report(str(mac16)))
        m = answer.data["metrics"]
        print(f"    WNS {m['wns']:.3f} ns, TNS {m['tns']:.3f} ns, {m['cells']} cells, max fanout {m['max_fanout']}; "
              f"explained: {answer.data['explanation']['endpoint']} ← {answer.data['explanation']['startpoint']}")
        timed("mac16 same question again (cache)", 1.0, lambda: timing_report(str(mac16)))
        timed("mac16 second question `--to acc` (synthesis cached)", 1.0,
              lambda: timing_report(str(mac16), to="acc"))
        gen = write_generated(work / "gen_core")
        lines = len((gen / "rtl" / "gen_core.v").read_text().splitlines())
        answer = timed(f"generated core ({lines} lines) end to end, cold", 30.0, lambda: timing_report(str(gen)))
        m = answer.data["metrics"]
        print(f"    {m['cells']} cells ({m['flops']} flip-flops), WNS {m['wns']:.3f} ns, max fanout {m['max_fanout']}; "
              f"explained: {answer.data['explanation']['endpoint']} ← {answer.data['explanation']['startpoint']}")
        if not args.quick:
            print("\nrepair study (max fanout over signal nets, worst slack):")
            for name, folder in (("mac16", mac16), ("generated core", gen)):
                for repair in ("none", "abc"):
                    a = timing_report(str(folder), repair=repair)
                    r = a.data["metrics"]
                    print(f"    {name:15s} repair={repair:4s}  max fanout {r['max_fanout']:5d}  worst slack "
                          f"{r['worst_slack']:9.3f} ns  TNS {r['tns']:11.3f} ns  {r['cells']:6d} cells  "
                          f"{r['buffers']:5d} buffers")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if MISSED:
        print("\nover target: " + "; ".join(MISSED))
    return 1 if MISSED else 0


if __name__ == "__main__":
    sys.exit(main())
