"""Testbench generation from spec text, as plain typed functions.

:func:`generate_testbench` answers "write a testbench from this spec": extract the
spec's structure, generate a cocotb testbench (with a reference model where the spec
allows), run it on the RTL, report every failing generated test as a disagreement
between spec and RTL, and grade the passing ones by mutation score.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chipchat.answer import Answer
from chipchat.design import Design, TestConfig
from chipchat.errors import ConfigError, DesignError
from chipchat.rtl.load import DesignArg, load_design
from chipchat.steps import simulators as sims
from chipchat.tbgen.codegen import render
from chipchat.tbgen.evidence import Disagreement, disagreements
from chipchat.tbgen.models import choose_model
from chipchat.tbgen.spec import SpecModel, extract

LOOKED_FOR = [
    "a port table (| port | direction | width | description |) naming the clock and the reset",
    "a reset-values table (| register / output | reset value |)",
    "truth / opcode / behaviour tables: input columns and `next <output>` (or `<output> (next)`) columns",
    "vector tables: input-port and output-port columns, one case per row",
    "cycle tables: a `cycle` column, input-port columns and output-port columns",
    "waveform tables: a `n (cycles after E0)` column of ranges such as `C … 2C−1` and output-port columns",
    "rules written as `When <condition>, then <effect>.` with signals in backticks",
]
MODEL_NEEDS = ("A language model can write tests from prose: set CHIPCHAT_LLM_BASE_URL (and CHIPCHAT_LLM_MODEL) to an "
               "OpenAI-compatible endpoint. It is given the spec text and the RTL's ports; it needs the spec to say "
               "what each output does in response to the inputs and the clock, cycle by cycle.")


@dataclass
class TbgenResult:
    design: str
    spec_path: str
    spec: SpecModel
    file: str = ""
    folder: str = ""
    model: dict[str, Any] = field(default_factory=dict)
    tests: list[str] = field(default_factory=list)
    runs: dict[str, Any] = field(default_factory=dict)  # simulator -> SimRun JSON
    disagreements: list[Disagreement] = field(default_factory=list)
    mutation: dict[str, Any] | None = None
    llm: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def usable(self) -> bool:
        return bool(self.tests) or bool(self.llm and self.llm.get("passing"))

    def to_json(self) -> dict[str, Any]:
        return {"design": self.design, "spec_path": self.spec_path, "file": self.file, "folder": self.folder,
                "usable": self.usable, "model": self.model, "tests": self.tests, "runs": self.runs,
                "extracted": _extracted(self.spec), "not_used": self.spec.unused(),
                "disagreements": [d.to_json() for d in self.disagreements], "mutation": self.mutation,
                "llm": self.llm, "looked_for": LOOKED_FOR if not self.tests else [], "wall_s": round(self.wall_s, 3)}


def read_spec(design: Design, spec: str | Path | None) -> tuple[str, str]:
    """(text, path shown to the user) of the spec: ``spec`` (a file or the text itself) or the design's spec.md."""
    if isinstance(spec, str) and "\n" in spec:
        return spec, "<spec text>"
    if spec is None:
        docs = [p for p in design.docs if p.suffix == ".md"] or list(design.docs)
        if not docs:
            raise DesignError(f"design {design.name} has no spec document",
                              hint="pass --spec path/to/spec.md, or list it in chipchat.toml: [design] docs = [\"spec.md\"]")
        path = docs[0]
    else:
        path = Path(spec).expanduser()
        if not path.is_file():
            raise ConfigError(f"spec file {spec} does not exist", hint="pass the path of a Markdown spec (--spec spec.md)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"spec file {path} is not UTF-8 text", hint="pass a Markdown or plain-text spec") from None
    return text, design.relpath(path)


def rtl_facts(design: Design) -> tuple[dict[str, tuple[str, int]], dict[str, int | None]]:
    """The top module's ports (direction, width) and parameter values, from the parsed RTL."""
    from chipchat.rtl.load import load_model

    model = load_model(design)
    top = model.modules.get(design.top or "")
    if top is None:
        raise DesignError(f"the top module {design.top!r} was not found in the RTL", hint="set `top` in chipchat.toml")
    params: dict[str, int | None] = {}
    for p in top.parameters:
        try:
            params[p.name] = int(p.value)
        except ValueError:
            params[p.name] = None
    return {p.name: (p.direction, p.width) for p in top.ports}, params


def generate(
    design: DesignArg,
    spec: str | Path | None = None,
    simulator: str | list[str] = "icarus",
    grade: bool = True,
    max_mutants: int = 50,
    *,
    seed: int = 1,
    jobs: int = 0,
    executor: str = "local",
    out: str | Path | None = None,
    llm_rounds: int = 2,
) -> TbgenResult:
    """Extract, generate, run, report disagreements and grade: the typed result."""
    from chipchat.tbgen import llm

    t0 = time.monotonic()
    d = load_design(design)
    names = sims.parse_simulators(simulator)
    text, label = read_spec(d, spec)
    ports, params = rtl_facts(d)
    clocks = [c.port for c in d.clocks]
    model = extract(text, label, ports, params, clocks)
    result = TbgenResult(d.name, label, model)
    result.disagreements += [Disagreement(f.what, "static", f.spec, f.expected, f.observed, "") for f in model.findings]
    period = next((c.period_ns for c in d.clocks if c.port == model.clock), 10.0)
    folder = d.ensure_state_dir() / "tbgen" / (time.strftime("%Y%m%d-%H%M%S") + f"-{d.name}")
    module = f"test_{d.name}_gen"
    if model.clock is not None:
        plan = choose_model(model)
        rendered = render(model, plan, design=d.name, period_ns=period, seed=seed)
        if rendered.tests:
            folder.mkdir(parents=True, exist_ok=True)
            result.file, result.folder, result.tests = str(folder / f"{module}.py"), str(folder), rendered.tests
            Path(result.file).write_text(rendered.source)
            result.model = {"kind": plan.kind, "summary": plan.summary, "checks": plan.checks, "notes": plan.notes} \
                if plan else {}
            for name in names:
                run = _run(d, folder, module, name, seed)
                result.runs[name] = run.to_json()
                result.disagreements += disagreements(run)
    if llm.configured():
        folder.mkdir(parents=True, exist_ok=True)
        result.folder = str(folder)
        outcome = llm.write_tests(d, model, text, result.tests, folder, names[0], rounds=llm_rounds, seed=seed,
                                  period_ns=period)
        result.llm = outcome.to_json()
        result.disagreements += outcome.disagreements
        if outcome.error:
            result.warnings.append(outcome.error)
    if result.folder:
        (folder / "spec.json").write_text(_dumps(result.to_json()))
    if grade and result.usable:
        result.mutation = _grade(d, folder, names[0], max_mutants, seed, jobs, executor, result)
    if out and result.folder:
        _copy_out(folder, Path(out))
    result.wall_s = time.monotonic() - t0
    return result


def generate_testbench(
    design: DesignArg,
    spec: str | None = None,
    simulator: str = "icarus",
    grade: bool = True,
    max_mutants: int = 50,
    *,
    seed: int = 1,
    jobs: int = 0,
    executor: str = "local",
    out: str | None = None,
) -> Answer:
    """Write a cocotb testbench from the design's spec, run it on the RTL and grade it by mutation score.

    Args:
        design: design folder or bundled example name (fifo, mac16, uart_tx, alu8).
        spec: the spec: a Markdown file, or its text (default: the design's spec.md).
        simulator: ``icarus``, ``verilator`` or both (``"icarus,verilator"``); grading uses the first.
        grade: measure the generated tests' mutation score (killed / valid mutants of the RTL).
        max_mutants: mutants for grading, sampled with ``seed``.
        seed: stimulus and sampling seed.
        jobs: parallel mutants (0: one per core).
        executor: ``local`` or ``dask://host:port``.
        out: also copy the generated test module(s) there (a folder, or a .py path).

    Returns:
        An Answer whose ``data`` holds the generated file's path, what was extracted and what was not used
        (with why), the simulation results, every disagreement between spec and RTL with its evidence (spec
        line, expected vs observed, simulator log line) and the mutation score. The testbench is written to
        ``<design>/.chipchat/tbgen/<run>/test_<name>_gen.py``, never into the user's test folder.
    """
    return answer(generate(design, spec, simulator, grade, max_mutants, seed=seed, jobs=jobs, executor=executor,
                           out=out))


def _run(d: Design, folder: Path, module: str, simulator: str, seed: int) -> Any:
    from chipchat.verify.simulate import simulate

    target = dataclasses.replace(d, tests=TestConfig(folder, (module,), (simulator,), d.tests.timeout_s))
    return simulate(target, simulator, modules=[module], seed=seed)


def _grade(d: Design, folder: Path, simulator: str, max_mutants: int, seed: int, jobs: int, executor: str,
           result: TbgenResult) -> dict[str, Any] | None:
    from chipchat.mutate.api import mutate

    try:
        report = mutate(d, folder, simulator, max_mutants, jobs, executor, seed, report_dir=folder / "mutation")
    except DesignError as exc:  # no generated test passes: nothing to grade
        result.warnings.append(f"not graded: {exc.message}")
        return None
    data = report.to_json()
    data["markdown"] = report.markdown()
    return data


def _copy_out(folder: Path, out: Path) -> None:
    files = sorted(folder.glob("test_*.py"))
    if out.suffix == ".py" and len(files) == 1:
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(files[0], out)
        return
    out.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copyfile(f, out / f.name)


def _dumps(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data, indent=2, default=str)


def _extracted(spec: SpecModel) -> dict[str, Any]:
    return {"ports": [p.name for p in spec.ports], "parameters": spec.params, "clock": spec.clock,
            "reset": spec.reset, "reset_values": {k: v for k, (v, _) in spec.resets.items()},
            "tables": [{"title": t.title, "kind": t.kind, "line": t.line, "used_by": t.used_by, "reason": t.reason}
                       for t in spec.tables],
            "rules": [{"line": r.line, "text": r.text, "used_by": r.used_by, "reason": r.reason} for r in spec.rules],
            "names": spec.names}


def answer(result: TbgenResult) -> Answer:
    from chipchat.tbgen.report import render_answer

    return render_answer(result)

