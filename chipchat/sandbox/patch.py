"""Unified diffs: parsed by ``unidiff``, every path checked, hunks applied strictly.

Parsing is unidiff's. Application is chipchat's because it must be strict: the context
and removed lines of every hunk must match the file exactly — at the line the hunk
names, or shifted by an offset as ``git apply`` allows, but never with fuzz — so a patch
made against another version of a file is reported as not applying, naming the hunk.

A patch is applied all or nothing: its paths are checked (no absolute paths, no ``..``,
nothing reached through a symbolic link that leaves the root, no symlink creation) and
all of its hunks are matched in memory before a single byte is written.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import unidiff

from chipchat.errors import ChipChatError, SandboxViolation
from chipchat.types import Edit, apply_edits

FORBIDDEN_PARTS = {"..", ".chipchat", ".git"}


class PatchError(ChipChatError):
    """A patch that cannot be used: ``reason`` is ``malformed``, ``binary`` or ``does-not-apply``.

    For a hunk that does not match, ``file`` and ``hunk`` (its ``@@`` header) locate it and
    ``expected``/``found`` hold the lines the hunk wanted and the lines the file has there.
    """

    def __init__(
        self,
        reason: str,
        message: str,
        *,
        file: str | None = None,
        hunk: str | None = None,
        expected: list[str] | None = None,
        found: list[str] | None = None,
        hint: str | None = None,
    ) -> None:
        self.reason = reason
        self.file = file
        self.hunk = hunk
        self.expected = expected or []
        self.found = found or []
        super().__init__(message, hint=hint)

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "message": self.message, "file": self.file, "hunk": self.hunk,
                "expected": self.expected, "found": self.found}


@dataclass(frozen=True)
class FileChange:
    """What a patch does to one file (paths relative to the root the patch applies to)."""

    path: str
    kind: str  # modify | add | delete | rename
    old_path: str | None = None
    hunks: int = 0
    added: int = 0
    removed: int = 0
    offsets: tuple[int, ...] = ()  # per hunk: how far from its stated line it matched

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "old_path": self.old_path, "hunks": self.hunks,
                "added": self.added, "removed": self.removed, "offsets": list(self.offsets)}


@dataclass
class Patch:
    """A parsed unified diff: ``name`` (for reports), its ``text`` and unidiff's file list."""

    name: str
    text: str
    files: list[unidiff.PatchedFile] = field(repr=False)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:16]

    def paths(self) -> list[tuple[str | None, str | None]]:
        """(source, target) of each file, relative; ``None`` for /dev/null."""
        return [_paths(pf) for pf in self.files]


def parse_patch(text: str, name: str = "patch") -> Patch:
    """Parse a unified diff (plain or ``git diff``); raise :class:`PatchError` when it is not one."""
    if "\0" in text:
        raise PatchError("binary", f"{name}: the patch contains NUL bytes (a binary file, not a diff)",
                         hint="pass a text unified diff (`diff -u` or `git diff`)")
    try:
        files = list(unidiff.PatchSet(text))
    except unidiff.UnidiffParseError as exc:
        raise PatchError("malformed", f"{name}: not a valid unified diff: {exc}",
                         hint="regenerate it with `diff -u old new` or `git diff`") from None
    if not files:
        raise PatchError("malformed", f"{name}: no file changes found (no `---`/`+++` headers with hunks)",
                         hint="a unified diff starts with `--- a/path` and `+++ b/path` lines, then `@@` hunks")
    for pf in files:
        src, dst = _paths(pf)
        shown = dst or src or "?"
        if pf.is_binary_file:
            raise PatchError("binary", f"{name}: {shown} is a binary patch; only text diffs can be applied",
                             file=shown, hint="binary files cannot be reviewed as RTL changes; leave them out")
        if "120000" in str(pf.patch_info):
            raise SandboxViolation(f"{name}: {shown}: the patch creates a symbolic link, which is not allowed",
                                   hint="change the file's contents instead")
        if src is None and dst is None:
            raise PatchError("malformed", f"{name}: a file entry has neither a source nor a target path")
        if not len(pf) and not pf.is_rename:
            raise PatchError("malformed", f"{name}: {shown} has no hunks")
    return Patch(name, text, files)


