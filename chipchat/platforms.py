"""Platforms (standard-cell libraries) by name: what synthesis, timing and placement need.

A :class:`Platform` bundles the Liberty timing libraries, the LEF files, the
placement site and the special cells (buffer, inverter, tie, fill) of one library.
Three come with Debian's qflow-tech packages (``osu018``, ``osu035``, ``osu050``);
any Liberty file (plus an optional LEF) can be given by path; an
OpenROAD-flow-scripts platform folder (``flow/platforms/nangate45`` …) is read from
its ``config.mk``. ``CHIPCHAT_ORFS_PLATFORMS`` may name a folder of such platform
folders, whose names then work like the built-in ones. An unknown name is an error
that lists every known platform.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from chipchat.config import settings
from chipchat.errors import ConfigError
from chipchat.formats.config_mk import read_config_mk
from chipchat.formats.lef import lef_sites

QFLOW_TECH = Path("/usr/share/qflow/tech")
ORFS_ENV = "CHIPCHAT_ORFS_PLATFORMS"


@dataclass(frozen=True)
class CellPins:
    """A cell and the pins that matter (``BUFX2 A Y``; a tie cell has only an output)."""

    cell: str
    inputs: tuple[str, ...] = ()
    output: str = ""


@dataclass(frozen=True)
class Platform:
    """Everything a flow needs to know about one standard-cell library."""

    name: str
    kind: str  # qflow-tech | liberty | orfs
    liberty: tuple[Path, ...]
    tech_lef: Path | None = None
    cell_lefs: tuple[Path, ...] = ()
    cell_verilog: Path | None = None
    site: str | None = None
    buffer: CellPins | None = None
    inverter: CellPins | None = None
    tie_hi: CellPins | None = None
    tie_lo: CellPins | None = None
    fill_cells: tuple[str, ...] = ()
    dont_use: tuple[str, ...] = ()
    abc_driver: str | None = None  # driving cell assumed by ABC's buffering/sizing
    abc_load: float = 0.0  # output load assumed by ABC, in the liberty's capacitance unit
    root: Path | None = None
    description: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def lefs(self) -> list[Path]:
        """The technology LEF (when separate) followed by the cell LEFs: the order readers want."""
        return ([self.tech_lef] if self.tech_lef else []) + list(self.cell_lefs)

    def site_size(self) -> tuple[float, float] | None:
        """(width, height) in microns of :attr:`site`, read from the LEF files."""
        if not self.site:
            return None
        for lef in self.lefs:
            sizes = lef_sites(lef)
            if self.site in sizes:
                return sizes[self.site]
        return None

    def check(self) -> None:
        """Raise :class:`ConfigError` if a file the platform names does not exist."""
        missing = [p for p in (*self.liberty, *self.lefs) if not p.exists()]
        if self.cell_verilog is not None and not self.cell_verilog.exists():
            missing.append(self.cell_verilog)
        if missing:
            raise ConfigError(
                f"platform {self.name}: file(s) missing: {', '.join(map(str, missing))}",
                hint=_install_hint(self.name))
        if not self.liberty:
            raise ConfigError(f"platform {self.name} names no liberty file",
                              hint="set LIB_FILES in its config.mk, or pass a .lib file")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {k: _plain(v) for k, v in data.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


# -- the registry ------------------------------------------------------------------------

_REGISTRY: dict[str, Callable[[], Platform]] = {}


def register_platform(name: str, factory: Callable[[], Platform]) -> None:
    """Make ``name`` resolvable by :func:`get_platform` (later registrations replace earlier ones)."""
    _REGISTRY[name] = factory


def known_platforms() -> list[str]:
    """Names that :func:`get_platform` accepts (built-ins plus ORFS platforms found through the env)."""
    return sorted(set(_REGISTRY) | set(_orfs_named()))


def get_platform(spec: str | os.PathLike[str], *, base: Path | None = None) -> Platform:
    """Resolve a platform name, a ``.lib`` path or an ORFS platform folder to a :class:`Platform`.

    ``base`` resolves relative paths (a design folder, for a ``platform =`` entry in chipchat.toml).
    """
    text = os.fspath(spec).strip()
    if not text:
        raise ConfigError("empty platform name", hint="known platforms: " + ", ".join(known_platforms()))
    if text in _REGISTRY:
        platform = _REGISTRY[text]()
        platform.check()
        return platform
    orfs = _orfs_named()
    if text in orfs:
        return from_orfs(orfs[text])
    path = Path(text).expanduser()
    if not path.is_absolute() and base is not None and (base / path).exists():
        path = base / path
    if path.is_file() and path.suffix in (".lib", ".liberty"):
        return from_liberty(path)
    if path.is_dir() and (path / "config.mk").is_file():
        return from_orfs(path)
    if path.exists():
        raise ConfigError(
            f"platform {text!r} is neither a liberty (.lib) file nor a folder with a config.mk",
            hint="pass a .lib file, an OpenROAD-flow-scripts platform folder, or one of: "
                 + ", ".join(known_platforms()))
    raise ConfigError(
        f"unknown platform {text!r}",
        hint="known platforms: " + ", ".join(known_platforms())
             + "; or give a path to a .lib file or an OpenROAD-flow-scripts platform folder")


# -- Debian qflow-tech (OSU) -------------------------------------------------------------

def _osu(name: str, lib_stem: str, description: str) -> Callable[[], Platform]:
    def make() -> Platform:
        root = QFLOW_TECH / name
        return Platform(
            name=name, kind="qflow-tech", root=root,
            liberty=(root / f"{lib_stem}_stdcells.lib",),
            cell_lefs=(root / f"{name}_stdcells.lef",),
            cell_verilog=root / f"{lib_stem}_stdcells.v",
            site="core",
            buffer=CellPins("BUFX2", ("A",), "Y"),
            inverter=CellPins("INVX1", ("A",), "Y"),
            fill_cells=("FILL",),
            dont_use=("PADFC", "PADGND", "PADINC", "PADINOUT", "PADNC", "PADOUT", "PADVDD"),
            abc_driver="BUFX2", abc_load=0.02,
            description=description,
            extra={"flop": "DFFPOSX1", "flop_set_reset": "DFFSR", "clock_buffer": "CLKBUF1"},
        )
    return make


register_platform("osu018", _osu("osu018", "osu018", "OSU 0.18 um (TSMC 180 nm rules), Debian qflow-tech-osu018"))
register_platform("osu035", _osu("osu035", "osu035", "OSU 0.35 um (AMI 350 nm rules), Debian qflow-tech-osu035"))
register_platform("osu050", _osu("osu050", "osu05", "OSU 0.5 um (AMI 500 nm rules), Debian qflow-tech-osu050"))


def _install_hint(name: str) -> str:
    if name.startswith("osu"):
        return f"sudo apt-get install -y qflow-tech-{name}"
    return "check the platform's files (or its config.mk)"


# -- any liberty (+ LEF) -----------------------------------------------------------------

def from_liberty(lib: str | os.PathLike[str], lef: str | os.PathLike[str] | None = None,
                 *, name: str | None = None) -> Platform:
    """A platform from one Liberty file; the buffer, inverter and tie cells are found in it.

    A LEF next to the library with the same stem is used when ``lef`` is not given.
    """
    from chipchat.formats.liberty import read_liberty

    lib_path = Path(lib).expanduser().resolve()
    parsed = read_liberty(lib_path)  # ParseError with file:line when it is malformed
    if lef is None:
        sibling = lib_path.with_suffix(".lef")
        lef_path = sibling if sibling.exists() else None
    else:
        lef_path = Path(lef).expanduser().resolve()
    buffers, inverters = parsed.buffers(), parsed.inverters()
    hi, lo = parsed.ties()
    buf = CellPins(buffers[0].name, tuple(buffers[0].inputs()), buffers[0].outputs()[0]) if buffers else None
    inv = CellPins(inverters[0].name, tuple(inverters[0].inputs()), inverters[0].outputs()[0]) if inverters else None
    load = 0.0
    if buffers:
        pin_cap = max((p.capacitance for p in buffers[0].pins.values() if p.direction == "input"), default=0.0)
        load = round(4 * pin_cap, 6)  # four buffer inputs, as OpenROAD-flow-scripts assumes
    sites = lef_sites(lef_path) if lef_path and lef_path.exists() else {}
    platform = Platform(
        name=name or parsed.name, kind="liberty", root=lib_path.parent, liberty=(lib_path,),
        cell_lefs=(lef_path,) if lef_path else (), site=next(iter(sites), None),
        buffer=buf, inverter=inv,
        tie_hi=CellPins(hi[0], (), hi[1]) if hi else None, tie_lo=CellPins(lo[0], (), lo[1]) if lo else None,
        fill_cells=tuple(parsed.fillers()),
        dont_use=tuple(sorted(c.name for c in parsed.cells.values() if c.dont_use or c.pad)),
        abc_driver=buf.cell if buf else None, abc_load=load,
        description=f"liberty {lib_path.name} ({len(parsed.cells)} cells)",
    )
    platform.check()
    return platform


# -- OpenROAD-flow-scripts platform folders ----------------------------------------------

def _orfs_named() -> dict[str, Path]:
    folder = settings().orfs_platforms
    if not folder:
        return {}
    root = Path(folder).expanduser()
    if not root.is_dir():
        return {}
    return {p.name: p for p in sorted(root.iterdir()) if (p / "config.mk").is_file()}


def from_orfs(folder: str | os.PathLike[str]) -> Platform:
    """A platform from an OpenROAD-flow-scripts ``flow/platforms/<name>`` folder (its ``config.mk``)."""
    root = Path(folder).expanduser().resolve()
    config = root / "config.mk"
    if not config.is_file():
        raise ConfigError(f"{root} has no config.mk", hint="pass an OpenROAD-flow-scripts platform folder")
    env = read_config_mk(config, {"PLATFORM_DIR": str(root), "PLATFORM": root.name})
    libs = tuple(Path(p) for p in env.get("LIB_FILES", "").split())
    if not libs:
        raise ConfigError(f"{config}: LIB_FILES is empty", hint="the platform must list its liberty files")

    def cell_pins(key: str) -> CellPins | None:
        parts = env.get(key, "").split()
        if not parts:
            return None
        if len(parts) == 2:
            return CellPins(parts[0], (), parts[1])
        return CellPins(parts[0], tuple(parts[1:-1]), parts[-1])

    load_ff = _float(env.get("ABC_LOAD_IN_FF", ""))
    load = 0.0
    if load_ff:
        from chipchat.formats.liberty import read_liberty

        unit = read_liberty(libs[0]).capacitive_load_unit.lower() if libs[0].exists() else "1ff"
        load = load_ff / 1000.0 if unit.endswith("pf") else load_ff
    tech_lef = Path(env["TECH_LEF"]) if env.get("TECH_LEF") else None
    platform = Platform(
        name=root.name, kind="orfs", root=root, liberty=libs, tech_lef=tech_lef,
        cell_lefs=tuple(Path(p) for p in env.get("SC_LEF", "").split()),
        site=env.get("PLACE_SITE") or None,
        buffer=cell_pins("MIN_BUF_CELL_AND_PORTS"), tie_hi=cell_pins("TIEHI_CELL_AND_PORT"),
        tie_lo=cell_pins("TIELO_CELL_AND_PORT"),
        fill_cells=tuple(env.get("FILL_CELLS", "").split()),
        dont_use=tuple(env.get("DONT_USE_CELLS", "").split()),
        abc_driver=env.get("ABC_DRIVER_CELL") or None, abc_load=load,
        description=f"OpenROAD-flow-scripts platform {root.name}",
        extra={k: env[k] for k in ("PROCESS", "CORNER", "WIRE_RC_LAYER", "MIN_ROUTING_LAYER",
                                   "MAX_ROUTING_LAYER", "IO_PLACER_H", "IO_PLACER_V", "PLACE_DENSITY")
               if env.get(k)},
    )
    platform.check()
    return platform


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0
