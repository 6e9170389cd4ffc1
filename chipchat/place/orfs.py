"""OpenROAD-flow-scripts (ORFS) interoperation: export a design, import a finished run.

Export writes what an ORFS design folder holds -- ``config.mk`` (``DESIGN_NAME``,
``PLATFORM``, ``VERILOG_FILES``, ``SDC_FILE``, ``CORE_UTILIZATION``, ``PLACE_DENSITY``,
``CORE_ASPECT_RATIO``, ``CORE_MARGIN``; variable names from ORFS's
``flow/scripts/variables.yaml``) and ``constraint.sdc`` -- plus a copy of the Verilog, so
the folder is self-contained: ``make DESIGN_CONFIG=<out>/config.mk`` in ORFS's ``flow/``.

Import reads an ORFS run (``reports/<platform>/<design>/<variant>/6_finish.rpt``, the
metrics JSON files under ``logs/`` or ``reports/``, and ``results/.../6_final.def``) into
the numbers chipchat reports for its own runs.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chipchat.design import Design
from chipchat.errors import ConfigError, ParseError
from chipchat.steps.amaranth_elab import hdl_sources

# OpenROAD-flow-scripts' public platforms (flow/platforms/); a folder registered through
# CHIPCHAT_ORFS_PLATFORMS is accepted as well.
ORFS_PUBLIC_PLATFORMS = ("asap7", "gf180", "ihp-sg13g2", "nangate45", "sky130hd", "sky130hs")


@dataclass
class OrfsExport:
    out_dir: Path
    config_mk: Path
    sdc: Path
    verilog: list[Path]
    warnings: list[str] = field(default_factory=list)


def orfs_platform_names() -> list[str]:
    from chipchat.platforms import known_platforms

    from_env = [n for n in known_platforms() if n not in ("osu018", "osu035", "osu050")]
    return sorted(set(ORFS_PUBLIC_PLATFORMS) | set(from_env))


def export_orfs(design: Design, platform: str, out_dir: Path, *, utilization: float = 0.5,
                density: float | None = None, aspect_ratio: float = 1.0, core_margin: float = 2.0) -> OrfsExport:
    """Write an ORFS design folder for ``design`` targeting the ORFS ``platform``."""
    names = orfs_platform_names()
    if platform not in names:
        raise ConfigError(f"{platform!r} is not an OpenROAD-flow-scripts platform",
                          hint="use one of: " + ", ".join(names))
    if not 0 < utilization < 1:
        raise ConfigError(f"utilization {utilization:g} must be a fraction between 0 and 1")
    place_density = density if density is not None else round(min(0.95, utilization + 0.1), 3)
    if not utilization < place_density <= 1:
        raise ConfigError(f"PLACE_DENSITY {place_density:g} must be above the utilization {utilization:g}")
    top = design.top or design.name
    out = Path(out_dir).expanduser().resolve()
    src = out / "src"
    src.mkdir(parents=True, exist_ok=True)
    copied: list[Path] = []
    for source in hdl_sources(design):
        target = src / source.name
        shutil.copyfile(source, target)
        copied.append(target)
    warnings: list[str] = []
    sdc = out / "constraint.sdc"
    sdc.write_text(_constraints(design, platform, warnings))
    defines = " ".join(f"{k}={v}" if v else k for k, v in design.defines.items())
    lines = [
        f"# OpenROAD-flow-scripts design configuration for {design.name}, written by chipchat.",
        f"# Run from ORFS's flow/ folder:  make DESIGN_CONFIG={out / 'config.mk'}",
        f"export DESIGN_NAME = {top}",
        f"export DESIGN_NICKNAME = {design.name}",
        f"export PLATFORM = {platform}",
        "",
        "export VERILOG_FILES = " + " \\\n    ".join(str(p) for p in copied),
        f"export SDC_FILE = {sdc}",
    ]
    if design.include_dirs:
        lines.append("export VERILOG_INCLUDE_DIRS = " + " ".join(str(p) for p in design.include_dirs))
    if defines:
        lines.append(f"export VERILOG_DEFINES = {defines}")
    if design.parameters:
        params = " ".join(f"{k} {v}" for k, v in design.parameters.items())
        lines.append(f"export VERILOG_TOP_PARAMS = {params}")
    lines += [
        "",
        f"export CORE_UTILIZATION = {round(utilization * 100, 2):g}",
        f"export PLACE_DENSITY = {place_density:g}",
        f"export CORE_ASPECT_RATIO = {aspect_ratio:g}",
        f"export CORE_MARGIN = {core_margin:g}",
        "",
    ]
    config = out / "config.mk"
    config.write_text("\n".join(lines))
    if any(p.suffix == ".sv" for p in copied):
        warnings.append("the design is SystemVerilog: ORFS reads it with Yosys' SystemVerilog front end "
                        "(set SYNTH_HDL_FRONTEND=slang in config.mk if plain Yosys rejects it)")
    return OrfsExport(out, config, sdc, copied, warnings)


def _constraints(design: Design, platform: str, warnings: list[str]) -> str:
    """The design's SDC, or clocks from chipchat.toml; warns about library-specific cell names."""
    if design.sdc is not None:
        text = design.sdc.read_text(encoding="utf-8", errors="replace")
        cells = sorted(set(re.findall(r"-lib_cell\s+\{?([\w/]+)", text)) |
                       set(re.findall(r"get_lib_cells\s+\{?([\w/*]+)", text)))
        if cells:
            warnings.append(
                f"{design.relpath(design.sdc)} names library cells of {design.platform} ({', '.join(cells)}); "
                f"replace them with {platform} cells in constraint.sdc before running ORFS")
        return f"# from {design.relpath(design.sdc)} (chipchat export)\n{text}"
    if not design.clocks:
        warnings.append("the design has no SDC and no [[clocks]]: constraint.sdc has no clock, so ORFS will "
                        "report the design as unconstrained")
        return "# no clocks were defined for this design\n"
    lines = ["# clocks from chipchat.toml (chipchat export)"]
    for clock in design.clocks:
        lines.append(f"create_clock -name {clock.port} -period {clock.period_ns:g} [get_ports {{{clock.port}}}]")
    return "\n".join(lines) + "\n"


