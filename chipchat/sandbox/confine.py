"""One confined runner for code nobody reviewed: simulations, builds, Amaranth elaboration.

A simulation runs code that comes with the design: ``$system``, ``$fopen``, DPI-C imports,
Verilator's ``$c``, and the cocotb testbench's Python. Batch verification, mutation testing,
checked edits and generated testbenches run such code from patches, mutants and language
models. A :class:`Confinement` says what that code may touch; :func:`prepare` turns an argv
into one that runs under it:

- with bubblewrap: the whole file system read-only, writes only to the ``writable`` folders,
  a private ``/tmp`` (a small tmpfs), no network, no capabilities (root inside bwrap could
  otherwise remount ``/`` read-write), its own PID namespace torn down with its parent;
- always: resource limits set in the child (file size, address space, CPU time, processes,
  no core dumps), so a runaway ``$fwrite`` loop is stopped and reported, not filling the disk.

When bwrap is missing or does not work here, runs get the limits alone and a one-time
warning says what is not confined and how to install bubblewrap.
"""

from __future__ import annotations

import functools
import logging
import os
import resource
import signal
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from chipchat import _calls, _exec
from chipchat.errors import ToolNotFound

if TYPE_CHECKING:
    from chipchat._exec import ExecResult

log = logging.getLogger("chipchat.sandbox")
PRIVATE_TMP = Path("/tmp")
BLOCKED = "blocked by the sandbox"
INSTALL = "sudo apt-get install -y bubblewrap (Debian/Ubuntu), dnf install bubblewrap (Fedora)"
_REFUSALS = ("Read-only file system",)
_NETWORK = ("Network is unreachable", "Temporary failure in name resolution")
_OUT_OF_MEMORY = ("std::bad_alloc", "MemoryError", "Cannot allocate memory", "out of memory",
                  "virtual memory exhausted")


@dataclass(frozen=True)
class Limits:
    """Per-process resource limits (``None``: unlimited). Defaults come from the CHIPCHAT_LIMIT_* settings."""

    file_size_mb: int | None = 2048
    memory_mb: int | None = 8192  # address space (RLIMIT_AS), not resident memory
    cpu_s: int | None = 3600
    processes: int | None = 512  # RLIMIT_NPROC counts all of the user's processes: this many more

    @classmethod
    def from_settings(cls) -> Limits:
        from chipchat.config import settings

        s = settings()

        def opt(v: int) -> int | None:
            return v if v > 0 else None

        return cls(opt(s.limit_file_mb), opt(s.limit_memory_mb), opt(s.limit_cpu_s), opt(s.limit_processes))


@dataclass(frozen=True)
class Confinement:
    """What a confined command may do: write only ``writable``, no network, within ``limits``.

    ``readable`` names inputs the command needs; it only matters for inputs under ``/tmp``,
    which the private ``/tmp`` would hide (everything else is visible read-only anyway).
    """

    writable: tuple[Path, ...]
    readable: tuple[Path, ...] = ()
    read_only_root: bool = True
    network: bool = False
    limits: Limits = field(default_factory=Limits.from_settings)
    tmp_mb: int = 1024

    # the protocol _exec.run starts, watches and judges a confined command through (its Confiner)
    def prepare(self, argv: list[str], *, cwd: str | os.PathLike[str] | None, env: Mapping[str, str],
                tool: str) -> tuple[list[str], Callable[[], None], str]:
        return prepare(argv, self, cwd=cwd, env=env, tool=tool)

    def guard(self) -> Callable[[], str | None] | None:
        return guard(self)

    def diagnose(self, returncode: int, output: str, how: str) -> tuple[str, list[str]]:
        return diagnose(returncode, output, self, how)


def policy(*writable: Path | str, readable: Iterable[Path | str] = ()) -> Confinement:
    """The usual confinement: these folders writable, the settings' limits, no network."""
    return Confinement(tuple(Path(p) for p in writable), tuple(Path(p) for p in readable))


def mode() -> str:
    """CHIPCHAT_CONFINE: ``auto``, ``bwrap`` or ``limits`` (validated with the other settings)."""
    from chipchat.config import settings

    return settings().confine


