"""Reuse Verilator's runtime objects between builds.

Every Verilator model links the same runtime (``verilated.o``, ``verilated_vpi.o``,
tracing …) and cocotb's ``verilator.o`` main, which only depends on the model's
``Vtop.h``. Compiling them is most of a small design's build (~15 of ~23 s here), yet
they only change with the Verilator version and the build switches. This cache keeps
them per key and seeds new build folders with them, so ``make`` compiles only the model.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PREFIX = "Vtop"
SWITCH = re.compile(r"^(VM_[A-Z0-9_]+)\s*=\s*(\S*)\s*$", re.M)
GLOBAL_LIST = re.compile(r"^VM_GLOBAL_(?:FAST|SLOW)\s*\+=\s*\\\n((?:[ \t]+\S+ \\\n)*)", re.M)


def _hash(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode())
        h.update(b"\0")
    return h.hexdigest()[:20]


def runtime_objects(build_dir: Path) -> list[str]:
    """Names of the runtime objects (``verilated*.o``) the generated makefile links."""
    classes = (build_dir / f"{PREFIX}_classes.mk").read_text()
    names: list[str] = []
    for block in GLOBAL_LIST.findall(classes):
        names.extend(n.strip().rstrip("\\").strip() + ".o" for n in block.splitlines() if n.strip(" \t\\"))
    return names


def keys(build_dir: Path, verilator: str, main_cpp: Path) -> dict[str, str]:
    """Cache key of each reusable object of a verilated (not yet compiled) build folder."""
    classes = (build_dir / f"{PREFIX}_classes.mk").read_text()
    switches = ";".join(f"{k}={v}" for k, v in SWITCH.findall(classes))
    env = ";".join(f"{k}={os.environ.get(k, '')}" for k in ("CXX", "CXXFLAGS", "CPPFLAGS", "OPT_FAST", "OPT_GLOBAL"))
    base = _hash(verilator, str(Path(verilator).resolve().stat().st_mtime_ns), switches, env)
    out = {name: _hash(base, name) for name in runtime_objects(build_dir)}
    header = build_dir / f"{PREFIX}.h"
    if header.is_file() and main_cpp.is_file():
        out[main_cpp.stem + ".o"] = _hash(base, header.read_bytes(), main_cpp.read_bytes())
    return out


def seed(cache: Path, build_dir: Path, object_keys: dict[str, str]) -> list[str]:
    """Copy cached objects (and their .d files) into ``build_dir``; returns the names seeded.

    They are stamped with the current time so ``make`` sees them newer than the freshly
    generated makefile and headers (their contents are already keyed on what matters).
    """
    seeded: list[str] = []
    now = time.time()
    for name, key in object_keys.items():
        entry = cache / key
        obj, dep = entry / name, entry / (name[:-2] + ".d")
        if obj.is_file() and dep.is_file():
            for src in (obj, dep):
                dst = build_dir / src.name
                shutil.copyfile(src, dst)
                os.utime(dst, (now, now))
            seeded.append(name)
    return seeded


@contextmanager
def shared(cache: Path, build_dir: Path, object_keys: dict[str, str], *, wait_s: float = 900.0) -> Iterator[list[str]]:
    """Seed ``build_dir``; if objects are missing, compile them at most once across processes.

    The first build that misses holds a lock while it compiles (and, inside this block,
    stores) them; a concurrent build of the same objects waits for that lock and then
    seeds from the cache instead of compiling the same runtime again.
    """
    seeded = seed(cache, build_dir, object_keys)
    missing = sorted(object_keys[n] for n in object_keys if n not in seeded)
    if not missing:
        yield seeded
        return
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / f".lock-{_hash(*missing)}", "w") as lock:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    break  # compile them ourselves rather than wait forever
                time.sleep(0.2)
        yield seed(cache, build_dir, object_keys)


def store(cache: Path, build_dir: Path, object_keys: dict[str, str]) -> list[str]:
    """Keep the objects of a successful build for later builds; returns the names stored."""
    stored: list[str] = []
    for name, key in object_keys.items():
        entry = cache / key
        obj, dep = build_dir / name, build_dir / (name[:-2] + ".d")
        if entry.exists() or not (obj.is_file() and dep.is_file()):
            continue
        tmp = cache / f".tmp-{uuid.uuid4().hex}"
        tmp.mkdir(parents=True)
        shutil.copyfile(obj, tmp / name)
        shutil.copyfile(dep, tmp / dep.name)
        try:
            tmp.rename(entry)
            stored.append(name)
        except OSError:  # another build stored the same key first
            shutil.rmtree(tmp, ignore_errors=True)
    return stored
