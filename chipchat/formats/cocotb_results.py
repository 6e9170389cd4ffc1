"""Typed results of builds, lint runs and cocotb simulations, and the reader of what a cocotb run leaves.

The results are plain data (JSON round-trip). The results XML (JUnit format) is complete but is only
written when the simulator exits normally; a simulation killed by a wall-clock limit leaves just its log,
so the same facts (which tests ran, passed, failed and why) are also read from the log.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from chipchat.errors import ParseError
from chipchat.types import Diagnostic, Location

PASS, FAIL, ERROR, SKIP, TIMEOUT, NOT_RUN = "pass", "fail", "error", "skip", "timeout", "not-run"
FAILING = (FAIL, ERROR, TIMEOUT, NOT_RUN)


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
                values[key] = Location.from_json(values[key])
        return cls(**values)


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
            "error_location": self.error_location.to_json() if self.error_location else None,
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
            error_location=Location.from_json(data["error_location"]) if data.get("error_location") else None,
            wall_s=float(data.get("wall_s", 0.0)), run_dirs=list(data.get("run_dirs", [])),
            waves=data.get("waves", ""), seed=data.get("seed"),
            excerpts=[WaveExcerpt(**e) for e in data.get("excerpts", [])],
        )


UNIT_NS = {"fs": 1e-6, "ps": 1e-3, "ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9, "sec": 1e9, "step": 1.0}
RECORD = re.compile(r"^\s*(?:-\.--|(\d+(?:\.\d+)?))(fs|ps|ns|us|ms|s)?\s+(DEBUG|INFO|WARNING|ERROR|CRITICAL)\s+(\S+)\s+(.*)$")
RUNNING = re.compile(r"^running (\S+) \((\d+)/(\d+)\)")
OUTCOME = re.compile(r"^(\S+) (passed|failed|skipped)\b")
SKIPPING = re.compile(r"^skipping (\S+) \((\d+)/(\d+)\)")
FRAME = re.compile(r'^File "(.+?)", line (\d+), in (.+)$')
EXC_LINE = re.compile(r"^([A-Za-z_][\w.]*)(?::\s?(.*))?$")


@dataclass
class Traceback:
    frames: list[Location] = field(default_factory=list)
    exc_type: str = ""
    message: str = ""


def parse_traceback(text: str) -> Traceback:
    """Frames (file, line, function, code) and the exception of the last traceback in ``text``."""
    start = text.rfind("Traceback (most recent call last):")
    if start < 0:
        return Traceback()
    lines = [ln.strip() for ln in text[start:].splitlines()[1:]]
    frames: list[Location] = []
    i = 0
    while i < len(lines):
        m = FRAME.match(lines[i])
        if not m:
            break
        code = ""
        if i + 1 < len(lines) and not FRAME.match(lines[i + 1]) and not _exception_start(lines, i + 1):
            code = lines[i + 1]
            i += 1
            while i + 1 < len(lines) and lines[i + 1] and set(lines[i + 1]) <= set("^~ "):
                i += 1
        frames.append(Location(m.group(1), int(m.group(2)), function=m.group(3), text=code))
        i += 1
    rest = [ln for ln in lines[i:] if ln]
    tb = Traceback(frames)
    if rest:
        m = EXC_LINE.match(rest[0])
        if m:
            tb.exc_type = m.group(1)
            tb.message = "\n".join([m.group(2) or "", *rest[1:]]).strip()
        else:
            tb.message = "\n".join(rest)
    return tb


def _exception_start(lines: list[str], i: int) -> bool:
    """Whether ``lines[i]`` starts the exception (no more frames or code after it)."""
    return not any(FRAME.match(ln) for ln in lines[i:]) and bool(EXC_LINE.match(lines[i])) and \
        (":" in lines[i] or i == len(lines) - 1)


def locate(tb: Traceback, tests_dir: Path | None, test_function: str | None = None) -> tuple[Location | None, Location | None]:
    """(test line, assertion line): the frame in the test function and the innermost testbench frame."""
    def in_tests(loc: Location) -> bool:
        if tests_dir is None:
            return "site-packages" not in loc.file and "<frozen" not in loc.file
        try:
            return Path(loc.file).resolve().is_relative_to(tests_dir.resolve())
        except OSError:
            return False

    own = [f for f in tb.frames if in_tests(f)]
    if not own:
        return None, None
    test_line = next((f for f in own if test_function and f.function == test_function), own[0])
    return test_line, own[-1]


def read_results_xml(path: Path, tests_dir: Path | None = None) -> list[TestResult]:
    """Per-test results from cocotb's JUnit XML."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise ParseError(f"cocotb results are not valid XML: {exc}", file=path) from None
    results: list[TestResult] = []
    for case in root.iter("testcase"):
        props = {p.get("name", ""): p.get("value", "") for p in case.iter("property")}
        name = f"{case.get('classname', '')}.{case.get('name', '')}".strip(".")
        scale = UNIT_NS.get(props.get("sim_time_unit", "ns"), 1.0)
        result = TestResult(name=name, status=PASS, wall_s=_float(case.get("time")))
        result.sim_time_ns = _float(props.get("sim_time_duration")) * scale
        if "sim_time_start" in props:
            result.sim_time_start_ns = _float(props["sim_time_start"]) * scale
            result.sim_time_stop_ns = _float(props.get("sim_time_stop")) * scale
        if props.get("random_seed", "").lstrip("-").isdigit():
            result.seed = int(props["random_seed"])
        if props.get("file") and props.get("line", "").isdigit():
            result.definition = Location(props["file"], int(props["line"]), function=case.get("name", ""))
        for tag, status in (("failure", FAIL), ("error", ERROR)):
            node = case.find(tag)
            if node is not None:
                _set_failure(result, status, node.text or "", node.get("message", ""), node.get("type", ""), tests_dir)
                break
        if case.find("skipped") is not None:
            result.status = SKIP
            result.message = case.find("skipped").get("message", "")  # type: ignore[union-attr]
        results.append(result)
    return results