# -- import ---------------------------------------------------------------------------------

@dataclass
class OrfsResults:
    """What an ORFS run reports, in chipchat's terms (ns, um, um^2; utilization as a fraction)."""

    source: Path
    design: str = ""
    platform: str = ""
    wns: float | None = None
    tns: float | None = None
    design_area_um2: float | None = None
    utilization: float | None = None
    instance_count: int | None = None
    wirelength_um: float | None = None
    checks_text: str = ""
    def_path: Path | None = None
    netlist_path: Path | None = None  # results/.../6_final.v (or 1_synth.v)
    report_path: Path | None = None
    metrics_paths: list[Path] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)


def read_metrics(path: Path) -> dict[str, Any]:
    """A metrics JSON file; repeated keys (one per flow stage) keep their last value."""
    try:
        pairs = json.loads(path.read_text(), object_pairs_hook=lambda kv: kv)
    except ValueError as exc:
        raise ParseError(f"not a JSON metrics file: {exc}", file=path) from None
    return _flatten(pairs)


def _flatten(pairs: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not isinstance(pairs, list):
        return out
    for key, value in pairs:
        if isinstance(value, list) and value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
            for sub_key, sub_value in _flatten(value).items():
                out[f"{key}__{sub_key}"] = sub_value
        else:
            out[key] = value
    return out


def parse_finish_report(text: str) -> dict[str, str]:
    """Sections of an ORFS report (``====`` / ``<stage> <command>`` / ``----`` / body)."""
    sections: dict[str, str] = {}
    blocks = re.split(r"^={10,}\s*$", text, flags=re.M)
    for block in blocks:
        parts = re.split(r"^-{10,}\s*$", block, maxsplit=1, flags=re.M)
        if len(parts) == 2 and parts[0].strip():
            sections[parts[0].strip()] = parts[1].strip("\n")
    return sections


def _metric(metrics: dict[str, Any], *suffixes: str) -> float | None:
    """The value of the last key that ends with one of ``suffixes`` (later flow stages win)."""
    for suffix in suffixes:
        hits = [v for k, v in metrics.items() if k == suffix or k.endswith("__" + suffix) or k.endswith(suffix)]
        for value in reversed(hits):
            try:
                return float(value)
            except (TypeError, ValueError):
                continue
    return None


def import_orfs(path: str | Path) -> OrfsResults:
    """Read an ORFS run folder (or one report / metrics file) into :class:`OrfsResults`."""
    root = Path(path).expanduser()
    if not root.exists():
        raise ConfigError(f"{root} does not exist", hint="pass ORFS's flow/ folder, a run's reports folder or a file")
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    reports = [p for p in files if p.suffix == ".rpt" and "finish" in p.name] or \
              [p for p in files if p.suffix in (".rpt", ".log") and _has_sections(p)]
    metrics_files = [p for p in files if p.suffix == ".json" and _looks_like_metrics(p)]
    defs = [p for p in files if p.suffix == ".def" and ("final" in p.name or root.is_file())]
    if not reports and not metrics_files and not defs:
        raise ParseError("no ORFS report (6_finish.rpt), metrics JSON or DEF found", file=root,
                         hint="point at ORFS's flow/ folder or at reports/<platform>/<design>/<variant>/")
    netlists = [p for p in files if p.name in ("6_final.v", "1_synth.v")]
    res = OrfsResults(source=root, metrics_paths=metrics_files, def_path=defs[-1] if defs else None,
                      netlist_path=sorted(netlists, key=lambda p: p.name)[-1] if netlists else None)
    for mfile in metrics_files:
        res.metrics.update(read_metrics(mfile))
    m = res.metrics
    res.wns = _metric(m, "timing__setup__ws", "worst_slack_max")
    res.tns = _metric(m, "timing__setup__tns", "tns_max")
    res.design_area_um2 = _metric(m, "design__instance__area", "design_area")
    util = _metric(m, "design__instance__utilization", "DPL::utilization")
    res.utilization = util / 100 if util is not None and util > 1 else util
    count = _metric(m, "design__instance__count", "instance_count")
    res.instance_count = int(count) if count is not None else None
    res.wirelength_um = _metric(m, "detailedroute__route__wirelength", "route__wirelength")
    if reports:
        res.report_path = reports[-1]
        _apply_report(res, parse_finish_report(res.report_path.read_text(errors="replace")))
    parts = res.report_path.parts if res.report_path else ()
    if "reports" in parts:
        i = parts.index("reports")
        if len(parts) > i + 3:
            res.platform, res.design = parts[i + 1], parts[i + 2]
    return res


def _apply_report(res: OrfsResults, sections: dict[str, str]) -> None:
    from chipchat.formats.openroad_log import parse_openroad_log

    for title, body in sections.items():
        name = title.split()[-1] if title.split() else ""
        if "report_checks" in title and "max" in title and not res.checks_text:
            res.checks_text = body
        elif name in ("report_wns", "report_tns", "report_design_area", "report_worst_slack"):
            log = parse_openroad_log(body)
            if log.wns is not None:
                res.wns = log.wns
            if log.tns is not None:
                res.tns = log.tns
            if log.design_area_um2 is not None:
                res.design_area_um2 = log.design_area_um2
                res.utilization = (log.design_util_pct or 0.0) / 100
    if not res.checks_text:
        res.checks_text = next((b for t, b in sections.items() if "report_checks" in t), "")


def _has_sections(path: Path) -> bool:
    try:
        head = path.read_text(errors="replace")[:200_000]
    except OSError:
        return False
    return bool(re.search(r"^={10,}\s*$\n^\S.*report_", head, flags=re.M))


def _looks_like_metrics(path: Path) -> bool:
    try:
        head = path.read_text(errors="replace")[:4000]
    except OSError:
        return False
    return "__" in head or "::" in head
