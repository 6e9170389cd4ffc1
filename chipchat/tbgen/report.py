"""The answer to "write a testbench from this spec": what was made, what failed, what was not used."""

from __future__ import annotations

from chipchat.answer import Answer
from chipchat.tbgen.result import LOOKED_FOR, MODEL_NEEDS, TbgenResult
from chipchat.types import Citation

MAX_LISTED = 40


def _cite(where: str, label: str) -> Citation | None:
    file, _, line = where.rpartition(":")
    return Citation(file, int(line), 0, label=label) if file and line.isdigit() else None


def render_answer(result: TbgenResult) -> Answer:
    spec = result.spec
    data = result.to_json()
    answer = Answer(text="", kind="tbgen", data=data, warnings=list(result.warnings))
    lines: list[str] = []
    if not result.usable:
        lines += [f"**No testbench generated for {result.design}**: {spec.path} has no structure chipchat can turn "
                  "into checks offline.", "", "Looked for:"]
        lines += [f"- {item}" for item in LOOKED_FOR]
        reset = f"{spec.reset[0]} (active {'high' if spec.reset[1] else 'low'}" + \
            (f", {spec.reset_info.kind})" if spec.reset_info and spec.reset_info.kind else ")") if spec.reset else "none"
        lines += ["", f"Found: {len(spec.ports)} ports from {spec.port_source or 'nowhere'}; clock "
                      f"{spec.clock or 'none (combinational)'}; reset {reset}; {len(spec.tables)} table(s) or "
                      f"diagram(s), {len(spec.paragraphs)} paragraph(s), {len(spec.rules)} When/then rule(s)."]
        unused = spec.unused()
        lines += [f"- {u['what']} (`{u['where']}`): {u['reason']}" for u in unused[:MAX_LISTED]]
        if len(unused) > MAX_LISTED:
            lines.append(f"- … and {len(unused) - MAX_LISTED} more (all in the JSON's `not_used`)")
        lines += ["", MODEL_NEEDS]
        if result.llm:
            lines += ["", _llm_text(result.llm)]
        answer.text = "\n".join(line for line in lines if line is not None)
        return answer
    if result.file:
        lines.append(f"**Generated cocotb testbench for {result.design}** from `{spec.path}`: `{result.file}` "
                     f"({len(result.tests)} tests)")
        answer.artifacts["testbench"] = result.file
    model = result.model
    lines.append("Reference model: " + (f"{model['kind']} — {model['summary']}; predicts "
                                         f"{', '.join(model['checks'])} every cycle" if model else
                                         "none (no table the spec gives supports one); checks come from rules and "
                                         "tables directly"))
    for note in (model or {}).get("notes", []):
        lines.append(f"  - not modelled: {note}")
    for sim, run in result.runs.items():
        lines.append(f"On {sim}: {run['summary']}" + (f" ({run['error']})" if run.get("error") else ""))
    if result.llm:
        lines.append(_llm_text(result.llm))
    mutation = result.mutation
    if mutation is not None:
        score = "n/a" if mutation["score"] is None else f"{100 * mutation['score']:.1f}%"
        lines.append(f"Mutation score of the generated tests: {mutation['killed']}/{mutation['valid']} = {score} "
                     f"({mutation['mutants']} mutants on {mutation['simulator']}; report `{mutation['files'].get('markdown', '')}`)")
        survivors = [r for r in mutation["results"] if r["status"] == "survived"]
        for r in survivors[:12]:
            m = r["mutant"]
            lines.append(f"  - survived: {m['id']} `{m['file']}:{m['line']}` {m['description']}")
            answer.citations.append(Citation(m["file"], m["line"], 0, label=f"{m['id']} survived"))
    dis = result.disagreements
    if dis:
        lines += ["", f"**Disagreements between the spec and the RTL ({len(dis)})** — a generated check failed "
                      "on the RTL; either the spec or the RTL is wrong:"]
        for d in dis:
            lines.append(d.line())
            c = _cite(d.source.split(" ")[0], d.test)
            if c is not None:
                answer.citations.append(c)
    else:
        lines += ["", "No disagreement between the spec and the RTL: every generated check passes."]
    used_tables = [t for t in spec.tables if t.used_by]
    used_rules = [r for r in spec.rules if r.used_by]
    used_prose = [t for t in spec.paragraphs if t.used_by]
    lines += ["", f"Used: {len(used_tables)} of {len(spec.tables)} tables or diagrams, {len(used_prose)} of "
                  f"{len(spec.paragraphs)} paragraphs, {len(used_rules)} of {len(spec.rules)} rules "
                  f"(ports from {spec.port_source or 'nowhere'})."]
    for t in used_tables:
        lines.append(f"- table '{t.title}' (`{spec.where(t.line)}`): {', '.join(t.used_by)}")
    for r in used_rules:
        lines.append(f"- rule `{spec.where(r.line)}` '{r.text[:70]}…': {'; '.join(r.used_by)}")
    unused = spec.unused()
    if unused:
        lines += ["", f"Not used ({len(unused)}):"]
        if len(unused) > MAX_LISTED:
            lines.append(f"- (the first {MAX_LISTED}; all {len(unused)} are in the JSON's `not_used`)")
        for u in unused[:MAX_LISTED]:
            lines.append(f"- {u['what']} (`{u['where']}`): {u['reason']}")
            c = _cite(u["where"], "not used")
            if c is not None:
                answer.citations.append(c)
    answer.text = "\n".join(lines)
    return answer


def _llm_text(llm: dict[str, object]) -> str:
    if llm.get("error"):
        return f"Language model: {llm['error']}"
    passing, failing = llm.get("passing") or [], llm.get("failing") or []
    return (f"Language-model tests `{llm['file']}`: {len(passing)} pass, {len(failing)} fail after "  # type: ignore[arg-type]
            f"{llm['rounds']} model call(s)" + (f" (still failing: {', '.join(failing)})" if failing else ""))  # type: ignore[arg-type]
