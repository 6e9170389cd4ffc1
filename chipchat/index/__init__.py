"""Retrieval over a design: syntax-aware chunks, ChromaDB embeddings, BM25, fused ranking."""

from chipchat.index.chunks import Chunk
from chipchat.index.store import DesignIndex, Hit, IndexReport

__all__ = ["Chunk", "DesignIndex", "Hit", "IndexReport"]
