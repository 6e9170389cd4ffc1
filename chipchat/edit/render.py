"""Answers for the edit API: a proposal with its diff and evidence, or why there is none."""

from __future__ import annotations

from pathlib import Path

from chipchat.answer import Answer
from chipchat.design import Design
from chipchat.edit.context import TRANSFORMS, Unsupported
from chipchat.edit.proposal import Proposal
from chipchat.edit.transforms import get_transform
from chipchat.types import Citation

MODEL_HINT = ("A language model could write this edit: set CHIPCHAT_LLM_BASE_URL to an OpenAI-compatible "
              "endpoint (e.g. http://127.0.0.1:11434/v1 for Ollama) and CHIPCHAT_LLM_MODEL to its model name; "
              "chipchat then checks the model's edit the same way (parse, lint, tests, timing) and feeds "
              "failures back for repair.")


def covered(design: Design) -> list[str]:
    """One line per transformation available for this design's language, with examples."""
    get_transform("pipeline")  # registers every Verilog transformation
    if design.amaranth is not None:
        from chipchat.edit.amaranth_edit import AMARANTH_EXAMPLES

        return [f"- `{n}` (Amaranth, edits the Python source with `ast`): e.g. \"{e}\""
                for n, e in sorted(AMARANTH_EXAMPLES.items())]
    return [f"- `{t.name}`: {t.summary} — e.g. " + ", ".join(f"\"{e}\"" for e in t.examples)
            for t in TRANSFORMS.values()]


def not_covered_answer(design: Design, request: str, has_model: bool) -> Answer:
    lines = [f"**No built-in transformation covers \"{request}\"** for {design.name}, so no proposal was made "
             "(nothing was written).", "", "Covered offline:", *covered(design), ""]
    lines.append("A language model is configured, but the request was routed to the built-in transformations "
                 "only (engine=transform)." if has_model else MODEL_HINT)
    return Answer(text="\n".join(lines), kind="edit",
                  data={"covered": False, "request": request, "transforms": sorted(TRANSFORMS),
                        "needs": ["CHIPCHAT_LLM_BASE_URL", "CHIPCHAT_LLM_MODEL"]})


def unsupported_answer(design: Design, request: str, exc: Unsupported) -> Answer:
    lines = [f"**Cannot do \"{request}\" on {design.name}:** {exc.reason}. No proposal was made (nothing was written)."]
    lines += [f"- {s}" for s in exc.suggestions]
    return Answer(text="\n".join(lines), kind="edit",
                  data={"covered": True, "applicable": False, "reason": exc.reason, "suggestions": exc.suggestions})


def proposal_answer(design: Design, p: Proposal, folder: Path, citations: list[Citation]) -> Answer:
    ev = p.evidence or {}
    summary = ev.get("summary") or "not checked (propose ran without checks)"
    lines = [f"**Proposal `{p.id}`: {p.title}** — {summary}", ""]
    if p.notes:
        lines += ["What it does:", *(f"- {n}" for n in p.notes), ""]
    lines += ["```diff", p.diff.rstrip("\n"), "```", ""]
    if ev.get("markdown"):
        lines += [ev["markdown"], ""]
    if p.llm_rounds:
        lines.append(f"The model needed {len(p.llm_rounds)} round(s): "
                     + "; ".join(f"round {r['round']}: {(r.get('problem') or 'accepted').splitlines()[0]}"
                                 for r in p.llm_rounds))
        lines.append("")
    if p.status == "proposed":
        refuse = " It does not build, so apply refuses it unless --force." if p.build_failed else ""
        lines.append(f"Nothing was written to your files.{refuse} To apply: `chipchat apply {design.root} {p.id}` "
                     "(asks for confirmation).")
    else:
        lines.append(f"Status: {p.status}" + (f" ({p.applied})" if p.applied else ""))
    runs = sorted({str(v) for k, v in _runs(ev)})
    artifacts = {name: str(folder / name) for name in ("patch.diff", "evidence.md", "evidence.json", "proposal.json")
                 if (folder / name).exists()}
    if (ev.get("tests") or {}).get("report"):
        artifacts["verify_report"] = ev["tests"]["report"]
    return Answer(text="\n".join(lines), citations=list(citations), kind="edit", runs=runs, artifacts=artifacts,
                  data={"proposal_id": p.id, "title": p.title, "diff": p.diff, "evidence": ev, "notes": p.notes,
                        "latency": p.latency, "engine": p.engine, "status": p.status, "folder": str(folder),
                        "build_ok": not p.build_failed, "regression": bool(ev.get("regression"))})


def _runs(ev: dict[str, object]) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    lint = ev.get("lint")
    if isinstance(lint, dict) and lint.get("run_dir"):
        out.append(("lint", lint["run_dir"]))
    timing = ev.get("timing")
    if isinstance(timing, dict):
        for side in ("before", "after"):
            part = timing.get(side)
            if isinstance(part, dict) and part.get("run_dir"):
                out.append((side, part["run_dir"]))
    eq = ev.get("equivalence")
    if isinstance(eq, dict) and eq.get("run_dir"):
        out.append(("equivalence", eq["run_dir"]))
    return out
