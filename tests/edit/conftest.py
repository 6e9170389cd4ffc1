"""Fixtures for the edit tests: a scripted OpenAI-compatible server on 127.0.0.1, tree snapshots."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

COUNTER = """// counter -- test design: one register with a reset, two without.
`default_nettype none
module counter (
    input  wire       clk,
    input  wire       rst,
    input  wire       en,
    input  wire [3:0] d,
    output reg  [3:0] q,
    output reg  [3:0] last,
    output wire       big
);
    reg [3:0] count;  // count: increments while en
    reg       seen;

    always @(posedge clk) begin
        if (rst) begin
            count <= 4'd0;
        end else if (en) begin
            count <= count + 4'd1;
            seen  <= 1'b1;
        end
    end

    always @(posedge clk) begin
        q    <= count ^ d;
        last <= d;
    end

    assign big = count[3];  // "count" in a comment and in a string below
    initial $display("count=%d", count);
endmodule
`default_nettype wire
"""


@pytest.fixture
def counter(tmp_path: Path) -> Path:
    """A small clocked design (not an example): registers with and without a reset, a comment, a string."""
    root = tmp_path / "counter"
    (root / "rtl").mkdir(parents=True)
    (root / "rtl" / "counter.v").write_text(COUNTER)
    (root / "chipchat.toml").write_text(
        '[design]\nsources = ["rtl/*.v"]\n\n[[clocks]]\nport = "clk"\nperiod_ns = 10.0\n')
    return root


class ScriptedLLM:
    """Answers each POST /v1/chat/completions with the next canned reply; records every request."""

    def __init__(self, replies: list[str]) -> None:
        self.replies = list(replies)
        self.requests: list[dict[str, Any]] = []
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
                scripted.requests.append({"path": self.path, "body": body})
                if not self.path.endswith("/chat/completions") or not scripted.replies:
                    self.send_response(404 if scripted.replies else 500)
                    self.end_headers()
                    return
                content = scripted.replies.pop(0)
                payload = json.dumps({
                    "id": f"chatcmpl-{len(scripted.requests)}", "object": "chat.completion", "created": 0,
                    "model": body.get("model", "scripted"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def user_messages(self, index: int) -> list[str]:
        return [m["content"] for m in self.requests[index]["body"]["messages"] if m["role"] in ("user", "human")]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scripted_llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Factory: ``scripted_llm([reply1, reply2])`` starts the server and points chipchat at it."""
    servers: list[ScriptedLLM] = []

    def start(replies: list[str]) -> ScriptedLLM:
        server = ScriptedLLM(replies)
        servers.append(server)
        monkeypatch.setenv("CHIPCHAT_LLM_BASE_URL", server.base_url)
        monkeypatch.setenv("CHIPCHAT_LLM_MODEL", "scripted-model")
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("CHIPCHAT_LLM_MAX_RETRIES", "0")
        monkeypatch.setenv("CHIPCHAT_LLM_TIMEOUT", "20")
        return server

    yield start
    for s in servers:
        s.close()


@pytest.fixture(autouse=True)
def offline_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """No model unless a test starts the scripted server (the developer's environment must not leak in)."""
    for var in ("CHIPCHAT_LLM_BASE_URL", "CHIPCHAT_LLM_PROVIDER"):
        monkeypatch.delenv(var, raising=False)


def user_files(root: Path) -> dict[str, bytes]:
    """Every file of a design folder except chipchat's own state."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".chipchat" not in p.parts}


@pytest.fixture
def files_of():
    return user_files
