"""Sandboxes: a private copy of a design folder in which a patch is applied and checked.

The user's tree is never written: a sandbox lives under the design's own
``.chipchat/sandboxes/`` and is a copy of the design folder (symbolic links are copied as
links, never followed, so a patch cannot write through one to the outside). The design
it yields keeps reading the original testbenches and keeps chipchat's state — run
directories and build caches — in the original design's ``.chipchat/``, so evidence
survives the sandbox and identical sources share one build.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from chipchat.design import STATE_DIR, Design, TestConfig, read_design
from chipchat.errors import DesignError, SandboxViolation
from chipchat.sandbox.patch import FileChange, Patch, apply_patch, check_paths, parse_patch

IGNORE = shutil.ignore_patterns(STATE_DIR, ".git", "__pycache__", "sim_build", "*.pyc")


@dataclass
class SandboxDesign(Design):
    """A design inside a sandbox whose chipchat state lives in the original design's ``.chipchat``."""

    home: Path = field(default_factory=Path)
    origin: Path = field(default_factory=Path)

    @property
    def state_dir(self) -> Path:
        return self.home

    def local(self) -> Design:
        """The same design as a plain :class:`Design` whose chipchat state is the sandbox's own."""
        return Design(**{f.name: getattr(self, f.name) for f in dataclasses.fields(Design)})


class Sandbox:
    """A throw-away copy of ``design``'s folder; use as a context manager or call :meth:`remove`.

    >>> with Sandbox(design, "p1") as box:
    ...     box.apply(patch)
    ...     checked = box.design()
    """

    def __init__(self, design: Design, name: str = "sandbox", *, parent: Path | None = None) -> None:
        self.original = design
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "sandbox"
        base = parent if parent is not None else design.ensure_state_dir() / "sandboxes"
        self.root = base / f"{safe[:60]}-{uuid.uuid4().hex[:8]}"
        self.name = safe
        self.changes: list[FileChange] = []
        base.mkdir(parents=True, exist_ok=True)
        shutil.copytree(design.root, self.root, symlinks=True, ignore=IGNORE)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.remove()

    def apply(self, patch: Patch | str) -> list[FileChange]:
        """Apply a unified diff inside the sandbox (all or nothing; see :func:`apply_patch`)."""
        if isinstance(patch, str):
            patch = parse_patch(patch)
        check_paths(patch, self.root)
        changes = apply_patch(patch, self.root)
        self.changes.extend(changes)
        return changes

    def path(self, rel: str | Path) -> Path:
        """A path inside the sandbox; raises :class:`SandboxViolation` if ``rel`` leaves it."""
        target = (self.root / rel).resolve()
        if not target.is_relative_to(self.root.resolve()):
            raise SandboxViolation(f"{rel} is outside the sandbox {self.root}")
        return target

    def design(self) -> SandboxDesign:
        """The sandboxed copy as a :class:`Design` (re-read, so files a patch adds are seen)."""
        orig = self.original
        try:
            loaded = read_design(self.root)
        except DesignError:
            loaded = _remapped(orig, self.root)
        if loaded.top is None:
            loaded.top = orig.top  # the same RTL, patched: the top the original was given or inferred
        values = {f.name: getattr(loaded, f.name) for f in dataclasses.fields(Design)}
        values["name"] = orig.name
        values["tests"] = _tests_for_sandbox(orig, loaded, self.root)
        return SandboxDesign(**values, home=orig.state_dir, origin=orig.root)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _tests_for_sandbox(orig: Design, loaded: Design, root: Path) -> TestConfig:
    """Testbenches outside the design folder are read from their original place."""
    t = orig.tests
    if t.dir is None:
        return loaded.tests
    if t.dir.resolve().is_relative_to(orig.root.resolve()):
        return dataclasses.replace(t, dir=root / t.dir.resolve().relative_to(orig.root.resolve()))
    return t


def _remapped(orig: Design, root: Path) -> Design:
    """``orig`` with every path inside its folder moved into ``root`` (paths outside kept)."""
    base = orig.root.resolve()

    def move(p: Path) -> Path:
        rp = p.resolve()
        return root / rp.relative_to(base) if rp.is_relative_to(base) else p

    amaranth = orig.amaranth
    if amaranth is not None:
        amaranth = dataclasses.replace(amaranth, file=move(amaranth.file))
    return dataclasses.replace(
        orig, root=root, sources=[move(p) for p in orig.sources],
        include_dirs=[move(p) for p in orig.include_dirs], sdc=move(orig.sdc) if orig.sdc else None,
        docs=[move(p) for p in orig.docs], amaranth=amaranth,
        config_file=move(orig.config_file) if orig.config_file else None)
