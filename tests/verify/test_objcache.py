"""Verilator runtime objects: found in the generated makefile, stored once, seeded into new builds."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from chipchat.verify import objcache

CLASSES = """VM_C11 = 1
VM_TRACE = 1
VM_TRACE_VCD = 1

VM_CLASSES_FAST += \\
  Vtop \\

VM_GLOBAL_FAST += \\
  verilated \\
  verilated_vpi \\

VM_GLOBAL_SLOW += \\

"""


def fake_build(folder: Path, header: str = "class Vtop {};") -> Path:
    folder.mkdir(parents=True)
    (folder / "Vtop_classes.mk").write_text(CLASSES)
    (folder / "Vtop.h").write_text(header)
    for name in ("verilated", "verilated_vpi", "verilator", "Vtop__ALL"):
        (folder / f"{name}.o").write_bytes(name.encode())
        (folder / f"{name}.d").write_text(f"{name}.o: x\n")
    return folder


def test_runtime_objects_come_from_the_generated_makefile(tmp_path: Path) -> None:
    assert objcache.runtime_objects(fake_build(tmp_path / "b")) == ["verilated.o", "verilated_vpi.o"]


def test_store_then_seed_with_fresh_timestamps(tmp_path: Path) -> None:
    main = tmp_path / "verilator.cpp"
    main.write_text("int main() {}")
    first = fake_build(tmp_path / "b1")
    keys = objcache.keys(first, str(main), main)  # any existing file stands in for the tool here
    assert set(keys) == {"verilated.o", "verilated_vpi.o", "verilator.o"}
    cache = tmp_path / "cache"
    assert sorted(objcache.store(cache, first, keys)) == sorted(keys)
    assert objcache.store(cache, first, keys) == []  # already there
    second = tmp_path / "b2"
    second.mkdir()
    (second / "Vtop_classes.mk").write_text(CLASSES)
    (second / "Vtop.h").write_text("class Vtop {};")
    old = time.time() - 3600
    os.utime(second / "Vtop.h", (old, old))
    seeded = objcache.seed(cache, second, objcache.keys(second, str(main), main))
    assert sorted(seeded) == sorted(keys)
    assert (second / "verilated.o").read_bytes() == b"verilated"
    assert (second / "verilated.o").stat().st_mtime > (second / "Vtop.h").stat().st_mtime
    other = fake_build(tmp_path / "b3", header="class Vtop { int port; };")  # other ports: other main object
    assert "verilator.o" not in objcache.seed(tmp_path / "cache", other, objcache.keys(other, str(main), main))


def test_concurrent_builds_compile_the_runtime_once(tmp_path: Path) -> None:
    main = tmp_path / "verilator.cpp"
    main.write_text("int main() {}")
    cache = tmp_path / "cache"
    order: list[str] = []

    def build(name: str, delay: float) -> None:
        time.sleep(delay)
        folder = tmp_path / name
        folder.mkdir()
        (folder / "Vtop_classes.mk").write_text(CLASSES)
        (folder / "Vtop.h").write_text("class Vtop {};")
        keys = objcache.keys(folder, str(main), main)
        with objcache.shared(cache, folder, keys) as seeded:
            order.append(f"{name}:{len(seeded)}")
            if not seeded:  # "compile": takes a while, then store for the others
                time.sleep(0.6)
                for n in keys:
                    (folder / n).write_bytes(n.encode())
                    (folder / (n[:-2] + ".d")).write_text("x")
                objcache.store(cache, folder, keys)

    threads = [threading.Thread(target=build, args=("first", 0.0)), threading.Thread(target=build, args=("late", 0.2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert order == ["first:0", "late:3"]
