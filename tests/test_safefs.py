"""chipchat's state folder holds no way out, and odd files never block a read (issue 16, S4)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from chipchat import safefs
from chipchat.errors import DesignError
from chipchat.rtl.load import load_design, load_model

RTL = "module top(input a, output b);\n  assign b = a;\nendmodule\n"


@pytest.fixture
def design(tmp_path: Path) -> Path:
    root = tmp_path / "d"
    root.mkdir()
    (root / "top.v").write_text(RTL)
    return root


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


def test_a_state_folder_that_is_a_link_or_a_file_is_refused(design: Path, outside: Path) -> None:
    (design / ".chipchat").symlink_to(outside, target_is_directory=True)
    with pytest.raises(DesignError, match="is a symbolic link"):
        load_design(design).ensure_state_dir()
    with pytest.raises(DesignError, match="symbolic link"):
        load_model(load_design(design))
    assert list(outside.iterdir()) == []
    (design / ".chipchat").unlink()
    (design / ".chipchat").write_text("not a folder")
    with pytest.raises(DesignError, match="a regular file, not chipchat's state folder"):
        load_model(load_design(design))


def test_links_out_and_odd_files_are_removed_and_own_names_rebuilt(design: Path, outside: Path) -> None:
    state = design / ".chipchat"
    state.mkdir()
    (state / ".gitignore").symlink_to(outside / "written-through")  # dangling: a write would create it
    (state / "index").write_text("a file where a folder belongs")
    (state / "runs").write_text("x")
    (state / "model.json").mkdir()
    (state / "cache").mkdir()
    (state / "cache" / "step-key.json").symlink_to(outside / "victim")
    (state / "cache" / "inside").symlink_to(state / "runs")  # a link inside the folder is harmless: kept
    os.mkfifo(state / "cache" / "pipe")
    (state / "sandboxes").mkdir()
    (state / "sandboxes" / "copy-link").symlink_to(outside)  # sandboxes are copies of the design: left alone
    safefs.forget_cleaned()
    d = load_design(design)
    model = load_model(d)
    assert model.top == "top"
    d.ensure_state_dir()
    assert (state / ".gitignore").read_text() == "*\n" and not (state / ".gitignore").is_symlink()
    assert not (outside / "written-through").exists() and not (outside / "victim").exists()
    assert (state / "model.json").is_file()
    assert not (state / "index").exists() and not (state / "runs").exists()
    assert not os.path.lexists(state / "cache" / "step-key.json") and not os.path.lexists(state / "cache" / "pipe")
    assert (state / "cache" / "inside").is_symlink()
    assert (state / "sandboxes" / "copy-link").is_symlink()


def test_write_atomic_replaces_a_planted_link_instead_of_writing_through_it(tmp_path: Path, outside: Path) -> None:
    victim = outside / "victim.txt"
    victim.write_text("original")
    link = tmp_path / "manifest.json"
    link.symlink_to(victim)
    safefs.write_atomic(link, "new")
    assert victim.read_text() == "original"
    assert not link.is_symlink() and link.read_text() == "new"
    folder = tmp_path / "was-a-folder.json"
    folder.mkdir()
    safefs.write_atomic(folder, b"ok")
    assert folder.read_bytes() == b"ok"


def test_reading_a_fifo_never_blocks(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.v"
    os.mkfifo(fifo)
    done: list[str] = []

    def read() -> None:
        try:
            safefs.read_regular(fifo)
        except OSError as exc:
            done.append(str(exc))

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(5)
    assert done and "FIFO" in done[0]
    assert safefs.not_regular_reason(fifo) == "is a FIFO (named pipe), not a regular file"
    assert not safefs.is_regular(fifo)
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "x")
    with pytest.raises(OSError):
        safefs.read_state(link)  # never through a link, even to a regular file
    (tmp_path / "x").write_text("x")
    with pytest.raises(OSError):
        safefs.read_state(link)


def test_ensure_folder_replaces_a_file_or_a_link(tmp_path: Path, outside: Path) -> None:
    (tmp_path / "a").write_text("file")
    assert safefs.ensure_folder(tmp_path / "a" / "b").is_dir()
    (tmp_path / "c").symlink_to(outside, target_is_directory=True)
    made = safefs.ensure_folder(tmp_path / "c")
    assert made.is_dir() and not made.is_symlink() and list(outside.iterdir()) == []


def test_clean_state_is_fast_on_a_large_cache(design: Path) -> None:
    cache = design / ".chipchat" / "cache" / "builds"
    for i in range(50):
        (cache / f"b{i}").mkdir(parents=True)
        for j in range(100):
            (cache / f"b{i}" / f"f{j}.o").write_bytes(b"")
    safefs.forget_cleaned()
    t0 = time.monotonic()
    safefs.state_dir(design)
    assert time.monotonic() - t0 < 2.0
