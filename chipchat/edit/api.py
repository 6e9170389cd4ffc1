"""Proposed edits as plain typed functions: they back the CLI, the chat UI and the agent.

``propose_edit`` turns a request into a unified diff plus the evidence that it is safe
(parse, lint, the regression, the timing delta, a comparison with the original) and
stores it under ``<design>/.chipchat/proposals/<id>/``. Nothing is written to the
design's own files until ``apply_proposal`` is called with ``confirm=True`` — which only
a user's explicit yes may set.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from typing import Any

from chipchat.answer import Answer
from chipchat.config import settings
from chipchat.design import Design
from chipchat.edit import proposal as store
from chipchat.edit.check import CheckOptions, check_edit
from chipchat.edit.context import Plan, Unsupported
from chipchat.edit.proposal import APPLIED, UNDONE, Proposal, StaleProposal
from chipchat.edit.render import not_covered_answer, proposal_answer, unsupported_answer
from chipchat.edit.request import parse_request
from chipchat.errors import ConfigError
from chipchat.rtl.load import DesignArg, load_design
from chipchat.sandbox.patch import apply_patch, check_paths, diff_edits, parse_patch
from chipchat.steps.simulators import parse_simulators

ENGINES = ("auto", "transform", "model")
TESTBENCH_REQUEST = re.compile(r"(?i)\b(update|fix|adapt|change|adjust)\b.*\b(testbench|tests?|reference model)\b.*"
                               r"\b(latency|pipelin\w*|delay\w*|cycles?)\b|\b(testbench|tests?)\b.*\bfollow\b")


def plan_edit(design: Design, request: str) -> Plan | Unsupported | None:
    """The deterministic transformation for ``request`` (None: no rule matches the request)."""
    match = parse_request(request)
    if match is None:
        return None
    args = dict(match.args)
    if design.amaranth is not None:
        from chipchat.edit.amaranth_edit import run_amaranth

        return run_amaranth(match.transform, design, args)
    from chipchat.edit.context import Context
    from chipchat.edit.transforms import run_transform

    ctx = Context.load(design)
    word = args.pop("word", None)
    if match.transform == "pipeline" and word and ctx.model.find_signal(word):
        args = {"signal": word, **{k: args[k] for k in ("module", "form", "stages") if k in args}}
    return run_transform(match.transform, ctx, args)


def propose_edit(
    design: DesignArg,
    request: str,
    check: bool = True,
    simulators: str | list[str] | tuple[str, ...] = ("icarus",),
    *,
    engine: str = "auto",
    timing: bool = True,
    repair_rounds: int = 2,
) -> Answer:
    """Propose an edit for a request such as "pipeline the multiplier": a unified diff plus its evidence.

    Args:
        design: design folder or bundled example name (mac16, fifo, uart_tx, alu8).
        request: what to change, e.g. "pipeline the multiplier", "rename wr_ptr to wptr",
            "set DEPTH to 32", "register the output full", "add a synchronous reset",
            "make acc 40 bits wide".
        check: gather the evidence (parse, lint, tests, timing, comparison with the original).
        simulators: simulators for the regression (``icarus``, ``verilator``).
        engine: ``auto`` (a built-in transformation when one covers the request, else the
            language model if one is configured), ``transform`` or ``model``.
        timing: include the timing delta (synthesis + STA before and after).
        repair_rounds: with a model, how many times failures are fed back for a repair.

    Returns:
        An Answer whose ``data`` holds ``proposal_id``, ``diff`` and ``evidence``. Nothing is
        written to the design's files; ``apply_proposal`` does that after confirmation.
    """
    d = load_design(design)
    if not request or not request.strip():
        raise ConfigError("the request is empty", hint='say what to change, e.g. "pipeline the multiplier"')
    if TESTBENCH_REQUEST.search(request):
        return update_testbench(d, check=check)
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}", hint="engines: " + ", ".join(ENGINES))
    config = settings()
    sims = tuple(parse_simulators(simulators))
    options = CheckOptions(simulators=sims, timing=timing, jobs=config.jobs, executor=config.executor)
    has_model = config.provider == "openai"
    if engine == "model" and not has_model:
        raise ConfigError("engine 'model' needs a language model",
                          hint="set CHIPCHAT_LLM_BASE_URL (an OpenAI-compatible endpoint) and CHIPCHAT_LLM_MODEL")
    plan = None if engine == "model" else plan_edit(d, request)
    if plan is None and (engine == "model" or (engine == "auto" and has_model)):
        return _propose_with_model(d, request, options, check, repair_rounds)
    if plan is None:
        return not_covered_answer(d, request, has_model)
    if isinstance(plan, Unsupported):
        return unsupported_answer(d, request, plan)
    options.inputs_first = plan.transform == "register_inputs"
    diff, _ = diff_edits(d.root, plan.edits)
    if not diff:
        return unsupported_answer(d, request, Unsupported("the transformation would not change any file"))
    changed = [p for src, dst in parse_patch(diff).paths() for p in (src, dst) if p]
    slug = plan.transform + "-" + (plan.citations[0].label if plan.citations else "")
    p = Proposal(id=store.new_id(d, slug, diff), design=d.name, request=request, engine=plan.transform,
                 title=plan.title, diff=diff, files=store.fingerprint(d, changed), notes=plan.notes,
                 latency=plan.latency, compare=plan.compare, port_map=plan.port_map)
    folder = store.save(d, p)
    if check:
        p.evidence = check_edit(d, diff, folder=folder, latency=plan.latency, compare=plan.compare,
                                port_map=plan.port_map, options=options)
        p.evidence["amaranth"] = d.amaranth is not None
        store.save(d, p)
    return proposal_answer(d, p, folder, plan.citations)


def _propose_with_model(d: Design, request: str, options: CheckOptions, check: bool, rounds: int) -> Answer:
    from chipchat.edit.llm_edit import llm_edit

    config = settings()
    pid = store.new_id(d, "llm", request + str(time.time_ns()))
    folder = store.folder(d, pid)
    folder.mkdir(parents=True, exist_ok=True)
    result = llm_edit(d, request, folder, options, repair_rounds=rounds, settings=config, check=check)
    changed = [p for src, dst in parse_patch(result.diff).paths() for p in (src, dst) if p]
    p = Proposal(id=pid, design=d.name, request=request, engine="llm", title=f"Model edit: {request}",
                 diff=result.diff, files=store.fingerprint(d, changed),
                 notes=[f"written by {config.llm_model} at {config.llm_base_url} in {len(result.rounds)} round(s)"]
                 + ([f"the model says: {result.explanation}"] if result.explanation else []),
                 evidence=result.evidence, llm_rounds=[r.to_json() for r in result.rounds])
    store.save(d, p)
    return proposal_answer(d, p, folder, [])


def apply_proposal(design: DesignArg, proposal_id: str, confirm: bool = False, force: bool = False) -> Answer:
    """Apply a stored proposal to the design's files — only with ``confirm=True`` (the user's explicit yes).

    Refuses a proposal whose source files changed since it was made (stale), and one whose
    evidence shows a build failure unless ``force``. The replaced files are backed up under
    ``.chipchat/proposals/<id>/backup/`` so ``undo_proposal`` can restore them.

    Args:
        design: design folder or bundled example name.
        proposal_id: the id ``propose_edit`` returned (``chipchat proposals`` lists them).
        confirm: must be True to write; without it the answer shows what would change.
        force: apply even though the evidence shows that the edited design does not build.
    """
    d = load_design(design)
    p = store.load(d, proposal_id)
    if p.status == APPLIED:
        raise ConfigError(f"proposal {p.id} is already applied ({p.applied})",
                          hint=f"undo it with `chipchat apply --undo {d.root} {p.id}`")
    stale = store.stale_files(d, p)
    if stale:
        raise StaleProposal(f"stale proposal: {stale[0]} changed since proposal {p.id} was made; re-run propose",
                            hint=f'chipchat propose {d.root} "{p.request}"')
    if p.build_failed and not force:
        first = (p.evidence or {}).get("build_errors", ["the build failed"])[0]
        raise ConfigError(f"proposal {p.id} does not build: {first}",
                          hint="make a new proposal, or apply it anyway with --force (force=True)")
    patch = parse_patch(p.diff, p.id)
    base = store.base_dir(d, p)
    store.confine(d, p)
    changes = apply_patch(patch, base, dry_run=True)
    summary = ", ".join(f"{c.path} (+{c.added} −{c.removed})" for c in changes)
    if not confirm:
        return Answer(
            text=f"**Not applied:** proposal `{p.id}` ({p.title}) would change {summary}. Applying writes to your "
                 f"files, so it needs your explicit confirmation: `chipchat apply {d.root} {p.id} --yes`.\n\n"
                 f"```diff\n{p.diff.rstrip()}\n```",
            kind="edit", data={"applied": False, "needs_confirmation": True, "proposal_id": p.id, "diff": p.diff})
    backup = store.folder(d, p.id) / "backup"
    shutil.rmtree(backup, ignore_errors=True)
    for rel in p.changed_files():
        if (base / rel).is_file():
            (backup / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(base / rel, backup / rel)
    apply_patch(patch, base)
    p.status, p.applied = APPLIED, time.strftime("%Y-%m-%dT%H:%M:%S")
    p.applied_files = {rel: store.sha256(base / rel) for rel in p.changed_files()}
    store.save(d, p)
    warn = [f"the evidence showed: {(p.evidence or {}).get('summary')}"] if p.evidence else \
        ["this proposal was not checked (propose ran with check=False)"]
    where = f"{d.name}'s testbench folder ({base})" if p.root == "tests" else d.name
    return Answer(text=f"**Applied proposal `{p.id}`** ({p.title}) to {where}: {summary}. The originals are "
                       f"backed up in `{backup}`; undo with `chipchat apply --undo {d.root} {p.id}`.",
                  kind="edit", warnings=warn if p.build_failed or not p.evidence else [],
                  data={"applied": True, "proposal_id": p.id, "files": [c.to_json() for c in changes],
                        "backup": str(backup)})


def undo_proposal(design: DesignArg, proposal_id: str, confirm: bool = False) -> Answer:
    """Restore the files an applied proposal changed (needs ``confirm=True``; refuses if they changed since)."""
    d = load_design(design)
    p = store.load(d, proposal_id)
    if p.status != APPLIED:
        raise ConfigError(f"proposal {p.id} is not applied (status: {p.status}), so there is nothing to undo")
    base = store.base_dir(d, p)
    check_paths(parse_patch(p.diff, p.id), base)
    changed = [rel for rel, h in p.applied_files.items() if store.sha256(base / rel) != h]
    backup = store.folder(d, p.id) / "backup"
    if changed:
        raise StaleProposal(f"{changed[0]} changed since proposal {p.id} was applied; undoing would lose that change",
                            hint=f"restore by hand from {backup}")
    if not confirm:
        return Answer(text=f"**Not undone:** restoring {', '.join(p.changed_files())} needs your explicit "
                           f"confirmation: `chipchat apply --undo {d.root} {p.id} --yes`.",
                      kind="edit", data={"undone": False, "needs_confirmation": True, "proposal_id": p.id})
    for rel in p.changed_files():
        saved, target = backup / rel, base / rel
        if saved.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(saved, target)
        else:
            target.unlink(missing_ok=True)
    p.status = UNDONE
    store.save(d, p)
    return Answer(text=f"**Undone:** proposal `{p.id}` ({p.title}); restored {', '.join(p.changed_files())}.",
                  kind="edit", data={"undone": True, "proposal_id": p.id})


def update_testbench(design: DesignArg, proposal_id: str | None = None, check: bool = True) -> Answer:
    """Propose the testbench update that goes with a latency-changing proposal (default: the newest one).

    The testbench's checks of the delayed outputs move later; its stimulus stays as it is. The
    proposal is separate and labelled, its diff is relative to the testbench folder and confined to
    the configured test modules, and it is checked (passes on the edited design, fails on the
    original, same stimulus). Nothing is written until ``apply_proposal`` with ``confirm=True``.

    Args:
        design: design folder or bundled example name.
        proposal_id: the design proposal whose latency the testbench must follow (default: the newest
            proposal that changes a latency).
        check: run the three checks (about three test runs).
    """
    from chipchat.edit.tbproposal import propose_testbench

    d = load_design(design)
    if proposal_id:
        paired = store.load(d, proposal_id)
    else:
        found = [p for p in store.all_proposals(d) if p.root == "design" and any(p.latency.values())
                 and p.status != UNDONE]
        if not found:
            raise ConfigError(f"no proposal of {d.name} changes the latency of an output, so there is nothing for the "
                              "testbench to follow", hint=f'first: chipchat propose {d.root} "pipeline the multiplier"')
        paired = found[0]
    p = propose_testbench(d, paired, check=check)
    folder = store.folder(d, p.id)
    answer = proposal_answer(d, p, folder, [])
    answer.text = (f"_A separate testbench proposal for `{paired.id}` ({paired.title}); its diff is relative to the "
                   f"testbench folder `{store.base_dir(d, p)}` and may only change the configured test modules._\n\n"
                   + answer.text)
    answer.data.update({"testbench": True, "pair": paired.id, "tests_ok": bool((p.evidence or {}).get("ok"))})
    return answer


def list_proposals(design: DesignArg) -> Answer:
    """The design's proposals, newest first: id, status, what they change and their evidence summary."""
    d = load_design(design)
    items = store.all_proposals(d)
    if not items:
        return Answer(text=f"No proposals for {d.name} yet. Make one with `chipchat propose {d.root} \"<request>\"`.",
                      kind="edit", data={"proposals": []})
    rows = ["| id | status | made | change | evidence |", "|---|---|---|---|---|"]
    for p in items:
        ev = (p.evidence or {}).get("summary", "not checked")
        rows.append(f"| `{p.id}` | {p.status} | {p.created} | {p.title} | {ev} |")
    data: list[dict[str, Any]] = [{"id": p.id, "status": p.status, "created": p.created, "title": p.title,
                                   "request": p.request, "engine": p.engine,
                                   "summary": (p.evidence or {}).get("summary"),
                                   "folder": str(store.folder(d, p.id))} for p in items]
    return Answer(text=f"**{len(items)} proposal(s) for {d.name}**\n\n" + "\n".join(rows), kind="edit",
                  data={"proposals": data})


def show_proposal(design: DesignArg, proposal_id: str) -> Answer:
    """One stored proposal: its diff, notes and evidence."""
    d = load_design(design)
    p = store.load(d, proposal_id)
    return proposal_answer(d, p, store.folder(d, p.id), [])


def proposal_folder(design: DesignArg, proposal_id: str) -> Path:
    d = load_design(design)
    return store.folder(d, store.load(d, proposal_id).id)
