"""Tool functions that belong to the conversation layer.

Most of the agent's tools are the library's own functions (``chipchat.qa``,
``chipchat.timing.api``, ``chipchat.verify.api`` ...). These few add what a
conversation needs on top of them: the n-th worst path for follow-ups, a design
summary with the spec's introduction, patch files named relative to the design,
and the two halves of applying (and undoing) an edit — ``prepare_apply``/``prepare_undo``
(the only halves a model can call: they never write) and ``confirm_apply``/``confirm_undo``
(called by the UI buttons or the terminal after the user's explicit confirmation).
"""

from __future__ import annotations

import glob
import re
import threading
from pathlib import Path
from typing import Any

from chipchat.answer import Answer
from chipchat.design import Design
from chipchat.edit import api as edit_api
from chipchat.errors import ConfigError, SandboxViolation
from chipchat.types import Citation


def summarize_design(design: Design, module: str | None = None) -> Answer:
    """What a module (default: the top) is: ports, parameters, state, blocks, plus the spec's introduction.

    Args:
        module: the module to summarize; default the design's top module.
    """
    from chipchat.qa.structure import summarize_module

    ans = summarize_module(design, module)
    spec = [d for d in design.docs if d.suffix == ".md"]
    if spec and module in (None, design.top):
        paragraphs = spec[0].read_text(encoding="utf-8", errors="replace").strip().split("\n\n")
        intro = next((p for p in paragraphs if p.strip() and not p.lstrip().startswith("#")), "")
        if intro:
            ans.text += f"\n\nFrom {design.relpath(spec[0])}:\n> " + " ".join(intro.split())[:600]
            ans.citations.append(Citation(design.relpath(spec[0]), 1, 0, label="spec"))
    return ans


def search_design(design: Design, question: str) -> Answer:
    """Find where something is in the design's sources and documents (hybrid lexical + semantic search).

    Args:
        question: what to look for, in words or with signal names ("where is the write pointer wrapped?").
    """
    from chipchat.qa.search import search_answer

    index, lock = _index(design)
    with lock:
        return search_answer(design, question, index=index)


def warm_index(design: Design) -> None:
    """Build or refresh the design's search index (the chat's warm-up does this in the background)."""
    index, lock = _index(design)
    with lock:
        index.update()


_INDEXES: dict[str, tuple[Any, threading.Lock]] = {}
_INDEXES_LOCK = threading.Lock()


def _index(design: Design) -> tuple[Any, threading.Lock]:
    """One index object per design folder (its embedding model loads once per process) and its lock."""
    from chipchat.config import settings
    from chipchat.index.store import DesignIndex

    key = f"{design.root}|{settings().embeddings}"
    with _INDEXES_LOCK:
        if key not in _INDEXES:
            _INDEXES[key] = (DesignIndex(design), threading.Lock())
        return _INDEXES[key]


def nth_worst_path(design: Design, rank: int = 2, clock_period_ns: float | None = None) -> Answer:
    """Explain the rank-th worst timing path (rank 1 is the worst): RTL statements, delay shares, fixes.

    Args:
        rank: which path, counting from the worst (1 = worst, 2 = second-worst ...).
        clock_period_ns: what-if clock period in ns (default: the design's SDC clock).
    """
    from chipchat.timing.api import explain_path, timing_report

    if not 1 <= rank <= 1000:
        raise ConfigError(f"path rank must be between 1 and 1000, got {rank}")
    report = timing_report(design, clock_period_ns=clock_period_ns, paths=max(rank, 5))
    paths = report.data.get("paths", [])
    if len(paths) < rank:
        report.text = (f"The design has only {len(paths)} constrained path(s) with distinct endpoints, "
                       f"so there is no path #{rank}.\n\n" + report.text)
        return report
    chosen = paths[rank - 1]
    ans = explain_path(design, to=chosen["endpoint"], clock_period_ns=clock_period_ns)
    head = (f"**Path #{rank} of the {len(paths)} worst:** `{chosen['startpoint']}` → `{chosen['endpoint']}`, "
            f"slack {chosen['slack']:.3f} ns (arrival {chosen['arrival']:.3f} ns, required "
            f"{chosen['required']:.3f} ns).")
    worst = paths[0]
    if rank > 1:
        head += (f" For comparison, path #1 (`{worst['startpoint']}` → `{worst['endpoint']}`) has slack "
                 f"{worst['slack']:.3f} ns.")
    ans.text = head + "\n\n" + ans.text.replace("Worst path into", f"Path #{rank}: worst path into", 1)
    ans.data["rank"] = rank
    ans.data["path"] = chosen
    ans.data["paths"] = paths
    ans.runs = list(dict.fromkeys([*ans.runs, *report.runs]))
    return ans


