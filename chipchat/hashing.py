"""Content digests: the keys of every cache chipchat keeps (steps, builds, the model, the index, proposals).

A cache is only as good as its key: :func:`digest` hashes files by their bytes (plus their
path), so an edit anywhere invalidates exactly what depends on it, and the same sources in
another folder (a sandbox) can reuse a build when the caller hashes content only
(:func:`file_digest`). Files are read in blocks (a 1 GB source costs time, never 1 GB of
memory), and only regular files are read: a FIFO or a device hashes as a marker, never blocks.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any


def digest(*parts: Any) -> str:
    """A stable short hash of strings, bytes, paths (by content) and JSON-able values."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, Path):
            h.update(os.fsencode(part))
            _update_with_file(h, part)
        elif isinstance(part, bytes):
            h.update(part)
        else:
            h.update(json.dumps(jsonable(part), sort_keys=True).encode())
        h.update(b"\0")
    return h.hexdigest()[:20]


def file_digest(path: Path, length: int = 64) -> str:
    """The sha256 of a file's bytes (hex, ``length`` characters), read in blocks.

    ``OSError`` when ``path`` is not a regular file (a FIFO would block a plain read forever).
    """
    h = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(f"{path} is not a regular file")
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:length]


def _update_with_file(h: Any, path: Path) -> None:
    """Feed a file's bytes (in blocks) into ``h``; a missing or non-regular file feeds a marker."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except (OSError, ValueError):
        h.update(b"<missing>")
        return
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            h.update(b"<not a regular file>")
            return
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)


def text_digest(text: str | bytes, length: int = 64) -> str:
    """The sha256 of a string or bytes (hex, ``length`` characters)."""
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()[:length]


def jsonable(value: Any) -> Any:
    """``value`` as JSON can carry it: paths and unknown objects as strings, tuples and sets as lists."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
