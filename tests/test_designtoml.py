"""chipchat.toml and filelists: typed errors, paths that stay inside an uploaded design, no hangs (issue 16)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from chipchat.design import read_design
from chipchat.errors import ConfigError, DesignError, SandboxViolation
from chipchat.rtl.load import load_design

RTL = "module top(input clk, input a, output b);\n  assign b = a;\nendmodule\n"


def make(root: Path, toml: str | None = None) -> Path:
    (root / "rtl").mkdir(parents=True, exist_ok=True)
    (root / "rtl" / "top.v").write_text(RTL)
    if toml is not None:
        (root / "chipchat.toml").write_text(toml)
    return root


@pytest.mark.parametrize(("toml", "message"), [
    ('[design]\nsources = ["rtl/top.v"]\n[tests]\ntimeout_s = "x"\n', r"\[tests\] `timeout_s` must be a number, got a string"),
    ('[design]\nsources = ["rtl/top.v"]\n[tests]\ntimeout_s = true\n', "must be a number, got a boolean"),
    ('[design]\nsources = 5\n', "`sources` must be a list of strings, got an integer"),
    ('[design]\nsources = ["rtl/top.v"]\ntop = 3\n', "`top` must be a string, got an integer"),
    ('[design]\nsources = ["rtl/top.v"]\nname = ["x"]\n', "`name` must be a string"),
    ('[design]\nsources = ["rtl/top.v"]\ndefines = "X"\n', "`defines` must be a table"),
    ('[design]\nsources = ["rtl/top.v"]\ndefines = {A = [1]}\n', "`defines.A` must be a string or a number"),
    ('[design]\nsources = ["rtl/top.v"]\nparameters = 4\n', "`parameters` must be a table"),
    ('[design]\nsources = ["rtl/top.v"]\nplatform = {}\n', "`platform` must be a string"),
    ('[design]\nsources = ["rtl/top.v"]\nsdc = 1\n', "`sdc` must be a string"),
    ('clocks = 3\n[design]\nsources = ["rtl/top.v"]\n', "`clocks` must be an array"),
    ('[design]\nsources = ["rtl/top.v"]\n[[clocks]]\nport = 1\n', "needs `port` \\(a string\\)"),
    ('[design]\nsources = ["rtl/top.v"]\n[[clocks]]\nport = "clk"\nperiod_ns = "fast"\n', "`period_ns` must be a number"),
    ('[design]\nsources = ["rtl/top.v"]\n[tests]\ndir = 7\n', "`dir` must be a string"),
    ('[design]\nsources = ["rtl/top.v"]\n[tests]\nmodules = "t"\nsimulators = [1]\n', "`simulators` must be a list"),
    ('[design]\nsources = ["rtl/top.v"]\n[amaranth]\nfile = 1\nelaboratable = "X"\n', "`file` must be a string"),
    ('design = 3\n', "`design` must be a table"),
])
def test_wrong_types_are_config_errors_that_name_the_key(tmp_path: Path, toml: str, message: str) -> None:
    make(tmp_path, toml)
    with pytest.raises(ConfigError, match=message):
        load_design(tmp_path)


def test_chipchat_toml_that_is_a_folder_or_a_fifo(tmp_path: Path) -> None:
    make(tmp_path)
    (tmp_path / "chipchat.toml").mkdir()
    with pytest.raises(ConfigError, match="chipchat.toml is a folder, not a regular file"):
        load_design(tmp_path)
    (tmp_path / "chipchat.toml").rmdir()
    os.mkfifo(tmp_path / "chipchat.toml")
    with pytest.raises(ConfigError, match="FIFO"):
        _within(5, lambda: load_design(tmp_path))


def _within(seconds: float, fn) -> None:  # noqa: ANN001 - the call under test
    """Run ``fn`` in a thread; fail if it blocks (a FIFO read) instead of raising."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            fn()
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome.append(exc)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    assert outcome, f"blocked for more than {seconds} s"
    if outcome[0] is not None:
        raise outcome[0]


def test_fifo_in_a_filelist_or_as_a_source_is_an_error_not_a_hang(tmp_path: Path) -> None:
    make(tmp_path, '[design]\nsources = ["files.f"]\n')
    os.mkfifo(tmp_path / "rtl" / "pipe.v")
    (tmp_path / "files.f").write_text("rtl/top.v\nrtl/pipe.v\n")
    with pytest.raises(DesignError, match=r"files.f:2: file rtl/pipe.v named in the filelist is a FIFO"):
        _within(5, lambda: load_design(tmp_path))
    (tmp_path / "files.f").unlink()
    os.mkfifo(tmp_path / "files.f")
    with pytest.raises(DesignError, match="filelist .* is a FIFO"):
        _within(5, lambda: load_design(tmp_path))
    (tmp_path / "chipchat.toml").write_text('[design]\nsources = ["rtl/*.v"]\ndocs = ["rtl/pipe.v"]\n')
    d = _loaded(tmp_path)
    assert [p.name for p in d.sources] == ["top.v"] and d.docs == []  # a glob and docs skip what cannot be read
    (tmp_path / "chipchat.toml").unlink()
    assert [p.name for p in _loaded(tmp_path).sources] == ["top.v"]  # inferred: the FIFO is not a source


