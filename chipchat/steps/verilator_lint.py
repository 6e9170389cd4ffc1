"""Step: ``verilator --lint-only`` over a design's sources; errors and warnings as data."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from chipchat import toolchain
from chipchat.config import settings
from chipchat.design import Design
from chipchat.formats.cocotb_results import LintResult
from chipchat.steps.amaranth_elab import hdl_sources
from chipchat.steps.step import RunDir, Step, StepResult
from chipchat.types import Diagnostic

MESSAGE = re.compile(r"^%(Error|Warning)(?:-([A-Z0-9_]+))?:\s*(?:([^:\s][^:]*):(\d+):(?:(\d+):)?\s*)?(.*)$")
DEFAULT_FLAGS = ("-Wall", "-Wno-fatal", "-Wno-DECLFILENAME")


def lint_argv(
    verilator: str | Path,
    top: str,
    sources: list[Path],
    *,
    include_dirs: list[Path] | tuple[Path, ...] = (),
    defines: Mapping[str, str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    flags: tuple[str, ...] = DEFAULT_FLAGS,
) -> list[str]:
    """The exact ``verilator --lint-only`` command line (warnings do not stop it; errors do)."""
    argv = [str(verilator), "--lint-only", *flags, "--top-module", top]
    argv += [f"-I{d}" for d in include_dirs]
    argv += [f"-D{k}={v}" if v not in ("", None) else f"-D{k}" for k, v in (defines or {}).items()]
    argv += [f"-G{k}={_param(v)}" for k, v in (parameters or {}).items()]
    argv += [str(s) for s in sources]
    return argv


def _param(value: Any) -> str:
    """A parameter value as Verilator's -G expects it: numbers and sized literals bare, strings quoted."""
    if isinstance(value, bool):
        return "1" if value else "0"
    text = str(value)
    if isinstance(value, str) and not re.fullmatch(r"-?\d+|\d*'[sS]?[bodhBODH][0-9a-fA-F_xzXZ]+|\".*\"", text):
        return f'"{text}"'
    return text


def parse_lint(output: str) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """(errors, warnings) from Verilator's ``%Error``/``%Warning`` lines."""
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    for line in output.splitlines():
        m = MESSAGE.match(line.strip())
        if not m:
            continue
        kind, code, file, lineno, col, message = m.groups()
        if kind == "Error" and message.startswith("Exiting due to"):
            continue
        diag = Diagnostic("error" if kind == "Error" else "warning", message.strip(), file or "",
                          int(lineno or 0), int(col or 0), code or "")
        (errors if kind == "Error" else warnings).append(diag)
    return errors, warnings


class VerilatorLint(Step):
    """Lint the design with Verilator; the result lists every error and warning with file:line."""

    name: ClassVar[str] = "verilator_lint"
    tools: ClassVar[tuple[str, ...]] = ("verilator",)
    inputs: ClassVar[tuple[str, ...]] = ("sources",)
    outputs: ClassVar[tuple[str, ...]] = ("lint.log",)
    config_vars: ClassVar[dict[str, str]] = {
        "parameters": "top-level parameter overrides (name -> value), on top of chipchat.toml's",
        "defines": "preprocessor defines (name -> value), on top of chipchat.toml's",
        "flags": "Verilator warning flags (default: -Wall -Wno-fatal -Wno-DECLFILENAME)",
    }

    def argv(self) -> list[str]:
        d = self.design
        tool = toolchain.find_tool("verilator")
        return lint_argv(
            tool.path, d.top or "", hdl_sources(d), include_dirs=d.include_dirs,
            defines={**d.defines, **self.config.get("defines", {})},
            parameters={**d.parameters, **self.config.get("parameters", {})},
            flags=tuple(self.config.get("flags", DEFAULT_FLAGS)))

    def run(self, run: RunDir) -> StepResult:
        tool = toolchain.find_tool("verilator")
        result = run.exec(self.argv(), log="lint.log", env=tool.env, tool="verilator")
        errors, warnings = parse_lint(result.output)
        if result.returncode != 0 and not errors:
            errors.append(Diagnostic("error", f"verilator exited with code {result.returncode}: "
                                     + (result.tail(3) or "no message")))
        lint = LintResult(ok=not errors, errors=errors, warnings=warnings, run_dir=str(run.path),
                          log=str(run.file("lint.log")))
        return StepResult(self.name, run.path, artifacts={"log": run.file("lint.log")},
                          metrics={"errors": len(errors), "warnings": len(warnings), "lint": lint.to_json()})


def lint(design: Design, *, parameters: Mapping[str, Any] | None = None,
         defines: Mapping[str, str] | None = None, timeout_s: float | None = None) -> LintResult:
    """Run :class:`VerilatorLint` on ``design`` and return its typed result."""
    config: dict[str, Any] = {}
    if parameters:
        config["parameters"] = dict(parameters)
    if defines:
        config["defines"] = dict(defines)
    result = VerilatorLint(design, timeout_s=timeout_s or settings().tool_timeout_s, **config).start()
    return LintResult.from_json(result.metrics["lint"])