def bwrap_argv(bwrap: str, argv: Sequence[str], policy: Confinement, *, cwd: str,
               env: Mapping[str, str] | None = None) -> list[str]:
    """The bwrap command that runs ``argv`` in ``cwd`` under ``policy`` (pure: no file is touched)."""
    out = [bwrap, "--ro-bind" if policy.read_only_root else "--bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
           "--size", str(policy.tmp_mb * 1024 * 1024), "--tmpfs", str(PRIVATE_TMP)]
    writable = [_real(p) for p in policy.writable]
    python = [*sys.path, sys.prefix, sys.base_prefix]  # a Python child (or cocotb) imports from here
    hidden = _hidden_inputs([*policy.readable, cwd, *argv, *_env_paths(env or {}), *python], writable)
    binds = [(p, "--ro-bind") for p in hidden]
    binds += [(p, "--bind") for p in writable if policy.read_only_root or _under(p, PRIVATE_TMP)]
    for path, how in sorted(binds, key=lambda b: (len(Path(b[0]).parts), b[1] == "--bind")):
        out += [how, path, path]
    out += ["--unshare-all", *(["--share-net"] if policy.network else []), "--die-with-parent", "--new-session",
            "--cap-drop", "ALL", "--setenv", "TMPDIR", str(PRIVATE_TMP), "--chdir", cwd, "--", *argv]
    return out


def prepare(argv: Sequence[str], policy: Confinement, *, cwd: str | os.PathLike[str] | None,
            env: Mapping[str, str], tool: str) -> tuple[list[str], Callable[[], None], str]:
    """(argv to start, its ``preexec_fn``, how it is confined: ``"bwrap"`` or ``"limits"``)."""
    import shutil

    if shutil.which(argv[0], path=env.get("PATH")) is None:
        raise ToolNotFound(tool, f"cannot run {argv[0]}: No such file or directory")
    for folder in policy.writable:
        Path(folder).mkdir(parents=True, exist_ok=True)
    setup = _exec.child_setup(_limiter(policy.limits))
    how = "limits" if mode() == "limits" else _bwrap_or_warn()
    if how == "limits":
        return list(argv), setup, how
    where = os.fspath(cwd) if cwd is not None else os.getcwd()
    return bwrap_argv(_bwrap_path(), argv, policy, cwd=where, env=env), setup, how


def diagnose(returncode: int, output: str, policy: Confinement, how: str) -> tuple[str, list[str]]:
    """(the limit that stopped the process or "", log lines showing what the sandbox refused)."""
    lim = policy.limits
    sig = -returncode if returncode < 0 else (returncode - 128 if returncode > 128 else 0)
    stopped = ""
    if sig == signal.SIGXFSZ and lim.file_size_mb:
        stopped = f"the file-size limit ({lim.file_size_mb} MB per file)"
    elif sig == signal.SIGXCPU and lim.cpu_s:
        stopped = f"the CPU-time limit ({lim.cpu_s} s)"
    elif returncode != 0 and lim.memory_mb and any(m in output for m in _OUT_OF_MEMORY):
        stopped = f"the memory limit ({lim.memory_mb} MB of address space)"
    elif returncode != 0 and how == "bwrap" and "No space left on device" in output:
        stopped = f"the size of its private /tmp ({policy.tmp_mb} MB)"
    patterns = _REFUSALS + (() if policy.network or how != "bwrap" else _NETWORK)
    blocked = [ln.strip()[:300] for ln in output.splitlines() if any(p in ln for p in patterns)]
    return stopped, list(dict.fromkeys(blocked))[:5]


def guard(policy: Confinement) -> Callable[[], str | None] | None:
    """A check polled while a confined command runs: has a file it writes reached the file-size limit?

    Writing past RLIMIT_FSIZE raises SIGXFSZ, which kills a plain tool — but Python ignores
    that signal, and cocotb embeds Python in both simulators, so there a runaway ``$fwrite``
    just sees its writes fail and keeps looping. This check stops it and names the limit.
    """
    if not policy.limits.file_size_mb:
        return None
    limit = policy.limits.file_size_mb * 1024 * 1024
    folders = [_real(p) for p in policy.writable]
    state = {"next": 0.0}

    def check() -> str | None:
        now = time.monotonic()
        if now < state["next"]:
            return None
        state["next"] = now + 0.5
        for folder in folders:
            for parent, _dirs, files in os.walk(folder):
                for name in files:
                    try:
                        size = os.lstat(os.path.join(parent, name)).st_size
                    except OSError:
                        continue
                    if size >= limit:
                        return f"the file-size limit ({policy.limits.file_size_mb} MB per file; {name} reached it)"
        return None

    return check


def note(result: ExecResult) -> str:
    """Lines to append to a log tail: the limit that stopped a confined command, what it was refused."""
    text = f"\nstopped by {result.stopped_by}" if result.stopped_by else ""
    return text + "".join(f"\n{BLOCKED}: {line}" for line in result.blocked)