def resolve_patches(design: Design, patches: list[str]) -> list[Path]:
    """Patch files named relative to the design folder (globs allowed); never outside it."""
    root = design.root.resolve()
    found: list[Path] = []
    for name in patches:
        pattern = name if Path(name).is_absolute() else str(root / name)
        matches = sorted(Path(p).resolve() for p in glob.glob(pattern)) or [Path(pattern).resolve()]
        for path in matches:
            if not path.is_relative_to(root):
                raise SandboxViolation(f"patch {name} is outside the design folder {root}",
                                       hint="copy the patch files into the design folder and name them from there")
            if not path.is_file():
                raise ConfigError(f"no patch file {design.relpath(path)} in {root}",
                                  hint="name .diff/.patch files relative to the design folder, e.g. patches/a.diff")
            found.append(path)
    if not found:
        raise ConfigError("no patches named", hint="name .diff files relative to the design folder")
    return found


def verify_patch_files(design: Design, patches: list[str], simulators: str = "icarus") -> Answer:
    """Verify patch files: apply each in a sandbox, lint, build and run every test against the baseline.

    Args:
        patches: unified diff files relative to the design folder (globs allowed, e.g. ``patches/*.diff``).
        simulators: ``icarus``, ``verilator`` or ``icarus,verilator``.
    """
    from chipchat.verify.api import verify_patches

    files: list[str | Path] = list(resolve_patches(design, patches))
    return verify_patches(design, files, simulators)


def prepare_apply(design: Design, proposal_id: str) -> Answer:
    """Prepare applying a checked proposal: show its diff and checks. This never writes any file.

    Writing happens only when the user confirms: the *Apply* button in the chat UI and its
    inline confirmation, or ``/apply ID`` and a "y" in the terminal chat.

    Args:
        proposal_id: the id of a proposal from propose_edit or list_proposals.
    """
    ans = edit_api.apply_proposal(design, proposal_id, confirm=False, force=False)
    pid = str(ans.data.get("proposal_id") or proposal_id)
    ans.data["awaiting_confirmation"] = pid
    head = ans.text.split("\n\n", 1)[0]
    m = re.search(r"would change (.+?)\. Applying", head)
    title = re.search(r"\(([^)]*)\) would change", head)
    ans.text = (f"**Proposal `{pid}` is ready to apply** — {title.group(1) if title else 'the proposed change'}: it "
                f"changes {m.group(1) if m else 'the design'}. **Nothing was written yet:** applying writes to your "
                "files, so you confirm it yourself — *Apply* below this message in the chat UI, or `/apply " + pid +
                "` in `chipchat chat`.\n\n" + ans.text.split("\n\n", 1)[-1])
    return ans


def confirm_apply(design: Design, proposal_id: str, force: bool = False) -> Answer:
    """Write a proposal to the user's files. Called only by the UI/terminal after the user confirmed."""
    return edit_api.apply_proposal(design, proposal_id, confirm=True, force=force)


def prepare_undo(design: Design, proposal_id: str) -> Answer:
    """Prepare undoing an applied proposal: say which files it would restore. This never writes any file.

    Restoring happens only when the user confirms: the *Undo* button in the chat UI and its
    inline confirmation, or ``/undo ID`` and a "y" in the terminal chat.

    Args:
        proposal_id: the id of an applied proposal (list_proposals shows the statuses).
    """
    ans = edit_api.undo_proposal(design, proposal_id, confirm=False)
    pid = str(ans.data.get("proposal_id") or proposal_id)
    ans.data["awaiting_undo"] = pid
    ans.text = (ans.text.split(" needs your explicit confirmation", 1)[0] + " needs your confirmation."
                "\n\n**Nothing was written yet.** Confirm it yourself: *Undo* below this message in the chat UI, "
                "or `/undo " + pid + "` in `chipchat chat`.")
    return ans


def confirm_undo(design: Design, proposal_id: str) -> Answer:
    """Restore the files of an applied proposal. Called only by the UI/terminal after the user confirmed."""
    return edit_api.undo_proposal(design, proposal_id, confirm=True)
