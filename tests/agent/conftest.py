"""Fixtures for the agent: a scripted chat model and a local OpenAI-compatible HTTP server."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult


class ScriptedChatModel(BaseChatModel):
    """Replies with the scripted AIMessages in order (tool calls included); records what it saw."""

    script: list[Any]
    seen: list[Any] = []

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedChatModel:
        return self

    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        self.seen.append(list(messages))
        message = self.script.pop(0) if self.script else AIMessage(content="(script ended)")
        return ChatResult(generations=[ChatGeneration(message=message)])


@pytest.fixture
def scripted():
    return lambda *messages: ScriptedChatModel(script=list(messages), seen=[])


class FakeOpenAI:
    """Answers /v1/chat/completions from a script; each entry is one response:

    ``{"content": str}``, ``{"tool_calls": [(name, args)]}``, ``{"status": 401|429|..., "headers": {}}``,
    ``{"sleep": s, ...}`` (delay first), ``{"raw": "not json"}``. Streams SSE when asked to.
    """

    def __init__(self) -> None:
        self.script: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                body["_auth"] = self.headers.get("Authorization", "")
                fake.requests.append(body)
                step = fake.script.pop(0) if fake.script else {"content": "(script ended)"}
                try:
                    self._answer(step, bool(body.get("stream")))
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the timeout test)

            def _answer(self, step: dict[str, Any], stream: bool) -> None:
                time.sleep(step.get("sleep", 0))
                if "status" in step:
                    payload = json.dumps({"error": {"message": step.get("message", "scripted error"),
                                                    "type": "scripted", "code": step["status"]}}).encode()
                    self.send_response(step["status"])
                    for k, v in {"Content-Type": "application/json", **step.get("headers", {})}.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                if "raw" in step:
                    raw = (f"data: {step['raw']}\n\n" if stream else step["raw"]).encode()
                    self._send(raw, "text/event-stream" if stream else "application/json")
                    return
                calls = [{"id": f"call_{i}", "type": "function",
                          "function": {"name": n, "arguments": json.dumps(a)}}
                         for i, (n, a) in enumerate(step.get("tool_calls", []))]
                content = step.get("content")
                finish = "tool_calls" if calls else "stop"
                if not stream:
                    msg: dict[str, Any] = {"role": "assistant", "content": content}
                    if calls:
                        msg["tool_calls"] = calls
                    self._send(json.dumps(_completion({"index": 0, "message": msg, "finish_reason": finish})).encode(),
                               "application/json")
                    return
                chunks = [{"role": "assistant", "content": ""}]
                chunks += [{"content": w} for w in _words(content or "")]
                chunks += [{"tool_calls": [{"index": i, **c}]} for i, c in enumerate(calls)]
                events = [_chunk({"index": 0, "delta": d, "finish_reason": None}) for d in chunks]
                events.append(_chunk({"index": 0, "delta": {}, "finish_reason": finish}))
                data = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
                self._send(data.encode(), "text/event-stream")

            def _send(self, payload: bytes, ctype: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _words(text: str) -> list[str]:
    import re

    return re.findall(r"\S+\s*", text)


def _completion(choice: dict[str, Any]) -> dict[str, Any]:
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "fake", "choices": [choice],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


def _chunk(choice: dict[str, Any]) -> dict[str, Any]:
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": "fake",
            "choices": [choice]}


@pytest.fixture
def fake_openai():
    server = FakeOpenAI()
    yield server
    server.close()


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every user file below ``root`` (chipchat's own .chipchat state excluded)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and ".chipchat" not in p.parts}


@pytest.fixture
def digest_tree():
    return tree_digest


def _root_conftest() -> Any:
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "conftest.py"
    spec = importlib.util.spec_from_file_location("chipchat_tests_root_conftest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def module_copy(tmp_path_factory):
    """Factory: a copy of a bundled design shared by the tests of one module (tools' caches warm up once)."""
    copy = _root_conftest().copy_design
    return lambda name: copy(name, tmp_path_factory.mktemp(name))
