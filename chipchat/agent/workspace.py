"""Open a design for a conversation: a folder path, or an uploaded zip unpacked safely.

Every member of an uploaded zip is checked before anything is written: no absolute
paths, no ``..``, no symlinks or device files, and no zip bomb (a cap on the total
uncompressed size, on the number of members, and on the compression ratio). The
extraction then counts the bytes it really writes, so a header that lies about sizes
is caught too. A rejected archive leaves nothing behind.
"""

from __future__ import annotations

import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from chipchat.design import Design, read_design
from chipchat.errors import ChipChatError, ConfigError, SandboxViolation
from chipchat.rtl.load import load_design


@dataclass(frozen=True)
class ZipLimits:
    max_total_bytes: int = 200 * 1024 * 1024  # uncompressed
    max_members: int = 20000
    max_ratio: float = 100.0  # uncompressed / compressed, over the archive and per large member
    ratio_floor_bytes: int = 1024 * 1024  # below this, ratios are not judged (tiny files compress oddly)


def open_design(path: str | Path) -> Design:
    """A design from a folder (or a bundled example name), with a clear error when it cannot be used."""
    return load_design(str(path).strip())


def check_zip(archive: zipfile.ZipFile, limits: ZipLimits = ZipLimits()) -> list[zipfile.ZipInfo]:
    """The members to extract, or an exception naming the first unsafe one."""
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise ConfigError(f"the zip has {len(infos)} members, more than the {limits.max_members} allowed",
                          hint="zip only the design folder (RTL, constraints, spec, tests)")
    total = packed = 0
    for info in infos:
        name = info.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        if name.startswith("/") or (len(name) > 1 and name[1] == ":") or not parts:
            raise SandboxViolation(f"zip member {info.filename!r} has an absolute path; rejected",
                                   hint="zip the design folder with relative paths")
        if ".." in parts:
            raise SandboxViolation(f"zip member {info.filename!r} points outside the archive (`..`); rejected",
                                   hint="zip the design folder with relative paths")
        kind_bits = stat.S_IFMT(info.external_attr >> 16)  # 0 when the archiver recorded no file type
        if kind_bits not in (0, stat.S_IFREG, stat.S_IFDIR):
            kind = "a symlink" if kind_bits == stat.S_IFLNK else "not a regular file"
            raise SandboxViolation(f"zip member {info.filename!r} is {kind}; rejected",
                                   hint="zip regular files only (copy the files a link points to)")
        total += info.file_size
        packed += info.compress_size
        if info.file_size >= limits.ratio_floor_bytes and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise ConfigError(f"zip member {info.filename!r} expands {info.file_size / max(info.compress_size, 1):.0f}"
                              f"-fold ({info.file_size} bytes): a zip bomb? rejected",
                              hint=f"a design archive compresses at most ~{limits.max_ratio:g}-fold")
    if total > limits.max_total_bytes:
        raise ConfigError(f"the zip expands to {total / 1e6:.0f} MB, more than the "
                          f"{limits.max_total_bytes / 1e6:.0f} MB allowed: a zip bomb? rejected",
                          hint="zip only the design folder (RTL, constraints, spec, tests)")
    if total >= limits.ratio_floor_bytes and total > limits.max_ratio * max(packed, 1):
        raise ConfigError(f"the zip expands {total / max(packed, 1):.0f}-fold: a zip bomb? rejected",
                          hint=f"a design archive compresses at most ~{limits.max_ratio:g}-fold")
    return infos


def unpack_zip(zip_path: str | Path, workspace: str | Path | None = None,
               limits: ZipLimits = ZipLimits()) -> Path:
    """Unpack an uploaded design zip into a fresh folder under ``workspace`` (default: the temp dir).

    Returns the design folder: the archive's single top-level folder, or the unpacked root.
    """
    src = Path(zip_path)
    try:
        archive = zipfile.ZipFile(src)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ConfigError(f"{src.name} is not a readable zip file ({exc})",
                          hint="upload a .zip of the design folder") from None
    base = Path(workspace) if workspace else Path(tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    dest = Path(tempfile.mkdtemp(prefix="chipchat-design-", dir=base))
    try:
        with archive:
            infos = check_zip(archive, limits)
            budget = limits.max_total_bytes
            for info in infos:
                target = dest.joinpath(*PurePosixPath(info.filename.replace("\\", "/")).parts)
                if not target.resolve().is_relative_to(dest.resolve()):
                    raise SandboxViolation(f"zip member {info.filename!r} escapes the workspace; rejected")
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                written = 0
                with archive.open(info) as fin, open(target, "wb") as fout:
                    while chunk := fin.read(1 << 16):
                        written += len(chunk)
                        if written > info.file_size or written > budget:
                            raise ConfigError(f"zip member {info.filename!r} expands beyond its declared size: "
                                              "a zip bomb? rejected")
                        fout.write(chunk)
                budget -= written
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        shutil.rmtree(dest, ignore_errors=True)
        raise ConfigError(f"{src.name} is damaged ({exc}); nothing was unpacked",
                          hint="zip the design folder again") from None
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    entries = [p for p in dest.iterdir() if not p.name.startswith(("__MACOSX", "."))]
    folder = entries[0] if len(entries) == 1 and entries[0].is_dir() else dest
    try:  # an upload is untrusted: every path its chipchat.toml names must stay inside it
        read_design(folder, trusted=False)
    except SandboxViolation:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    except ChipChatError:
        pass  # not a usable design (no RTL …): opening it says so
    return folder
