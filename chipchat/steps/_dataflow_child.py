"""Child process for pyverilog (it writes parsetab.py into its working directory).

Usage: python -m chipchat.steps._dataflow_child TOP FILES_JSON INCDIRS_JSON DEFINES_JSON SIGNALS_JSON
Prints one JSON object on its last line: signal -> merged expression.
"""

from __future__ import annotations

import json
import re
import sys


def main(argv: list[str]) -> int:
    top, files, incdirs, defines, signals = argv[0], *(json.loads(a) for a in argv[1:])
    from pyverilog.dataflow.dataflow_analyzer import VerilogDataflowAnalyzer

    analyzer = VerilogDataflowAnalyzer(files, top, preprocess_include=incdirs, preprocess_define=defines)
    analyzer.generate()
    out: dict[str, str] = {}
    for dest, binds in analyzer.getBinddict().items():
        name = str(dest).split(".")[-1]
        if name in signals:
            exprs = [re.sub(r"\bdest\b", name, b.tree.tocode().replace(f"{top}_", "")) for b in binds
                     if b.tree is not None]
            out[name] = " | ".join(exprs)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
