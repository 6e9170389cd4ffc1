"""Synthesis with Yosys to a platform's liberty, with buffering and sizing, keeping the map back to RTL.

The recipe is ``flows/yosys/synth.ys``; this step fills it in (every path and name
quoted), runs Yosys through the run directory and reads back the netlist
(``netlist.v`` for OpenSTA, ``netlist.json`` for tracing paths to RTL names and
source lines). With ``repair="abc"`` (the default) ABC buffers high-fanout nets and
sizes gates against the clock period (``abc -constr … -D …`` runs
``buffer; upsize; dnsize``); ``repair="none"`` maps for area only and says so.
Results are cached by the content of the sources, the liberty files, the options,
the recipe and the Yosys version.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from string import Template
from typing import Any, ClassVar

from chipchat import toolchain
from chipchat.design import Design
from chipchat.errors import ChipChatError, ConfigError, DesignError, ParseError, ToolFailed
from chipchat.formats.verilog_netlist import split_concat_assigns
from chipchat.hashing import digest
from chipchat.platforms import Platform, get_platform
from chipchat.resources import data_path
from chipchat.steps import wasm_slang
from chipchat.steps.amaranth_elab import hdl_sources
from chipchat.steps.step import RunDir, Step, StepResult
from chipchat.tcl import yosys_quote

REPAIRS = {
    "abc": "ABC buffered high-fanout nets and sized gates for the clock period (abc -constr -D: buffer, upsize, dnsize)",
    "none": "no buffering or gate sizing (plain area-oriented ABC mapping): slack on high-fanout nets is pessimistic",
}
FRONTENDS = ("yosys", "sv2v", "slang", "wasm-slang")
SV2V_OUTPUT = "sv2v.v"
CACHE_VERSION = 2  # bump when the saved results change shape or meaning
_YOSYS_ERROR = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+): ERROR: (?P<msg>.*)$", re.M)
_YOSYS_WARNING = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+): Warning: (?P<msg>.*)$", re.M)
_PLAIN_ERROR = re.compile(r"^ERROR: (?P<msg>.*)$", re.M)


def recipe_path() -> Path:
    return data_path("flows") / "yosys" / "synth.ys"


def _param_value(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if re.fullmatch(r"-?\d+|\d+'[sS]?[bBoOdDhH][0-9a-fA-F_xXzZ]+", text):
        return text
    if any(ch in text for ch in '"\n\r;#\\'):
        raise ConfigError(f"parameter value {text!r} cannot be passed to Yosys", hint="use a number or a plain string")
    return f'"{text}"'


class YosysSynth(Step):
    """Synthesize the design's RTL to the platform's standard cells."""

    name: ClassVar[str] = "yosys_synth"
    tools: ClassVar[tuple[str, ...]] = ("yosys",)
    inputs: ClassVar[tuple[str, ...]] = ("RTL sources (or Amaranth elaborated to Verilog)", "platform liberty")
    outputs: ClassVar[tuple[str, ...]] = ("netlist.v", "netlist.json", "synth.ys", "stat.json", "yosys.log")
    config_vars: ClassVar[dict[str, str]] = {
        "platform": "platform name, liberty path or OpenROAD-flow-scripts platform folder (default: the design's)",
        "clock_period_ns": "delay target for ABC's mapping and sizing (default: none)",
        "repair": "`abc` (buffering and gate sizing inside ABC, the default) or `none` (area mapping only)",
        "frontend": "how the RTL is read: `yosys` (Yosys's own reader, the default), `sv2v` (SystemVerilog "
                    "converted to Verilog by sv2v first), `slang` (the yosys-slang plugin) or `wasm-slang` "
                    "(YoWASP's Yosys with slang reads it and hands Yosys plain Verilog)",
    }

    def __init__(self, design: Design, *, timeout_s: float | None = None, **config: Any) -> None:
        super().__init__(design, timeout_s=timeout_s, **config)
        spec = config.get("platform") or design.platform
        self.platform: Platform = spec if isinstance(spec, Platform) else get_platform(spec, base=design.root)
        self.repair = str(config.get("repair", "abc"))
        if self.repair not in REPAIRS:
            raise ConfigError(f"unknown repair mode {self.repair!r}", hint="known: " + ", ".join(REPAIRS))
        self.frontend = str(config.get("frontend", "yosys"))
        if self.frontend not in FRONTENDS:
            raise ConfigError(f"unknown front end {self.frontend!r}", hint="known: " + ", ".join(FRONTENDS))
        period = config.get("clock_period_ns")
        self.period_ns = float(period) if period is not None else None
        if self.period_ns is not None and not self.period_ns > 0:
            raise ConfigError(f"clock period must be positive, got {period}")
        self._sources: list[Path] | None = None

    # -- inputs ----------------------------------------------------------------------------
    def sources(self) -> list[Path]:
        if self._sources is None:
            self._sources = hdl_sources(self.design)
        return self._sources

    def validate(self) -> None:
        if not self.design.top:
            raise DesignError(f"design {self.design.name} has no top module", hint="set `top` in chipchat.toml")
        missing = [p for p in self.sources() if not p.exists()]
        if missing:
            raise DesignError(f"source file(s) missing: {', '.join(map(str, missing))}")
        from chipchat.formats.liberty import read_liberty

        for lib in self.platform.liberty:
            read_liberty(lib)  # a malformed liberty is a ParseError with file:line, before Yosys sees it

    def cache_key(self) -> str | None:
        headers = sorted(p for d in self.design.include_dirs if d.is_dir() for p in d.rglob("*")
                         if p.suffix in (".vh", ".svh", ".v", ".sv", ".h"))
        version = toolchain.find_tool("yosys").version
        return digest("yosys_synth", CACHE_VERSION, version, recipe_path(), *self.sources(), *headers, *self.platform.liberty,
                      self.platform.to_json(), self.design.top, self.design.defines, self.design.parameters,
                      [str(d) for d in self.design.include_dirs], self.period_ns, self.repair, self.frontend)

    # -- the script, as data -----------------------------------------------------------------
    def abc_command(self, libs: list[str]) -> str:
        liberty = " ".join(f"-liberty {lib}" for lib in libs)
        target = f" -D {round(self.period_ns * 1000)}" if self.period_ns else ""
        if self.repairs():
            return f"abc {liberty} -constr abc.constr{target}"
        return f"abc {liberty}{target}"

    def repairs(self) -> bool:
        """True when ABC will buffer and size (asked for, and the platform names a driver cell and a load)."""
        return self.repair == "abc" and bool(self.platform.abc_driver) and self.platform.abc_load > 0

    def abc_constr(self) -> str:
        return f"set_driving_cell {self.platform.abc_driver}\nset_load {self.platform.abc_load:g}\n"

    def script(self, libs: list[str] | None = None) -> str:
        """The filled-in Yosys script (``libs``: the liberty paths to use, already quoted)."""
        libs = libs or [yosys_quote(p, "liberty path") for p in self.platform.liberty]
        design = self.design
        reads = [f"read_liberty -lib {lib}" for lib in libs]
        # -defer: elaborate once, in `hierarchy`, with the parameter overrides (not first with the defaults, which
        # for a large default memory can take minutes); include folders by link names in the run folder, since
        # Yosys keeps quotes around an -I path as part of it
        flags = ["-defer", "-sv"] + [f"-I{link}" for link in self.include_links()]
        for name, value in sorted(design.defines.items()):
            if not re.fullmatch(r"[A-Za-z_]\w*", name) or any(ch in '"\n\r;#' or ch.isspace() for ch in str(value)):
                raise ConfigError(f"define {name}={value!r} cannot be passed to Yosys",
                                  hint="use plain names and values without spaces, tabs or quotes")
            flags.append(f"-D{name}={value}" if value != "" else f"-D{name}")
        sources = " ".join(yosys_quote(p, "source path") for p in self.sources())
        chparams = "".join(f" -chparam {_ident(k)} {_param_value(v)}" for k, v in sorted(design.parameters.items()))
        read = f"read_verilog {' '.join(flags)} {sources}"
        if self.frontend == "sv2v":  # run() converts the sources into one Verilog file first
            read = f"read_verilog -defer {SV2V_OUTPUT}"
        elif self.frontend == "wasm-slang":  # run() has slang elaborate it, with the overrides, into plain Verilog
            read = f"read_verilog -defer {wasm_slang.OUTPUT}"
            chparams = ""
        elif self.frontend == "slang":  # the plugin elaborates, with the overrides, itself
            overrides = "".join(f" -G {_ident(k)}={_param_value(v)}" for k, v in sorted(design.parameters.items()))
            includes = "".join(f" -I {link}" for link in self.include_links())
            defines = "".join(f" -D {f[2:]}" for f in flags if f.startswith("-D"))
            read = f"plugin -i slang\nread_slang --top {_ident(design.top or '')}{overrides}{includes}{defines} {sources}"
            chparams = ""
        if self.platform.tie_hi and self.platform.tie_lo:
            constants = (f"hilomap -singleton -hicell {self.platform.tie_hi.cell} {self.platform.tie_hi.output} "
                         f"-locell {self.platform.tie_lo.cell} {self.platform.tie_lo.output}")
        else:
            constants = "setundef -zero"
        values = {
            "READ_LIBERTY": "\n".join(reads), "READ_SOURCES": read,
            "TOP": _ident(design.top or ""), "CHPARAMS": chparams, "DFF_LIBERTY": libs[0],
            "ABC": self.abc_command(libs), "CONSTANTS": constants, "STAT_JSON": "stat.json",
            "NETLIST_V": "netlist.v", "NETLIST_JSON": "netlist.json",
        }
        return Template(recipe_path().read_text()).substitute(values)

    def sv2v_argv(self, sv2v: str) -> list[str]:
        """sv2v converting the sources (with the include folders and defines) into ``sv2v.v`` in the run folder."""
        return [sv2v, *[f"--incdir={link}" for link in self.include_links()],
                *[f"--define={k}={v}" if v != "" else f"--define={k}" for k, v in sorted(self.design.defines.items())],
                f"--top={_ident(self.design.top or '')}", f"--write={SV2V_OUTPUT}", *map(str, self.sources())]

    def _sv2v(self, run: RunDir) -> None:
        tool = toolchain.find_tool("sv2v")
        result = run.exec(self.sv2v_argv(str(tool.path)), log="sv2v.log", tool="sv2v")
        if not result.ok or not run.file(SV2V_OUTPUT).is_file():
            raise ToolFailed("sv2v", "sv2v could not convert the SystemVerilog sources", log_tail=result.tail(12),
                             log_path=result.log_path, returncode=result.returncode)

    def _wasm_slang(self, run: RunDir) -> None:
        design = self.design
        mounts = wasm_slang.Mounts(design.root, list(design.include_dirs), self.sources(), run.path)
        text = wasm_slang.script(mounts, _ident(design.top or ""), self.sources(), len(design.include_dirs),
                                 dict(design.defines), dict(design.parameters), _param_value)
        run.file(wasm_slang.SCRIPT).write_text(text)
        tool = toolchain.find_tool(wasm_slang.TOOL)
        result = run.exec(tool.argv("-q", "-s", f"/run/{wasm_slang.SCRIPT}"), log="slang.log", tool=wasm_slang.TOOL,
                          env=mounts.env())
        out = run.file(wasm_slang.OUTPUT)
        if not result.ok or not out.is_file():
            missing = sorted(set(re.findall(r"unknown module '(\w+)'", result.output)))
            hint = (f"the sources do not define {', '.join(missing)} (a black box for synthesis): add the file that "
                    "does to `sources` in chipchat.toml" if missing else None)
            raise ToolFailed(wasm_slang.TOOL, "slang (in YoWASP's Yosys) could not read the SystemVerilog sources",
                             log_tail=mounts.host_paths(result.tail(12)), log_path=result.log_path,
                             returncode=result.returncode, hint=hint)
        out.write_text(mounts.host_paths(out.read_text(encoding="utf-8", errors="replace")))

    def include_links(self) -> list[str]:
        """Names (in the run folder) of links to the include folders: ``inc0``, ``inc1`` …"""
        return [f"inc{i}" for i in range(len(self.design.include_dirs))]

    def argv(self, yosys: str = "yosys") -> list[str]:
        return [yosys, "-q", "-l", "yosys_full.log", "-s", "synth.ys"]

    # -- running ---------------------------------------------------------------------------------
    def run(self, run: RunDir) -> StepResult:
        libs = [yosys_quote(p, "liberty path") for p in self._abc_libraries(run.path)]
        run.file("synth.ys").write_text(self.script(libs))
        if "-constr" in self.abc_command(libs):
            run.file("abc.constr").write_text(self.abc_constr())
        for link, folder in zip(self.include_links(), self.design.include_dirs, strict=True):  # before sv2v and Yosys
            run.file(link).unlink(missing_ok=True)
            run.file(link).symlink_to(folder.resolve(), target_is_directory=True)
        if self.frontend == "sv2v":
            self._sv2v(run)
        elif self.frontend == "wasm-slang":
            self._wasm_slang(run)
        tool = toolchain.find_tool("yosys")
        result = run.exec(self.argv(str(tool.path)), log="yosys.log", tool="yosys")
        if not result.ok:
            raise self._error(result.output, run.path / "yosys.log", result.returncode)
        netlist_v = run.file("netlist.v")
        fixed, split = split_concat_assigns(netlist_v.read_text())
        if split:
            netlist_v.write_text(fixed)
        netlist_json = run.file("netlist.json")
        metrics = self._metrics(netlist_json, run.file("stat.json"))
        metrics["split_assigns"] = split  # `assign {a, b} = …` written one bit per line, for OpenSTA
        metrics["warnings"] = self.warnings(result.output)
        (run.file("synth_metrics.json")).write_text(json.dumps(metrics, indent=2))
        return StepResult(self.name, run.path, artifacts={
            "netlist_v": run.file("netlist.v"), "netlist_json": netlist_json, "script": run.file("synth.ys"),
            "log": run.file("yosys.log"), "stat": run.file("stat.json")}, metrics=metrics)

    def _abc_libraries(self, run_path: Path) -> list[Path]:
        """The liberty files, with the platform's dont-use cells marked so ABC leaves them alone."""
        from chipchat.formats.liberty import read_liberty

        out: list[Path] = []
        for lib in self.platform.liberty:
            present = [c for c in self.platform.dont_use if c in read_liberty(lib).cells]
            if not present:
                out.append(lib)
                continue
            text = lib.read_text(encoding="utf-8", errors="replace")
            for cell in present:
                text = re.sub(rf'(\bcell\s*\(\s*"?{re.escape(cell)}"?\s*\)\s*\{{)', r"\1 dont_use : true ;", text)
            patched = run_path / f"dont_use_{lib.name}"
            patched.write_text(text)
            out.append(patched)
        return out

    def _metrics(self, netlist_json: Path, stat_json: Path) -> dict[str, Any]:
        from chipchat.formats.liberty import read_liberty
        from chipchat.formats.yosys_json import Netlist

        libs = [read_liberty(p) for p in self.platform.liberty]
        seq = {c for lib in libs for c in lib.flops()}
        areas = {name: cell.area for lib in libs for name, cell in lib.cells.items()}
        net = Netlist.load(netlist_json, top=self.design.top, sequential_types=seq)
        counts: dict[str, int] = {}
        for cell in net.cells.values():
            counts[cell.type] = counts.get(cell.type, 0) + 1
        max_fanout, max_net, _hist = net.fanout_stats()
        buffers = {self.platform.buffer.cell} if self.platform.buffer else set()
        buffers |= {c.name for lib in libs for c in lib.buffers()}
        return {
            "platform": self.platform.name, "repair": "abc" if self.repairs() else "none",
            "repair_note": REPAIRS["abc" if self.repairs() else "none"],
            "clock_period_ns": self.period_ns, "cells": len(net.cells),
            "flops": sum(n for t, n in counts.items() if t in seq),
            "buffers": sum(n for t, n in counts.items() if t in buffers),
            "area": round(sum(areas.get(t, 0.0) * n for t, n in counts.items()), 3),
            "max_fanout": max_fanout, "max_fanout_net": max_net, "cell_types": dict(sorted(counts.items())),
        }

    @staticmethod
    def warnings(output: str, limit: int = 20) -> list[str]:
        found = [f"{m.group('file')}:{m.group('line')}: {m.group('msg')}" for m in _YOSYS_WARNING.finditer(output)]
        return found[:limit]

    def _error(self, output: str, log_path: Path, returncode: int) -> Exception:
        return yosys_error(output, log_path, returncode, self.design)


