"""Design files as resources: line ranges, folders, images; nothing outside the design folder."""

from __future__ import annotations

import base64
from pathlib import Path

import mcp_types as types
import pytest

from chipchat.errors import ConfigError, SandboxViolation
from chipchat.mcp import resources
from chipchat.mcp.designs import Catalog

PNG = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(64))


@pytest.fixture
def catalog(designs: Path) -> Catalog:
    return Catalog(root=designs)


def test_the_listing_offers_each_designs_sources_documents_and_runs(catalog: Catalog) -> None:
    uris = {r.uri: r for r in resources.listing(catalog)}
    for expected in ("chipchat://fifo/rtl/fifo.v", "chipchat://fifo/spec.md", "chipchat://fifo/constraints.sdc",
                     "chipchat://fifo/chipchat.toml", "chipchat://fifo/.chipchat/runs/", "chipchat://mac16/rtl/mac16.v"):
        assert expected in uris
    assert uris["chipchat://fifo/rtl/fifo.v"].mime_type == "text/x-verilog"
    assert not any("verification" in u for u in uris)  # the tests live outside the design folder


def test_a_line_range_is_what_a_citation_points_at(catalog: Catalog, designs: Path) -> None:
    lines = (designs / "fifo" / "rtl" / "fifo.v").read_text().splitlines(keepends=True)
    whole = resources.read(catalog, "chipchat://fifo/rtl/fifo.v").contents[0]
    assert isinstance(whole, types.TextResourceContents) and whole.text == "".join(lines)
    some = resources.read(catalog, "chipchat://fifo/rtl/fifo.v?lines=38-40").contents[0]
    assert isinstance(some, types.TextResourceContents) and some.text == "".join(lines[37:40])
    one = resources.read(catalog, "chipchat://fifo/rtl/fifo.v?lines=38").contents[0]
    assert isinstance(one, types.TextResourceContents) and one.text == lines[37]
    for bad in ("0-3", "50-40", "9999", "a-b"):
        with pytest.raises(ConfigError, match="lines"):
            resources.read(catalog, f"chipchat://fifo/rtl/fifo.v?lines={bad}")


def test_folders_list_their_entries_and_images_come_as_blobs(catalog: Catalog, designs: Path) -> None:
    run = designs / "fifo" / ".chipchat" / "runs" / "20260101-000000-sta-abc123"
    run.mkdir(parents=True)
    (run / "slack_histogram.png").write_bytes(PNG)
    (run / "sta.log").write_text("report_checks\n")
    listing = resources.read(catalog, "chipchat://fifo/.chipchat/runs/").contents[0]
    assert isinstance(listing, types.TextResourceContents) and listing.text == "20260101-000000-sta-abc123/"
    inside = resources.read(catalog, f"chipchat://fifo/.chipchat/runs/{run.name}").contents[0]
    assert isinstance(inside, types.TextResourceContents) and inside.text.splitlines() == ["slack_histogram.png",
                                                                                            "sta.log"]
    image = resources.read(catalog, f"chipchat://fifo/.chipchat/runs/{run.name}/slack_histogram.png").contents[0]
    assert isinstance(image, types.BlobResourceContents) and image.mime_type == "image/png"
    assert base64.b64decode(image.blob) == PNG
    fifo = catalog.get("fifo")
    assert resources.uri("fifo", fifo, run / "sta.log") == f"chipchat://fifo/.chipchat/runs/{run.name}/sta.log"
    assert resources.uri("fifo", fifo, designs / "mac16" / "spec.md") is None


@pytest.mark.parametrize("address", ["chipchat://fifo/../mac16/spec.md", "chipchat://fifo/rtl/%2e%2e/%2e%2e/mac16/spec.md",
                                     "chipchat://fifo/~/.bashrc"])
def test_paths_that_climb_out_are_refused(catalog: Catalog, address: str) -> None:
    with pytest.raises(SandboxViolation, match="refused"):
        resources.read(catalog, address)


def test_absolute_looking_paths_stay_inside_the_design(catalog: Catalog) -> None:
    with pytest.raises(ConfigError, match="has no file 'etc/passwd'"):
        resources.read(catalog, "chipchat://fifo//etc/passwd")


def test_unknown_designs_schemes_and_files_are_told(catalog: Catalog, designs: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no design named 'uart'"):
        resources.read(catalog, "chipchat://uart/rtl/uart.v")
    with pytest.raises(SandboxViolation):
        resources.read(catalog, "chipchat://../etc/passwd")
    with pytest.raises(ConfigError, match="not a chipchat resource"):
        resources.read(catalog, "file:///etc/passwd")
    with pytest.raises(ConfigError, match="has no file"):
        resources.read(catalog, "chipchat://fifo/rtl/nope.v")
    secret = tmp_path / "secret.txt"
    secret.write_text("secret\n")
    (designs / "fifo" / "leak.txt").symlink_to(secret)
    with pytest.raises(SandboxViolation, match="symlink"):
        resources.read(catalog, "chipchat://fifo/leak.txt")


def test_a_design_is_named_by_its_folder_under_a_root(designs: Path) -> None:
    """chipchat.toml may name a design otherwise: clients use the folder name, and so do the URIs."""
    import shutil

    shutil.copytree(designs / "fifo", designs / "fifo_b")
    catalog = Catalog(root=designs)
    assert catalog.get("fifo_b").name == "fifo"  # what its chipchat.toml says
    uris = {r.uri for r in resources.listing(catalog)}
    assert "chipchat://fifo_b/rtl/fifo.v" in uris
    text = resources.read(catalog, "chipchat://fifo_b/rtl/fifo.v?lines=1-1").contents[0]
    assert isinstance(text, types.TextResourceContents) and text.text.startswith("// fifo")