@functools.cache
@_calls.process_wide  # a cancelled call must not kill the probe that every later run relies on
def bwrap_problem() -> str | None:
    """Why bubblewrap cannot confine runs here (``None``: it can). Probed once per process."""
    from chipchat import _exec

    try:
        bwrap = _bwrap_path()
    except ToolNotFound as exc:
        return exc.message
    probe = bwrap_argv(bwrap, ["true"], Confinement((), limits=Limits(None, None, None, None)), cwd="/")
    try:
        result = _exec.run(probe, timeout=20, tool="bwrap")
    except Exception as exc:  # noqa: BLE001 - any failure means: not usable
        return f"bwrap does not start: {exc}"
    return None if result.ok else f"bwrap cannot create a sandbox here: {result.tail(2) or result.returncode}"


def status() -> str:
    """One line for ``chipchat doctor`` and the docs: how untrusted runs are confined on this machine."""
    if mode() == "limits":
        return "resource limits only (CHIPCHAT_CONFINE=limits)"
    problem = bwrap_problem()
    return "bubblewrap + resource limits" if problem is None else f"resource limits only: {problem}"


def _bwrap_path() -> str:
    from chipchat import toolchain

    return str(toolchain.find_tool("bwrap").path)


_warned = False


def _bwrap_or_warn() -> str:
    global _warned
    problem = bwrap_problem()
    if problem is None:
        return "bwrap"
    if mode() == "bwrap":
        raise ToolNotFound("bwrap", f"CHIPCHAT_CONFINE=bwrap, but {problem}", hint=INSTALL)
    if not _warned:
        _warned = True
        log.warning(
            "chipchat: simulations and builds of untrusted RTL run with resource limits only, NOT confined "
            "(%s): they can write wherever you can and use the network. To confine them, install bubblewrap: "
            "%s.", problem, INSTALL)
    return "limits"


def _limiter(lim: Limits) -> Callable[[], None]:
    """The setrlimit calls, with every value computed here, before the fork."""
    mb = 1024 * 1024
    todo: list[tuple[int, int, int]] = [(resource.RLIMIT_CORE, 0, 0)]
    if lim.file_size_mb:
        todo.append((resource.RLIMIT_FSIZE, lim.file_size_mb * mb, lim.file_size_mb * mb))
    if lim.memory_mb:
        todo.append((resource.RLIMIT_AS, lim.memory_mb * mb, lim.memory_mb * mb))
    if lim.cpu_s:
        todo.append((resource.RLIMIT_CPU, lim.cpu_s, lim.cpu_s + 5))  # SIGXCPU first, SIGKILL 5 s later
    if lim.processes and os.getuid() != 0:  # root is exempt from RLIMIT_NPROC: the PID namespace bounds it
        n = _user_processes() + lim.processes
        todo.append((resource.RLIMIT_NPROC, n, n))
    setrlimit = resource.setrlimit

    def apply() -> None:
        for what, soft, hard in todo:
            setrlimit(what, (soft, hard))

    return apply


def _user_processes() -> int:
    uid, n = os.getuid(), 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                n += entry.stat().st_uid == uid
            except OSError:
                continue
    return n


def _real(path: Path | str) -> str:
    return os.path.realpath(os.fspath(path))


def _under(path: str, folder: Path) -> bool:
    return Path(path).is_relative_to(folder)


def _env_paths(env: Mapping[str, str]) -> list[str]:
    return [p for key in ("PYTHONPATH", "VERILATOR_ROOT") for p in env.get(key, "").split(os.pathsep) if p]


def _hidden_inputs(candidates: Iterable[Path | str], writable: list[str]) -> list[str]:
    """Folders under ``/tmp`` the command names (its files' folders), to show through the private ``/tmp``."""
    found: set[str] = set()
    for item in candidates:
        text = os.fspath(item)
        for prefix in ("-I", "+incdir+", "-y", "-F", "-f"):
            if text.startswith(prefix) and len(text) > len(prefix):
                text = text[len(prefix):]
        if not text.startswith("/") or text == "/":
            continue
        real = _real(text)
        if not _under(real, PRIVATE_TMP) or real == str(PRIVATE_TMP) or not os.path.exists(real):
            continue
        folder = real if os.path.isdir(real) else os.path.dirname(real)
        if folder != str(PRIVATE_TMP) and not any(_under(folder, Path(w)) for w in writable):
            found.add(folder)
    return sorted(f for f in found if not any(f != g and _under(f, Path(g)) for g in found))
