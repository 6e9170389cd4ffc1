"""File-system access that neither follows links out of chipchat's state nor blocks on odd files.

Two rules, used wherever chipchat reads a user's file or writes its own state:

- **Regular files only.** A FIFO, a device or a socket named as a source, a filelist or a
  ``chipchat.toml`` would block a read forever (or never end: ``/dev/zero``). :func:`is_regular`
  and :func:`read_regular` check ``S_ISREG`` first; the open itself is non-blocking, so even a
  FIFO that appears between the check and the read cannot hang chipchat.
- **The state folder holds no way out.** ``<design>/.chipchat`` is where chipchat writes on its
  own. A ``.chipchat`` that is a symbolic link or a file is refused with a clear error
  (:func:`state_dir`). Inside it, the first time a process touches it, every symbolic link that
  leads outside the folder and every non-regular file is removed, and chipchat's own folders
  (``index/``, ``cache/``, ``runs/`` …) replaced by files — or its files replaced by folders — are
  cleared so they are rebuilt (:func:`clean_state`). Files there are written by
  :func:`write_atomic`: a fresh temporary created with ``O_EXCL | O_NOFOLLOW``, then renamed over
  the target, so a planted link is replaced, never written through.
"""

from __future__ import annotations

import os
import shutil
import stat
import threading
import uuid
from pathlib import Path

from chipchat.errors import DesignError

STATE_DIR = ".chipchat"
STATE_FOLDERS = frozenset({"index", "cache", "runs", "sandboxes", "proposals", "chat", "mutate", "verify",
                           "tbgen", "amaranth"})
STATE_FILES = frozenset({".gitignore", "model.json", "index.lock"})
_cleaned: set[str] = set()
_cleaned_lock = threading.Lock()


def kind_of(mode: int) -> str:
    """A file type in words, for messages."""
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return name
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def is_regular(path: str | Path) -> bool:
    """True when ``path`` (links followed) is a regular file; False for anything else or an error."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def not_regular_reason(path: str | Path) -> str:
    """Why ``path`` cannot be read as a file ("does not exist", "is a FIFO (named pipe)" …), or ``""``."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "does not exist"
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    except ValueError:
        return "is not a valid path"
    return "" if stat.S_ISREG(mode) else f"is {kind_of(mode)}, not a regular file"


def read_regular(path: str | Path, limit: int | None = None) -> bytes:
    """The bytes of a regular file; ``OSError`` for anything else (never blocks on a FIFO or a device).

    ``limit``: read at most this many bytes.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(f"{path} is {kind_of(mode)}, not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read() if limit is None else fh.read(limit)
    finally:
        os.close(fd)


def utf8_name(path: str | Path) -> bool:
    """False for a file name that is not valid UTF-8 (Python carries it with surrogate escapes)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown(path: str | Path) -> str:
    """A path for a message, with undecodable bytes shown as ``\\xff`` escapes."""
    return os.fsencode(path).decode("utf-8", errors="backslashreplace")


# -- chipchat's state folder ---------------------------------------------------------------------

def state_dir(root: Path) -> Path:
    """``<root>/.chipchat`` (not created), checked and cleaned (see :func:`clean_state`).

    Raises :class:`DesignError` when ``.chipchat`` is a symbolic link or not a folder.
    """
    path = root / STATE_DIR
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise DesignError(f"cannot use {path}: {exc.strerror}", hint="check the permissions of the design folder") from None
    if stat.S_ISLNK(mode):
        raise DesignError(f"{path} is a symbolic link; chipchat keeps its state in that folder and does not follow "
                          "links out of the design", hint=f"remove the link (`rm {path}`); chipchat recreates the folder")
    if not stat.S_ISDIR(mode):
        raise DesignError(f"{path} is {kind_of(mode)}, not chipchat's state folder",
                          hint=f"remove or rename it (`rm {path}`); chipchat creates the folder it needs there")
    key = str(path)
    with _cleaned_lock:
        if key not in _cleaned:
            clean_state(path)
            _cleaned.add(key)
    return path


