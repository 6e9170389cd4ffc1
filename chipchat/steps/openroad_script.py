"""The OpenROAD placement script: rendered from ``flows/openroad/place.tcl``, checked without OpenROAD.

:func:`render_place_script` fills the template with Tcl-quoted values (every path and
name goes through :func:`chipchat.tcl.tcl_quote`). :func:`record_script` runs a script
under ``flows/openroad/recorder.tcl`` in plain ``tclsh``: each OpenROAD command is a proc
that checks its options against OpenROAD's documented syntax and records the call, so
the script's command order and arguments can be verified on machines without OpenROAD.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

from chipchat import _exec, toolchain
from chipchat.errors import ConfigError, ToolFailed
from chipchat.resources import data_path
from chipchat.steps.floorplan import Floorplan
from chipchat.tcl import tcl_number, tcl_quote, validate_identifier


@dataclass(frozen=True)
class PlaceScriptInputs:
    """Everything the OpenROAD placement script needs."""

    top: str
    netlist: Path
    sdc: Path
    lefs: tuple[Path, ...]
    liberty: tuple[Path, ...]
    site: str
    hor_layer: str
    ver_layer: str
    def_out: Path
    floorplan: Floorplan = field(default_factory=Floorplan)  # utilization is a fraction; the script passes percent
    wire_rc_layer: str = ""  # layer for set_wire_rc; ignored when rc_script is given
    rc_script: Path | None = None  # a platform's setRC.tcl (ORFS platforms ship one)
    paths: int = 5
    extra: dict[str, str] = field(default_factory=dict)



def template_path() -> Path:
    return data_path("flows") / "openroad" / "place.tcl"


def recorder_path() -> Path:
    return data_path("flows") / "openroad" / "recorder.tcl"


def render_place_script(inputs: PlaceScriptInputs) -> str:
    """The complete OpenROAD Tcl script for ``inputs``."""
    if not inputs.lefs:
        raise ConfigError("OpenROAD needs at least one LEF file (technology and cells)")
    if not inputs.liberty:
        raise ConfigError("OpenROAD needs the cell library's liberty file(s)")
    fp = inputs.floorplan
    density = fp.target_density
    if inputs.rc_script is not None:
        wire_rc = f"source {tcl_quote(str(inputs.rc_script))}"
    else:
        layer = validate_identifier(inputs.wire_rc_layer or inputs.hor_layer, "wire RC layer")
        wire_rc = f"set_wire_rc -signal -layer {layer}\nset_wire_rc -clock -layer {layer}"
    values = {
        "design": validate_identifier(inputs.top, "top module"),
        "read_lef": "\n".join(f"read_lef {tcl_quote(str(p))}" for p in inputs.lefs),
        "read_liberty": "\n".join(f"read_liberty {tcl_quote(str(p))}" for p in inputs.liberty),
        "netlist": tcl_quote(str(inputs.netlist)),
        "top": validate_identifier(inputs.top, "top module"),
        "sdc": tcl_quote(str(inputs.sdc)),
        "wire_rc": wire_rc,
        "site": tcl_quote(str(inputs.site)),
        "utilization": tcl_number(round(fp.utilization * 100, 3), "utilization"),
        "aspect_ratio": tcl_number(fp.aspect_ratio, "aspect ratio"),
        "core_space": tcl_number(fp.core_space, "core space"),
        "hor_layer": validate_identifier(inputs.hor_layer, "horizontal pin layer"),
        "ver_layer": validate_identifier(inputs.ver_layer, "vertical pin layer"),
        "density": tcl_number(density, "placement density"),
        "paths": str(int(inputs.paths)),
        "def_out": tcl_quote(str(inputs.def_out)),
        **inputs.extra,
    }
    return Template(template_path().read_text()).substitute(values)


def openroad_argv(openroad: Path | str, script: Path | str, metrics: Path | str) -> list[str]:
    """``openroad -no_init -no_splash -exit -metrics <json> <script>`` (OpenROAD's documented CLI)."""
    return [str(openroad), "-no_init", "-no_splash", "-exit", "-metrics", str(metrics), str(script)]


@dataclass(frozen=True)
class RecordedCall:
    command: str
    args: tuple[str, ...]

    def option(self, name: str) -> str | None:
        """The value following ``name`` in the call, or None."""
        if name in self.args:
            i = self.args.index(name)
            return self.args[i + 1] if i + 1 < len(self.args) else ""
        return None


def record_script(script: Path, work_dir: Path, *, timeout: float = 60.0) -> list[RecordedCall]:
    """Run ``script`` under the recorder in tclsh and return the OpenROAD calls it made, in order.

    A script that calls an OpenROAD command with an option OpenROAD does not accept (or
    misses a required one) raises :class:`ToolFailed` carrying the Tcl error.
    """
    tclsh = toolchain.find_tool("tclsh")
    calls_file = work_dir / "openroad_calls.jsonl"
    result = _exec.run(tclsh.argv(str(recorder_path()), str(calls_file), str(script)), cwd=work_dir,
                       timeout=timeout, log_path=work_dir / "openroad_check.log", tool="tclsh")
    if not result.ok:
        lines = result.output.splitlines()
        at = next((i for i, ln in enumerate(lines) if ln.strip() == "while executing"), len(lines))
        first = lines[at - 1].strip() if 0 < at <= len(lines) else ""
        raise ToolFailed("tclsh", f"the OpenROAD script {script.name} does not pass the syntax check: {first}",
                         log_tail=result.tail(6), log_path=result.log_path, returncode=result.returncode)
    calls = []
    for line in calls_file.read_text().splitlines():
        items = json.loads(line)
        calls.append(RecordedCall(items[0], tuple(items[1:])))
    return calls
