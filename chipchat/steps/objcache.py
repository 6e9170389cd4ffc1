"""Reuse Verilator's runtime objects between builds.

Every Verilator model links the same runtime (``verilated.o``, ``verilated_vpi.o``,
tracing …) and cocotb's ``verilator.o`` main, which only depends on the model's
``Vtop.h``. Compiling them is most of a small design's build (~15 of ~23 s here), yet
they only change with the Verilator version and the build switches. This cache keeps
them per key and seeds new build folders with them, so ``make`` compiles only the model;
builds running at the same time share the work of compiling a runtime nobody has yet.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

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


def provide(
    cache: Path,
    build_dir: Path,
    object_keys: dict[str, str],
    compile_objects: Callable[[list[str]], bool],
    *,
    batch: int = 1,
    wait_s: float = 900.0,
) -> tuple[list[str], list[str]]:
    """Put every object of ``object_keys`` into ``build_dir``: from the cache, or compiled here.

    Objects are claimed one lock each, ``batch`` at a time (as many as this build compiles
    in parallel), so concurrent builds that miss the same runtime share its compilation:
    each compiles what nobody else has claimed, stores it, and seeds the rest when they
    appear. Returns (seeded, compiled). A failed compile stops early; ``make`` then reports it.
    """
    seeded: list[str] = []
    compiled: list[str] = []
    pending = dict(object_keys)
    deadline = time.monotonic() + wait_s
    while pending:
        for name in seed(cache, build_dir, pending):
            seeded.append(name)
            pending.pop(name)
        if not pending:
            break
        with _claim(cache, pending, batch) as claimed:
            if claimed:
                late = seed(cache, build_dir, {n: pending[n] for n in claimed})  # stored meanwhile
                seeded += late
                todo = [n for n in claimed if n not in late]
                ok = not todo or compile_objects(todo)
                if todo and ok:
                    store(cache, build_dir, {n: object_keys[n] for n in todo})
                    compiled += todo
                for name in claimed:
                    pending.pop(name)
                if not ok:
                    break
                continue
        if time.monotonic() > deadline:
            break  # whoever holds the locks is stuck: make compiles the rest itself
        time.sleep(0.2)
    return seeded, compiled


@contextmanager
def _claim(cache: Path, pending: dict[str, str], batch: int) -> Iterator[list[str]]:
    """Lock up to ``batch`` of the pending objects that no other build is compiling."""
    cache.mkdir(parents=True, exist_ok=True)
    held: list[tuple[str, IO[str]]] = []
    try:
        for name, key in pending.items():
            if len(held) >= max(1, batch):
                break
            lock: IO[str] = open(cache / f".lock-{key}", "w")  # noqa: SIM115 - open while the lock is held
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.close()
                continue
            held.append((name, lock))
        yield [name for name, _ in held]
    finally:
        for _, lock in held:
            lock.close()  # closing releases the lock


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
