"""The language-model path against a scripted OpenAI-compatible server on 127.0.0.1 (no real network)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from chipchat.tbgen.api import generate, generate_testbench

MODULE = '''```python
import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge


@cocotb.test()
async def test_model_ready_after_reset(dut):
    """spec.md:59: tx_ready is 1 after reset."""
    dut.rst.value = 1
    dut.tx_start.value = 0
    dut.tx_data.value = 0
    Clock(dut.clk, 10, unit="ns").start()
    for _ in range(2):
        await FallingEdge(dut.clk)
    got = int(dut.tx_ready.value)
    assert got == EXPECTED, f"tx_ready = {got}, spec expects EXPECTED [spec.md:59 reset value of tx_ready]"
```'''


class Scripted:
    """Replies with the given contents in order and records every request body."""

    def __init__(self, replies: list[str]) -> None:
        self.replies = replies
        self.requests: list[dict] = []


@pytest.fixture
def llm_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Scripted]:
    script = Scripted([])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            script.requests.append(body)
            content = script.replies[min(len(script.requests), len(script.replies)) - 1]
            reply = {"id": f"chatcmpl-{len(script.requests)}", "object": "chat.completion", "created": 0,
                     "model": body.get("model", "m"),
                     "choices": [{"index": 0, "finish_reason": "stop",
                                  "message": {"role": "assistant", "content": content}}],
                     "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}}
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("CHIPCHAT_LLM_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}/v1")
    monkeypatch.setenv("CHIPCHAT_LLM_MODEL", "scripted")
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    monkeypatch.setenv("CHIPCHAT_LLM_MAX_RETRIES", "0")
    yield script
    server.shutdown()
    server.server_close()


def test_the_model_writes_tests_and_repairs_them_from_the_failures(llm_server: Scripted, design_copy) -> None:
    llm_server.replies = [MODULE.replace("EXPECTED", "0"), MODULE.replace("EXPECTED", "1")]
    uart = design_copy("uart_tx")
    result = generate(uart, grade=False)
    llm = result.llm
    assert llm is not None and llm["rounds"] == 2
    assert llm["passing"] == ["test_model_ready_after_reset"] and not llm["failing"]
    assert len(llm_server.requests) == 2
    first = llm_server.requests[0]["messages"]
    assert first[0]["role"] == "system" and "cocotb 2.1" in first[0]["content"]
    assert "spec.md:39 table 'State machine'" in first[-1]["content"]  # the parts nothing generated covers
    assert "test_frames_sampled_mid_bit" in first[-1]["content"]  # what is already tested
    repair = llm_server.requests[1]["messages"][-1]["content"]
    assert "failed on the RTL" in repair and "tx_ready = 1, spec expects 0" in repair
    assert Path(llm["file"]).read_text().count("assert got == 1") == 1
    assert result.runs["icarus"]["ok"] and not result.disagreements


def test_model_tests_still_failing_are_disagreements_not_hidden(llm_server: Scripted, design_copy) -> None:
    llm_server.replies = ["no code here, sorry", MODULE.replace("EXPECTED", "0")]
    answer = generate_testbench(design_copy("uart_tx"), grade=False)
    llm = answer.data["llm"]
    assert llm["rounds"] == 3 and llm["failing"] == ["test_model_ready_after_reset"]
    assert "had no ```python code block" in llm_server.requests[1]["messages"][-1]["content"]
    (d,) = [d for d in answer.data["disagreements"] if d["kind"] == "model-written"]
    assert d["test"] == "test_model_ready_after_reset" and d["source"] == "spec.md:59 reset value of tx_ready"
    assert "a test the language model wrote" in answer.text


def test_a_spec_without_structure_is_written_by_the_model(llm_server: Scripted, design_copy, tmp_path: Path) -> None:
    llm_server.replies = [MODULE.replace("EXPECTED", "1")]
    prose = tmp_path / "notes.md"
    prose.write_text("# uart_tx\n\nAfter reset the transmitter is ready (tx_ready high) and the line idles high.\n")
    result = generate(design_copy("uart_tx"), str(prose), grade=False)
    assert not result.tests and result.usable  # nothing extracted offline; the model's test passes
    assert result.llm is not None and result.llm["passing"] == ["test_model_ready_after_reset"]
    assert "After reset the transmitter is ready" in llm_server.requests[0]["messages"][-1]["content"]


def test_an_unreachable_model_is_a_warning(monkeypatch: pytest.MonkeyPatch, design_copy) -> None:
    monkeypatch.setenv("CHIPCHAT_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("CHIPCHAT_LLM_MAX_RETRIES", "0")
    monkeypatch.setenv("CHIPCHAT_LLM_TIMEOUT", "3")
    result = generate(design_copy("mac16"), grade=False)
    assert result.runs["icarus"]["ok"]
    assert any("language model at http://127.0.0.1:9/v1 failed" in w for w in result.warnings)
