"""Verilator runtime objects: found in the generated makefile, stored once, seeded into new builds."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from chipchat.steps import objcache

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


def test_concurrent_builds_share_the_compilation(tmp_path: Path) -> None:
    main = tmp_path / "verilator.cpp"
    main.write_text("int main() {}")
    cache = tmp_path / "cache"
    compiled: dict[str, list[str]] = {}
    results: dict[str, tuple[list[str], list[str]]] = {}

    def build(name: str) -> None:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "Vtop_classes.mk").write_text(CLASSES)
        (folder / "Vtop.h").write_text("class Vtop {};")
        keys = objcache.keys(folder, str(main), main)

        def compile_objects(names: list[str]) -> bool:
            time.sleep(0.4)  # a compiler at work
            for n in names:
                (folder / n).write_bytes(n.encode())
                (folder / (n[:-2] + ".d")).write_text("x")
            compiled.setdefault(name, []).extend(names)
            return True

        results[name] = objcache.provide(cache, folder, keys, compile_objects, batch=1)

    threads = [threading.Thread(target=build, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = sorted(n for names in compiled.values() for n in names)
    assert everything == ["verilated.o", "verilated_vpi.o", "verilator.o"]  # each compiled exactly once
    assert len(compiled) == 2  # both builds took part
    for name in ("a", "b"):
        seeded, own = results[name]
        assert sorted(seeded + own) == everything
        assert all((tmp_path / name / n).is_file() for n in everything)
    late = fake_build(tmp_path / "late")
    seeded, own = objcache.provide(cache, late, objcache.keys(late, str(main), main), lambda names: False)
    assert own == [] and sorted(seeded) == everything
