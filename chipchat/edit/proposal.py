"""Proposals on disk: ``<design>/.chipchat/proposals/<id>/``.

A proposal folder holds ``proposal.json`` (the request, what was changed and why, the
SHA-256 of every source file it was made against, its status), ``patch.diff`` (the
unified diff, relative to the design folder), ``evidence.json`` / ``evidence.md`` (the
checks), and after ``apply`` a ``backup/`` of the files it replaced, so it can be undone.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from chipchat.design import Design
from chipchat.errors import ChipChatError, ConfigError
from chipchat.safefs import read_state

PROPOSALS = "proposals"
ID = re.compile(r"[a-z0-9][a-z0-9_.-]{0,80}\Z")
PROPOSED, APPLIED, UNDONE = "proposed", "applied", "undone"


class StaleProposal(ChipChatError):
    """A proposal's source files changed after it was made (or after it was applied)."""


@dataclass
class Proposal:
    id: str
    design: str
    request: str
    engine: str  # the transformation's name, or "llm"
    title: str
    diff: str
    files: dict[str, str]  # design-relative path -> sha256 of the content the diff was made against
    notes: list[str] = field(default_factory=list)
    latency: dict[str, int] = field(default_factory=dict)
    compare: str = "none"
    port_map: dict[str, str] = field(default_factory=dict)
    evidence: dict[str, Any] | None = None
    created: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S"))
    status: str = PROPOSED
    applied: str = ""
    applied_files: dict[str, str | None] = field(default_factory=dict)  # after apply: path -> sha256 (None: deleted)
    llm_rounds: list[dict[str, Any]] = field(default_factory=list)
    root: str = "design"  # design: the diff is relative to the design folder; tests: to its testbench folder
    pair: str = ""  # the proposal this one goes with (a testbench update names its design edit)

    @property
    def build_failed(self) -> bool:
        return bool(self.evidence and self.evidence.get("build_ok") is False)

    def changed_files(self) -> list[str]:
        from chipchat.sandbox.patch import parse_patch

        out: list[str] = []
        for src, dst in parse_patch(self.diff, self.id).paths():
            for p in (src, dst):
                if p and p not in out:
                    out.append(p)
        return out

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Proposal:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


def sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def source_files(design: Design) -> list[str]:
    """Design-relative paths of the files an edit is made against: HDL sources, or the Amaranth package."""
    root = design.root.resolve()
    paths = [Path(p) for p in design.sources]
    if design.amaranth is not None:
        paths += sorted(p for p in design.amaranth.file.parent.rglob("*.py") if ".chipchat" not in p.parts)
    out: list[str] = []
    for p in paths:
        rp = p.resolve()
        if rp.is_relative_to(root):
            rel = rp.relative_to(root).as_posix()
            if rel not in out:
                out.append(rel)
    return out


def fingerprint(design: Design, extra: list[str]) -> dict[str, str]:
    """sha256 of every source file (and of ``extra`` files the diff touches); absent files are left out."""
    out: dict[str, str] = {}
    for rel in [*source_files(design), *extra]:
        h = sha256(design.root / rel)
        if h is not None:
            out[rel] = h
    return out


