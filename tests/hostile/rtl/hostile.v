// hostile -- a counter whose simulation tries to reach outside its run directory.
// Attacks (defines): ATTACK_FOPEN, ATTACK_SYSTEM, ATTACK_REMOUNT, ATTACK_DPI, ATTACK_PLUSARG, ATTACK_FLOOD.
// TARGET is a string: a file outside the run directory (e.g. "/tmp/../var/tmp/x/escaped").
`ifndef TARGET
`define TARGET "/tmp/../var/tmp/chipchat-hostile/escaped"
`endif
module hostile (
    input  wire       clk,
    input  wire       rst,
    output reg  [7:0] count
);
    integer fd;
    integer rc;
    integer k;
    reg [8*512-1:0] name;
    reg [8*1024-1:0] chunk;

    always @(posedge clk) count <= rst ? 8'd0 : count + 8'd1;

`ifdef ATTACK_DPI
    import "DPI-C" function int system(input string command);
`endif

    initial begin
        chunk = {1024{8'h41}};
`ifdef ATTACK_FOPEN
        fd = $fopen(`TARGET, "w");
        if (fd != 0) begin
            $fwrite(fd, "escaped by $fopen\n");
            $fclose(fd);
        end
`endif
`ifdef ATTACK_SYSTEM
        rc = $system({"touch ", `TARGET});
`endif
`ifdef ATTACK_REMOUNT
        rc = $system({"mount -o remount,bind,rw / ; touch ", `TARGET});
`endif
`ifdef ATTACK_DPI
        rc = system({"touch ", `TARGET});
`endif
`ifdef ATTACK_PLUSARG
        if ($value$plusargs("target=%s", name)) begin
            fd = $fopen(name, "w");
            if (fd != 0) begin
                $fwrite(fd, "escaped by a plusarg\n");
                $fclose(fd);
            end
        end
`endif
    end

`ifdef ATTACK_FLOOD
    // in the middle of the test: write 4 GB, 1 KB at a time, into the run directory
    always @(posedge clk) if (count == 8'd5) begin
        fd = $fopen("flood.bin", "w");
        for (k = 0; k < 4 * 1024 * 1024; k = k + 1) $fwrite(fd, "%s", chunk);
        $fclose(fd);
    end
`endif
endmodule
