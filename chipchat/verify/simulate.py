"""Build once (cached), run cocotb tests, and turn what the simulator left into a :class:`SimRun`."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from chipchat.config import settings
from chipchat.design import Design
from chipchat.errors import ConfigError
from chipchat.formats.cocotb_results import (
    ERROR,
    FAIL,
    NOT_RUN,
    PASS,
    TIMEOUT,
    BuildInfo,
    SimRun,
    TestResult,
    locate,
    read_results_xml,
    scan_log,
)
from chipchat.sandbox.confine import BLOCKED
from chipchat.steps import simulators as sims
from chipchat.steps.cocotb_sim import BUILD_STEPS, CocotbTest, build_key, hdl_inputs, log_before
from chipchat.types import Location
from chipchat.verify import testbench


def build(
    design: Design,
    simulator: str,
    *,
    parameters: dict[str, Any] | None = None,
    defines: dict[str, str] | None = None,
    cache_dir: Path | None = None,
    make_jobs: int = 0,
    timeout_s: float | None = None,
) -> BuildInfo:
    """Compile ``design`` for ``simulator``, or reuse the build of identical sources."""
    sims.require(simulator)
    hdl = hdl_inputs(design, parameters, defines)
    key = build_key(simulator, hdl)
    cache = Path(cache_dir) if cache_dir else design.state_dir / "cache"
    final = cache / "builds" / f"{simulator}-{key}"
    if (final / "build.json").is_file():
        origin = (final / "build.json").read_text()
        return BuildInfo(simulator, True, key, str(final), cached=True, run_dir=_json_field(origin, "run_dir"))
    config: dict[str, Any] = {"cache_dir": str(cache), "make_jobs": make_jobs}
    if parameters:
        config["parameters"] = dict(parameters)
    if defines:
        config["defines"] = dict(defines)
    step = BUILD_STEPS[simulator](design, timeout_s=timeout_s or settings().tool_timeout_s, **config)
    result = step.start()
    m = result.metrics
    logs = [str(p) for k, p in result.artifacts.items() if k.endswith(".log")]
    return BuildInfo.from_json({
        "simulator": simulator, "ok": bool(m.get("ok")), "key": key, "build_dir": m.get("build_dir", ""),
        "duration_s": round(result.duration_s, 3), "run_dir": str(result.run_dir), "log": logs[-1] if logs else "",
        "errors": m.get("errors", []), "log_tail": m.get("log_tail", ""), "timed_out": bool(m.get("timed_out")),
    })


def _json_field(text: str, key: str) -> str:
    import json

    try:
        return str(json.loads(text).get(key, ""))
    except ValueError:
        return ""


def simulate(
    design: Design,
    simulator: str = "icarus",
    *,
    modules: list[str] | None = None,
    test_filter: str | None = None,
    waves: bool = False,
    parameters: dict[str, Any] | None = None,
    defines: dict[str, str] | None = None,
    seed: int | None = None,
    test_timeout_s: float | None = None,
    cache_dir: Path | None = None,
    make_jobs: int = 0,
    max_timeouts: int = 2,
    max_failures: int = 0,
) -> SimRun:
    """Build (cached) and run the design's cocotb tests on ``simulator``.

    ``max_failures`` > 0 stops the run after that many failing tests (mutation testing
    needs only the first); the tests left out come back failed with ``RegressionTerminated``.

    Failing, erroring and hung tests are results in the returned :class:`SimRun`; only a
    broken setup (unknown simulator, missing tool, missing test module) raises.
    """
    sims.require(simulator)
    folder = testbench.tests_dir(design)
    mods = testbench.resolve_modules(design, modules)
    known = testbench.discover(folder, mods)
    selected = testbench.select(known, test_filter)
    if known and not selected:
        raise ConfigError(f"no test matches {test_filter!r}",
                          hint="tests: " + ", ".join(t.name for t in known))
    t0 = time.monotonic()
    run = SimRun(simulator=simulator, design=design.name, modules=mods)
    run.build = build(design, simulator, parameters=parameters, defines=defines, cache_dir=cache_dir,
                      make_jobs=make_jobs)
    if not run.build.ok:
        run.wall_s = time.monotonic() - t0
        return run
    limit = test_timeout_s or test_timeout(design)
    step = CocotbTest(design, timeout_s=None, simulator=simulator, build_dir=run.build.build_dir, modules=mods,
                      tests_path=str(folder), test_filter=test_filter, waves=waves, seed=seed,
                      test_timeout_s=limit, max_timeouts=max_timeouts, max_failures=max_failures)
    result = step.start()
    collect(run, result.metrics["attempts"], folder, selected, limit)
    run.run_dirs.append(str(result.run_dir))
    if "waves" in result.artifacts:
        run.waves = str(result.artifacts["waves"])
    run.seed = seed if seed is not None else next((t.seed for t in run.tests if t.seed is not None), None)
    run.wall_s = time.monotonic() - t0
    return run


def rerun_with_waves(design: Design, run: SimRun, names: list[str], *, test_timeout_s: float | None = None) -> SimRun:
    """Run ``names`` again on the same build, recording a waveform (same seed)."""
    folder = testbench.tests_dir(design)
    assert run.build is not None
    pattern = "^(?:" + "|".join(re.escape(n) for n in names) + ")$"
    limit = test_timeout_s or test_timeout(design)
    step = CocotbTest(design, simulator=run.simulator, build_dir=run.build.build_dir, modules=run.modules,
                      tests_path=str(folder), test_filter=pattern, waves=True, seed=run.seed,
                      test_timeout_s=limit, max_timeouts=1)
    result = step.start()
    again = SimRun(simulator=run.simulator, design=run.design, modules=run.modules, build=run.build, seed=run.seed)
    collect(again, result.metrics["attempts"], folder, [], limit)
    again.run_dirs.append(str(result.run_dir))
    again.waves = str(result.artifacts.get("waves", ""))
    return again


def test_timeout(design: Design) -> float:
    """Per-test wall-clock limit: chipchat.toml ``[tests] timeout_s`` when set, else CHIPCHAT_SIM_TIMEOUT."""
    if design.config_file is not None and design.config_file.is_file():
        import tomllib

        try:
            tests = tomllib.loads(design.config_file.read_text(encoding="utf-8")).get("tests", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            tests = {}
        if isinstance(tests, dict) and "timeout_s" in tests:
            return float(design.tests.timeout_s)
    return settings().sim_timeout_s


def collect(run: SimRun, attempts: list[dict[str, Any]], folder: Path, selected: list[testbench.TestInfo],
            limit: float) -> None:
    """Fill ``run.tests`` (and ``run.error``) from each simulator process's XML or log."""
    found: dict[str, TestResult] = {}
    for n, attempt in enumerate(attempts):
        log_path, xml = Path(attempt["log"]), Path(attempt["results"])
        text = log_path.read_text(errors="replace") if log_path.exists() else ""
        hung = attempt.get("timed_out")
        scan = scan_log(log_before(text, hung) if hung else text, folder)
        finished = {r.name for r in scan.results}
        if xml.is_file():
            for r in read_results_xml(xml, folder):
                if not hung or r.name in finished:  # after a kill, later "failures" are the kill's
                    found[r.name] = r
        else:
            for r in scan.results:
                found.setdefault(r.name, r)
        if hung:
            found[hung] = TestResult(
                hung, TIMEOUT, message=f"did not finish within {limit:g} s of wall-clock time; killed",
                sim_time_start_ns=_started_ns(text, hung), log_excerpt=_section(text, hung))
        elif hung == "":
            run.error = f"the simulation hung before the first test started and was killed after {limit:g} s"
        elif scan.no_tests_matched:
            if n == 0:  # on a resumed run (after a hung test was killed) it means every test has run
                run.error = "no test matched the filter"
        elif scan.error is not None and not xml.is_file():
            run.error = (f"{scan.error.exc_type}: {scan.error.message}" if scan.error.exc_type
                         else scan.error.message) or "the testbench failed to load"
            run.error_location = locate(scan.error, folder)[1]
        elif not xml.is_file():
            exited = (f"the simulator was stopped by {attempt['stopped_by']}" if attempt.get("stopped_by")
                      else f"the simulator exited (code {attempt.get('returncode')})")
            if scan.running:
                found[scan.running] = TestResult(
                    scan.running, ERROR, message=f"{exited} while this test was running",
                    log_excerpt=_section(text, scan.running))
                for info in selected:
                    if info.fullname not in found and not info.factory:
                        found[info.fullname] = TestResult(
                            info.fullname, NOT_RUN, message=f"not run: the simulator exited during {scan.running}")
            elif not found:
                run.error = f"{exited} without running any test"
        _simulator_errors(text, found)
        if attempt.get("gave_up"):
            for info in selected:
                if info.fullname not in found and not info.factory:
                    found[info.fullname] = TestResult(info.fullname, NOT_RUN,
                                                      message="not run: earlier tests hung and the run was stopped")
    order = {t.fullname: i for i, t in enumerate(selected)}
    defs = {t.fullname: t for t in selected}
    tests = sorted(found.values(), key=lambda r: order.get(r.name, len(order)))
    for t in tests:
        known = defs.get(t.name) or defs.get(re.sub(r"_\d{3}$", "", t.name))  # a TestFactory's variant
        if known and t.definition is None:
            t.definition = Location(known.file, known.line, function=known.name)
    run.tests = tests
    refused = [line for a in attempts for line in a.get("blocked", [])]
    if refused:  # the run tried something its sandbox refused: that is the finding, whatever the tests say
        run.error = f"{BLOCKED}: " + "; ".join(dict.fromkeys(refused))
    if not run.error and not tests:
        tail = [a["log"] for a in attempts]
        run.error = "no test results were produced (see " + ", ".join(tail) + ")"