def new_id(design: Design, slug: str, diff: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-")[:40] or "edit"
    token = hashlib.sha256(f"{diff}{time.time_ns()}".encode()).hexdigest()[:6]
    pid = f"{base}-{token}"
    while (folder(design, pid)).exists():
        token = hashlib.sha256(f"{pid}{time.time_ns()}".encode()).hexdigest()[:6]
        pid = f"{base}-{token}"
    return pid


def store_root(design: Design) -> Path:
    return design.state_dir / PROPOSALS


def folder(design: Design, pid: str) -> Path:
    return store_root(design) / pid


def save(design: Design, proposal: Proposal) -> Path:
    """Write the proposal's folder (atomically per file); returns it."""
    design.ensure_state_dir()
    path = folder(design, proposal.id)
    path.mkdir(parents=True, exist_ok=True)
    _write(path / "patch.diff", proposal.diff)
    _write(path / "proposal.json", json.dumps(proposal.to_json(), indent=2, default=str))
    if proposal.evidence is not None:
        _write(path / "evidence.json", json.dumps(proposal.evidence, indent=2, default=str))
        if proposal.evidence.get("markdown"):
            _write(path / "evidence.md", str(proposal.evidence["markdown"]) + "\n")
    return path


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def all_proposals(design: Design) -> list[Proposal]:
    """Every readable proposal of the design, newest first (damaged folders are skipped)."""
    root = store_root(design)
    found: list[Proposal] = []
    if not root.is_dir():
        return found
    for sub in root.iterdir():
        meta = sub / "proposal.json"
        if meta.is_file():
            try:
                found.append(_read(meta))
            except ConfigError:
                continue
    return sorted(found, key=lambda p: (p.created, p.id), reverse=True)


def load(design: Design, pid: str) -> Proposal:
    """The proposal ``pid``; an unknown id is a :class:`ConfigError` that lists the known ones."""
    if not ID.match(pid) or not (folder(design, pid) / "proposal.json").is_file():
        known = [p.id for p in all_proposals(design)]
        raise ConfigError(
            f"no proposal {pid!r} for design {design.name}",
            hint=("known proposals: " + ", ".join(known[:20])) if known else
            f"there are no proposals yet; make one with `chipchat propose {design.root} \"<request>\"`")
    return _read(folder(design, pid) / "proposal.json")


_TEXT_FIELDS = ("id", "design", "request", "engine", "title", "diff", "compare", "created", "status", "applied")


def _read(path: Path) -> Proposal:
    """A proposal file, checked field by field: a damaged or hand-edited one is a clear error, not a crash."""
    def damaged(what: str) -> ConfigError:
        return ConfigError(f"proposal {path.parent.name} is damaged ({what}): {path}",
                           hint=f"remove the folder {path.parent} (or make the proposal again)")

    try:
        data = json.loads(read_state(path).decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise damaged(f"not readable JSON: {exc}") from None
    if not isinstance(data, dict):
        raise damaged("not a JSON object")
    for key in _TEXT_FIELDS:
        if key in data and not isinstance(data[key], str):
            raise damaged(f"`{key}` is not text")
    for key in ("files", "port_map"):
        if not isinstance(data.get(key, {}), dict) or not all(isinstance(v, str) for v in data.get(key, {}).values()):
            raise damaged(f"`{key}` is not a table of text")
    if not isinstance(data.get("applied_files", {}), dict) or \
            not all(v is None or isinstance(v, str) for v in data.get("applied_files", {}).values()):
        raise damaged("`applied_files` is not a table of hashes")
    if not isinstance(data.get("latency", {}), dict) or \
            not all(isinstance(v, int) and not isinstance(v, bool) for v in data.get("latency", {}).values()):
        raise damaged("`latency` is not a table of numbers")
    if not isinstance(data.get("notes", []), list) or not all(isinstance(v, str) for v in data.get("notes", [])):
        raise damaged("`notes` is not a list of text")
    if not isinstance(data.get("llm_rounds", []), list) or not all(isinstance(v, dict) for v in data.get("llm_rounds", [])):
        raise damaged("`llm_rounds` is not a list of tables")
    if data.get("evidence") is not None and not isinstance(data["evidence"], dict):
        raise damaged("`evidence` is not a table")
    try:
        return Proposal.from_json(data)
    except TypeError as exc:  # a required field is missing
        raise damaged(str(exc)) from None


def base_dir(design: Design, proposal: Proposal) -> Path:
    """The folder the proposal's diff is relative to: the design folder, or its testbench folder."""
    if proposal.root == "tests":
        from chipchat.verify.testbench import tests_dir

        return tests_dir(design)
    return design.root


def confine(design: Design, proposal: Proposal) -> None:
    """A testbench proposal may change only the configured test modules inside the testbench folder."""
    if proposal.root != "tests":
        return
    from chipchat.errors import SandboxViolation
    from chipchat.verify.testbench import resolve_modules

    allowed = {f"{m}.py" for m in resolve_modules(design)}
    outside = [p for p in proposal.changed_files() if p not in allowed]
    if outside:
        raise SandboxViolation(f"testbench proposal {proposal.id} would change {outside[0]}, which is not one of the "
                               f"configured test modules ({', '.join(sorted(allowed))})",
                               hint="a testbench proposal may only change the [tests] modules of chipchat.toml")


def stale_files(design: Design, proposal: Proposal) -> list[str]:
    """Files whose content differs from what the proposal was made against."""
    base = base_dir(design, proposal)
    return [rel for rel, h in proposal.files.items() if sha256(base / rel) != h]
