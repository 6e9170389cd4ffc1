"""Child process: import a user's Amaranth file, elaborate one class, write Verilog.

Usage: python -m chipchat.steps._amaranth_child FILE CLASS TOP_NAME OUT.v
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    file, cls_name, top, out = argv
    path = Path(file).resolve()
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        print(f"cannot import {path}", file=sys.stderr)
        return 2
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    cls = getattr(module, cls_name, None)
    if cls is None:
        names = sorted(n for n, v in vars(module).items() if isinstance(v, type) and v.__module__ == module.__name__)
        print(f"{path}: no class {cls_name!r}; classes defined there: {', '.join(names) or 'none'}", file=sys.stderr)
        return 2
    from amaranth.back import verilog

    elaboratable = cls()
    kwargs = {}
    if not hasattr(elaboratable, "signature"):  # a plain Elaboratable: ports must be listed
        ports = getattr(elaboratable, "ports", None)
        kwargs["ports"] = ports() if callable(ports) else ports
    text = verilog.convert(elaboratable, name=top, **kwargs)
    Path(out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