# What the simulators print for $error / $fatal / a failed immediate assertion. Icarus goes on after
# $error, so without this a test during which the design reported an error would "pass".
_SIM_ERROR = re.compile(r"^(?:\[\d+\] )?(?:ERROR|FATAL|%Error|%Fatal): (?P<msg>.+)$", re.M)
_TEST_START = re.compile(r"cocotb\.regression\s+running (\S+) \(")


def _simulator_errors(text: str, found: dict[str, TestResult]) -> None:
    """Fail a passing test during which the simulator printed an error line (its first one is the message)."""
    starts = [(m.start(), m.group(1)) for m in _TEST_START.finditer(text)]
    if not starts:
        return
    seen: set[str] = set()
    for m in _SIM_ERROR.finditer(text):
        running = [name for at, name in starts if at < m.start()]
        if not running or running[-1] in seen:
            continue
        test = running[-1]
        seen.add(test)
        result = found.get(test)
        if result is not None and result.status == PASS:
            result.status = FAIL
            result.message = f"the simulator reported an error while this test ran: {m.group('msg').strip()[:300]}"
            result.log_excerpt = result.log_excerpt or m.group(0)


def _started_ns(text: str, test: str) -> float | None:
    scan = scan_log(text[:text.find("\n", max(0, text.find(f"running {test} ("))) + 1])
    return scan.running_since_ns if scan.running == test else None


def _section(text: str, test: str, lines: int = 40) -> str:
    """The log of ``test`` from the line where it started until it was killed (at most ``lines`` lines)."""
    start = text.rfind(f"running {test} ")
    chunk = text[text.rfind("\n", 0, start) + 1:] if start >= 0 else text
    killed = re.search(rf"^.*cocotb\.regression\s+{re.escape(test)} failed", chunk, re.M)
    if killed:
        chunk = chunk[:killed.start()]
    kept = [ln.rstrip() for ln in chunk.splitlines() if ln.strip()]
    if len(kept) > lines:
        kept = [*kept[:5], "...", *kept[-(lines - 5):]]
    return "\n".join(kept)


def failing_with_time(run: SimRun) -> list[TestResult]:
    return [t for t in run.tests if t.status in (FAIL, ERROR) and t.sim_time_stop_ns is not None]
