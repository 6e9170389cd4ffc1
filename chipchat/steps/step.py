"""A tool run is a Step with a declared contract (after LibreLane's ``Step``).

A subclass declares ``name``, the ``tools`` it needs, its ``inputs``/``outputs`` and its
config variables as class attributes, and implements :meth:`Step.run`. Callers use the
final :meth:`Step.start`, which checks the tools, creates the run directory
``<design>/.chipchat/runs/<id>/`` (argv, logs, outputs, metrics.json, tool versions),
reuses a cached result when the inputs did not change, and records what happened —
so the agent, the CLI and the UI can all open the same evidence.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, final

from chipchat import _exec, safefs, toolchain
from chipchat.design import Design
from chipchat.hashing import jsonable

if TYPE_CHECKING:
    from chipchat.sandbox.confine import Confinement


@dataclass
class StepResult:
    """What a step produced: artifact paths, metrics, and the run directory holding the evidence."""

    step: str
    run_dir: Path
    artifacts: dict[str, Path] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    cached: bool = False
    duration_s: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step, "run_dir": str(self.run_dir), "cached": self.cached,
            "duration_s": round(self.duration_s, 3),
            "artifacts": {k: str(v) for k, v in self.artifacts.items()}, "metrics": self.metrics,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StepResult:
        return cls(
            step=data["step"], run_dir=Path(data["run_dir"]), cached=bool(data.get("cached")),
            duration_s=float(data.get("duration_s", 0.0)),
            artifacts={k: Path(v) for k, v in data.get("artifacts", {}).items()},
            metrics=dict(data.get("metrics", {})),
        )


class RunDir:
    """The folder of one step run; every command run through it is logged there."""

    def __init__(self, path: Path, timeout_s: float | None = None) -> None:
        self.path = path
        self.timeout_s = timeout_s
        self.commands: list[dict[str, Any]] = []
        path.mkdir(parents=True, exist_ok=True)

    def file(self, name: str) -> Path:
        return self.path / name

    def exec(
        self,
        argv: Sequence[str | os.PathLike[str]],
        *,
        log: str,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        tool: str | None = None,
        watchdog: Callable[[], float | None] | None = None,
        confine: Confinement | None = None,
    ) -> _exec.ExecResult:
        """Run ``argv`` with its output in ``<run>/<log>``; the argv is appended to ``commands.json``.

        ``watchdog`` and ``confine`` are passed to :func:`chipchat._exec.run` (an extra, caller-defined
        time limit; the sandbox of untrusted code).
        """
        entry: dict[str, Any] = {"argv": [os.fspath(a) for a in argv], "log": log,
                                 "cwd": str(cwd or self.path)}
        self.commands.append(entry)
        self._write_commands()
        try:
            result = _exec.run(argv, cwd=cwd or self.path, env=env, timeout=timeout or self.timeout_s,
                               log_path=self.path / log, tool=tool, watchdog=watchdog, confine=confine)
        except Exception as exc:
            entry["error"] = str(exc).splitlines()[0]
            self._write_commands()
            raise
        entry.update(returncode=result.returncode, duration_s=round(result.duration_s, 3))
        if confine is not None:
            entry.update(confined=result.confined, writable=[str(p) for p in confine.writable])
            entry.update({k: v for k, v in (("stopped_by", result.stopped_by), ("blocked", result.blocked)) if v})
        self._write_commands()
        return result

    def _write_commands(self) -> None:
        (self.path / "commands.json").write_text(json.dumps(self.commands, indent=2))


class Step:
    """Base class of every tool task. Subclasses set the class attributes and implement ``run``."""

    name: ClassVar[str] = "step"
    tools: ClassVar[tuple[str, ...]] = ()
    inputs: ClassVar[tuple[str, ...]] = ()
    outputs: ClassVar[tuple[str, ...]] = ()
    config_vars: ClassVar[dict[str, str]] = {}  # name -> documentation

    def __init__(self, design: Design, *, timeout_s: float | None = None, **config: Any) -> None:
        unknown = set(config) - set(self.config_vars)
        if unknown:
            from chipchat.errors import ConfigError

            raise ConfigError(
                f"step {self.name}: unknown option(s) {sorted(unknown)}",
                hint="known: " + (", ".join(sorted(self.config_vars)) or "none"))
        self.design = design
        self.config = config
        self.timeout_s = timeout_s

    # -- subclass API -------------------------------------------------------------------
    def run(self, run: RunDir) -> StepResult:  # pragma: no cover - abstract
        raise TypeError(f"{type(self).__name__} must implement run()")

    def cache_key(self) -> str | None:
        """A digest of everything the result depends on; ``None`` disables caching."""
        return None

    def validate(self) -> None:
        """Raise a ChipChatError when the inputs cannot work (called before anything runs)."""

    # -- the fixed protocol -------------------------------------------------------------
    @final
    def start(self) -> StepResult:
        for tool in self.tools:
            toolchain.find_tool(tool)
        self.validate()
        key = self.cache_key()
        if key is not None:
            hit = self._cached(key)
            if hit is not None:
                return hit
        run_dir = new_run_dir(self.design, self.name)
        run = RunDir(run_dir, self.timeout_s)
        versions = toolchain.versions(list(self.tools))
        manifest = {"step": self.name, "design": str(self.design.root), "config": jsonable(self.config),
                    "tools": versions, "cache_key": key, "started": time.strftime("%Y-%m-%dT%H:%M:%S")}
        (run_dir / "step.json").write_text(json.dumps(manifest, indent=2))
        t0 = time.monotonic()
        result = self.run(run)
        result.duration_s = time.monotonic() - t0
        result.metrics.setdefault("duration_s", round(result.duration_s, 3))
        (run_dir / "metrics.json").write_text(json.dumps(jsonable(result.metrics), indent=2))
        (run_dir / "result.json").write_text(json.dumps(result.to_json(), indent=2))
        if key is not None:
            safefs.ensure_folder(self._cache_path(key).parent)
            safefs.write_atomic(self._cache_path(key), json.dumps(result.to_json()))
        return result

    def _cache_path(self, key: str) -> Path:
        return self.design.state_dir / "cache" / f"{self.name}-{key}.json"

    def _cached(self, key: str) -> StepResult | None:
        path = self._cache_path(key)
        try:
            result = StepResult.from_json(json.loads(safefs.read_state(path)))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # a damaged cache entry: the step runs again
        if not all(p.exists() for p in result.artifacts.values()):
            return None
        result.cached = True
        return result


def new_run_dir(design: Design, step: str) -> Path:
    design.ensure_state_dir()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    runs = safefs.ensure_folder(design.state_dir / "runs")
    path = runs / f"{stamp}-{step}-{uuid.uuid4().hex[:6]}"
    path.mkdir()
    return path


def list_runs(design: Design, step: str | None = None) -> list[Path]:
    """Run directories of a design, newest first."""
    runs = design.state_dir / "runs"
    if not runs.exists():
        return []
    found = [p for p in runs.iterdir() if p.is_dir() and (step is None or f"-{step}-" in p.name)]
    return sorted(found, key=lambda p: p.name, reverse=True)


def prune_runs(design: Design, keep: int = 50) -> int:
    """Delete all but the newest ``keep`` run directories; returns how many were removed."""
    runs = list_runs(design)
    for old in runs[keep:]:
        shutil.rmtree(old, ignore_errors=True)
    return max(0, len(runs) - keep)