def _loaded(root: Path):  # noqa: ANN202
    out = []
    _within(10, lambda: out.append(load_design(root)))
    return out[0]


def test_a_folder_named_like_a_glob_pattern(tmp_path: Path) -> None:
    root = make(tmp_path / "g[1]", '[design]\nsources = ["rtl/*.v"]\n')
    d = load_design(root)
    assert [p.name for p in d.sources] == ["top.v"] and d.top == "top"


def test_non_utf8_file_names_are_skipped_with_a_note(tmp_path: Path) -> None:
    make(tmp_path)
    bad = os.fsdecode(b"bad\xff.v")
    (tmp_path / bad).write_text("module other; endmodule\n")
    d = load_design(tmp_path)
    assert [p.name for p in d.sources] == ["top.v"]
    assert any("bad\\xff.v" in n and "not UTF-8" in n for n in d.inferred)
    only = tmp_path / "only"
    only.mkdir()
    (only / bad).write_text(RTL)
    with pytest.raises(DesignError, match=r"no RTL sources .*bad\\xff.v: its file name is not UTF-8"):
        load_design(only)


def test_unreadable_links_and_the_file_system_root(tmp_path: Path) -> None:
    make(tmp_path)
    (tmp_path / "rtl" / "dangling.v").symlink_to(tmp_path / "nowhere.v")
    (tmp_path / "rtl" / "loop.v").symlink_to(tmp_path / "rtl" / "loop.v")
    (tmp_path / "rtl" / "proc.v").symlink_to("/proc/1/cwd")  # EACCES for root in a container
    assert [p.name for p in load_design(tmp_path).sources] == ["top.v"]
    with pytest.raises(DesignError, match="the root of the file system"):
        read_design("/")


UPLOAD_ESCAPES = [
    ('docs = ["/etc/passwd"]', None),
    ('docs = ["../secret.md"]', None),
    ('include_dirs = ["/etc"]', None),
    ('sources = ["/etc/*"]', "is an absolute path"),
    ('sources = ["../outside.v"]', "climbs out with `..`"),
    ('sources = ["~/x.v"]', "is an absolute path"),
    ('sources = ["link.v"]', "leads outside the design folder"),
    ('sdc = "/etc/passwd"', "is an absolute path"),
    ('platform = "/etc/passwd"', "is an absolute path"),
    ('sources = ["files.f"]', "is an absolute path"),
]


@pytest.mark.parametrize(("line", "error"), UPLOAD_ESCAPES)
def test_an_untrusted_design_names_only_files_inside_it(tmp_path: Path, line: str, error: str | None) -> None:
    (tmp_path / "secret.md").write_text("# secret\n")
    (tmp_path / "outside.v").write_text("module outside; endmodule\n")
    root = make(tmp_path / "up")
    (root / "link.v").symlink_to(tmp_path / "outside.v")
    (root / "files.f").write_text("rtl/top.v\n/etc/hosts\n")
    sources = "" if line.startswith("sources") else 'sources = ["rtl/top.v"]\n'
    (root / "chipchat.toml").write_text(f"[design]\n{sources}{line}\n")
    trusted = read_design(root) if error is None or "link" in error else None
    if error is None:
        d = read_design(root, trusted=False)
        assert not d.docs and not d.include_dirs and not d.trusted
        assert any("outside the uploaded design folder" in n for n in d.inferred)
        assert trusted is not None and trusted.trusted
    else:
        with pytest.raises(SandboxViolation, match=error):
            read_design(root, trusted=False)


def test_tests_dir_outside_an_upload_is_left_out_and_the_folder_stays_untrusted(tmp_path: Path) -> None:
    root = make(tmp_path / "up2", '[design]\nsources = ["rtl/top.v"]\n[tests]\ndir = "/"\nmodules = ["t"]\n')
    d = read_design(root, trusted=False)
    assert d.tests.dir is None
    again = load_design(str(root))  # how the UI opens it afterwards: by its path
    assert not again.trusted and again.tests.dir is None
    local = make(tmp_path / "local", '[design]\nsources = ["rtl/top.v"]\n[tests]\ndir = "/"\n')
    assert load_design(local).tests.dir == Path("/")  # a design of the user's own: as written
