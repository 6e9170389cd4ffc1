"""Steps: build a design for a simulator, and run cocotb tests on the build.

The commands are cocotb's own (see :mod:`chipchat.steps.simulators`), run through
``RunDir.exec`` so each has a log in the run directory and a wall-clock limit.

Builds are cached by content: a hash of the source files' bytes, include files,
defines, parameters, top, simulator and tool versions names a folder under
``<cache>/builds/``; the same sources in another folder (a sandbox) reuse it.

Every build and test command runs confined (:mod:`chipchat.sandbox.confine`): a build may
write only its own new build folder, a test run only its run directory — whoever wrote the
RTL or the testbench. The object cache is filled by chipchat itself, outside the sandbox.

Tests run in one simulator process per module set, watched by a per-test wall-clock
limit read from the live log; a test that exceeds it is killed with the process group,
reported as a timeout with its partial log, and the remaining tests resume in a new
process.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import uuid
from pathlib import Path
from typing import Any, ClassVar

import cocotb

from chipchat import toolchain
from chipchat._exec import log_tail
from chipchat.design import Design
from chipchat.errors import ToolTimeout
from chipchat.sandbox import confine
from chipchat.steps import objcache
from chipchat.steps import simulators as sims
from chipchat.steps.amaranth_elab import hdl_sources
from chipchat.steps.step import RunDir, Step, StepResult
from chipchat.types import Diagnostic

COMPILE_ERROR = (  # Verilator's %Error lines; iverilog's and the C++ compiler's "file:line: error"
    re.compile(r"^%Error(?:-[A-Z0-9_]+)?:\s*(?P<file>[^\s:][^:]*):(?P<line>\d+):(?:(?P<col>\d+):)?\s*(?P<msg>.*)$"),
    re.compile(r"^(?P<file>[^\s:%][^:]*):(?P<line>\d+):(?:(?P<col>\d+):)?\s*(?P<msg>(?:fatal )?(?:error|syntax error)\b.*)$",
               re.I),
)
VERILATOR_MAIN = Path(cocotb.__file__).parent / "share" / "lib" / "verilator" / "verilator.cpp"


def hdl_inputs(design: Design, parameters: dict[str, Any] | None = None,
               defines: dict[str, str] | None = None) -> sims.HdlInputs:
    return sims.HdlInputs(
        top=design.top or "", sources=tuple(hdl_sources(design)), include_dirs=tuple(design.include_dirs),
        defines={**design.defines, **(defines or {})}, parameters={**design.parameters, **(parameters or {})})


def build_key(simulator: str, hdl: sims.HdlInputs) -> str:
    """A content hash of everything a build depends on (file bytes, not their paths)."""
    import hashlib

    h = hashlib.sha256()
    versions = toolchain.versions(list(sims.simulator(simulator).tools))
    meta = {"sim": simulator, "top": hdl.top, "defines": dict(hdl.defines),
            "parameters": {k: str(v) for k, v in hdl.parameters.items()}, "tools": versions,
            "cocotb": cocotb.__version__, "timescale": sims.TIMESCALE, "layout": 2}
    h.update(json.dumps(meta, sort_keys=True).encode())
    for src in hdl.sources:
        h.update(src.name.encode() + b"\0" + src.read_bytes() + b"\0")
    for folder in hdl.include_dirs:
        for inc in sorted(folder.glob("*")) if folder.is_dir() else []:
            if inc.is_file() and inc.suffix in (".v", ".vh", ".sv", ".svh", ".h", ".inc"):
                h.update(inc.name.encode() + b"\0" + inc.read_bytes() + b"\0")
    return h.hexdigest()[:20]


class CocotbBuild(Step):
    """Compile the design for one simulator into a content-addressed build folder."""

    name: ClassVar[str] = "cocotb_build"
    simulator: ClassVar[str] = ""
    outputs: ClassVar[tuple[str, ...]] = ("build folder", "build.log")
    config_vars: ClassVar[dict[str, str]] = {
        "parameters": "top-level parameter overrides", "defines": "preprocessor defines",
        "cache_dir": "folder holding builds/ and verilator-objs/ (default <design>/.chipchat/cache)",
        "make_jobs": "parallel C++ compile jobs for Verilator (0 = one per core)",
    }

    def hdl(self) -> sims.HdlInputs:
        return hdl_inputs(self.design, self.config.get("parameters"), self.config.get("defines"))

    def cache_dir(self) -> Path:
        return Path(self.config.get("cache_dir") or self.design.state_dir / "cache")

    def run(self, run: RunDir) -> StepResult:
        hdl = self.hdl()
        key = build_key(self.simulator, hdl)
        builds = self.cache_dir() / "builds"
        builds.mkdir(parents=True, exist_ok=True)
        tmp = builds / f".tmp-{self.simulator}-{uuid.uuid4().hex[:8]}"
        commands = sims.build_commands(self.simulator, hdl, tmp, make_jobs=int(self.config.get("make_jobs", 0)))
        metrics: dict[str, Any] = {"simulator": self.simulator, "key": key, "ok": False}
        logs: list[str] = []
        box = confine.policy(tmp, readable=[self.design.root, *hdl.include_dirs])
        try:
            for i, argv in enumerate(commands.argv):
                log = f"build-{i + 1}.log"
                logs.append(log)
                if self.simulator == "verilator" and argv[:1] == ["make"]:
                    result = self._make_with_shared_objects(run, argv, log, commands.env, tmp, metrics, box)
                else:
                    result = run.exec(argv, log=log, env=commands.env, cwd=tmp, tool=Path(argv[0]).name, confine=box)
                if not result.ok:
                    metrics["errors"] = [e.__dict__ for e in compile_errors(result.output)]
                    metrics["log_tail"] = result.tail(25) + confine.note(result)
                    return self._done(run, metrics, logs)
        except ToolTimeout as exc:
            metrics.update(timed_out=True, log_tail=exc.log_tail)
            shutil.rmtree(tmp, ignore_errors=True)
            return self._done(run, metrics, logs)
        final = builds / f"{self.simulator}-{key}"
        (tmp / "build.json").write_text(json.dumps({"simulator": self.simulator, "key": key, "run_dir": str(run.path)}))
        try:
            tmp.rename(final)
        except OSError:  # the same build finished concurrently elsewhere: use that one
            shutil.rmtree(tmp, ignore_errors=True)
        metrics.update(ok=True, build_dir=str(final))
        return self._done(run, metrics, logs, final)

    def _make_with_shared_objects(self, run: RunDir, argv: list[str], log: str, env: dict[str, str], build_dir: Path,
                                  metrics: dict[str, Any], box: confine.Confinement) -> Any:
        """``make`` with Verilator's runtime objects taken from (and given to) the object cache.

        The model itself (``Vtop__ALL.a``) is compiled first, while another build may still be
        compiling the runtime objects this one will reuse; then the rest is seeded and linked.
        """
        model = run.exec([*argv, f"{objcache.PREFIX}__ALL.a"], log=log.replace(".log", "-model.log"), env=env,
                         cwd=build_dir, tool="make", confine=box)
        if not model.ok:
            return model
        cache = self.cache_dir() / "verilator-objs"
        keys = objcache.keys(build_dir, str(toolchain.find_tool("verilator").path), VERILATOR_MAIN)
        parts: list[int] = []

        def compile_objects(names: list[str]) -> bool:
            parts.append(len(parts) + 1)
            return run.exec([*argv, *names], log=log.replace(".log", f"-objects-{parts[-1]}.log"), env=env,
                            cwd=build_dir, tool="make", confine=box).ok

        jobs = int(argv[argv.index("-j") + 1]) if "-j" in argv else 1
        seeded, compiled = objcache.provide(cache, build_dir, keys, compile_objects, batch=jobs)
        metrics["reused_objects"], metrics["compiled_objects"] = seeded, compiled
        result = run.exec(argv, log=log, env=env, cwd=build_dir, tool="make", confine=box)
        if result.ok:
            objcache.store(cache, build_dir, keys)
        return result

    def _done(self, run: RunDir, metrics: dict[str, Any], logs: list[str], final: Path | None = None) -> StepResult:
        artifacts = {log: run.file(log) for log in logs if run.file(log).exists()}
        if final is not None:
            artifacts["build_dir"] = final
        return StepResult(self.name, run.path, artifacts=artifacts, metrics=metrics)


class IcarusBuild(CocotbBuild):
    name: ClassVar[str] = "icarus_build"
    simulator: ClassVar[str] = "icarus"
    tools: ClassVar[tuple[str, ...]] = ("iverilog", "vvp")


class VerilatorBuild(CocotbBuild):
    name: ClassVar[str] = "verilator_build"
    simulator: ClassVar[str] = "verilator"
    tools: ClassVar[tuple[str, ...]] = ("verilator",)


BUILD_STEPS: dict[str, type[CocotbBuild]] = {"icarus": IcarusBuild, "verilator": VerilatorBuild}


def compile_errors(output: str) -> list[Diagnostic]:
    """``file:line: message`` errors from iverilog, Verilator or the C++ compiler."""
    found: list[Diagnostic] = []
    for line in output.splitlines():
        m = COMPILE_ERROR[0].match(line.strip()) or COMPILE_ERROR[1].match(line.strip())
        if m and not m.group("file").startswith(("make", "/usr/include")):
            found.append(Diagnostic("error", m.group("msg").strip(), m.group("file"), int(m.group("line")),
                                    int(m.group("col") or 0)))
    return found[:50]


class _TestWatch:
    """Per-test wall-clock limit: follows cocotb's "running <test>" lines in the growing log."""

    RUNNING = re.compile(rb"running (\S+) \(\d+/\d+\)")

    def __init__(self, log: Path, limit_s: float) -> None:
        self.log, self.limit_s = log, limit_s
        self.offset = 0
        self.since = time.monotonic()
        self.current: str | None = None

    def __call__(self) -> float | None:
        try:
            with open(self.log, "rb") as fh:
                fh.seek(self.offset)
                data = fh.read()
        except FileNotFoundError:
            data = b""
        cut = data.rfind(b"\n") + 1
        for m in self.RUNNING.finditer(data[:cut]):
            self.current, self.since = m.group(1).decode(), time.monotonic()
        self.offset += cut
        return self.limit_s if time.monotonic() - self.since > self.limit_s else None


