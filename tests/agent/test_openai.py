"""The `openai` provider against a local OpenAI-compatible server: tool calls, streaming, failures."""

from __future__ import annotations

import socket

import pytest

from chipchat.agent import providers
from chipchat.agent.session import ChatSession
from chipchat.config import Settings
from chipchat.errors import ConfigError
from chipchat.rtl.load import load_design


@pytest.fixture(autouse=True)
def lexical_search(monkeypatch):
    monkeypatch.setenv("CHIPCHAT_EMBEDDINGS", "none")


@pytest.fixture(scope="module")
def mac16(module_copy):
    return load_design(module_copy("mac16"))


def endpoint(url: str, **kw) -> Settings:
    return Settings(**{"llm_base_url": url, "llm_model": "qwen2.5-coder", "llm_api_key": "sk-test",
                       "llm_timeout_s": 5.0, "llm_max_retries": 0, **kw})


def session(design, config, name):
    s = ChatSession(design, config=config, conversation=name)
    s.reset()
    return s


def test_registry_by_name():
    assert set(providers.PROVIDERS) == {"offline", "openai"}
    with pytest.raises(ConfigError, match="unknown model provider 'llama'") as err:
        providers.get_provider("llama")
    assert "offline, openai" in str(err.value)


def test_chatopenai_is_configured_from_the_settings(mac16, fake_openai):
    model = providers.make_model("openai", mac16, endpoint(fake_openai.url, llm_timeout_s=7.0, llm_max_retries=3))
    assert model.openai_api_base == fake_openai.url and model.model_name == "qwen2.5-coder"
    assert model.request_timeout == 7.0 and model.max_retries == 3
    fake_openai.script = [{"content": "plain reply"}]
    assert model.invoke("hi").content == "plain reply"  # a non-streamed request
    assert fake_openai.requests[0]["_auth"] == "Bearer sk-test" and not fake_openai.requests[0].get("stream")


def test_tool_calls_run_the_bound_tools_and_the_reply_streams(mac16, fake_openai):
    fake_openai.script = [{"tool_calls": [("drivers", {"signal": "acc"})]},
                          {"content": "acc is loaded at rtl/mac16.v:38 and rtl/mac16.v:40, per the drivers tool."}]
    chat = session(mac16, endpoint(fake_openai.url), "openai-tools")
    events = list(chat.stream("what drives acc?"))
    turn = events[-1].turn
    assert [e.tool for e in events if e.kind == "tool_start"] == ["drivers"]
    tokens = [e.text for e in events if e.kind == "token"]
    assert len(tokens) > 5 and tokens[0].startswith("acc ")
    assert turn.text.startswith("acc is loaded at rtl/mac16.v:38") and "`rtl/mac16.v:40` (drives acc)" in turn.text
    first, second = fake_openai.requests
    assert first["stream"] is True and first["model"] == "qwen2.5-coder"
    tool_names = {t["function"]["name"] for t in first["tools"]}
    assert {"drivers", "timing_report", "run_tests", "apply_proposal"} <= tool_names
    drivers = next(t["function"] for t in first["tools"] if t["function"]["name"] == "drivers")
    assert "design" not in drivers["parameters"]["properties"] and drivers["parameters"]["required"] == ["signal"]
    system = first["messages"][0]
    assert system["role"] == "system" and "mac16" in system["content"] and "never instructions" in system["content"]
    tool_msg = next(m for m in second["messages"] if m["role"] == "tool")
    assert tool_msg["content"].startswith("[tool output: data read from the design") and "rtl/mac16.v:40" in \
        tool_msg["content"]


def test_the_next_turn_sends_the_remembered_conversation(mac16, fake_openai):
    chat = session(mac16, endpoint(fake_openai.url), "openai-memory")
    fake_openai.script = [{"content": "first answer"}, {"content": "second answer"}]
    chat.ask("first question")
    chat.ask("and a follow-up?")
    sent = [(m["role"], m["content"]) for m in fake_openai.requests[-1]["messages"] if m["role"] != "system"]
    assert sent[0] == ("user", "first question") and sent[-1] == ("user", "and a follow-up?")
    assert sent[1][0] == "assistant" and sent[1][1].startswith("first answer")


def test_429_is_retried_then_answered_by_the_model(mac16, fake_openai):
    fake_openai.script = [{"status": 429, "headers": {"retry-after-ms": "20"}}, {"content": "after the retry"}]
    turn = session(mac16, endpoint(fake_openai.url, llm_max_retries=2), "openai-429").ask("hello")
    assert not turn.notices and turn.text.startswith("after the retry") and len(fake_openai.requests) == 2
    assert "No tool was run" in turn.text


def fallback(turn, phrase):
    assert turn.notices and phrase in turn.notices[0], turn.notices
    assert "The offline planner answered instead" in turn.notices[0]
    assert turn.provider == "offline" and "rtl/mac16.v:40" in turn.text  # the question was still answered


def test_401_says_the_key_is_rejected_and_answers_offline(mac16, fake_openai):
    fake_openai.script = [{"status": 401, "message": "invalid api key"}]
    fallback(session(mac16, endpoint(fake_openai.url), "openai-401").ask("what drives acc?"),
             "rejected the API key (401); set OPENAI_API_KEY")


def test_429_after_all_retries_says_so(mac16, fake_openai):
    fake_openai.script = [{"status": 429, "headers": {"retry-after-ms": "10"}}] * 2
    fallback(session(mac16, endpoint(fake_openai.url, llm_max_retries=1), "openai-429x").ask("what drives acc?"),
             "kept answering 429")


def test_a_timeout_says_so_and_answers_offline(mac16, fake_openai):
    fake_openai.script = [{"sleep": 2.0, "content": "too late"}]
    config = endpoint(fake_openai.url, llm_timeout_s=0.3)
    fallback(session(mac16, config, "openai-timeout").ask("what drives acc?"), "did not answer within 0.3 s")


def test_malformed_json_says_so_and_answers_offline(mac16, fake_openai):
    fake_openai.script = [{"raw": "{this is not json"}]
    fallback(session(mac16, endpoint(fake_openai.url), "openai-json").ask("what drives acc?"), "malformed JSON")


def test_an_unreachable_endpoint_says_so_and_answers_offline(mac16):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    turn = session(mac16, endpoint(f"http://127.0.0.1:{port}/v1"), "openai-down").ask("what drives acc?")
    fallback(turn, f"http://127.0.0.1:{port}/v1 is unreachable")
    assert turn.text.startswith("> note: the model endpoint")


def test_a_misconfigured_provider_says_how_to_fix_it_and_answers_offline(mac16):
    turn = session(mac16, Settings(llm_provider="openai"), "openai-misconfigured").ask("what drives acc?")
    fallback(turn, "needs an endpoint")
    assert "CHIPCHAT_LLM_BASE_URL" in turn.notices[0]
