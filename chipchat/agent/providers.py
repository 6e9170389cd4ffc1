"""Model providers, looked up by name: ``offline`` (the default) and ``openai`` (any compatible endpoint).

``make_model(name, design, settings)`` returns a LangChain chat model; an unknown name
lists the valid ones. :func:`describe_failure` turns whatever an endpoint did wrong
(unreachable, 401, 429 after retries, timeout, malformed JSON …) into one sentence
that says what happened and how to fix it — the agent loop then answers offline.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chipchat.config import Settings
from chipchat.design import Design
from chipchat.errors import ConfigError


@dataclass(frozen=True)
class Provider:
    name: str
    description: str
    make: Callable[[Design, Settings], Any]


def _offline(design: Design, settings: Settings) -> Any:
    from chipchat.agent.offline import OfflineChatModel

    return OfflineChatModel(design=design)


def _openai(design: Design, settings: Settings) -> Any:
    from langchain_openai import ChatOpenAI

    if not settings.llm_base_url:
        raise ConfigError("the openai provider needs an endpoint",
                          hint="set CHIPCHAT_LLM_BASE_URL, e.g. http://127.0.0.1:11434/v1 (Ollama) or "
                               "https://api.openai.com/v1 with OPENAI_API_KEY")
    return ChatOpenAI(base_url=settings.llm_base_url, api_key=settings.llm_api_key or "not-needed",  # type: ignore[arg-type]
                      model=settings.llm_model, timeout=settings.llm_timeout_s,
                      max_retries=settings.llm_max_retries, temperature=0)


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


def describe_failure(exc: BaseException, settings: Settings) -> str:
    """One sentence: what the endpoint did wrong and how to fix it."""
    import openai

    where = settings.llm_base_url or "(no CHIPCHAT_LLM_BASE_URL)"
    model = settings.llm_model
    if isinstance(exc, openai.AuthenticationError):
        return f"the model endpoint {where} rejected the API key (401); set OPENAI_API_KEY to a valid key"
    if isinstance(exc, openai.PermissionDeniedError):
        return f"the model endpoint {where} refused access (403); check the key's permissions for {model}"
    if isinstance(exc, openai.NotFoundError):
        return (f"the model endpoint {where} has no model {model!r} or no /chat/completions route (404); "
                "check CHIPCHAT_LLM_MODEL and that CHIPCHAT_LLM_BASE_URL ends in /v1")
    if isinstance(exc, openai.RateLimitError):
        return (f"the model endpoint {where} kept answering 429 (rate limited) after "
                f"{settings.llm_max_retries} retries; wait, or raise CHIPCHAT_LLM_MAX_RETRIES")
    if isinstance(exc, openai.APITimeoutError):
        return (f"the model endpoint {where} did not answer within {settings.llm_timeout_s:g} s; "
                "raise CHIPCHAT_LLM_TIMEOUT or check the server")
    if isinstance(exc, openai.APIConnectionError):
        return (f"the model endpoint {where} is unreachable ({_cause(exc)}); start the server or fix "
                "CHIPCHAT_LLM_BASE_URL")
    if isinstance(exc, openai.APIResponseValidationError | json.JSONDecodeError):
        return f"the model endpoint {where} returned malformed JSON; check that it is OpenAI-compatible"
    if isinstance(exc, openai.APIStatusError):
        return f"the model endpoint {where} answered HTTP {exc.status_code}: {_short(str(exc))}"
    if isinstance(exc, ConfigError):
        return str(exc)
    return (f"the model at {where} failed ({type(exc).__name__}: {_short(str(exc))}); "
            "check that the endpoint is OpenAI-compatible and supports tool calls")


def _cause(exc: BaseException) -> str:
    """The innermost reason in the exception chain ("[Errno 111] Connection refused")."""
    reason, seen = str(exc), set()
    inner = exc.__cause__ or exc.__context__
    while inner is not None and id(inner) not in seen:
        seen.add(id(inner))
        if str(inner):
            reason = str(inner)
        inner = inner.__cause__ or inner.__context__
    return _short(reason) or type(exc).__name__


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