class CocotbTest(Step):
    """Run cocotb test modules on a build; per-test timeouts; results in ``metrics["attempts"]``."""

    name: ClassVar[str] = "cocotb_test"
    outputs: ClassVar[tuple[str, ...]] = ("results-N.xml", "sim-N.log", "waveform")
    config_vars: ClassVar[dict[str, str]] = {
        "simulator": "icarus or verilator", "build_dir": "a finished build (from CocotbBuild)",
        "modules": "test module names", "tests_path": "folder the test modules are imported from",
        "test_filter": "regular expression selecting tests by full name",
        "waves": "record a waveform", "seed": "COCOTB_RANDOM_SEED",
        "test_timeout_s": "wall-clock limit of one test", "max_timeouts": "stop resuming after this many timeouts",
        "max_failures": "stop the regression after this many failing tests (0: run them all)",
    }

    def run(self, run: RunDir) -> StepResult:
        c = self.config
        limit = float(c.get("test_timeout_s") or 120.0)
        done: list[str] = []
        attempts: list[dict[str, Any]] = []
        timeouts = 0
        box = confine.policy(run.path, readable=[Path(c["build_dir"]), self.design.root,
                                                 *([Path(c["tests_path"])] if c.get("tests_path") else [])])
        while True:
            n = len(attempts) + 1
            results, log = run.file(f"results-{n}.xml"), f"sim-{n}.log"
            commands = sims.test_command(
                c["simulator"], top=self.design.top or "", build_dir=Path(c["build_dir"]), test_dir=run.path,
                modules=c["modules"], tests_path=Path(c["tests_path"]) if c.get("tests_path") else None,
                results_file=results, waves=bool(c.get("waves")), test_filter=resume_filter(c.get("test_filter"), done),
                seed=c.get("seed"), max_failures=int(c.get("max_failures") or 0))
            watch = _TestWatch(run.file(log), limit)
            attempt: dict[str, Any] = {"log": str(run.file(log)), "results": str(results), "timed_out": None}
            attempts.append(attempt)
            try:  # no overall limit: the watchdog limits the start-up, then each test
                result = run.exec(commands.argv[0], log=log, env=commands.env, timeout=None,
                                  tool=c["simulator"], watchdog=watch, confine=box)
                attempt.update(returncode=result.returncode, confined=result.confined, stopped_by=result.stopped_by,
                               blocked=result.blocked)
                break
            except ToolTimeout as exc:
                timeouts += 1
                attempt.update(timed_out=watch.current or "", limit_s=exc.timeout_s)
                if watch.current is None:
                    break  # hung before the first test started: resuming would hang again
                done.extend(finished_before(run.file(log), watch.current))
                done.append(watch.current)
                if timeouts >= int(c.get("max_timeouts", 2)):
                    attempt["gave_up"] = True
                    break
        wave = run.file(sims.simulator(c["simulator"]).wave_file)
        artifacts = {"log": run.file(attempts[0]["log"]), "run_dir": run.path}
        if wave.exists():
            artifacts["waves"] = wave
        return StepResult(self.name, run.path, artifacts=artifacts,
                          metrics={"attempts": attempts, "test_timeout_s": limit, "timeouts": timeouts})


def log_before(text: str, test: str) -> str:
    """The log up to the line where ``test`` started (what happened before a hang).

    A killed simulator shuts cocotb down, which then reports the hung test and every
    later one as failed: those lines are artefacts of the kill, not results.
    """
    at = text.find(f"running {test} (")
    return text if at < 0 else text[:at]


def finished_before(log: Path, test: str) -> list[str]:
    text = log.read_text(errors="replace") if log.exists() else ""
    return re.findall(r"cocotb\.regression\s+(\S+) (?:passed|failed)\b", log_before(text, test)) + \
        re.findall(r"cocotb\.regression\s+skipping (\S+) \(", log_before(text, test))


def resume_filter(user: str | None, done: list[str]) -> str | None:
    """A COCOTB_TEST_FILTER that keeps ``user``'s selection and skips tests already run."""
    if not done:
        return user
    skip = "|".join(re.escape(d) for d in done)
    return f"^(?!(?:{skip})$)" + (f"(?=.*?(?:{user}))" if user else "")


def log_excerpt(text: str, lines: int = 30) -> str:
    return log_tail(text, lines)
