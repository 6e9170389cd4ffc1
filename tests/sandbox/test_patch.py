"""Strict unified-diff application: exact context, all or nothing, nothing outside the root."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from chipchat.errors import SandboxViolation
from chipchat.sandbox.patch import PatchError, apply_patch, check_paths, load_patch, parse_patch

RTL = "".join(f"line {i}\n" for i in range(1, 41))


def udiff(old: str, new: str, path: str = "rtl/x.v") -> str:
    return "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), f"a/{path}", f"b/{path}"))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "rtl").mkdir()
    (tmp_path / "rtl" / "x.v").write_text(RTL)
    return tmp_path


def test_applies_a_difflib_patch_and_reports_the_change(root: Path) -> None:
    new = RTL.replace("line 10\n", "line ten\n").replace("line 30\n", "")
    changes = apply_patch(udiff(RTL, new), root)
    assert (root / "rtl" / "x.v").read_text() == new
    assert len(changes) == 1
    c = changes[0]
    assert (c.path, c.kind, c.hunks, c.added, c.removed, c.offsets) == ("rtl/x.v", "modify", 2, 1, 2, (0, 0))


def test_shifted_lines_apply_at_an_offset_with_exact_context(root: Path) -> None:
    patch = udiff(RTL, RTL.replace("line 20\n", "line twenty\n"))
    (root / "rtl" / "x.v").write_text("extra\nextra\nextra\n" + RTL)
    changes = apply_patch(patch, root)
    assert changes[0].offsets == (3,)
    assert "line twenty\n" in (root / "rtl" / "x.v").read_text()


def test_patch_against_another_file_version_names_the_failing_hunk(root: Path) -> None:
    patch = udiff(RTL, RTL.replace("line 5\n", "line five\n").replace("line 25\n", "line 25 changed\n"))
    edited = RTL.replace("line 24\n", "line 24 edited by someone else\n")
    (root / "rtl" / "x.v").write_text(edited)
    with pytest.raises(PatchError) as info:
        apply_patch(patch, root)
    err = info.value
    assert err.reason == "does-not-apply"
    assert err.file == "rtl/x.v"
    assert err.hunk is not None and err.hunk.startswith("@@ -22,7 +22,7 @@")
    assert "line 24" in err.expected and "line 24 edited by someone else" in err.found
    assert "line 24 edited by someone else" in str(err)
    # all or nothing: the first hunk (which matched) was not written either
    assert (root / "rtl" / "x.v").read_text() == edited


def test_multi_file_patch_is_all_or_nothing(root: Path) -> None:
    (root / "rtl" / "y.v").write_text("alpha\nbeta\n")
    good = udiff(RTL, RTL.replace("line 1\n", "line one\n"))
    bad = udiff("alpha\nGAMMA\n", "alpha\ndelta\n", "rtl/y.v")
    with pytest.raises(PatchError):
        apply_patch(good + bad, root)
    assert (root / "rtl" / "x.v").read_text() == RTL


@pytest.mark.parametrize("text", [
    "hello, this is not a diff\n",
    "--- a/rtl/x.v\n+++ b/rtl/x.v\n@@ -1,3 +1,3 @@\n line 1\n-line 2\n",  # hunk shorter than declared
    "",
])
def test_malformed_diff_is_a_clear_error(text: str) -> None:
    with pytest.raises(PatchError) as info:
        parse_patch(text, "p")
    assert info.value.reason == "malformed"
    assert "diff" in str(info.value)


def test_binary_patches_are_refused(tmp_path: Path) -> None:
    git_binary = ("diff --git a/img.png b/img.png\nnew file mode 100644\nindex 0000000..e69de29\n"
                  "GIT binary patch\nliteral 10\nRcmZQzU|?imVqjok\n\nliteral 0\nHcmV?d00001\n\n")
    with pytest.raises(PatchError) as info:
        parse_patch(git_binary, "bin")
    assert info.value.reason == "binary" and "img.png" in str(info.value)
    differ = "diff --git a/a.bin b/a.bin\nindex 1..2 100644\nBinary files a/a.bin and b/a.bin differ\n"
    with pytest.raises(PatchError):
        parse_patch(differ)
    nul = tmp_path / "nul.diff"
    nul.write_bytes(b"--- a/x\n+++ b/x\n\0\0")
    with pytest.raises(PatchError) as info:
        load_patch(nul)
    assert info.value.reason == "binary"


@pytest.mark.parametrize("path", ["../outside.v", "rtl/../../outside.v", "/etc/passwd", ".chipchat/x", ".git/config"])
def test_paths_leaving_the_root_are_rejected_before_writing(root: Path, path: str) -> None:
    text = f"--- a/{path}\n+++ b/{path}\n@@ -0,0 +1 @@\n+pwned\n" if not path.startswith("/") else \
        f"--- {path}\n+++ {path}\n@@ -0,0 +1 @@\n+pwned\n"
    before = sorted(p.name for p in root.parent.iterdir())
    with pytest.raises(SandboxViolation):
        apply_patch(text, root)
    assert sorted(p.name for p in root.parent.iterdir()) == before
    assert not (root / ".chipchat").exists()


def test_symlink_out_of_the_root_is_rejected(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.v").write_text("secret\n")
    root = tmp_path / "root"
    root.mkdir()
    os.symlink(outside, root / "lib")
    os.symlink(outside / "secret.v", root / "link.v")
    for rel in ("lib/secret.v", "link.v"):
        patch = parse_patch(udiff("secret\n", "changed\n", rel), "sym")
        with pytest.raises(SandboxViolation) as info:
            apply_patch(patch, root)
        assert "outside" in str(info.value)
    assert (outside / "secret.v").read_text() == "secret\n"


def test_creating_a_symlink_is_rejected() -> None:
    text = ("diff --git a/evil b/evil\nnew file mode 120000\nindex 0000000..1111111\n--- /dev/null\n+++ b/evil\n"
            "@@ -0,0 +1 @@\n+/etc/passwd\n\\ No newline at end of file\n")
    with pytest.raises(SandboxViolation):
        parse_patch(text, "evil")


def test_new_deleted_and_renamed_files(root: Path) -> None:
    (root / "rtl" / "old.v").write_text("module old; endmodule\n")
    text = (
        "--- /dev/null\n+++ b/rtl/new.v\n@@ -0,0 +1,2 @@\n+module n;\n+endmodule\n"
        "--- a/rtl/old.v\n+++ /dev/null\n@@ -1 +0,0 @@\n-module old; endmodule\n"
    )
    changes = apply_patch(text, root)
    assert [(c.path, c.kind) for c in changes] == [("rtl/new.v", "add"), ("rtl/old.v", "delete")]
    assert (root / "rtl" / "new.v").read_text() == "module n;\nendmodule\n"
    assert not (root / "rtl" / "old.v").exists()
    with pytest.raises(PatchError) as info:  # creating it again: it exists now
        apply_patch("--- /dev/null\n+++ b/rtl/new.v\n@@ -0,0 +1 @@\n+x\n", root)
    assert "already exists" in str(info.value)
    renamed = ("diff --git a/rtl/new.v b/rtl/renamed.v\nsimilarity index 50%\nrename from rtl/new.v\n"
               "rename to rtl/renamed.v\n--- a/rtl/new.v\n+++ b/rtl/renamed.v\n@@ -1,2 +1,2 @@\n-module n;\n"
               "+module renamed;\n endmodule\n")
    changes = apply_patch(renamed, root)
    assert changes[0].kind == "rename" and changes[0].old_path == "rtl/new.v"
    assert (root / "rtl" / "renamed.v").read_text() == "module renamed;\nendmodule\n"
    assert not (root / "rtl" / "new.v").exists()


def test_missing_file_and_no_newline_at_end(root: Path) -> None:
    with pytest.raises(PatchError) as info:
        apply_patch(udiff("a\n", "b\n", "rtl/absent.v"), root)
    assert "does not exist" in str(info.value)
    (root / "rtl" / "n.v").write_text("a\nb")
    apply_patch("--- a/rtl/n.v\n+++ b/rtl/n.v\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n", root)
    assert (root / "rtl" / "n.v").read_text() == "a\nc\n"


def test_dry_run_checks_without_writing(root: Path) -> None:
    patch = parse_patch(udiff(RTL, RTL.replace("line 3\n", "LINE 3\n")), "dry")
    check_paths(patch, root)
    changes = apply_patch(patch, root, dry_run=True)
    assert changes[0].added == 1
    assert (root / "rtl" / "x.v").read_text() == RTL
