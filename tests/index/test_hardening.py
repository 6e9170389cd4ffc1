"""The index under damage, concurrency and hostile text: detected, rebuilt, bounded, linear (issue 16)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from chipchat.hashing import digest
from chipchat.index import DesignIndex
from chipchat.index.chunks import chunk_file
from chipchat.index.lexical import split_identifier, tokenize
from chipchat.index.store import IndexReport
from chipchat.index.texts import embedding_text
from chipchat.rtl.load import load_design

REPO = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def fifo(design_copy, monkeypatch):  # noqa: ANN001, ANN201
    monkeypatch.setenv("CHIPCHAT_EMBEDDINGS", "static")
    return load_design(design_copy("fifo"))


@pytest.mark.parametrize("manifest", [
    {"version": 9, "files": {"rtl/fifo.v": {"hash": 3, "kind": "hdl", "chunks": []}}},
    {"version": 9, "files": {"rtl/fifo.v": {"hash": "x", "kind": "hdl", "chunks": "abc"}}},
    {"version": 9, "files": {"rtl/fifo.v": []}},
    {"version": 9, "files": {}, "skipped": []},
    {"version": 9, "files": {}, "skipped": {"a": 1}},
    ["not", "a", "manifest"],
])
def test_a_manifest_of_the_wrong_shape_is_rebuilt(fifo, manifest) -> None:  # noqa: ANN001
    DesignIndex(fifo).update()
    (fifo.state_dir / "index" / "manifest.json").write_text(json.dumps(manifest))
    report = DesignIndex(fifo).update()
    assert "manifest was corrupted" in report.rebuilt_reason
    assert DesignIndex(fifo).search("write pointer", mode="lexical")
    assert DesignIndex(fifo).skipped() == {}


def test_chunks_of_the_wrong_types_are_rebuilt(fifo) -> None:  # noqa: ANN001
    DesignIndex(fifo).update()
    stored = next((fifo.state_dir / "index" / "chunks").glob("*.json"))
    chunks = json.loads(stored.read_text())
    chunks[0]["start_line"] = "12"
    stored.write_text(json.dumps(chunks))
    report = DesignIndex(fifo).update()
    assert "stored chunks were unreadable" in report.rebuilt_reason
    assert all(isinstance(c.start_line, int) for c in DesignIndex(fifo).chunks().values())


def test_a_broken_vector_store_is_detected_and_rebuilt_by_a_plain_update(fifo) -> None:  # noqa: ANN001
    first = DesignIndex(fifo).update()
    sqlite = next((fifo.state_dir / "index" / "chroma").glob("*.sqlite3"))
    data = bytearray(sqlite.read_bytes())
    data[20000:25000] = os.urandom(5000)  # the damage two concurrent writers left: a readable header, bad pages
    sqlite.write_bytes(bytes(data))
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    report = DesignIndex(fifo).update()
    assert report.rebuilt_reason, report
    assert report.embedded == first.embedded
    assert DesignIndex(fifo).search("what happens when the buffer is full", mode="semantic")


def test_missing_vectors_are_detected_and_rebuilt(fifo) -> None:  # noqa: ANN001
    ix = DesignIndex(fifo)
    ix.update()
    collection = ix._open_collection(IndexReport())
    some = collection.get(include=[])["ids"][:3]
    collection.delete(ids=some)
    report = DesignIndex(fifo).update()
    assert "vectors missing" in report.rebuilt_reason
    assert set(some) <= set(DesignIndex(fifo)._open_collection(IndexReport()).get(include=[])["ids"])


def test_a_search_on_a_broken_store_rebuilds_it_and_answers(fifo) -> None:  # noqa: ANN001
    DesignIndex(fifo).update()
    sqlite = next((fifo.state_dir / "index" / "chroma").glob("*.sqlite3"))
    sqlite.write_bytes(b"this is not a database")
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    assert DesignIndex(fifo).search("write pointer", mode="semantic")


def test_concurrent_index_runs_take_turns_and_leave_a_sound_store(fifo) -> None:  # noqa: ANN001
    env = {**os.environ, "PYTHONPATH": str(REPO), "CHIPCHAT_EMBEDDINGS": "static"}
    argv = [sys.executable, "-m", "chipchat", "index", str(fifo.root)]
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(3)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    ix = DesignIndex(fifo)
    report = ix.update()
    assert not report.rebuilt_reason and report.indexed == []
    assert ix._healthy()
    if any("waiting for" in err for _, err in outs):
        assert all("Traceback" not in err for _, err in outs)


def test_a_line_directive_cannot_stretch_a_chunk(tmp_path: Path) -> None:
    src = tmp_path / "top.v"
    src.write_text('module top(input a, output b);\n`line 99999999999 "x.v" 0\n  assign b = a;\nendmodule\n')
    t0 = time.monotonic()
    chunks = chunk_file(src, "top.v", kind="hdl")
    assert time.monotonic() - t0 < 5
    assert chunks and max(c.end_line for c in chunks) <= 4


def test_chunk_lines_are_pyslangs_lines(tmp_path: Path) -> None:
    """Form feeds, \\x0b, \\x1c-\\x1e, \\x85 and \\u2028/9 do not end a line for pyslang, so not for chunks."""
    odd = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    src = tmp_path / "top.v"
    src.write_text(f"module top(input a, output b); // {odd}\n  wire x; /* {odd} */\n\n  assign b = a;\nendmodule\n")
    chunks = chunk_file(src, "top.v", kind="hdl")
    assign = next(c for c in chunks if c.kind == "assign")
    assert assign.start_line == 4 and assign.text.strip() == "assign b = a;"
    crlf = tmp_path / "crlf.v"
    crlf.write_bytes(b"module top(input a, output b);\r\n\r  wire x;\n\r\n  assign b = a;\rendmodule\n")
    assign = next(c for c in chunk_file(crlf, "crlf.v", kind="hdl") if c.kind == "assign")
    assert assign.start_line == 5 and assign.text.strip() == "assign b = a;"  # "\n\r" is one line end for pyslang


def test_huge_identifiers_cost_linear_time(tmp_path: Path) -> None:
    for size in (30_000, 1_000_000):
        ident = "A" * size
        src = tmp_path / f"top{size}.v"
        src.write_text(f"module top(input clk, output reg q);\n  reg {ident};\n  always @(posedge clk) begin\n"
                       f"    {ident} <= ~{ident};\n    q <= {ident};\n  end\nendmodule\n")
        t0 = time.monotonic()
        chunks = chunk_file(src, src.name, kind="hdl")
        for c in chunks:
            embedding_text(c)
            tokenize(c.text)
        assert time.monotonic() - t0 < 10, size
    t0 = time.monotonic()
    assert split_identifier("HTTP" * 50_000 + "Server")[0] == "http" * 64
    assert split_identifier("aB" * 100_000)[:2] == ["a", "ba"]
    assert time.monotonic() - t0 < 2


def test_camel_case_splitting_is_unchanged() -> None:
    assert split_identifier("HTTPServer") == ["http", "server"]
    assert split_identifier("TXReady") == ["tx", "ready"]
    assert split_identifier("wrPtr_q2") == ["wr", "ptr", "q", "2"]
    assert split_identifier("ABC") == ["abc"]


def test_cache_keys_read_files_in_blocks(tmp_path: Path) -> None:
    big = tmp_path / "big.v"
    with open(big, "wb") as fh:
        fh.truncate(300 * 1024 * 1024)  # sparse: costs no disk
    tracemalloc.start()
    try:
        digest("key", big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024
    os.mkfifo(tmp_path / "pipe.v")
    assert digest(tmp_path / "pipe.v") != digest(tmp_path / "missing.v")  # a marker, and no hang
