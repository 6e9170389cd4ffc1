"""Chunking, lexical tokens, the incremental ChromaDB index and its recovery from damage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chipchat.index import DesignIndex
from chipchat.index.chunks import chunk_file
from chipchat.index.lexical import LexicalIndex, split_identifier, tokenize
from chipchat.rtl.load import load_design


def test_identifier_splitting_and_abbreviations():
    assert split_identifier("wr_ptr") == ["wr", "ptr"]
    assert split_identifier("txReadyQ") == ["tx", "ready", "q"]
    toks = tokenize("wr_ptr")
    assert {"wr_ptr", "wr", "ptr", "write", "pointer"} <= set(toks)
    assert {"wr", "ptr"} <= set(tokenize("the write pointer is wrapped"))
    assert "wrap" in tokenize("wrapped") and "the" not in tokenize("the")


def test_lexical_index_ranks_the_identifier_match_first():
    ix = LexicalIndex(["a", "b", "c"], ["rd_ptr <= rd_ptr + 1;", "wr_ptr <= 0; // wrap", "assign full = x;"])
    assert ix.search("where is the write pointer wrapped?")[0][0] == "b"
    assert ix.search("zzz") == []


def test_verilog_chunks_follow_the_syntax(design_copy):
    root = design_copy("fifo")
    chunks = chunk_file(root / "rtl/fifo.v", "rtl/fifo.v", kind="hdl")
    kinds = [c.kind for c in chunks]
    assert kinds.count("always") == 4 and "module_header" in kinds and "ports" in kinds and "comment" in kinds
    wr = next(c for c in chunks if c.kind == "always" and "Write pointer" in c.text)
    lines = (root / "rtl/fifo.v").read_text().splitlines()
    assert lines[wr.start_line - 1].strip() == "// Write pointer."  # the comment above joins the block
    assert lines[wr.end_line - 1].strip() == "end"
    assert all(c.module == "fifo" for c in chunks if c.kind != "comment")


def test_markdown_and_python_chunks(design_copy):
    root = design_copy("alu8")
    spec = chunk_file(root / "spec.md", "spec.md", kind="doc")
    assert all(c.kind == "doc" and c.title for c in spec) and len(spec) >= 3
    py = chunk_file(root / "rtl/alu8.py", "rtl/alu8.py", kind="python")
    assert any(c.title == "ALU8.elaborate" for c in py)


def test_index_is_incremental_and_reports_skipped_files(design_copy, monkeypatch):
    monkeypatch.setenv("CHIPCHAT_EMBEDDINGS", "none")
    root = design_copy("fifo")
    (root / "rtl" / "broken.v").write_text("module broken(input a);\n  assign = ;\nendmodule\n")
    toml = root / "chipchat.toml"
    toml.write_text(toml.read_text().replace('sources = ["rtl/fifo.v"]', 'sources = ["rtl/*.v"]'))
    d = load_design(root)
    ix = DesignIndex(d)
    first = ix.update()
    assert "rtl/fifo.v" in first.indexed and "spec.md" in first.indexed
    assert list(first.skipped) == ["rtl/broken.v"] and "rtl/broken.v:2:" in first.skipped["rtl/broken.v"]
    again = DesignIndex(d).update()
    assert again.indexed == [] and again.unchanged == 2
    spec = root / "spec.md"
    spec.write_text(spec.read_text() + "\n## Errata\n\nThe frobnicator is documented here.\n")
    third = DesignIndex(d).update()
    assert third.indexed == ["spec.md"] and third.unchanged == 1
    hit = DesignIndex(d).search("frobnicator", k=1, mode="lexical")[0]
    assert hit.chunk.file == "spec.md" and hit.chunk.title == "Errata"


def test_index_skips_empty_binary_and_huge_files_and_reads_latin1(design_copy, monkeypatch):
    """Each bad file is skipped with its reason, the good ones are indexed, and a Latin-1 comment is
    read (not fatal) with its line still searchable."""
    monkeypatch.setenv("CHIPCHAT_EMBEDDINGS", "none")
    monkeypatch.setattr("chipchat.index.files.MAX_FILE_BYTES", 64 * 1024)
    root = design_copy("fifo")
    rtl = root / "rtl"
    (rtl / "empty.v").write_bytes(b"")
    (rtl / "blob.v").write_bytes(b"module blob;\0\x01\x02 endmodule\n")
    (rtl / "huge.v").write_text("// filler\n" * 10_000 + "module huge; endmodule\n")
    (rtl / "latin1.v").write_bytes("// Entwurf f\u00fcr die Gr\u00f6\u00dfe\nmodule latin1_block(input a, output b);\n"
                                   "  assign b = a;  // durchgereicht\nendmodule\n".encode("latin-1"))
    toml = root / "chipchat.toml"
    toml.write_text(toml.read_text().replace('sources = ["rtl/fifo.v"]', 'sources = ["rtl/*.v"]'))
    report = DesignIndex(load_design(root)).update()
    assert report.skipped == {"rtl/empty.v": "empty file", "rtl/blob.v": "binary file (a NUL byte on line 1)",
                              "rtl/huge.v": "98 kB is larger than the 64 kB limit for indexing"}
    assert {"rtl/fifo.v", "rtl/latin1.v", "spec.md"} <= set(report.indexed)
    hit = DesignIndex(load_design(root)).search("durchgereicht", k=1, mode="lexical")[0]
    assert hit.chunk.file == "rtl/latin1.v" and hit.chunk.start_line <= 3 <= hit.chunk.end_line


def test_index_writes_only_under_dot_chipchat(design_copy, monkeypatch):
    monkeypatch.setenv("CHIPCHAT_EMBEDDINGS", "none")
    root = design_copy("uart_tx")
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    DesignIndex(load_design(root)).update()
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".chipchat" not in p.parts}
    assert after == before


def test_corrupted_index_is_rebuilt(design_copy, monkeypatch):
    monkeypatch.setenv("CHIPCHAT_EMBEDDINGS", "none")
    d = load_design(design_copy("fifo"))
    DesignIndex(d).update()
    (d.state_dir / "index" / "manifest.json").write_text("{not json")
    report = DesignIndex(d).update()
    assert "corrupted" in report.rebuilt_reason and report.chunks > 5
    next((d.state_dir / "index" / "chunks").glob("*.json")).write_bytes(b"\x00garbage")
    report = DesignIndex(d).update()
    assert report.rebuilt_reason and DesignIndex(d).search("write pointer", mode="lexical")


def test_semantic_index_with_the_default_static_embeddings(design_copy, monkeypatch):
    """The default embeddings: model2vec vectors distilled from MiniLM, persisted in ChromaDB; a change
    of embedder is recorded in the manifest and rebuilds the index."""
    monkeypatch.delenv("CHIPCHAT_EMBEDDINGS", raising=False)
    d = load_design(design_copy("fifo"))
    report = DesignIndex(d).update()
    assert report.embedded == report.chunks > 5
    manifest = json.loads((d.state_dir / "index" / "manifest.json").read_text())
    assert manifest["embeddings"].startswith("static-minilm-l6-v2-")
    ix = DesignIndex(d)
    semantic = ix.search("what happens when the buffer has no free space", k=5, mode="semantic")
    assert semantic and all(h.semantic_rank for h in semantic)
    assert any("full" in h.chunk.text for h in semantic)
    fused = ix.search("where is the write pointer wrapped?", k=3, mode="fused", prefer_code=True)
    assert fused[0].chunk.file == "rtl/fifo.v" and "wr_ptr" in fused[0].chunk.text
    assert DesignIndex(d).update().embedded == 0  # nothing changed: nothing embedded again
    monkeypatch.setenv("CHIPCHAT_EMBEDDINGS", "none")
    assert "embedding setting changed" in DesignIndex(d).update().rebuilt_reason


def test_embedders_by_name_and_an_unwritable_cache(tmp_path):
    from chipchat.errors import ConfigError
    from chipchat.index.embed import get_embedder, prepare_static

    with pytest.raises(ConfigError, match="unknown embeddings 'bert'") as err:
        get_embedder("bert")
    assert "static" in err.value.hint and "minilm" in err.value.hint
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match="cannot write the embeddings cache") as err:
        prepare_static(blocker / "cache")
    assert "CHIPCHAT_CACHE_DIR" in err.value.hint


@pytest.mark.slow
def test_semantic_index_in_chromadb_with_minilm(design_copy, monkeypatch):
    """Real embeddings (all-MiniLM-L6-v2, offline) persisted in ChromaDB, and damage to that store."""
    monkeypatch.setenv("CHIPCHAT_EMBEDDINGS", "minilm")
    d = load_design(design_copy("fifo"))
    report = DesignIndex(d).update()
    assert report.embedded == report.chunks > 5
    ix = DesignIndex(d)
    semantic = ix.search("what happens when the buffer has no free space", k=3, mode="semantic")
    assert semantic and all(h.semantic_rank for h in semantic)
    fused = ix.search("where is the write pointer wrapped?", k=3, mode="fused", prefer_code=True)
    assert fused[0].chunk.file == "rtl/fifo.v" and "wr_ptr" in fused[0].chunk.text
    sqlite = next((d.state_dir / "index" / "chroma").glob("*.sqlite3"))
    sqlite.write_bytes(b"this is not a database")
    report = DesignIndex(d).update()
    assert "ChromaDB" in report.rebuilt_reason and report.embedded == report.chunks


def test_amaranth_generated_verilog_chunks_cite_python(design_copy, monkeypatch):
    monkeypatch.setenv("CHIPCHAT_EMBEDDINGS", "none")
    d = load_design(design_copy("alu8"))
    ix = DesignIndex(d)
    ix.update()
    chunks = ix.chunks().values()
    generated = [c for c in chunks if c.file.startswith(".chipchat/amaranth/")]
    assert generated and any(c.src and c.src[0].startswith("rtl/alu8.py:") for c in generated)
    assert any(c.file == "rtl/alu8.py" for c in chunks)
    data = json.loads((d.state_dir / "index" / "manifest.json").read_text())
    assert set(data["files"]) >= {"rtl/alu8.py", "spec.md"}
    assert Path(d.root / "rtl/alu8.py").exists()
