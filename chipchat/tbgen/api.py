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
from pathlib import Path
from typing import Any

from chipchat.answer import Answer
from chipchat.design import Design, TestConfig
from chipchat.errors import ConfigError, DesignError
from chipchat.rtl.load import DesignArg, load_design
from chipchat.steps import simulators as sims
from chipchat.tbgen import combgen, plan, seqbuild
from chipchat.tbgen.codegen import render
from chipchat.tbgen.evidence import Disagreement, disagreements
from chipchat.tbgen.models import ModelPlan
from chipchat.tbgen.report import render_answer
from chipchat.tbgen.result import TbgenResult
from chipchat.tbgen.spec import SpecModel, extract


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


def rtl_facts(design: Design) -> tuple[dict[str, tuple[str, int, int]], dict[str, int | None]]:
    """The top module's ports (direction, width, low index) and parameter values, from the parsed RTL."""
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
    return {p.name: (p.direction, p.width, _lsb(p.type)) for p in top.ports}, params


def _lsb(type_text: str) -> int:
    """The low index of a declared range (``logic[4:1]`` → 1); 0 without one."""
    import re

    m = re.search(r"\[\s*(\d+)\s*:\s*(\d+)\s*\]", type_text)
    return min(int(m.group(1)), int(m.group(2))) if m else 0


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
    chosen = plan.choose(model)
    source, tests, summary = _render(d, model, chosen, period, seed)
    plan.finish(model)
    if tests:
        folder.mkdir(parents=True, exist_ok=True)
        result.file, result.folder, result.tests = str(folder / f"{module}.py"), str(folder), tests
        Path(result.file).write_text(source)
        result.model = summary
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


def _render(d: Design, spec: SpecModel, chosen: combgen.CombPlan | ModelPlan | None, period: float,
            seed: int) -> tuple[str, list[str], dict[str, Any]]:
    """(test module source, test names, model summary) for the chosen plan."""
    if isinstance(chosen, combgen.CombPlan):
        ins = {p.name: max(p.width, 1) for p in spec.inputs()}
        held = {}
        if spec.clock:
            held[spec.clock] = 0
        if spec.reset:
            held[spec.reset[0]] = 1 - spec.reset[1]
        drive = {k: v for k, v in ins.items() if k not in held}
        outs = {p.name: max(p.width, 1) for p in spec.outputs()}
        source = combgen.render(chosen, spec_path=spec.path, design=d.name, inputs=drive, outputs=outs, held=held,
                                seed=seed)
        return source, ["test_combinational"], {"kind": chosen.kind, "summary": chosen.summary,
                                                 "checks": chosen.checks, "notes": chosen.notes,
                                                 "timing": "combinational"}
    if spec.clock is None:
        return "", [], {}
    rendered = render(spec, chosen, design=d.name, period_ns=period, seed=seed)
    extra, listing_tests = seqbuild.clocked_listings(spec)
    summary = {"kind": chosen.kind, "summary": chosen.summary, "checks": chosen.checks, "notes": chosen.notes,
               "timing": f"clocked ({spec.clock_edge} edge)"} if chosen else {}
    return rendered.source + extra, rendered.tests + listing_tests, summary


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


def answer(result: TbgenResult) -> Answer:
    return render_answer(result)

