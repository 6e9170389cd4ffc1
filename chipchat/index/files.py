"""Which files the index may read, and the shape its manifest must have.

A file is indexed only if it is a regular file with a UTF-8 name, not empty, not binary and
not larger than MAX_FILE_BYTES; anything else is skipped with the reason. A manifest that does
not have the expected shape (a damaged or hand-edited one) is rebuilt, never trusted.
"""

from __future__ import annotations

from pathlib import Path

from chipchat import safefs

MAX_FILE_BYTES = 20 * 1024 * 1024


def _human_size(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{size / 2**10:.0f} kB"


def unreadable(path: Path) -> str:
    """Why a file cannot be indexed (empty, binary, huge, unreadable), or ``""``."""
    if not safefs.utf8_name(path):
        return "its file name is not UTF-8 (rename it to index it)"
    reason = safefs.not_regular_reason(path)
    if reason:
        return reason
    try:
        size = path.stat().st_size
        if size == 0:
            return "empty file"
        if size > MAX_FILE_BYTES:
            return f"{_human_size(size)} is larger than the {_human_size(MAX_FILE_BYTES)} limit for indexing"
        head = safefs.read_regular(path, 8192)
        if b"\0" in head:
            line = head.count(b"\n", 0, head.index(b"\0")) + 1
            return f"binary file (a NUL byte on line {line})"
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    return ""


def check_manifest(data: object) -> None:
    """Raise ``ValueError`` unless ``data`` has the manifest's shape (a damaged or hand-edited one is rebuilt)."""
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise ValueError("bad manifest")
    for rel, entry in data["files"].items():
        if not (isinstance(entry, dict) and isinstance(entry.get("hash"), str) and isinstance(entry.get("kind"), str)
                and isinstance(entry.get("chunks"), list) and all(isinstance(c, str) for c in entry["chunks"])):
            raise ValueError(f"bad manifest entry for {rel}")
    skipped = data.setdefault("skipped", {})
    if not isinstance(skipped, dict) or not all(isinstance(v, str) for v in skipped.values()):
        raise ValueError("bad manifest: skipped")
