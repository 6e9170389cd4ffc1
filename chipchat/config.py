"""Typed settings, read from ``CHIPCHAT_*`` environment variables.

Each setting is declared once, here, with its default and its documentation; the
README's configuration table is generated from this list (``chipchat config``).
Tool locations are not here: ``toolchain`` reads ``CHIPCHAT_<TOOL>`` itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from typing import Any

from chipchat.errors import ConfigError


def _setting(default: Any, env: str, doc: str) -> Any:
    return field(default=default, metadata={"env": env, "doc": doc})


@dataclass(frozen=True)
class Settings:
    """All chipchat settings. Build with :meth:`from_env`; override in tests with ``replace``."""

    llm_provider: str = _setting(
        "", "CHIPCHAT_LLM_PROVIDER",
        "Model provider: `offline` (no network, the default) or `openai` (any OpenAI-compatible endpoint). "
        "Empty means `openai` when CHIPCHAT_LLM_BASE_URL is set, else `offline`.")
    llm_base_url: str = _setting(
        "", "CHIPCHAT_LLM_BASE_URL", "Base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1.")
    llm_model: str = _setting("gpt-4o-mini", "CHIPCHAT_LLM_MODEL", "Model name sent to the endpoint.")
    llm_api_key: str = _setting(
        "", "OPENAI_API_KEY", "API key for the endpoint (local servers usually accept any value).")
    llm_timeout_s: float = _setting(60.0, "CHIPCHAT_LLM_TIMEOUT", "Seconds to wait for one model response.")
    llm_max_retries: int = _setting(2, "CHIPCHAT_LLM_MAX_RETRIES", "Retries on 429/5xx/timeouts.")
    embeddings: str = _setting(
        "static", "CHIPCHAT_EMBEDDINGS",
        "Semantic embeddings for the index: `static` (model2vec vectors distilled from all-MiniLM-L6-v2: "
        "fast), `minilm` (the transformer: slower to index, better alone on prose) or `none` (lexical only).")
    cache_dir: str = _setting(
        "", "CHIPCHAT_CACHE_DIR",
        "Machine-local cache (the distilled embedding model); empty means $XDG_CACHE_HOME/chipchat or "
        "~/.cache/chipchat.")
    tool_timeout_s: float = _setting(
        600.0, "CHIPCHAT_TOOL_TIMEOUT", "Wall-clock limit for one external tool run (synthesis, STA, placement).")
    sim_timeout_s: float = _setting(
        120.0, "CHIPCHAT_SIM_TIMEOUT", "Wall-clock limit for one simulation (a hung test is killed).")
    lock_timeout_s: float = _setting(
        900.0, "CHIPCHAT_LOCK_TIMEOUT",
        "Seconds to wait for another chipchat working on the same design's index before giving up.")
    confine: str = _setting(
        "auto", "CHIPCHAT_CONFINE",
        "How simulations, builds and Amaranth elaboration run: `auto` (in a bubblewrap sandbox when bwrap works "
        "here, else with resource limits only and a warning), `bwrap` (refuse to run without it) or `limits`.")
    limit_file_mb: int = _setting(
        2048, "CHIPCHAT_LIMIT_FILE_MB", "Largest file a confined run may write (MB; 0: no limit).")
    limit_memory_mb: int = _setting(
        8192, "CHIPCHAT_LIMIT_MEMORY_MB", "Address space of one confined process (MB; 0: no limit).")
    limit_cpu_s: int = _setting(3600, "CHIPCHAT_LIMIT_CPU_S", "CPU seconds of one confined process (0: no limit).")
    limit_processes: int = _setting(
        512, "CHIPCHAT_LIMIT_PROCESSES",
        "Processes a confined run may add to yours (not enforced for root; 0: no limit).")
    jobs: int = _setting(0, "CHIPCHAT_JOBS", "Parallel jobs for batch runs; 0 means one per CPU core.")
    executor: str = _setting(
        "local", "CHIPCHAT_EXECUTOR", "`local` (process pool) or `dask://host:port` (a Dask scheduler).")
    ui_host: str = _setting("127.0.0.1", "CHIPCHAT_UI_HOST", "Address the chat UI binds to.")
    ui_port: int = _setting(7860, "CHIPCHAT_UI_PORT", "Port of the chat UI.")
    ui_auth: str = _setting(
        "", "CHIPCHAT_UI_AUTH", "Optional UI login as `user:password` (several separated by commas).")
    orfs_platforms: str = _setting(
        "", "CHIPCHAT_ORFS_PLATFORMS",
        "An OpenROAD-flow-scripts `flow/platforms` folder: its platforms (nangate45, sky130hd ...) become "
        "usable by name.")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f.metadata["env"])
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(f.name, f.metadata["env"], raw, f.type)
        settings = cls(**values)
        settings.validate()
        return settings

    @property
    def provider(self) -> str:
        """The effective model provider."""
        if self.llm_provider:
            return self.llm_provider
        return "openai" if self.llm_base_url else "offline"

    def validate(self) -> None:
        if self.llm_provider not in ("", "offline", "openai"):
            raise ConfigError(
                f"CHIPCHAT_LLM_PROVIDER={self.llm_provider!r} is not a known provider",
                hint="use `offline` or `openai`")
        if self.embeddings not in ("static", "minilm", "none"):
            raise ConfigError(f"CHIPCHAT_EMBEDDINGS={self.embeddings!r} is unknown",
                              hint="use `static`, `minilm` or `none`")
        if not (self.executor == "local" or self.executor.startswith("dask://")):
            raise ConfigError(
                f"CHIPCHAT_EXECUTOR={self.executor!r} is unknown", hint="use `local` or `dask://host:port`")
        if self.confine not in ("auto", "bwrap", "limits"):
            raise ConfigError(f"CHIPCHAT_CONFINE={self.confine!r} is unknown", hint="use `auto`, `bwrap` or `limits`")
        if self.ui_auth and any(":" not in pair for pair in self.ui_auth.split(",")):
            raise ConfigError("CHIPCHAT_UI_AUTH must be `user:password` pairs separated by commas")

    @staticmethod
    def documentation() -> list[tuple[str, str, str]]:
        """(env var, default, doc) for every setting: the README's table."""
        return [(f.metadata["env"], repr(f.default), f.metadata["doc"]) for f in fields(Settings)]


def _convert(name: str, env: str, raw: str, typ: Any) -> Any:
    kind = typ if isinstance(typ, str) else getattr(typ, "__name__", str(typ))
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError:
        raise ConfigError(f"{env}={raw!r} is not a valid {kind}", hint=f"set {env} to a number") from None
    return raw


def settings() -> Settings:
    """The settings of this process (re-read each call, so tests can change the environment)."""
    return Settings.from_env()
