"""The one client of an OpenAI-compatible model endpoint, and how its failures are told to the user.

The agent, model-written edits and model-written tests all talk to the endpoint the user
configured (``CHIPCHAT_LLM_BASE_URL``, ``CHIPCHAT_LLM_MODEL``, ``OPENAI_API_KEY``) through
:func:`chat_model`, so timeouts, retries and the missing-endpoint message are the same
everywhere, and :func:`describe_failure` turns any endpoint error into one sentence with its fix.
"""

from __future__ import annotations

import json
from typing import Any

from chipchat.config import Settings, settings
from chipchat.errors import ConfigError


def configured(s: Settings | None = None) -> bool:
    """Whether an endpoint is configured (the offline planner answers otherwise)."""
    return bool((s or settings()).llm_base_url)


def chat_model(s: Settings | None = None) -> Any:
    """langchain-openai's ``ChatOpenAI`` for the configured endpoint (temperature 0: answers are repeatable)."""
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    s = s or settings()
    if not s.llm_base_url:
        raise ConfigError("no language model is configured: the openai provider needs an endpoint",
                          hint="set CHIPCHAT_LLM_BASE_URL, e.g. http://127.0.0.1:11434/v1 (Ollama) or "
                               "https://api.openai.com/v1 with OPENAI_API_KEY, and CHIPCHAT_LLM_MODEL")
    return ChatOpenAI(base_url=s.llm_base_url, api_key=SecretStr(s.llm_api_key or "not-needed"), model=s.llm_model,
                      timeout=s.llm_timeout_s, max_retries=s.llm_max_retries, temperature=0)


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