def _set_failure(result: TestResult, status: str, text: str, message: str, exc_type: str,
                 tests_dir: Path | None) -> None:
    tb = parse_traceback(text)
    result.status = status
    result.traceback = text.strip()
    result.exc_type = exc_type or tb.exc_type
    result.message = message or tb.message
    result.test_line, result.assert_line = locate(tb, tests_dir, result.short_name)


@dataclass
class LogScan:
    """What a (possibly partial) cocotb log says happened."""

    results: list[TestResult] = field(default_factory=list)
    running: str | None = None  # the test that had started and not finished
    running_since_ns: float | None = None
    total: int | None = None  # how many tests the regression selected
    started: bool = False  # "Running tests" was reached
    no_tests_matched: bool = False
    error: Traceback | None = None  # a traceback outside any test (testbench import error)


def scan_log(text: str, tests_dir: Path | None = None) -> LogScan:
    """Tests that started, passed, failed or were skipped, from cocotb's log lines."""
    scan = LogScan()
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = RECORD.match(lines[i])
        i += 1
        if not m:
            continue
        time_ns = _float(m.group(1)) * UNIT_NS.get(m.group(2) or "ns", 1.0)
        message = m.group(5).strip()
        body: list[str] = []
        while i < len(lines) and not RECORD.match(lines[i]):
            body.append(lines[i])
            i += 1
        if message == "Running tests":
            scan.started = True
        elif message.startswith("No tests left after filtering"):
            scan.no_tests_matched = True
        elif run := RUNNING.match(message):
            scan.running, scan.running_since_ns, scan.total = run.group(1), time_ns, int(run.group(3))
        elif skip := SKIPPING.match(message):
            scan.total = int(skip.group(3))
            scan.results.append(TestResult(skip.group(1), SKIP, message="skipped"))
        elif (out := OUTCOME.match(message)) and m.group(4).startswith("cocotb.regression"):
            name, what = out.group(1), out.group(2)
            start = scan.running_since_ns if scan.running == name else None
            result = TestResult(name, {"passed": PASS, "failed": FAIL, "skipped": SKIP}[what],
                                sim_time_start_ns=start, sim_time_stop_ns=time_ns,
                                sim_time_ns=time_ns - start if start is not None else 0.0)
            if what == "failed":
                text_body = "\n".join(b.strip() for b in body)
                tb = parse_traceback(text_body)
                result.traceback, result.exc_type, result.message = text_body, tb.exc_type, tb.message
                result.test_line, result.assert_line = locate(tb, tests_dir, result.short_name)
            scan.results.append(result)
            if scan.running == name:
                scan.running = None
    if not scan.started and "Traceback (most recent call last):" in text:
        scan.error = parse_traceback(text)
    return scan


def _float(value: str | None) -> float:
    try:
        return float(value) if value not in (None, "") else 0.0
    except ValueError:
        return 0.0
