"""Parse coverage of the two Verilog front ends on the example designs (issue #2).

pyslang builds chipchat's structural model; pyverilog serves ``chipchat show --dataflow``.
For every example design (the Amaranth one through its generated Verilog) and the
3,000-line generated core of bench_timing.py this prints: whether each parser reads every
file, how many modules and signals the pyslang model holds, how many of those signals
carry a declaration span and at least one driver, and for how many pyverilog's dataflow
analysis returns a merged expression (of the top module's signals driven in the RTL). The
Amaranth design's time includes its elaboration to Verilog. Target: pyslang reads every file of every example.

    .venv/bin/python benchmarks/bench_parse.py
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_timing import write_generated  # noqa: E402

from chipchat.errors import ChipChatError  # noqa: E402
from chipchat.rtl.load import load_design, load_model  # noqa: E402
from chipchat.steps.pyverilog_dataflow import dataflow_drivers, is_verilog2001  # noqa: E402

EXAMPLES = ("mac16", "fifo", "uart_tx", "alu8")


def pyverilog_reads(files: list[Path], scratch: Path) -> str:
    """'yes', or the parser's first complaint (pyverilog writes parser tables into the cwd: run in scratch)."""
    from pyverilog.vparser.parser import parse

    here = os.getcwd()
    os.chdir(scratch)
    try:
        parse([str(f) for f in files], outputdir=str(scratch), debug=False)
        return "yes"
    except Exception as exc:  # noqa: BLE001 - pyverilog raises ParseError and plain Exceptions
        return "no: " + " ".join(str(exc).split())[:24]
    finally:
        os.chdir(here)


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="chipchat-bench-parse-"))
    roots = []
    for name in EXAMPLES:
        shutil.copytree(REPO / "designs" / name, work / name, ignore=shutil.ignore_patterns(".chipchat"))
        roots.append(work / name)
    roots.append(write_generated(work / "generated_core"))
    header = f"{'design':<16}{'files':>6}{'pyslang':>9}{'modules':>9}{'signals':>9}{'w/ span+driver':>16}" \
             f"{'pyslang ms':>12}   {'pyverilog reads':<30}{'dataflow':>10}"
    print(header)
    all_read = True
    for root in roots:
        design = load_design(root)
        t0 = time.monotonic()
        model = load_model(design, use_cache=False)
        ms = (time.monotonic() - t0) * 1000
        files = design.sources
        if design.amaranth is not None:
            from chipchat.steps.amaranth_elab import elaborate

            files = [elaborate(design).verilog]
        ok = sum(1 for f in model.files if f.status == "ok")
        all_read &= ok == len(model.files)
        signals = [(m, s) for m in model.modules.values() for s in m.signals.values()]
        grounded = sum(1 for m, s in signals if s.span is not None
                       and (m.drivers(s.name) or m.instance_drivers(s.name) or m.port(s.name)))
        scratch = Path(tempfile.mkdtemp(dir=work))
        reads = pyverilog_reads(files, scratch)
        flow = "-"
        if is_verilog2001(design) and reads == "yes":
            top = model.module(model.top or "")
            names = [s for s in (top.signals if top else {}) if top and top.drivers(s)]  # driven in RTL
            try:
                got = dataflow_drivers(design, names, timeout_s=300)
                flow = f"{sum(1 for n in names if got.get(n))}/{len(names)}"
            except ChipChatError as exc:
                flow = f"failed: {exc}".splitlines()[0][:30]
        print(f"{root.name:<16}{len(model.files):>6}{f'{ok}/{len(model.files)}':>9}{len(model.modules):>9}"
              f"{len(signals):>9}{f'{grounded}/{len(signals)}':>16}{ms:>12.0f}   {reads:<30}{flow:>10}")
    print("\npyslang: SystemVerilog and Verilog, the structural model; pyverilog: Verilog-2001 only, the merged "
          "next-state expressions of `chipchat show --dataflow` (top-module signals).")
    verdict = "PASS" if all_read else "FAIL"
    print(f"target: pyslang reads every file of every example — {verdict}")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if all_read else 1


if __name__ == "__main__":
    sys.exit(main())
