"""Step: detailed routing of a placed DEF with qrouter (the router of Debian's qflow flow).

chipchat writes ``route.cfg`` (read the LEF, number of layers, via stacking, power net
names, read the DEF, ``qrouter::standard_route``, quit -- what qflow's ``router.sh``
writes) and runs ``qrouter -noc -nog -s route.cfg``; the log is ``qrouter.log``. The
routed DEF carries each net's wiring, from which post-route parasitics are computed.
Nets that could not be routed are data (``failed_nets``), not an error.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

from chipchat import toolchain
from chipchat.errors import ConfigError, DesignError, ToolFailed
from chipchat.formats.defio import read_def
from chipchat.hashing import digest
from chipchat.steps.step import RunDir, Step, StepResult


def route_config(lefs: list[Path], def_in: Path, def_out: Path, *, layers: int, power: str = "vdd",
                 ground: str = "gnd") -> str:
    """qrouter's Tcl configuration for one routing run."""
    lines = ["# qrouter script written by chipchat (as qflow's router.sh does)", "verbose 1"]
    lines += [f"read_lef {_word(p)}" for p in lefs]
    lines += [f"catch {{layers {layers}}}", "via stack 1", f"vdd {power}", f"gnd {ground}",
              f"read_def {_word(def_in)}", f"qrouter::standard_route {_word(def_out)} false", "quit"]
    return "\n".join(lines) + "\n"


def _word(path: Path) -> str:
    text = str(path)
    if re.search(r'[\s{}\[\]$"\\;]', text):
        raise ConfigError(f"path {text!r} contains characters qrouter's script reader cannot take",
                          hint="move the design to a folder whose path has no spaces, brackets or quotes")
    return text


class QrouterRoute(Step):
    """Route ``def`` with qrouter and write ``routed.def``."""

    name: ClassVar[str] = "qrouter_route"
    tools: ClassVar[tuple[str, ...]] = ("qrouter",)
    inputs: ClassVar[tuple[str, ...]] = ("def", "lef")
    outputs: ClassVar[tuple[str, ...]] = ("routed_def",)
    config_vars: ClassVar[dict[str, str]] = {
        "def": "placed DEF (with TRACKS, as the graywolf backend writes it)",
        "lef": "LEF files (list of paths)",
        "layers": "number of routing layers to use (default: all in the LEF)",
    }

    def validate(self) -> None:
        for key in ("def", "lef"):
            if not self.config.get(key):
                raise ConfigError(f"step {self.name}: `{key}` is required")
        for path in [self.config["def"], *self.config["lef"]]:
            if not Path(path).is_file():
                raise DesignError(f"{path} does not exist", hint="place the design first")

    def cache_key(self) -> str | None:
        return digest(self.name, Path(self.config["def"]), *map(Path, self.config["lef"]),
                      self.config.get("layers"))

    def argv(self, cfg: Path) -> list[str]:
        return toolchain.find_tool("qrouter").argv("-noc", "-nog", "-s", str(cfg))

    def run(self, run: RunDir) -> StepResult:
        lefs = [Path(p) for p in self.config["lef"]]
        placed = Path(self.config["def"])
        local = run.file("placed.def")
        local.write_text(placed.read_text())
        out = run.file("routed.def")
        layers = int(self.config.get("layers") or 0) or _layer_count(lefs)
        cfg = run.file("route.cfg")
        cfg.write_text(route_config(lefs, local.relative_to(run.path), out.relative_to(run.path), layers=layers))
        result = run.exec(self.argv(cfg.relative_to(run.path)), log="qrouter.log", cwd=run.path, tool="qrouter")
        if not result.ok or not out.exists():
            raise ToolFailed("qrouter", f"qrouter failed (exit status {result.returncode})", log_tail=result.tail(),
                             log_path=result.log_path, returncode=result.returncode)
        failed = _failed_nets(result.output)
        routed = read_def(out)
        total = sum(sum(n.wire_length.values()) for n in routed.nets.values()) / routed.dbu
        return StepResult(self.name, run.path, artifacts={"routed_def": out, "log": run.file("qrouter.log")},
                          metrics={"routed_nets": sum(1 for n in routed.nets.values() if n.routed),
                                   "nets": len(routed.nets), "failed_nets": failed,
                                   "wirelength_um": round(total, 1),
                                   "vias": sum(n.vias for n in routed.nets.values())})


def _layer_count(lefs: list[Path]) -> int:
    from chipchat.formats.lef import read_lef

    return max(1, len(read_lef(lefs).routing_layers()))


def _failed_nets(log: str) -> int:
    """qrouter's final count of unrouted nets (0 when it says "No failed routes!")."""
    final = re.findall(r"Final: Failed net routes: (\d+)", log)
    if final:
        return int(final[-1])
    return 0 if "Final: No failed routes!" in log else -1