@functools.cache
def slang_plugin() -> bool:
    """Whether this Yosys loads the yosys-slang plugin (``plugin -i slang``): probed once per process."""
    from chipchat import _exec

    try:
        yosys = toolchain.find_tool("yosys")
        return _exec.run(yosys.argv("-q", "-p", "plugin -i slang"), timeout=30, tool="yosys").ok
    except ChipChatError:
        return False


def _ident(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]*", name):
        raise ConfigError(f"{name!r} is not a valid Verilog name", hint="check `top` and `parameters` in chipchat.toml")
    return name


def yosys_error(output: str, log_path: Path | None, returncode: int | None, design: Design) -> Exception:
    """Turn a failed Yosys run into ParseError(file:line) when it names a place, else a clear ToolFailed."""
    from chipchat._exec import log_tail

    located = _YOSYS_ERROR.search(output)
    if located:
        return ParseError(f"Yosys: {located.group('msg').strip()}", file=design.relpath(located.group("file")),
                          line=int(located.group("line")), hint="fix the RTL at that line; the full log is "
                          f"{log_path}" if log_path else "fix the RTL at that line")
    plain = _PLAIN_ERROR.search(output)
    message = plain.group("msg").strip() if plain else "synthesis failed"
    missing_top = re.search(r"Module `\\?(\S+?)' not found", message)
    if missing_top and missing_top.group(1) == design.top:
        return DesignError(f"top module {design.top!r} is not defined in the sources",
                           hint="set `top` in chipchat.toml to one of the design's modules")
    ref = re.search(r"Module `\\?(?P<mod>[^']+)' referenced in module `\\?(?P<parent>[^']+)' in cell `\\?(?P<cell>[^']+)'",
                    message)
    if ref:
        where = _find_instance(design, ref.group("mod"), ref.group("cell"))
        text = f"Yosys: module {ref.group('mod')!r} (instance {ref.group('cell')}) is not defined in the sources"
        hint = "add the file that defines it to `sources` in chipchat.toml"
        if where:
            return ParseError(text, file=design.relpath(where[0]), line=where[1], hint=hint)
        return DesignError(text, hint=hint)
    return ToolFailed("yosys", f"Yosys failed: {message}", log_tail=log_tail(output, 12), log_path=log_path,
                      returncode=returncode)


def _find_instance(design: Design, module: str, instance: str) -> tuple[Path, int] | None:
    pattern = re.compile(rf"\b{re.escape(module)}\b\s*(#\s*\(.*?\))?\s*{re.escape(instance)}\s*\(", re.S)
    for path in design.sources:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        match = pattern.search(text)
        if match:
            return path, text.count("\n", 0, match.start()) + 1
    return None