def load_patch(path: str | Path) -> Patch:
    """Read and parse a patch file (its name is the file name without suffix)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise PatchError("malformed", f"patch file {p} does not exist") from None
    except OSError as exc:
        raise PatchError("malformed", f"cannot read patch file {p}: {exc.strerror}") from None
    if b"\0" in raw:
        raise PatchError("binary", f"{p.name}: the file contains NUL bytes (a binary file, not a diff)",
                         hint="pass a text unified diff (`diff -u` or `git diff`)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PatchError("binary", f"{p.name}: the file is not UTF-8 text", hint="pass a text unified diff") from None
    return parse_patch(text, p.stem)


def check_paths(patch: Patch, root: Path) -> None:
    """Raise :class:`SandboxViolation` if any path of ``patch`` could reach outside ``root``."""
    base = root.resolve()
    for src, dst in patch.paths():
        for rel in (src, dst):
            if rel is None:
                continue
            _check_rel(patch.name, rel)
            resolved = (base / rel).resolve()
            if not resolved.is_relative_to(base):
                raise SandboxViolation(
                    f"{patch.name}: {rel} resolves to {resolved}, outside {base} (through a symbolic link)",
                    hint="a patch may only change files inside the design folder")


def apply_patch(patch: Patch | str, root: Path, *, dry_run: bool = False) -> list[FileChange]:
    """Apply ``patch`` under ``root`` — all of it or nothing. Returns what changed.

    Raises :class:`SandboxViolation` (a path leaves ``root``) or :class:`PatchError`
    (malformed, binary, or a hunk whose context does not match) before writing anything.
    """
    if isinstance(patch, str):
        patch = parse_patch(patch)
    check_paths(patch, root)
    base = root.resolve()
    contents: dict[str, list[str] | None] = {}  # relative path -> new lines (None: deleted)
    changes: list[FileChange] = []
    for pf in patch.files:
        src, dst = _paths(pf)
        change, new_lines = _apply_file(patch.name, pf, src, dst, base, contents)
        if src is not None and src != dst:
            contents[src] = None
        if dst is not None:
            contents[dst] = new_lines
        changes.append(change)
    if not dry_run:
        for rel, lines in contents.items():
            target = base / rel
            if lines is None:
                target.unlink(missing_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "w", encoding="utf-8", newline="") as fh:
                    fh.write("".join(lines))
    return changes


def _apply_file(
    name: str, pf: unidiff.PatchedFile, src: str | None, dst: str | None, base: Path,
    contents: dict[str, list[str] | None],
) -> tuple[FileChange, list[str]]:
    shown = dst or src or "?"
    if src is None:
        kind = "add"
        if (dst in contents and contents[dst] is not None) or (dst not in contents and (base / str(dst)).exists()):
            raise PatchError("does-not-apply", f"{name}: {dst} is created by the patch but already exists",
                             file=dst, hint="the patch was made against another version of the design")
        old: list[str] = []
    else:
        kind = "delete" if dst is None else ("rename" if src != dst else "modify")
        old = _read_lines(name, src, base, contents)
    new, offsets, added, removed = _apply_hunks(name, shown, old, pf)
    if kind == "delete" and new:
        raise PatchError("does-not-apply", f"{name}: deleting {src}, but the file has lines the patch does not remove",
                         file=src, hint="the patch was made against another version of the design")
    change = FileChange(path=dst or str(src), kind=kind, old_path=src if kind == "rename" else None,
                        hunks=len(pf), added=added, removed=removed, offsets=tuple(offsets))
    return change, new


def _apply_hunks(name: str, shown: str, old: list[str], pf: unidiff.PatchedFile) -> tuple[list[str], list[int], int, int]:
    out: list[str] = []
    pos = 0
    offsets: list[int] = []
    added = removed = 0
    for hunk in pf:
        want_old, want_new = _hunk_sides(hunk)
        stated = hunk.source_start - 1 if hunk.source_length else hunk.source_start
        at = _find(old, want_old, stated, pos)
        if at is None:
            shown_at = max(0, min(stated, len(old)))
            header = f"@@ -{hunk.source_start},{hunk.source_length} +{hunk.target_start},{hunk.target_length} @@"
            expected = [ln.rstrip("\r\n") for ln in want_old]
            found = [ln.rstrip("\r\n") for ln in old[shown_at:shown_at + max(len(want_old), 1)]]
            raise PatchError(
                "does-not-apply",
                f"{name}: hunk {header} does not apply to {shown}: its context does not match the file"
                + _first_difference(expected, found, shown_at + 1),
                file=shown, hunk=header, expected=expected, found=found,
                hint="the patch was made against another version of the file; regenerate it from the current sources")
        offsets.append(at - stated)
        out.extend(old[pos:at])
        out.extend(want_new)
        pos = at + len(want_old)
        added += hunk.added
        removed += hunk.removed
    out.extend(old[pos:])
    return out, offsets, added, removed


def _first_difference(expected: list[str], found: list[str], first_line: int) -> str:
    for i, want in enumerate(expected):
        have = found[i] if i < len(found) else "<end of file>"
        if want != have:
            return f"\n  line {first_line + i}: the patch expects {want.strip()!r}\n  but the file has {have.strip()!r}"
    return ""


def _hunk_sides(hunk: unidiff.Hunk) -> tuple[list[str], list[str]]:
    """The lines a hunk expects (context + removed) and the lines it leaves (context + added)."""
    old: list[str] = []
    new: list[str] = []
    last: str | None = None
    for line in hunk:
        if line.line_type == "\\":  # "\ No newline at end of file" applies to the line before it
            if last in (" ", "-") and old:
                old[-1] = old[-1].rstrip("\n")
            if last in (" ", "+") and new:
                new[-1] = new[-1].rstrip("\n")
            continue
        if line.line_type in (" ", "-"):
            old.append(line.value)
        if line.line_type in (" ", "+"):
            new.append(line.value)
        last = line.line_type
    return old, new


def _find(lines: list[str], want: list[str], stated: int, lower: int) -> int | None:
    """Where ``want`` occurs in ``lines`` at or after ``lower``, nearest to ``stated``."""
    n = len(want)
    last = len(lines) - n
    if last < lower:
        return None
    if not n:
        return stated if lower <= stated <= len(lines) else None
    for delta in range(0, max(stated - lower, last - stated) + 1):
        for at in (stated - delta, stated + delta):
            if lower <= at <= last and lines[at:at + n] == want:
                return at
    return None


def _read_lines(name: str, rel: str, base: Path, contents: dict[str, list[str] | None]) -> list[str]:
    if rel in contents:
        current = contents[rel]
        if current is None:
            raise PatchError("does-not-apply", f"{name}: {rel} was already deleted earlier in the patch", file=rel)
        return list(current)
    path = base / rel
    if not path.is_file():
        raise PatchError("does-not-apply", f"{name}: {rel} does not exist in the design",
                         file=rel, hint="the patch was made against another version of the design, or another design")
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return fh.read().splitlines(keepends=True)
    except UnicodeDecodeError:
        raise PatchError("binary", f"{name}: {rel} is not a UTF-8 text file", file=rel) from None


def _paths(pf: unidiff.PatchedFile) -> tuple[str | None, str | None]:
    return _strip(pf.source_file, "a/"), _strip(pf.target_file, "b/")


def _strip(path: str | None, prefix: str) -> str | None:
    if path is None:
        return None
    path = path.split("\t", 1)[0].strip()
    if path in ("/dev/null", "dev/null", ""):
        return None
    return path[len(prefix):] if path.startswith(prefix) else path


def _check_rel(name: str, rel: str) -> None:
    if "\0" in rel or "\\" in rel:
        raise SandboxViolation(f"{name}: path {rel!r} contains a NUL byte or a backslash")
    pure = PurePosixPath(rel)
    if pure.is_absolute() or (len(rel) > 1 and rel[1] == ":"):
        raise SandboxViolation(f"{name}: absolute path {rel} in the patch",
                               hint="paths in a patch must be relative to the design folder (a/rtl/x.v)")
    bad = FORBIDDEN_PARTS.intersection(pure.parts)
    if bad:
        raise SandboxViolation(f"{name}: path {rel} contains {sorted(bad)[0]!r}",
                               hint="a patch may only change files inside the design folder")


# -- making patches -------------------------------------------------------------------------

def unified_diff(rel: str, old: str, new: str, context: int = 3) -> str:
    """A ``git diff``-style unified diff of one file (``a/rel`` → ``b/rel``), exact about final newlines."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    out: list[str] = []
    for line in difflib.unified_diff(a, b, f"a/{rel}", f"b/{rel}", n=context):
        if line.startswith(("---", "+++")):
            out.append(line.rstrip("\n") + "\n")
        elif line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)


def diff_edits(root: Path, edits: list[Edit]) -> tuple[str, dict[str, str]]:
    """The unified diff of ``edits`` relative to ``root``, and the new text of each changed file."""
    by_file: dict[str, list[Edit]] = {}
    for e in edits:
        by_file.setdefault(e.file, []).append(e)
    parts: list[str] = []
    new_texts: dict[str, str] = {}
    for file in sorted(by_file):
        path = Path(file)
        rel = path.resolve().relative_to(root.resolve()).as_posix()
        old = path.read_bytes()
        new = apply_edits(old, by_file[file])
        if new != old:
            new_texts[rel] = new.decode("utf-8")
            parts.append(unified_diff(rel, old.decode("utf-8"), new_texts[rel]))
    return "".join(parts), new_texts
