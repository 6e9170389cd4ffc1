"""Designs served by name under a root; names and path arguments that reach outside are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipchat.errors import ChipChatError, ConfigError, SandboxViolation
from chipchat.mcp.designs import Catalog, check_paths


def test_a_root_serves_its_design_folders_by_name(designs: Path) -> None:
    (designs / "notes").mkdir()
    (designs / "notes" / "readme.md").write_text("not a design\n")
    (designs / ".hidden").mkdir()
    catalog = Catalog(root=designs)
    assert catalog.names() == ["fifo", "mac16"]
    assert catalog.many
    fifo = catalog.get("fifo")
    assert fifo.root == (designs / "fifo").resolve() and fifo.top == "fifo"
    assert catalog.get("fifo") is fifo  # opened once


@pytest.mark.parametrize("name", ["../fifo", "fifo/../mac16", "/etc", "~root", ".chipchat", "..", "a\\b"])
def test_names_that_are_not_a_folder_under_the_root_are_refused(designs: Path, name: str) -> None:
    with pytest.raises(SandboxViolation, match="refused"):
        Catalog(root=designs).get(name)


def test_unknown_and_missing_names_list_the_designs(designs: Path) -> None:
    catalog = Catalog(root=designs)
    with pytest.raises(ConfigError, match="no design named 'uart'") as err:
        catalog.get("uart")
    assert "fifo, mac16" in str(err.value)
    with pytest.raises(ConfigError, match="serves several"):
        catalog.get(None)
    (designs / "notes").mkdir()
    with pytest.raises(ConfigError, match="no design named 'notes'"):
        catalog.get("notes")


def test_a_symlink_out_of_the_root_is_refused(designs: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "x.v").write_text("module x; endmodule\n")
    (designs / "escape").symlink_to(outside)
    catalog = Catalog(root=designs)
    assert "escape" not in catalog.names()
    with pytest.raises(SandboxViolation, match="outside the root"):
        catalog.get("escape")


def test_one_design_answers_to_its_name_or_to_none(designs: Path) -> None:
    catalog = Catalog(design=designs / "mac16")
    assert not catalog.many and catalog.names() == ["mac16"]
    assert catalog.get() is catalog.get("mac16")
    with pytest.raises(ConfigError, match="serves one design"):
        catalog.get("fifo")


def test_a_catalog_needs_exactly_one_of_design_or_root(designs: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        Catalog()
    with pytest.raises(ConfigError):
        Catalog(design=designs / "fifo", root=designs)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ChipChatError, match="no design folder"):
        Catalog(root=tmp_path / "empty")


@pytest.mark.parametrize("value", ["/etc/passwd", "~/.ssh/id_rsa", "../mac16/rtl/mac16.v", "rtl/../../mac16/spec.md"])
def test_path_arguments_outside_the_design_are_refused(designs: Path, value: str) -> None:
    design = Catalog(root=designs).get("fifo")
    with pytest.raises(SandboxViolation, match="argument spec"):
        check_paths(design, {"spec": value})
    with pytest.raises(SandboxViolation, match="argument patches"):
        check_paths(design, {"patches": ["ok.diff", value]})


def test_relative_file_names_mean_files_of_the_design_and_text_is_left_alone(designs: Path) -> None:
    design = Catalog(root=designs).get("fifo")
    out = check_paths(design, {"spec": "spec.md", "signal": "full", "question": "is /etc/passwd read? ../x",
                               "patches": ["patches/*.diff"], "depth": 3, "module": None})
    assert out["spec"] == str((designs / "fifo" / "spec.md").resolve())
    assert out["signal"] == "full" and out["depth"] == 3 and out["module"] is None
    assert out["question"] == "is /etc/passwd read? ../x"  # text, not a path
    assert out["patches"] == ["patches/*.diff"]
    (designs / "fifo" / "link.md").symlink_to(designs / "mac16" / "spec.md")
    with pytest.raises(SandboxViolation, match="symlink"):
        check_paths(design, {"spec": "link.md"})
