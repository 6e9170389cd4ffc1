"""Static timing analysis with OpenSTA (Debian's ``sta``) on a synthesized netlist.

The recipe is ``flows/sta/timing.tcl``. Constraints: the design's SDC as given;
without one, clocks from chipchat.toml become a generated SDC (with input/output
delays of 20 % of the period, as OpenROAD-flow-scripts assumes); with neither, a
clear "no clock" error. ``clock_period_ns`` re-defines the main clock after the SDC
is read (a what-if that keeps every other constraint). Every name, path and number
that enters the Tcl goes through :mod:`chipchat.tcl`.

OpenSTA's ``read_liberty`` takes its argument apart as a Tcl list, so a liberty path with a
space or a bracket (``lib[1]/cells.lib``) cannot be read however it is quoted: such a file is
copied into the run directory under a plain name first. Any ``Error:`` line in the
log — ``cannot read file``, an unknown cell — makes the run a failure, never "nothing to time".
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any, ClassVar

from chipchat import toolchain
from chipchat.design import Design
from chipchat.errors import ConfigError, ParseError, ToolFailed
from chipchat.formats.sdc import generated_sdc, sdc_has_clock
from chipchat.formats.sta_report import (
    EndpointSlack,
    TimingPath,
    parse_report_checks,
    parse_report_end,
    parse_scalar,
)
from chipchat.hashing import digest
from chipchat.platforms import Platform, get_platform
from chipchat.resources import data_path
from chipchat.steps.step import RunDir, Step, StepResult
from chipchat.tcl import tcl_list, tcl_number, tcl_quote, validate_identifier

CACHE_VERSION = 2  # bump when the saved results change shape or meaning
MAX_ENDPOINTS = 100000
_STA_MESSAGE = re.compile(r"^(?P<level>Error|Warning): (?P<file>[^,\n]+), (?:line )?(?P<line>\d+) (?P<msg>.*)$", re.M)
_ANY_ERROR = re.compile(r"^Error: (?P<msg>.*)$", re.M)
_LIST_SAFE = re.compile(r"^[A-Za-z0-9_./+:=@%,~-]+$")  # a path Tcl's list parsing leaves as it is
_CLOCK_LINE = re.compile(r"^@@chipchat clock (?P<name>\S+) (?P<period>\S+)$", re.M)


@dataclass
class EndpointQuery:
    """Where ``--to SIGNAL`` points in the netlist: flip-flop data pins, output ports or nets to pass through."""

    signal: str
    pins: list[str] = field(default_factory=list)
    ports: list[str] = field(default_factory=list)
    nets: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.pins or self.ports or self.nets)

    def tcl_args(self) -> str:
        """``-to …`` / ``-through …`` arguments for report_checks."""
        if self.pins or self.ports:
            parts = []
            if self.pins:
                parts.append(f"[get_pins {tcl_list(*self.pins)}]")
            if self.ports:
                parts.append(f"[get_ports {tcl_list(*self.ports)}]")
            return "-to [concat " + " ".join(parts) + "]"
        return f"-through [get_nets {tcl_list(*self.nets)}]"


class OpenSTA(Step):
    """Run OpenSTA on a netlist: worst slack, TNS, the N worst paths, endpoint slacks, a path to a signal."""

    name: ClassVar[str] = "opensta"
    tools: ClassVar[tuple[str, ...]] = ("sta",)
    inputs: ClassVar[tuple[str, ...]] = ("netlist.v", "liberty", "SDC or chipchat.toml clocks")
    outputs: ClassVar[tuple[str, ...]] = ("timing.tcl", "paths.rpt", "endpoints.rpt", "summary.rpt", "paths.json",
                                          "endpoints.json", "sta.log")
    config_vars: ClassVar[dict[str, str]] = {
        "netlist": "netlist.v from synthesis (required)",
        "top": "top module name (default: the design's)",
        "platform": "platform (name, liberty path or Platform; default: the design's)",
        "ports": "{'inputs': [...], 'outputs': [...]} of the netlist (for generated constraints and checks)",
        "clock_period_ns": "what-if: re-define the main clock with this period",
        "paths": "how many worst paths to report (default 5)",
        "to": "EndpointQuery: also report the worst path to these pins/ports/nets",
        "spef": "wire parasitics (SPEF) to read after the constraints, e.g. a placement estimate (optional)",
    }

    def __init__(self, design: Design, *, timeout_s: float | None = None, **config: Any) -> None:
        super().__init__(design, timeout_s=timeout_s, **config)
        if "netlist" not in config:
            raise ConfigError("step opensta needs `netlist`")
        self.netlist = Path(config["netlist"])
        self.top = validate_identifier(str(config.get("top") or design.top or ""), "top module")
        spec = config.get("platform") or design.platform
        self.platform: Platform = spec if isinstance(spec, Platform) else get_platform(spec, base=design.root)
        ports = config.get("ports") or {}
        self.inputs_ = [str(p) for p in ports.get("inputs", [])]
        self.outputs_ = [str(p) for p in ports.get("outputs", [])]
        period = config.get("clock_period_ns")
        self.period_ns = float(period) if period is not None else None
        if self.period_ns is not None:
            tcl_number(self.period_ns, "clock period")
        self.paths = int(config.get("paths", 5))
        if not 1 <= self.paths <= 10000:
            raise ConfigError(f"paths must be between 1 and 10000, got {self.paths}")
        self.to: EndpointQuery | None = config.get("to")
        self.spef = Path(config["spef"]) if config.get("spef") else None
        self.liberty: list[Path] = list(self.platform.liberty)  # as read_liberty gets them (see run())

    # -- constraints ------------------------------------------------------------------------------
    def validate(self) -> None:
        if not self.netlist.exists():
            raise ConfigError(f"netlist {self.netlist} does not exist", hint="run synthesis first")
        if self.spef is not None and not self.spef.exists():
            raise ConfigError(f"parasitics file {self.spef} does not exist", hint="place the design first")
        sdc = self.design.sdc
        if sdc is not None:
            if not sdc_has_clock(sdc) and not self.design.clocks:
                raise ConfigError(f"no clock: {self.design.relpath(sdc)} has no create_clock",
                                  hint="add `create_clock -name clk -period 10 [get_ports clk]` to the SDC")
            return
        if not self.design.clocks:
            raise ConfigError(
                "no clock: the design has no SDC file and no [[clocks]] in chipchat.toml",
                hint="add [[clocks]] with port = \"clk\" and period_ns = 10.0 to chipchat.toml, "
                     "or an SDC file (sdc = \"constraints.sdc\")")
        known = set(self.inputs_)
        for clock in self.design.clocks:
            validate_identifier(clock.port, "clock port")
            if known and clock.port not in known:
                raise ConfigError(
                    f"clock port {clock.port!r} does not exist in {self.top}",
                    hint="input ports are: " + ", ".join(sorted(known)) + " (fix [[clocks]] in chipchat.toml)")

    def constraints_tcl(self) -> tuple[str, str | None]:
        """(Tcl that sets up the constraints, text of a generated SDC or None)."""
        sdc = self.design.sdc
        if sdc is None:
            text = generated_sdc(self.design.clocks, self.inputs_, self.outputs_, self.period_ns)
            return "read_sdc constraints.sdc", text
        lines = [f"read_sdc {tcl_quote(str(sdc))}"]
        if self.period_ns is not None:
            period = tcl_number(self.period_ns, "clock period")
            half = tcl_number(self.period_ns / 2, "clock period")
            target = self.design.clocks[0].port if self.design.clocks else None
            pick = ("[lindex [all_clocks] 0]" if target is None else
                    f"[lindex [concat [get_clocks -quiet {tcl_quote(target)}] [all_clocks]] 0]")
            lines += [
                f"set chipchat_main {pick}",
                "if {$chipchat_main ne \"\"} {",
                f"  create_clock -name [get_name $chipchat_main] -period {period} -waveform [list 0 {half}] "
                "[get_property $chipchat_main sources]",
                "}",
            ]
        return "\n".join(lines), None

    def script(self) -> str:
        reads = "\n".join(f"read_liberty {tcl_quote(str(p))}" for p in self.liberty)
        constraints, _ = self.constraints_tcl()
        to_report = ""
        if self.to is not None and not self.to.empty:
            to_report = (f"report_checks -path_delay max {self.to.tcl_args()} -group_count {self.paths} "
                         "-endpoint_count 1 -fields {slew cap input_pins nets fanout} -digits 3 > to.rpt")
        parasitics = f"read_spef {tcl_quote(str(self.spef))}" if self.spef is not None else ""
        values = {"READ_LIBERTY": reads, "NETLIST": tcl_quote(str(self.netlist)), "TOP": tcl_quote(self.top),
                  "CONSTRAINTS": constraints, "PARASITICS": parasitics, "PATHS": str(self.paths),
                  "TO_REPORT": to_report,
                  "ENDPOINTS": str(MAX_ENDPOINTS)}
        return Template(recipe_path().read_text()).substitute(values)

    def argv(self, sta: str = "sta") -> list[str]:
        return [sta, "-no_splash", "-exit", "timing.tcl"]

    def cache_key(self) -> str | None:
        version = toolchain.find_tool("sta").version
        to = self.to.__dict__ if self.to is not None else None
        return digest("opensta", CACHE_VERSION, version, recipe_path(), self.netlist, *self.platform.liberty, self.design.sdc,
                      self.design.clocks, self.inputs_, self.outputs_, self.period_ns, self.paths, to, self.top,
                      *([self.spef] if self.spef is not None else []))

    # -- running ------------------------------------------------------------------------------
    def run(self, run: RunDir) -> StepResult:
        _, sdc_text = self.constraints_tcl()
        if sdc_text is not None:
            run.file("constraints.sdc").write_text(sdc_text)
        self.liberty = [_plain_path(p, run, n) for n, p in enumerate(self.platform.liberty)]
        run.file("timing.tcl").write_text(self.script())
        tool = toolchain.find_tool("sta")
        result = run.exec(self.argv(str(tool.path)), log="sta.log", tool="sta")
        self._check(result.output, run.file("sta.log"), result.returncode)
        parsed = read_results(run.path)
        parsed.paths = parsed.paths[:self.paths]
        parsed.to_paths = parsed.to_paths[:self.paths]
        parsed.clocks = [(m.group("name"), float(m.group("period"))) for m in _CLOCK_LINE.finditer(result.output)]
        parsed.warnings = [f"{m.group('file')}:{m.group('line')}: {m.group('msg')}"
                           for m in _STA_MESSAGE.finditer(result.output) if m.group("level") == "Warning"]
        paths_json = [p.to_json() for p in parsed.paths]
        run.file("paths.json").write_text(json.dumps(paths_json, indent=1))
        run.file("to_paths.json").write_text(json.dumps([p.to_json() for p in parsed.to_paths], indent=1))
        run.file("endpoints.json").write_text(json.dumps([e.__dict__ for e in parsed.endpoints]))
        metrics = parsed.metrics()
        run.file("sta_result.json").write_text(json.dumps(parsed.to_json()))
        artifacts = {name: run.file(name) for name in ("timing.tcl", "paths.rpt", "endpoints.rpt", "summary.rpt",
                                                       "paths.json", "to_paths.json", "endpoints.json",
                                                       "sta_result.json", "sta.log")}
        if sdc_text is not None:
            artifacts["constraints.sdc"] = run.file("constraints.sdc")
        return StepResult(self.name, run.path, artifacts=artifacts, metrics=metrics)

    def _check(self, output: str, log: Path, returncode: int) -> None:
        done = "@@chipchat done" in output
        for m in _STA_MESSAGE.finditer(output):
            where = Path(m.group("file"))
            line = int(m.group("line"))
            is_sdc = self.design.sdc is not None and where.name == self.design.sdc.name
            if m.group("level") == "Error":
                if where.name.endswith((".lib", ".liberty")):
                    raise ParseError(f"OpenSTA cannot read the liberty: {m.group('msg')}", file=m.group("file"),
                                     line=line, hint="fix or replace the liberty file")
                if is_sdc and self.design.sdc is not None:
                    raise ParseError(f"OpenSTA rejected the SDC: {m.group('msg')}",
                                     file=self.design.relpath(self.design.sdc), line=line, hint="fix that SDC line")
                raise ToolFailed("sta", f"OpenSTA error: {where.name}:{line}: {m.group('msg')}",
                                 log_tail=_tail(output), log_path=log, returncode=returncode)
            if is_sdc and "not found" in m.group("msg") and self.design.sdc is not None:
                text = _line_of(self.design.sdc, line)
                if "create_clock" in text:
                    raise ConfigError(
                        f"{self.design.relpath(self.design.sdc)}:{line}: clock on a port that does not exist: "
                        f"{m.group('msg')}",
                        hint="inputs are: " + (", ".join(self.inputs_) or "(unknown)") + "; fix create_clock")
        other = _ANY_ERROR.search(output)
        if other is not None:  # an error OpenSTA printed without a file and line, and then went on
            msg = other.group("msg").strip()
            if "cannot read file" in msg and any(str(p) in msg for p in self.liberty):
                raise ParseError(f"OpenSTA cannot read the liberty file: {msg}", hint="check the liberty path")
            raise ToolFailed("sta", f"OpenSTA error: {msg}", log_tail=_tail(output), log_path=log,
                             returncode=returncode)
        if returncode != 0 or not done:
            raise ToolFailed("sta", f"OpenSTA stopped before the end of the script (exit code {returncode})",
                             log_tail=_tail(output), log_path=log, returncode=returncode)


def _plain_path(path: Path, run: RunDir, n: int) -> Path:
    """``path``, or a copy of it in the run directory when Tcl's list parsing would change it (a space, a
    bracket, a brace …): OpenSTA's read_liberty cannot take such a name."""
    if _LIST_SAFE.match(str(path)):
        return path
    suffix = "".join(s for s in path.suffixes if _LIST_SAFE.match(s))[-12:]
    target = run.file(f"liberty{n}{suffix or '.lib'}")
    shutil.copyfile(path, target)
    return target


