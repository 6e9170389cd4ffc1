"""What one closure run found — every candidate tried, the best design, the proposals — and its Answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chipchat.answer import Answer
from chipchat.closure.evaluate import Outcome


@dataclass
class Skipped:
    iteration: int
    request: str
    reason: str


@dataclass
class Attempt:
    """One evaluated candidate: the edit, why, the latency it adds (in total), what timing showed."""

    iteration: int
    request: str
    transform: str
    args: dict[str, Any]
    why: str
    fix: str
    latency: int
    outcome: Outcome
    gain: float | None  # worst slack change against the design the round started from
    kept: bool
    steps: list[str] = field(default_factory=list)  # the edits the candidate design has, in order
    predicted: float | None = None  # the gain the explanation's ranked fix predicted


@dataclass
class ClosureResult:
    """The typed result of :func:`chipchat.closure.api.close_timing`."""

    design: str
    root: str
    period_ns: float
    baseline: dict[str, Any]
    baseline_run: Any = None  # the TimingRun of the original (not serialized)
    attempts: list[Attempt] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    best: dict[str, Any] = field(default_factory=dict)  # worst_slack, wns, cells, latency, requests, diff
    placed: dict[str, Any] | None = None
    clock: dict[str, Any] = field(default_factory=dict)
    claims: list[str] = field(default_factory=list)  # spec / SDC statements that disagree with the measurement
    limit: list[str] = field(default_factory=list)
    proposal: dict[str, Any] = field(default_factory=dict)
    testbench: dict[str, Any] = field(default_factory=dict)
    fixes: list[dict[str, Any]] = field(default_factory=list)  # ranked fixes of the baseline explanation
    budget: dict[str, Any] = field(default_factory=dict)
    stop: str = ""
    stale: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def closed(self) -> bool:
        return self.stop in ("met", "already met")

    def to_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        data = {k: v for k, v in self.__dict__.items() if k != "baseline_run"}
        data["attempts"] = [{**asdict(a), "outcome": a.outcome.to_json()} for a in self.attempts]
        data["skipped"] = [asdict(s) for s in self.skipped]
        data["closed"] = self.closed
        return data

    def answer(self) -> Answer:
        from chipchat.closure.render import closure_answer

        return closure_answer(self)
