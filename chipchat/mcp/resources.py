"""The designs' files as MCP resources: sources (with line ranges), run directories, reports, images.

A resource URI names a design and a path inside its folder::

    chipchat://fifo/rtl/fifo.v              the whole file
    chipchat://fifo/rtl/fifo.v?lines=10-20  lines 10 to 20 (what a citation fifo.v:10-20 points at)
    chipchat://fifo/.chipchat/runs/         a folder: its entries, one a line (folders end in /)
    chipchat://fifo/.chipchat/runs/<run>/slack_histogram.png   an image, as a base64 blob

Only paths inside the design folder are served: an absolute path, a ``..`` component or a
symlink that leads out is refused, like an unknown design name. ``resources/list`` offers each
design's sources, documents, constraints and run directories; every other file is reachable
through the templates.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import mcp_types as types

from chipchat.design import Design
from chipchat.errors import ConfigError, SandboxViolation
from chipchat.mcp.designs import Catalog, check_path

SCHEME = "chipchat"
MAX_BYTES = 8 * 1024 * 1024
TEXT_TYPES = {".v": "text/x-verilog", ".sv": "text/x-systemverilog", ".vh": "text/x-verilog",
              ".svh": "text/x-systemverilog", ".sdc": "text/plain", ".tcl": "text/plain", ".toml": "text/plain",
              ".md": "text/markdown", ".json": "application/json", ".log": "text/plain", ".rpt": "text/plain",
              ".ys": "text/plain", ".py": "text/x-python", ".diff": "text/x-diff", ".patch": "text/x-diff"}


def uri(name: str, design: Design, path: str | Path, lines: tuple[int, int] | None = None) -> str | None:
    """The URI of a file of the design served as ``name`` (None when it is outside the design folder)."""
    try:
        rel = Path(path).resolve().relative_to(design.root.resolve())
    except ValueError:
        return None
    text = f"{SCHEME}://{quote(name)}/{quote(rel.as_posix())}"
    return text + (f"?lines={lines[0]}-{lines[1]}" if lines else "")


def templates() -> list[types.ResourceTemplate]:
    return [
        types.ResourceTemplate(name="design-file", uri_template=SCHEME + "://{design}/{+path}",
                               description="a file or folder of a design (folders list their entries), e.g. "
                                           "chipchat://fifo/rtl/fifo.v or chipchat://fifo/.chipchat/runs/"),
        types.ResourceTemplate(name="design-file-lines", uri_template=SCHEME + "://{design}/{+path}?lines={start}-{end}",
                               description="lines start..end of a design file (what a file:line citation points at)"),
    ]


def listing(catalog: Catalog) -> list[types.Resource]:
    """Each design's sources, documents, constraints, config and run directories."""
    out: list[types.Resource] = []
    for name, design in catalog.all():
        files = [*design.sources, *design.docs, *([design.sdc] if design.sdc else []),
                 *([design.config_file] if design.config_file else [])]
        for path in dict.fromkeys(files):
            u = uri(name, design, path)
            if u is not None and path.is_file():
                out.append(types.Resource(name=f"{name}/{design.relpath(path)}", uri=u,
                                          mime_type=_mime(path), size=path.stat().st_size))
        runs = design.state_dir / "runs"
        out.append(types.Resource(name=f"{name}: run directories", uri=f"{SCHEME}://{quote(name)}/"
                                  ".chipchat/runs/", mime_type="text/plain",
                                  description="every tool run: argv, logs, reports, metrics (newest last)"
                                  + ("" if runs.is_dir() else "; none yet")))
    return out


def read(catalog: Catalog, address: str) -> types.ReadResourceResult:
    """The contents of a ``chipchat://`` URI (see the module docstring)."""
    parts = urlsplit(address)
    if parts.scheme != SCHEME or not parts.netloc:
        raise ConfigError(f"not a chipchat resource: {address!r}", hint="chipchat://<design>/<path>, e.g. "
                                                                        "chipchat://fifo/rtl/fifo.v")
    name = unquote(parts.netloc)
    design = catalog.get(name)
    rel = unquote(parts.path).lstrip("/")
    if rel:
        check_path(rel, "resource path")
    root = design.root.resolve()
    target = (root / rel).resolve()
    if not target.is_relative_to(root):
        raise SandboxViolation(f"{address} leads outside the design folder (a symlink); refused")
    if not target.exists():
        raise ConfigError(f"{name} has no file {rel!r}", hint="list the folder: "
                          f"{SCHEME}://{name}/{Path(rel).parent.as_posix().strip('.')}")
    if target.is_dir():
        entries = sorted(target.iterdir(), key=lambda p: p.name)
        text = "\n".join(p.name + ("/" if p.is_dir() else "") for p in entries)
        return types.ReadResourceResult(contents=[types.TextResourceContents(uri=address, mime_type="text/plain",
                                                                             text=text)])
    size = target.stat().st_size
    if size > MAX_BYTES:
        raise ConfigError(f"{rel} is {size / 1e6:.1f} MB, more than the {MAX_BYTES // 2**20} MB a resource may be",
                          hint="read a line range (?lines=1-200), or open the file on the server's machine")
    data = target.read_bytes()
    mime = _mime(target)
    query = parse_qs(parts.query)
    if not mime.startswith("image/") and not _binary(data):
        text = data.decode("utf-8", errors="replace")
        if "lines" in query:
            text = _lines(text, query["lines"][0], rel)
        return types.ReadResourceResult(contents=[types.TextResourceContents(uri=address, mime_type=mime, text=text)])
    if mime.startswith("text/"):
        mime = "application/octet-stream"
    return types.ReadResourceResult(contents=[types.BlobResourceContents(
        uri=address, mime_type=mime, blob=base64.b64encode(data).decode())])


def _lines(text: str, spec: str, rel: str) -> str:
    match = re.fullmatch(r"(\d+)(?:-(\d+))?", spec.strip())
    if not match:
        raise ConfigError(f"lines={spec!r} is not a line range", hint="use ?lines=10-20 or ?lines=10")
    start = int(match.group(1))
    end = int(match.group(2) or start)
    lines = text.splitlines(keepends=True)
    if start < 1 or end < start or start > len(lines):
        raise ConfigError(f"lines {spec} are outside {rel} ({len(lines)} lines)",
                          hint=f"ask for a range within 1-{len(lines)}")
    return "".join(lines[start - 1:end])


def _mime(path: Path) -> str:
    return TEXT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "text/plain"


def _binary(data: bytes) -> bool:
    return b"\0" in data[:8192]
