"""Model providers, looked up by name: ``offline`` (the default) and ``openai`` (any compatible endpoint).

``make_model(name, design, settings)`` returns a LangChain chat model; an unknown name
lists the valid ones. :func:`describe_failure` turns whatever an endpoint did wrong
(unreachable, 401, 429 after retries, timeout, malformed JSON …) into one sentence
that says what happened and how to fix it — the agent loop then answers offline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chipchat.config import Settings
from chipchat.design import Design
from chipchat.errors import ConfigError
from chipchat.llm import chat_model


@dataclass(frozen=True)
class Provider:
    name: str
    description: str
    make: Callable[[Design, Settings], Any]


def _offline(design: Design, settings: Settings) -> Any:
    from chipchat.agent.offline import OfflineChatModel

    return OfflineChatModel(design=design)


def _openai(design: Design, settings: Settings) -> Any:
    return chat_model(settings)


PROVIDERS: dict[str, Provider] = {p.name: p for p in (
    Provider("offline", "the deterministic planner: no network, no weights", _offline),
    Provider("openai", "any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server)", _openai),
)}


def get_provider(name: str) -> Provider:
    if name not in PROVIDERS:
        raise ConfigError(f"unknown model provider {name!r}", hint="providers: " + ", ".join(PROVIDERS))
    return PROVIDERS[name]


def make_model(name: str, design: Design, settings: Settings) -> Any:
    """The chat model of provider ``name`` for a session on ``design``."""
    return get_provider(name).make(design, settings)


def label(settings: Settings) -> str:
    """What the UI and the terminal show as the active model."""
    if settings.provider == "openai":
        return f"{settings.llm_model} at {settings.llm_base_url}"
    return "offline planner (no language model; set CHIPCHAT_LLM_BASE_URL to use one)"
