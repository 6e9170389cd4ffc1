"""The mutation report: score, surviving mutants with ``file:line``, Markdown and JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chipchat.answer import Answer
from chipchat.mutate.operators import OPERATORS
from chipchat.mutate.run import BROKEN, INVALID, KILLED, SURVIVED, TIMED_OUT, UNAVAILABLE, MutantResult
from chipchat.types import Citation


@dataclass
class MutationReport:
    """Everything one mutation run found. ``score`` = killed (timeouts included) / valid mutants."""

    design: str
    simulator: str
    modules: list[str]
    tests_dir: str
    results: list[MutantResult]
    candidates: int  # mutation sites found before sampling
    seed: int
    baseline: dict[str, Any]  # summary of the unmutated run: tests, passing, wall
    excluded_tests: list[str] = field(default_factory=list)  # failing on the unmutated design
    test_timeout_s: float = 0.0
    executor: str = "local"
    workers: int = 0
    wall_s: float = 0.0
    language: str = "verilog"
    files: dict[str, str] = field(default_factory=dict)

    def by_status(self, *statuses: str) -> list[MutantResult]:
        return [r for r in self.results if r.status in statuses]

    @property
    def valid(self) -> int:
        return sum(1 for r in self.results if r.valid)

    @property
    def killed(self) -> int:
        return sum(1 for r in self.results if r.killed)

    @property
    def score(self) -> float | None:
        return self.killed / self.valid if self.valid else None

    def per_operator(self) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = {}
        for r in self.results:
            row = table.setdefault(r.mutant.operator, {"mutants": 0, "killed": 0, "survived": 0, "invalid": 0})
            row["mutants"] += 1
            if r.killed:
                row["killed"] += 1
            elif r.status == SURVIVED:
                row["survived"] += 1
            elif r.status == INVALID:
                row["invalid"] += 1
        return {name: table[name] for name in OPERATORS if name in table}

    def to_json(self) -> dict[str, Any]:
        return {
            "design": self.design, "simulator": self.simulator, "modules": self.modules, "tests_dir": self.tests_dir,
            "score": None if self.score is None else round(self.score, 4), "killed": self.killed, "valid": self.valid,
            "counts": {s: len(self.by_status(s)) for s in (KILLED, TIMED_OUT, SURVIVED, INVALID, UNAVAILABLE, BROKEN)},
            "mutants": len(self.results), "candidates": self.candidates, "seed": self.seed,
            "per_operator": self.per_operator(), "baseline": self.baseline, "excluded_tests": self.excluded_tests,
            "test_timeout_s": self.test_timeout_s, "executor": self.executor, "workers": self.workers,
            "wall_s": round(self.wall_s, 3), "language": self.language,
            "results": [r.to_json() for r in self.results], "files": self.files,
        }

    def headline(self) -> str:
        if self.score is None:
            return f"no valid mutant of {self.design} could be graded"
        return (f"mutation score {self.killed}/{self.valid} = {100 * self.score:.1f}% "
                f"({', '.join(self.modules)} on {self.simulator})")

    def markdown(self) -> str:
        c = self.to_json()["counts"]
        sampled = f" (sampled with seed {self.seed} from {self.candidates} candidates)" \
            if self.candidates > len(self.results) else ""
        lines = [f"## Mutation testing of {self.design}: {self.headline()}", "",
                 f"{len(self.results)} mutants{sampled}: {c[KILLED] + c[TIMED_OUT]} killed "
                 f"({c[TIMED_OUT]} by a timeout: a mutant that hangs a test is stopped after "
                 f"{self.test_timeout_s:g} s and counts as killed), {c[SURVIVED]} survived, {c[INVALID]} invalid "
                 f"(do not compile"
                 f"{' or elaborate' if self.language == 'amaranth' else ''}; not counted)"
                 + (f", {c[BROKEN] + c[UNAVAILABLE]} could not be run" if c[BROKEN] + c[UNAVAILABLE] else "") + ".",
                 ""]
        if self.language == "amaranth":
            lines += ["Mutants edit the Amaranth Python source (each is re-elaborated); lines are Python lines.", ""]
        if self.excluded_tests:
            lines += ["Left out because they fail on the unmutated design: "
                      + ", ".join(f"`{t}`" for t in self.excluded_tests) + ".", ""]
        survivors = self.by_status(SURVIVED)
        if survivors:
            lines += ["### Surviving mutants (bugs the tests miss)", "",
                      "| mutant | where | operator | change | mutated line |", "|---|---|---|---|---|"]
            for r in survivors:
                m = r.mutant
                lines.append(f"| {m.id} | `{m.where}` | {m.operator} | {_cell(m.description)} | "
                             f"`{_cell(m.mutated.strip())}` |")
            lines.append("")
        elif self.valid:
            lines += ["Every valid mutant was killed.", ""]
        lines += ["### By operator", "", "| operator | mutants | killed | survived | invalid |", "|---|---|---|---|---|"]
        for name, row in self.per_operator().items():
            lines.append(f"| {name} | {row['mutants']} | {row['killed']} | {row['survived']} | {row['invalid']} |")
        timeouts = self.by_status(TIMED_OUT)
        if timeouts:
            lines += ["", "### Killed by a timeout (the mutant hung the simulation)", ""]
            lines += [f"- {r.mutant.id} `{r.mutant.where}` {_cell(r.mutant.description)}: "
                      f"`{r.killed_by or 'start-up'}` {r.message}" for r in timeouts]
        bad = self.by_status(INVALID, BROKEN, UNAVAILABLE)
        if bad:
            lines += ["", "### Not graded", ""]
            lines += [f"- {r.mutant.id} `{r.mutant.where}` {_cell(r.mutant.description)}: {r.status} — "
                      f"{_cell(r.message.splitlines()[0] if r.message else '')}" for r in bad]
        lines += ["", f"Baseline (unmutated): {self.baseline.get('summary', '')}; wall time {self.wall_s:.1f} s on "
                  f"{self.workers or 'the cluster'} worker(s) ({self.executor})."]
        return "\n".join(lines) + "\n"

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.files = {"markdown": str(folder / "report.md"), "json": str(folder / "report.json")}
        (folder / "report.md").write_text(self.markdown())
        (folder / "report.json").write_text(json.dumps(self.to_json(), indent=2))

    def answer(self) -> Answer:
        answer = Answer(text=self.markdown(), kind="mutate", data=self.to_json(), artifacts=dict(self.files))
        for r in self.by_status(SURVIVED):
            answer.citations.append(Citation(r.mutant.file, r.mutant.line, 0, label=f"{r.mutant.id} survived"))
        for r in self.by_status(BROKEN, UNAVAILABLE):
            answer.warnings.append(f"{r.mutant.id}: {r.status}: {r.message.splitlines()[0] if r.message else ''}")
        return answer


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