def ensure_state_dir(root: Path) -> Path:
    """Create ``<root>/.chipchat`` (with a ``.gitignore`` of ``*``) if needed, never through a link."""
    path = state_dir(root)
    try:
        path.mkdir(exist_ok=True)
    except FileExistsError:
        pass
    path = state_dir(root)  # a race that put a link or a file there is caught here
    gitignore = path / ".gitignore"
    if not os.path.lexists(gitignore):
        try:
            write_atomic(gitignore, "*\n")
        except OSError:
            pass  # a read-only folder: the ignore file is a courtesy
    return path


def clean_state(path: Path) -> None:
    """Remove what could lead chipchat out of its state folder or trip it up there.

    Symbolic links whose target is outside the folder, FIFOs, sockets and devices are
    removed anywhere in it (``sandboxes/`` excepted: they are copies of the design, links and
    all, and chipchat never writes into an existing one). chipchat's own folders replaced by
    files and its own files replaced by folders are removed, so they are rebuilt.
    """
    base = path.resolve()
    try:
        entries = list(os.scandir(path))
    except OSError:
        return
    for entry in entries:
        target = Path(entry.path)
        if entry.is_symlink():
            _drop_link_if_outside(target, base)
            continue
        is_dir, is_file = entry.is_dir(follow_symlinks=False), entry.is_file(follow_symlinks=False)
        if (entry.name in STATE_FOLDERS and not is_dir) or (entry.name in STATE_FILES and not is_file):
            _remove(target)
        elif is_dir and entry.name != "sandboxes":
            _clean_tree(target, base)
        elif not is_dir and not is_file:
            _remove(target)


def _clean_tree(folder: Path, base: Path) -> None:
    stack = [folder]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:  # DirEntry answers from the directory listing: no stat per file
            if entry.is_symlink():
                _drop_link_if_outside(Path(entry.path), base)
            elif entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
            elif not entry.is_file(follow_symlinks=False):
                _remove(Path(entry.path))


def _drop_link_if_outside(link: Path, base: Path) -> None:
    try:
        inside = link.resolve().is_relative_to(base)
    except (OSError, RuntimeError):  # a loop
        inside = False
    if not inside:
        _remove(link)


def _remove(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise DesignError(f"cannot clear {path} in chipchat's state folder: {exc.strerror}",
                          hint=f"remove it by hand (`rm -r {path}`)") from None


def forget_cleaned() -> None:
    """Clean every state folder again on its next use (tests; a long-lived process after a restore)."""
    with _cleaned_lock:
        _cleaned.clear()


def ensure_folder(path: Path) -> Path:
    """``path`` as a real folder: created with its parents, and a link or a file where it should be is replaced.

    Meant for folders inside chipchat's state folder, where chipchat owns every name.
    """
    try:
        mode = os.lstat(path).st_mode
        if stat.S_ISDIR(mode):
            return path
        _remove(path)
    except (FileNotFoundError, NotADirectoryError):  # not there, or a parent is a file (replaced below)
        pass
    if not path.parent.is_dir() or path.parent.is_symlink():
        ensure_folder(path.parent)
    try:
        path.mkdir()
    except FileExistsError:
        if not path.is_dir() or path.is_symlink():
            raise
    return path


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a fresh temporary file and a rename: never through a link there."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        with os.fdopen(fd, "wb", closefd=False) as fh:
            fh.write(raw)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    try:
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        if path.is_dir() and not path.is_symlink():  # a folder where our file belongs: ours to clear
            shutil.rmtree(path, ignore_errors=True)
            write_atomic(path, raw)
            return
        raise


def read_state(path: Path) -> bytes:
    """A file of chipchat's state: never through a link, never a FIFO or device (``OSError`` then)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(f"{path} is {kind_of(mode)}, not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read()
    finally:
        os.close(fd)
