"""Indexing speed on a generated ~100,000-line Verilog corpus.

Targets (issue #2, 2-core machine): cold index <= 60 s; re-index after one file
changes <= 1 s; query median <= 100 ms (fused lexical + semantic, in one process), with the
default embeddings (``static``); ``--embeddings minilm`` measures the transformer instead.

    .venv/bin/python benchmarks/bench_index.py [--lines 100000] [--embeddings static|minilm]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from chipchat.index import DesignIndex  # noqa: E402
from chipchat.rtl.load import load_design, load_model  # noqa: E402

WORDS = ["fifo", "credit", "arbiter", "crc", "uart", "dma", "timer", "irq", "cache", "tag", "valid", "ready",
         "burst", "beat", "lane", "phase", "retry", "parity", "scrambler", "decoder"]


def make_module(rng: random.Random, index: int, target_lines: int) -> str:
    name = f"{rng.choice(WORDS)}_{rng.choice(WORDS)}_{index}"
    out = [f"// {name}: generated block {index} for the indexing benchmark.",
           "// It has registers, counters, muxes and a small state machine.",
           f"module {name} #(parameter W = {rng.choice([8, 16, 32])}) (",
           "    input  wire         clk,      // clock",
           "    input  wire         rst,      // synchronous reset",
           "    input  wire [W-1:0] in_data,  // input word",
           "    input  wire         in_valid, // input word is valid",
           "    output reg  [W-1:0] out_data, // output word",
           "    output reg          out_valid // output word is valid",
           ");"]
    n = 0
    while len(out) < target_lines - 4:
        n += 1
        word = rng.choice(WORDS)
        out += [f"    reg [W-1:0] {word}_q{n};   // {word} stage {n} register",
                f"    wire [W-1:0] {word}_d{n} = in_data ^ {word}_q{n} + {n};  // next {word} value",
                f"    // {word} stage {n}: load on valid, clear on reset",
                "    always @(posedge clk) begin",
                "        if (rst) begin",
                f"            {word}_q{n} <= {{W{{1'b0}}}};",
                "        end else if (in_valid) begin",
                f"            {word}_q{n} <= {word}_d{n};",
                "        end",
                "    end", ""]
    out += ["    always @(posedge clk) begin",
            "        out_data  <= in_data;",
            "        out_valid <= in_valid;",
            "    end",
            "endmodule", ""]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--file-lines", type=int, default=1_000)
    parser.add_argument("--embeddings", choices=["static", "minilm"], default="static")
    args = parser.parse_args()
    rng = random.Random(7)
    work = Path(tempfile.mkdtemp(prefix="chipchat-bench-index-"))
    rtl = work / "rtl"
    rtl.mkdir()
    total = 0
    for i in range(args.lines // args.file_lines):
        text = make_module(rng, i, args.file_lines)
        (rtl / f"block_{i:03d}.v").write_text(text)
        total += text.count("\n")
    (work / "chipchat.toml").write_text('[design]\nname = "corpus"\nsources = ["rtl/*.v"]\n')
    print(f"corpus: {total} lines in {len(list(rtl.iterdir()))} files at {work}")

    # What `chipchat index` does on a design it has never seen: load the design (top inference), parse and
    # elaborate the model, load the embedder, chunk, embed and store. The cold figure is all of it.
    t_start = time.monotonic()
    design = load_design(work)
    t_load = time.monotonic() - t_start
    t0 = time.monotonic()
    model = load_model(design)
    t_model = time.monotonic() - t0
    from chipchat.index.embed import get_embedder

    t0 = time.monotonic()
    get_embedder(args.embeddings).embed(["load the model"])
    t_embedder = time.monotonic() - t0
    t0 = time.monotonic()
    index = DesignIndex(design, embeddings=args.embeddings)
    report = index.update()
    t_index = time.monotonic() - t0
    cold = time.monotonic() - t_start
    print(f"design load (top inference) {t_load:.1f} s + model parse+elaborate {t_model:.1f} s "
          f"({len(model.modules)} modules) + embedder ({args.embeddings}) load {t_embedder:.1f} s + "
          f"chunk/embed/store {t_index:.1f} s ({report.chunks} chunks, {report.embedded / t_index:.0f}/s)")
    print(f"cold index end to end ({args.embeddings}): {cold:.1f} s")
    lexical = work / "lexical"  # a copy of the corpus, so the index above stays as built
    shutil.copytree(work, lexical, ignore=shutil.ignore_patterns(".chipchat", "lexical"))
    lexical_design = load_design(lexical)
    t0 = time.monotonic()
    DesignIndex(lexical_design, embeddings="none").update()
    print(f"for comparison, chunk and store with CHIPCHAT_EMBEDDINGS=none: {time.monotonic() - t0:.1f} s")

    victim = rtl / "block_042.v"
    victim.write_text(victim.read_text().replace("generated block 42", "generated block 42, edited"))
    t0 = time.monotonic()
    report = index.update()
    reindex = time.monotonic() - t0
    print(f"re-index after one file changed: {reindex:.2f} s ({report.indexed} re-chunked, "
          f"{report.unchanged} unchanged)")
    t0 = time.monotonic()
    load_model(load_design(work))
    print(f"  `chipchat index` also re-elaborates the structural model (whole-design, by pyslang): "
          f"{time.monotonic() - t0:.1f} s")

    queries = ["where is the crc stage 3 register cleared", "arbiter valid handling", "parity next value",
               "what resets the dma registers", "output word register", "scrambler stage 7",
               "timer load on valid", "cache tag register", "burst beat counter", "uart decoder stage"]
    index.search(queries[0])  # first query builds the lexical index and loads the model
    times = []
    for _ in range(3):
        for q in queries:
            t0 = time.monotonic()
            index.search(q, k=5)
            times.append((time.monotonic() - t0) * 1000)
    median = statistics.median(times)

    rows = [("cold index, end to end (s)", cold, 60.0), ("re-index one file (s)", reindex, 1.0),
            ("query median (ms)", median, 100.0)]
    print(f"\n{'figure':<26}{'measured':>10}{'target':>10}")
    ok = True
    for label, value, target in rows:
        passed = value <= target
        ok &= passed
        print(f"{label:<26}{value:>10.2f}{target:>10.1f}  {'PASS' if passed else 'FAIL'}")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
