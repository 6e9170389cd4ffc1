"""The design index: chunks in ChromaDB (semantic) plus BM25 (lexical), kept incremental.

Layout under ``<design>/.chipchat/index/``: ``manifest.json`` (per-file content hash,
its chunk ids, or why it was skipped), ``chunks/<file>.json`` (each file's chunks: text and
span; one file per source so an edit rewrites only its own) and
``chroma/`` (a ChromaDB PersistentClient holding the embeddings). Only files whose hash
changed are re-chunked and re-embedded. A corrupted index folder is rebuilt, not fatal:
a manifest or chunk file of the wrong shape, and a vector store that does not answer or
does not hold the vectors the chunks need, are detected by plain ``index`` and rebuilt.
One writer at a time: updates and searches of the vector store hold the design's index
lock (:mod:`chipchat.lock`), so concurrent runs take turns instead of corrupting it.

(About 530 lines: updating the manifest, the chunk files and the Chroma collection is one
transaction whose failure modes read best side by side.)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chipchat import lock, safefs
from chipchat.config import settings
from chipchat.design import DOC_SUFFIXES, HEADER_SUFFIXES, Design
from chipchat.errors import ChipChatError, ParseError
from chipchat.index.chunk import Chunk, chunk_from_json
from chipchat.index.chunks import chunk_file, file_hash
from chipchat.index.files import check_manifest, unreadable
from chipchat.index.lexical import LexicalIndex
from chipchat.index.texts import embedding_text, lexical_text

INDEX_VERSION = 9
COLLECTION = "chipchat_chunks"
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class IndexReport:
    files: int = 0
    indexed: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # file -> reason (file:line:col: message)
    chunks: int = 0
    embedded: int = 0
    duration_s: float = 0.0
    rebuilt_reason: str = ""


class StoreBroken(Exception):
    """The vector store failed while being updated (caught inside :meth:`DesignIndex.update`, which rebuilds)."""


@dataclass
class Hit:
    chunk: Chunk
    score: float
    lexical_rank: int | None = None
    semantic_rank: int | None = None


class DesignIndex:
    """Open (and lazily build) the index of one design."""

    def __init__(self, design: Design, *, embeddings: str | None = None) -> None:
        self.design = design
        self.embeddings = embeddings or settings().embeddings
        self.path = design.state_dir / "index"
        self._chunks: dict[str, Chunk] | None = None
        self._lexical: LexicalIndex | None = None
        self._collection: Any = None
        self._by_file: dict[str, list[Chunk]] | None = None
        self._by_text: dict[str, list[str]] | None = None
        self._seen: dict[str, tuple[tuple[int, int], str]] = {}  # file -> (mtime, size) when last hashed, its hash
        self._broken = ""

    # -- files ---------------------------------------------------------------------------
    def files_to_index(self) -> list[tuple[Path, str, dict[int, tuple[str, int]] | None]]:
        """(path, kind, line map) for every file of the design worth indexing."""
        d = self.design
        out: list[tuple[Path, str, dict[int, tuple[str, int]] | None]] = []
        if d.amaranth is not None:
            from chipchat.steps.amaranth_elab import elaborate

            elab = elaborate(d)
            out.append((elab.verilog, "hdl", elab.line_map.get(str(elab.verilog))))
            for py in sorted(d.amaranth.file.parent.rglob("*.py")):
                if ".chipchat" not in py.parts:
                    out.append((py, "python", None))
        out.extend((p, "hdl", None) for p in d.sources)
        for inc in d.include_dirs:
            if inc.is_dir():
                out.extend((p, "hdl", None) for p in sorted(inc.iterdir()) if p.suffix in HEADER_SUFFIXES)
        docs = list(d.docs)
        docs += [p for p in sorted(d.root.glob("*")) if p.suffix in DOC_SUFFIXES and p not in docs]
        out.extend((p, "doc", None) for p in docs)
        unique: dict[Path, tuple[Path, str, dict[int, tuple[str, int]] | None]] = {}
        for t in out:
            unique.setdefault(t[0].resolve(), t)
        return list(unique.values())

    def rel(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.design.root.resolve()))
        except ValueError:
            return str(path)

    # -- building ------------------------------------------------------------------------
    def update(self, progress: Progress | None = None, *, rebuild: bool = False) -> IndexReport:
        """Bring the index up to date with the design's files (``rebuild``: from scratch); returns what changed."""
        self.design.ensure_state_dir()
        with lock.hold(self._lock_path(), "index"):
            if rebuild:
                self._wipe()
            try:
                report = self._update(progress)
                healthy = self._healthy()
            except StoreBroken as exc:
                healthy, self._broken = False, str(exc)
            if healthy:
                return report
            reason = self._broken or "it does not hold the vectors of the chunks"
            self._wipe()
            report = self._update(progress)
            report.rebuilt_reason = f"the vector store was broken ({reason}); rebuilt the index"
            return report

    def _lock_path(self) -> Path:
        return self.design.state_dir / "index.lock"

    def _update(self, progress: Progress | None) -> IndexReport:
        t0 = time.monotonic()
        report = IndexReport()
        manifest = self._read_manifest(report)
        if self._chunks is not None and not report.rebuilt_reason:
            chunks: dict[str, Chunk] | None = dict(self._chunks)
        else:
            chunks = self._load_chunks(manifest) if manifest["files"] else {}
        if chunks is None:
            report.rebuilt_reason = "the stored chunks were unreadable; rebuilt the index"
            manifest, chunks = self._fresh_manifest(), {}
            self._wipe()
        collection = self._open_collection(report)
        if report.rebuilt_reason and manifest["files"]:
            manifest, chunks = self._fresh_manifest(), {}
        files = self.files_to_index()
        rejected = self._rejected_by_model()
        report.files = len(files)
        present: set[str] = set()
        new_chunks: list[Chunk] = []
        stale_ids: list[str] = []
        for n, (path, kind, line_map) in enumerate(files, 1):
            rel = self.rel(path)
            present.add(rel)
            if progress:
                progress("reading", n, len(files))
            reason = unreadable(path) or rejected.get(str(path.resolve()), "")
            if reason:
                report.skipped[rel] = reason
                stale_ids += manifest["files"].pop(rel, {}).get("chunks", [])
                manifest["skipped"][rel] = reason
                continue
            old = manifest["files"].get(rel)
            seen = _stat(path)
            if old and self._seen.get(rel) == (seen, old["hash"]) and all(c in chunks for c in old["chunks"]):
                report.unchanged += 1  # not touched since this process last hashed it
                continue
            try:
                digest = file_hash(path)
            except OSError as exc:
                report.skipped[rel] = f"{rel}: cannot read: {exc.strerror or exc}"
                manifest["skipped"][rel] = report.skipped[rel]
                continue
            if old and old["hash"] == digest and all(c in chunks for c in old["chunks"]):
                self._seen[rel] = (seen, digest)
                report.unchanged += 1
                continue
            try:
                file_chunks = chunk_file(path, rel, kind=kind, include_dirs=self.design.include_dirs,
                                         defines=self.design.defines, line_map=line_map, root=self.design.root)
            except ParseError as exc:
                report.skipped[rel] = str(exc)
                stale_ids += manifest["files"].pop(rel, {}).get("chunks", [])
                manifest["skipped"][rel] = report.skipped[rel]
                continue
            except Exception as exc:  # noqa: BLE001 - one bad file must not stop the index
                report.skipped[rel] = f"{rel}: cannot chunk: {exc}"
                manifest["skipped"][rel] = report.skipped[rel]
                continue
            if old:
                stale_ids += old["chunks"]
            manifest["files"][rel] = {"hash": digest, "kind": kind, "chunks": [c.id for c in file_chunks]}
            manifest["skipped"].pop(rel, None)
            new_chunks += file_chunks
            report.indexed.append(rel)
        for rel in [r for r in manifest["files"] if r not in present]:
            stale_ids += manifest["files"].pop(rel)["chunks"]
            report.removed.append(rel)
        for rel in [r for r in manifest["skipped"] if r not in present]:
            manifest["skipped"].pop(rel)
        changed = bool(stale_ids or new_chunks or report.indexed or report.removed or report.rebuilt_reason
                       or self._chunks is None)
        if changed:
            self._apply(collection, chunks, stale_ids, new_chunks, report, progress)
            self._write(manifest, chunks, report.indexed, report.removed)
            self._lexical, self._by_file, self._by_text = None, None, None  # rebuilt from the new chunks on demand
        self._chunks = chunks
        report.chunks = len(chunks)
        report.duration_s = time.monotonic() - t0
        return report

    def _apply(self, collection: Any, chunks: dict[str, Chunk], stale: list[str], new: list[Chunk],
               report: IndexReport, progress: Progress | None) -> None:
        """Update the chunk table and the vectors. Vectors are stored by the hash of the text they embed
        (content-addressed): an edit shifts the lines of every later chunk of a file but not their
        text, so only the chunks whose text changed are embedded, and ChromaDB sees a few writes."""
        stale_hashes = {chunks[cid].etext for cid in stale if cid in chunks}
        for cid in stale:
            chunks.pop(cid, None)
        for c in new:
            c.etext = hashlib.sha1(embedding_text(c).encode()).hexdigest()[:20]
            chunks[c.id] = c
        if collection is None:
            return
        try:
            self._store(collection, chunks, stale_hashes, new, report, progress)
        except Exception as exc:  # noqa: BLE001 - chromadb raises many types on a damaged store
            raise StoreBroken(f"{type(exc).__name__}: {str(exc)[:120]}") from exc

    def _store(self, collection: Any, chunks: dict[str, Chunk], stale_hashes: set[str], new: list[Chunk],
               report: IndexReport, progress: Progress | None) -> None:
        live = {c.etext for c in chunks.values()}
        gone = sorted(h for h in stale_hashes if h and h not in live)
        for i in range(0, len(gone), 5000):
            collection.delete(ids=gone[i:i + 5000])
        wanted: dict[str, Chunk] = {}
        for c in new:
            wanted.setdefault(c.etext, c)
        present: set[str] = set()
        keys = list(wanted)
        for i in range(0, len(keys), 5000):
            present.update(collection.get(ids=keys[i:i + 5000], include=[])["ids"])
        todo = [c for h, c in wanted.items() if h not in present]
        if not todo:
            return
        from chipchat.index.embed import get_embedder

        embedder = get_embedder(self.embeddings)
        batch = 1024
        for i in range(0, len(todo), batch):
            part = todo[i:i + batch]
            vectors = embedder.embed([embedding_text(c) for c in part])
            collection.upsert(ids=[c.etext for c in part], embeddings=vectors,
                              metadatas=[{"kind": c.kind} for c in part])
            report.embedded += len(part)
            if progress:
                progress("embedding", min(i + batch, len(todo)), len(todo))

    def _rejected_by_model(self) -> dict[str, str]:
        """Files the structural model could not parse (resolved path -> its located message).

        They are not parsed again here: the model's verdict (and the limits its parser keeps on
        nesting, includes and size) holds for the index too, and the index says the same thing.
        """
        from chipchat.rtl.load import load_model

        try:
            model = load_model(self.design)
        except ChipChatError:
            return {}
        return {str(Path(f.path).resolve()): f"{self.rel(Path(f.path))}{f.where()[len(f.path):]}: {f.message}"
                for f in model.files if f.status == "error"}

    def _healthy(self) -> bool:
        """True when the vector store answers a query and holds a vector for every chunk (or there is none)."""
        self._broken = ""
        if self.embeddings == "none" or self._collection is None or not self._chunks:
            return True
        wanted = sorted({c.etext for c in self._chunks.values() if c.etext})
        try:
            present: set[str] = set()
            for i in range(0, len(wanted), 5000):
                present.update(self._collection.get(ids=wanted[i:i + 5000], include=[])["ids"])
            if len(present) < len(wanted):
                self._broken = f"{len(wanted) - len(present)} of {len(wanted)} vectors missing"
                return False
            probe = self._collection.get(ids=wanted[:1], include=["embeddings"])["embeddings"]
            self._collection.query(query_embeddings=[list(probe[0])], n_results=1, include=["distances"])
        except Exception as exc:  # noqa: BLE001 - chromadb raises many types on a damaged store
            self._broken = f"{type(exc).__name__}: {str(exc)[:120]}"
            return False
        return True

    # -- querying ------------------------------------------------------------------------
    def chunks(self) -> dict[str, Chunk]:
        if self._chunks is None:
            loaded = self._load_chunks(self._manifest_or_empty())
            if loaded is None or not loaded:
                self.update()
                loaded = self._chunks or {}
            self._chunks = loaded
        return self._chunks

    def skipped(self) -> dict[str, str]:
        try:
            skipped = json.loads(safefs.read_state(self.path / "manifest.json")).get("skipped", {})
            return {str(k): str(v) for k, v in skipped.items()} if isinstance(skipped, dict) else {}
        except (OSError, ValueError, AttributeError):
            return {}

    def lexical(self) -> LexicalIndex:
        if self._lexical is None:
            chunks = self.chunks()
            ids = list(chunks)
            self._lexical = LexicalIndex(ids, [lexical_text(chunks[i]) for i in ids])
        return self._lexical

    def search_lexical(self, query: str, k: int = 10) -> list[tuple[str, float]]:
        return self.lexical().search(query, k)

    def search_semantic(self, query: str, k: int = 10) -> list[tuple[str, float]]:
        if self.embeddings == "none":
            return []
        from chipchat.index.embed import get_embedder

        vector = get_embedder(self.embeddings).embed([query])
        self.design.ensure_state_dir()
        with lock.hold(self._lock_path(), "search"):  # opening the store applies its log: a write
            for attempt in (1, 2):
                try:
                    opened = IndexReport()
                    collection = self._open_collection(opened)
                    if collection is None:
                        return []
                    if opened.rebuilt_reason or (collection.count() == 0 and self.chunks()):
                        raise StoreBroken(opened.rebuilt_reason or "the vector store is empty")
                    if collection.count() == 0:
                        return []
                    res = collection.query(query_embeddings=vector, n_results=min(k, collection.count()),
                                           include=["distances"])
                    break
                except Exception:  # a damaged store: rebuild it (update checks it) and ask once more
                    if attempt == 2:
                        raise
                    self._collection = None
                    self._clear_clients()
                    self.update()
        if self._by_text is None:
            self._by_text = {}
            for c in self.chunks().values():
                self._by_text.setdefault(c.etext, []).append(c.id)
        return [(cid, 1.0 - float(dist)) for h, dist in zip(res["ids"][0], res["distances"][0], strict=True)
                for cid in self._by_text.get(h, [])]

    def search(self, query: str, k: int = 5, mode: str = "fused", prefer_code: bool = False) -> list[Hit]:
        """Top ``k`` chunks for ``query``; ``mode`` is ``lexical``, ``semantic`` or ``fused`` (RRF).

        ``prefer_code`` ranks source chunks above documents at equal evidence: "where is X done?"
        asks for the place in the design, not for the paragraph of the spec that describes it.
        """
        if mode not in ("lexical", "semantic", "fused"):
            raise ValueError(f"unknown search mode {mode!r}; use lexical, semantic or fused")
        chunks = self.chunks()
        depth = max(k * 4, 20)
        lex = self.search_lexical(query, depth) if mode in ("lexical", "fused") else []
        sem = self.search_semantic(query, depth) if mode in ("semantic", "fused") else []
        scores: dict[str, Hit] = {}
        for weight, ranked, attr in ((1.0, lex, "lexical_rank"), (SEMANTIC_WEIGHT, sem, "semantic_rank")):
            rank, last = 0, None
            for cid, score in ranked:
                if score != last:  # chunks that share one vector (same text) share its rank
                    rank, last = rank + 1, score
                target = self._source_chunk(chunks[cid]) or chunks[cid]
                hit = scores.setdefault(target.id, Hit(target, 0.0))
                hit.score += weight / (RRF_K + rank)
                if getattr(hit, attr) is None:
                    setattr(hit, attr, rank)
        if prefer_code:
            for hit in scores.values():
                if hit.chunk.kind == "doc":
                    hit.score *= DOC_DISCOUNT
        return sorted(scores.values(), key=lambda h: -h.score)[:k]

    def _source_chunk(self, chunk: Chunk) -> Chunk | None:
        """For generated Verilog that carries ``src`` locations, the user's source chunk holding them."""
        if not chunk.src:
            return None
        if self._by_file is None:
            self._by_file = {}
            for c in self.chunks().values():
                self._by_file.setdefault(c.file, []).append(c)
        for loc in chunk.src:
            file, _, line = loc.rpartition(":")
            for c in self._by_file.get(file, []):
                if line.isdigit() and c.start_line <= int(line) <= c.end_line and c.kind != "comment":
                    return c
        return None

    # -- storage -------------------------------------------------------------------------
    def _fresh_manifest(self) -> dict[str, Any]:
        return {"version": INDEX_VERSION, "embeddings": self._embedding_id(), "files": {}, "skipped": {}}

    def _embedding_id(self) -> str:
        if self.embeddings == "none":
            return "none"
        from chipchat.index.embed import variant_of

        return variant_of(self.embeddings)

    def _read_manifest(self, report: IndexReport) -> dict[str, Any]:
        path = self.path / "manifest.json"
        if not os.path.lexists(path):
            return self._fresh_manifest()
        try:
            data = json.loads(safefs.read_state(path))
            check_manifest(data)
        except (OSError, ValueError):
            report.rebuilt_reason = "the index manifest was corrupted; rebuilt the index"
            self._wipe()
            return self._fresh_manifest()
        if data.get("version") != INDEX_VERSION or data.get("embeddings") != self._embedding_id():
            report.rebuilt_reason = "index format or embedding setting changed; rebuilt the index"
            self._wipe()
            return self._fresh_manifest()
        data.setdefault("skipped", {})
        return data

    def _manifest_or_empty(self) -> dict[str, Any]:
        try:
            data = json.loads(safefs.read_state(self.path / "manifest.json"))
            check_manifest(data)
            return data
        except (OSError, ValueError):
            return {"files": {}}

    def _chunk_file(self, rel: str) -> Path:
        return self.path / "chunks" / (hashlib.sha1(rel.encode()).hexdigest()[:16] + ".json")

    def _load_chunks(self, manifest: dict[str, Any]) -> dict[str, Chunk] | None:
        """Every stored chunk, or ``None`` when a chunk file is missing or damaged (the index is rebuilt)."""
        chunks: dict[str, Chunk] = {}
        try:
            for rel in manifest["files"]:
                stored = json.loads(safefs.read_state(self._chunk_file(rel)))
                if not isinstance(stored, list):
                    return None
                for c in stored:
                    chunk = chunk_from_json(c)
                    chunks[chunk.id] = chunk
        except (OSError, ValueError, TypeError, KeyError):
            return None
        return chunks

    def _write(self, manifest: dict[str, Any], chunks: dict[str, Chunk], changed: list[str],
               removed: list[str]) -> None:
        safefs.ensure_folder(self.path / "chunks")
        for rel in changed:
            ids = manifest["files"][rel]["chunks"]
            safefs.write_atomic(self._chunk_file(rel), json.dumps([chunks[i].to_json() for i in ids]))
        for rel in removed:
            self._chunk_file(rel).unlink(missing_ok=True)
        safefs.write_atomic(self.path / "manifest.json", json.dumps(manifest, indent=1))

    def _wipe(self) -> None:
        self._collection = None
        self._chunks, self._lexical, self._by_file, self._by_text = None, None, None, None
        if os.path.lexists(self.path):
            if self.path.is_dir() and not self.path.is_symlink():
                shutil.rmtree(self.path, ignore_errors=True)
            else:
                self.path.unlink()
        self._clear_clients()

    @staticmethod
    def _clear_clients() -> None:
        try:  # chromadb caches one client per path; a damaged one must not be reused
            from chromadb.api.client import SharedSystemClient

            SharedSystemClient.clear_system_cache()
        except ImportError:
            pass

    def _open_collection(self, report: IndexReport) -> Any:
        if self.embeddings == "none":
            return None
        if self._collection is not None:
            return self._collection
        self.design.ensure_state_dir()
        for attempt in (1, 2):
            try:
                self._collection = _chroma_collection(self.path / "chroma")
                return self._collection
            except Exception as exc:  # noqa: BLE001 - chromadb raises many types on a damaged store
                if attempt == 2:
                    raise
                report.rebuilt_reason = f"the ChromaDB store was unreadable ({type(exc).__name__}); rebuilt the index"
                self._wipe()
        return None


RRF_K = 60
SEMANTIC_WEIGHT = 0.6  # relative to lexical in the fused ranking (see benchmarks/bench_retrieval.py)
DOC_DISCOUNT = 0.6  # documents' fused score for "where in the design" questions


def _stat(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
        return st.st_mtime_ns, st.st_size
    except OSError:
        return -1, -1


def _chroma_collection(path: Path) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    safefs.ensure_folder(path)
    client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
    return client.get_or_create_collection(COLLECTION, embedding_function=None,
                                           metadata={"hnsw:space": "cosine"})
