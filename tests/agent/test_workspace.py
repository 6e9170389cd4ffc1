"""Uploaded design zips are unpacked safely: traversal, absolute paths, symlinks and bombs are rejected."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from chipchat.agent.workspace import ZipLimits, open_design, unpack_zip
from chipchat.errors import ConfigError, DesignError, SandboxViolation


def make_zip(path: Path, members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


@pytest.fixture
def design_zip(tmp_path, design_copy):
    root = design_copy("fifo")
    members = {f"fifo/{p.relative_to(root)}": p.read_bytes() for p in root.rglob("*")
               if p.is_file() and ".chipchat" not in p.parts}
    return make_zip(tmp_path / "fifo.zip", members)


def test_a_good_zip_opens_as_a_design(design_zip, tmp_path):
    folder = unpack_zip(design_zip, tmp_path / "ws")
    assert folder.name == "fifo" and (folder / "rtl" / "fifo.v").is_file()
    assert folder.resolve().is_relative_to((tmp_path / "ws").resolve())
    design = open_design(folder)
    assert design.top == "fifo"


def nothing_left(ws: Path) -> bool:
    return not ws.exists() or not any(ws.rglob("*"))


@pytest.mark.parametrize(("name", "message"), [
    ("../evil.v", "points outside the archive"),
    ("rtl/../../evil.v", "points outside the archive"),
    ("/etc/evil.v", "absolute path"),
    ("C:/evil.v", "absolute path"),
    ("..\\evil.v", "points outside the archive"),
])
def test_escaping_members_are_rejected_and_nothing_is_written(tmp_path, name, message):
    archive = make_zip(tmp_path / "bad.zip", {"ok/rtl/a.v": b"module a; endmodule\n", name: b"x"})
    ws = tmp_path / "ws"
    with pytest.raises(SandboxViolation, match=message):
        unpack_zip(archive, ws)
    assert nothing_left(ws)
    assert not (tmp_path / "evil.v").exists()


def test_symlinks_are_rejected(tmp_path):
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("d/rtl/link.v")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(SandboxViolation, match="is a symlink"):
        unpack_zip(archive, tmp_path / "ws")
    assert nothing_left(tmp_path / "ws")


def test_a_zip_bomb_is_rejected_by_its_ratio(tmp_path):
    archive = make_zip(tmp_path / "bomb.zip", {"d/huge.v": b"\0" * (20 * 1024 * 1024)})
    assert archive.stat().st_size < 100_000
    with pytest.raises(ConfigError, match="zip bomb"):
        unpack_zip(archive, tmp_path / "ws")
    assert nothing_left(tmp_path / "ws")


def test_a_zip_bomb_is_rejected_by_its_total_size(tmp_path):
    members = {f"d/f{i}.v": bytes(range(256)) * 64 for i in range(20)}  # 320 kB, incompressible-ish
    archive = make_zip(tmp_path / "big.zip", members, compression=zipfile.ZIP_STORED)
    with pytest.raises(ConfigError, match="more than the 0 MB allowed"):
        unpack_zip(archive, tmp_path / "ws", ZipLimits(max_total_bytes=100_000))


def test_a_header_that_lies_about_the_size_is_caught(tmp_path):
    archive = make_zip(tmp_path / "liar.zip", {"d/a.v": b"a" * 4096}, compression=zipfile.ZIP_STORED)
    raw = bytearray(archive.read_bytes())
    # shrink the declared size in the central directory (the one zipfile trusts)
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 24:central + 28] = (16).to_bytes(4, "little")
    archive.write_bytes(bytes(raw))
    with pytest.raises(ConfigError, match="expands beyond its declared size|is damaged"):
        unpack_zip(archive, tmp_path / "ws")
    assert nothing_left(tmp_path / "ws")


def test_too_many_members(tmp_path):
    archive = make_zip(tmp_path / "many.zip", {f"d/{i}.v": b"" for i in range(30)})
    with pytest.raises(ConfigError, match="30 members"):
        unpack_zip(archive, tmp_path / "ws", ZipLimits(max_members=10))


def test_not_a_zip(tmp_path):
    fake = tmp_path / "design.zip"
    fake.write_text("not a zip")
    with pytest.raises(ConfigError, match="not a readable zip file"):
        unpack_zip(fake, tmp_path / "ws")


def test_a_zip_without_rtl_says_so(tmp_path):
    folder = unpack_zip(make_zip(tmp_path / "docs.zip", {"d/readme.md": b"# hi\n"}), tmp_path / "ws")
    with pytest.raises(DesignError, match="no RTL sources"):
        open_design(folder)


def test_an_uploaded_config_cannot_name_server_files(tmp_path):
    """S2: an upload's chipchat.toml names files inside the upload only; the folder stays untrusted."""
    toml = b'[design]\nsources = ["rtl/a.v"]\ndocs = ["/etc/passwd", "../../x.md"]\n[tests]\ndir = "/"\n'
    archive = make_zip(tmp_path / "up.zip", {"d/rtl/a.v": b"module a(input x, output y); assign y = x; endmodule\n",
                                             "d/chipchat.toml": toml})
    folder = unpack_zip(archive, tmp_path / "ws")
    design = open_design(folder)  # as the UI opens it: by its path
    assert not design.trusted and design.docs == [] and design.tests.dir is None
    assert any("/etc/passwd left out" in n for n in design.inferred)
    evil = make_zip(tmp_path / "evil.zip", {"e/rtl/a.v": b"module a; endmodule\n",
                                            "e/chipchat.toml": b'[design]\nsources = ["/etc/passwd"]\n'})
    with pytest.raises(SandboxViolation, match="is an absolute path"):
        unpack_zip(evil, tmp_path / "ws2")
    assert nothing_left(tmp_path / "ws2")