def recipe_path() -> Path:
    return data_path("flows") / "sta" / "timing.tcl"


def _tail(output: str) -> str:
    from chipchat._exec import log_tail

    return log_tail(output, 12)


def _line_of(path: Path, line: int) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return lines[line - 1] if 0 < line <= len(lines) else ""


@dataclass
class StaResults:
    """What one OpenSTA run found, parsed from its report files."""

    worst_slack: float | None
    tns: float | None
    paths: list[TimingPath]
    endpoints: list[EndpointSlack]
    to_paths: list[TimingPath] = field(default_factory=list)
    clocks: list[tuple[str, float]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def wns(self) -> float:
        """Worst negative slack: the worst slack when negative, else 0 (the usual convention)."""
        return min(self.worst_slack, 0.0) if self.worst_slack is not None else 0.0

    @property
    def nothing_to_time(self) -> bool:
        return self.worst_slack is None and not self.endpoints and not self.paths

    def metrics(self) -> dict[str, Any]:
        violating = [e for e in self.endpoints if e.slack is not None and e.slack < 0]
        return {"worst_slack": self.worst_slack, "wns": self.wns, "tns": self.tns if self.tns is not None else 0.0,
                "paths": len(self.paths), "endpoints": len(self.endpoints), "violating_endpoints": len(violating),
                "clocks": [{"name": n, "period_ns": p} for n, p in self.clocks],
                "nothing_to_time": self.nothing_to_time}

    def to_json(self) -> dict[str, Any]:
        return {"worst_slack": self.worst_slack, "tns": self.tns, "clocks": self.clocks, "warnings": self.warnings,
                "paths": [p.to_json() for p in self.paths], "to_paths": [p.to_json() for p in self.to_paths],
                "endpoints": [e.__dict__ for e in self.endpoints]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StaResults:
        return cls(worst_slack=data.get("worst_slack"), tns=data.get("tns"),
                   paths=[TimingPath.from_json(p) for p in data.get("paths", [])],
                   endpoints=[EndpointSlack(**e) for e in data.get("endpoints", [])],
                   to_paths=[TimingPath.from_json(p) for p in data.get("to_paths", [])],
                   clocks=[(str(n), float(p)) for n, p in data.get("clocks", [])],
                   warnings=list(data.get("warnings", [])))


def read_results(run_dir: Path) -> StaResults:
    """Parse the report files an OpenSTA run left in ``run_dir``."""
    def text(name: str) -> str:
        path = run_dir / name
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    summary = text("summary.rpt")
    worst = parse_scalar(summary, "worst slack")
    if worst is not None and abs(worst) == float("inf"):
        worst = None
    # -group_count is per path group (each clock, async checks …): order all of them by slack
    return StaResults(worst_slack=worst, tns=parse_scalar(summary, "tns"),
                      paths=_by_slack([p for p in parse_report_checks(text("paths.rpt")) if p.constrained]),
                      endpoints=parse_report_end(text("endpoints.rpt")),
                      to_paths=_by_slack(parse_report_checks(text("to.rpt"))))


def _by_slack(paths: list[TimingPath]) -> list[TimingPath]:
    return sorted(paths, key=lambda p: (p.slack is None, p.slack if p.slack is not None else 0.0))
