"""Evaluate one candidate design: the job each worker of the closure loop runs.

A job is plain data (picklable, so it runs in a local process pool or on a Dask worker):
the original design folder, the combined diff from the original to the candidate, and
the latency that diff declares. The worker copies the design into a sandbox, applies the
diff, compares the result with the original under random stimulus (a quick check that the
edit only delays the outputs) and times it. Every outcome — an edit that breaks the build,
a design that does not synthesize — comes back as data.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Job:
    original: str  # the original design folder
    diff: str  # original -> candidate
    latency: dict[str, int]
    period_ns: float | None
    label: str
    compare: bool = True


@dataclass
class Outcome:
    label: str
    ok: bool
    status: str  # timed | build_failed | differs | error
    worst_slack: float | None = None
    wns: float | None = None
    tns: float | None = None
    cells: int | None = None
    area: float | None = None
    flops: int | None = None
    worst_path: str = ""
    equivalent: bool | None = None
    sentence: str = ""
    message: str = ""
    runs: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def evaluate(job: Job) -> Outcome:
    """Apply ``job.diff`` to a sandbox copy of the original, compare with the original, time it."""
    from chipchat.edit.check import parse_errors
    from chipchat.edit.equiv import compare_designs
    from chipchat.errors import ChipChatError
    from chipchat.rtl.load import load_design
    from chipchat.sandbox.box import Sandbox
    from chipchat.timing.api import run_timing

    t0 = time.monotonic()
    original = load_design(job.original)
    out = Outcome(job.label, False, "error")
    try:
        with Sandbox(original, f"closure-{job.label}") as box:
            if job.diff:
                box.apply(job.diff)
            edited = box.design()
            errors = parse_errors(edited)
            if errors:
                out.status, out.message = "build_failed", errors[0].replace(str(box.root) + "/", "")
                return out
            if job.compare and job.latency is not None:
                cmp = compare_designs(original, edited, job.latency, timeout_s=30.0)
                compared = cmp.ran and cmp.compared > 0
                out.equivalent = cmp.equivalent if compared else None
                out.sentence = cmp.sentence() if compared else f"not compared: {cmp.note or 'no value could be compared'}"
                if compared and not cmp.equivalent:
                    out.status, out.message = "differs", cmp.sentence()
                    return out
            run = run_timing(edited, clock_period_ns=job.period_ns, paths=1)
            m, s = run.sta.metrics, run.synth.metrics
            out.worst_slack = run.results.worst_slack
            out.wns, out.tns = m.get("wns"), m.get("tns")
            out.cells, out.area, out.flops = s.get("cells"), s.get("area"), s.get("flops")
            if run.results.paths:
                start, end = run.names(run.results.paths[0])
                out.worst_path = f"{start} → {end}"
            out.runs = [str(run.synth.run_dir), str(run.sta.run_dir)]
            out.ok, out.status = True, "timed"
    except ChipChatError as exc:
        out.status, out.message = "error", str(exc).splitlines()[0]
    finally:
        out.seconds = round(time.monotonic() - t0, 2)
    return out
