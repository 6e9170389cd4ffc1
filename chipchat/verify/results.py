"""Typed results of builds, lint runs and cocotb simulations (plain data, JSON round-trip)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

PASS, FAIL, ERROR, SKIP, TIMEOUT, NOT_RUN = "pass", "fail", "error", "skip", "timeout", "not-run"
FAILING = (FAIL, ERROR, TIMEOUT, NOT_RUN)


@dataclass(frozen=True)
class Location:
    """A line in a file (absolute path), with the source text of that line."""

    file: str
    line: int
    function: str = ""
    text: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class TestResult:
    """One cocotb test on one simulator."""

    __test__ = False  # not a pytest test class

    name: str  # module.test
    status: str  # pass | fail | error | skip | timeout | not-run
    sim_time_ns: float = 0.0
    wall_s: float = 0.0
    message: str = ""  # the assertion / exception message
    exc_type: str = ""
    traceback: str = ""
    test_line: Location | None = None  # the line in the test function that was executing
    assert_line: Location | None = None  # where the exception was raised (innermost testbench frame)
    definition: Location | None = None  # the test function's definition
    sim_time_start_ns: float | None = None
    sim_time_stop_ns: float | None = None
    seed: int | None = None
    log_excerpt: str = ""  # partial log for timeouts and errors

    @property
    def failed(self) -> bool:
        return self.status in FAILING

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TestResult:
        values = dict(data)
        for key in ("test_line", "assert_line", "definition"):
            if values.get(key):
                values[key] = Location(**values[key])
        return cls(**values)


@dataclass
class Diagnostic:
    """A compiler or lint message."""

    severity: str  # error | warning
    message: str
    file: str = ""
    line: int = 0
    col: int = 0
    code: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}: " if self.file else ""
        code = f"-{self.code}" if self.code else ""
        return f"{where}{self.severity}{code}: {self.message}"

    def key(self, root: str = "") -> tuple[str, str, str, str]:
        """Identity ignoring line numbers (which a patch shifts) — for comparing two runs."""
        file = self.file[len(root):].lstrip("/") if root and self.file.startswith(root) else self.file
        return (self.severity, self.code, file.rsplit("/", 1)[-1], self.message)


@dataclass
class LintResult:
    ok: bool
    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    run_dir: str = ""
    log: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LintResult:
        return cls(ok=data["ok"], errors=[Diagnostic(**d) for d in data.get("errors", [])],
                   warnings=[Diagnostic(**d) for d in data.get("warnings", [])],
                   run_dir=data.get("run_dir", ""), log=data.get("log", ""))


@dataclass
class BuildInfo:
    """A simulator build: where it is, whether it worked, and why not."""

    simulator: str
    ok: bool
    key: str
    build_dir: str = ""
    cached: bool = False
    duration_s: float = 0.0
    run_dir: str = ""
    log: str = ""
    errors: list[Diagnostic] = field(default_factory=list)
    log_tail: str = ""
    timed_out: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BuildInfo:
        values = dict(data)
        values["errors"] = [Diagnostic(**d) for d in data.get("errors", [])]
        return cls(**values)


@dataclass
class WaveExcerpt:
    """Signal values around a failure: one row per clock cycle (or per change)."""

    test: str
    file: str  # the waveform file
    signals: list[str]
    times_ns: list[float]
    values: dict[str, list[str]]  # signal -> value per row (hex for buses, x/z kept)
    fail_time_ns: float
    clock: str | None = None
    text: str = ""
    png: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SimRun:
    """The outcome of running test modules on one simulator (one build, one or more processes)."""

    simulator: str
    design: str
    modules: list[str]
    tests: list[TestResult] = field(default_factory=list)
    build: BuildInfo | None = None
    error: str = ""  # a testbench that could not run at all (import error, hang before the first test)
    error_location: Location | None = None
    wall_s: float = 0.0
    run_dirs: list[str] = field(default_factory=list)
    waves: str = ""  # the waveform file, when recorded
    seed: int | None = None
    excerpts: list[WaveExcerpt] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error and bool(self.build and self.build.ok) and bool(self.tests) and \
            not any(t.failed for t in self.tests)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in self.tests:
            out[t.status] = out.get(t.status, 0) + 1
        return out

    def summary(self) -> str:
        if self.build is not None and not self.build.ok:
            return "build timed out" if self.build.timed_out else "build failed"
        if self.error:
            return "error"
        if not self.tests:
            return "no tests ran"
        c = self.counts()
        passed = c.get(PASS, 0)
        extra = ", ".join(f"{n} {s}" for s, n in sorted(c.items()) if s != PASS)
        return f"{passed}/{len(self.tests)} pass" + (f" ({extra})" if extra else "")

    def failing(self) -> list[TestResult]:
        return [t for t in self.tests if t.failed]

    def test(self, name: str) -> TestResult | None:
        return next((t for t in self.tests if t.name == name or t.short_name == name), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "simulator": self.simulator, "design": self.design, "modules": self.modules,
            "tests": [t.to_json() for t in self.tests],
            "build": self.build.to_json() if self.build else None, "error": self.error,
            "error_location": asdict(self.error_location) if self.error_location else None,
            "wall_s": round(self.wall_s, 3), "run_dirs": self.run_dirs, "waves": self.waves, "seed": self.seed,
            "excerpts": [e.to_json() for e in self.excerpts], "summary": self.summary(), "ok": self.ok,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SimRun:
        return cls(
            simulator=data["simulator"], design=data["design"], modules=list(data["modules"]),
            tests=[TestResult.from_json(t) for t in data.get("tests", [])],
            build=BuildInfo.from_json(data["build"]) if data.get("build") else None,
            error=data.get("error", ""),
            error_location=Location(**data["error_location"]) if data.get("error_location") else None,
            wall_s=float(data.get("wall_s", 0.0)), run_dirs=list(data.get("run_dirs", [])),
            waves=data.get("waves", ""), seed=data.get("seed"),
            excerpts=[WaveExcerpt(**e) for e in data.get("excerpts", [])],
        )
