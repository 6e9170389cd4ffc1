"""``chipchat mcp --http``: loopback, the bearer token, Origin and Host checks, and the SDK's client."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import anyio
import httpx2
import mcp_types as types
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from chipchat.mcp.http import security
from tests.conftest import copy_design
from tests.mcp.conftest import HANG, Proc, gone, http_server, tools_of, wait_for

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}}
ACCEPT = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, int, Path]]:
    """One HTTP server on a root with fifo (plus a test that never ends) and mac16: (url, token, pid, root)."""
    base = tmp_path_factory.mktemp("http")
    fifo = copy_design("fifo", base)
    copy_design("mac16", base)
    (base / "verification" / "fifo" / "test_hang.py").write_text(HANG)
    toml = fifo / "chipchat.toml"
    toml.write_text(toml.read_text().replace('modules = ["test_fifo"]', 'modules = ["test_fifo", "test_hang"]'))
    with http_server("--root", str(base / "designs"), cwd=base) as (url, token, proc):
        yield url, token, proc.pid, base


def test_it_binds_loopback_and_wants_the_token_origin_and_host(served: tuple[str, str, int, Path]) -> None:
    url, token, _, _ = served
    assert urlsplit(url).hostname == "127.0.0.1"
    port = urlsplit(url).port
    auth = {"authorization": f"Bearer {token}"}
    with httpx2.Client(timeout=30) as http:
        missing = http.post(url, headers=ACCEPT, json=INIT)
        assert missing.status_code == 401 and "no bearer token" in missing.json()["error_description"]
        assert missing.headers["www-authenticate"].startswith("Bearer")
        wrong = http.post(url, headers={**ACCEPT, "authorization": "Bearer not-the-token"}, json=INIT)
        assert wrong.status_code == 401 and "wrong bearer token" in wrong.json()["error_description"]
        evil = http.post(url, headers={**ACCEPT, **auth, "origin": "http://evil.example"}, json=INIT)
        assert evil.status_code == 403  # even with the token: a page elsewhere must not drive the server
        rebound = http.post(url, headers={**ACCEPT, **auth, "host": f"evil.example:{port}"}, json=INIT)
        assert rebound.status_code == 421
        ok = http.post(url, headers={**ACCEPT, **auth, "origin": f"http://127.0.0.1:{port}"}, json=INIT)
        assert ok.status_code == 200 and "chipchat" in ok.text


def client(url: str, token: str, mode: str = "legacy") -> tuple[httpx2.AsyncClient, Client]:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=httpx2.Timeout(30, read=600))
    return http, Client(streamable_http_client(url, http_client=http), mode=mode, read_timeout_seconds=600)


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_the_sdk_client_over_http_tools_images_progress_cancel(served: tuple[str, str, int, Path], mode: str) -> None:
    url, token, pid, _ = served
    steps: list[str] = []
    seen: dict[str, list[Proc]] = {}

    async def progress(value: float, total: float | None, message: str | None) -> None:
        steps.append(message or "")

    async def main() -> None:
        http, mcp = client(url, token, mode)
        async with http, mcp as session:
            assert "drivers" in {t.name for t in (await session.list_tools()).tools}
            drivers = await session.call_tool("drivers", {"design": "fifo", "signal": "full"})
            assert not drivers.is_error and drivers.structured_content["answer"]["citations"]
            source = (await session.read_resource("chipchat://fifo/rtl/fifo.v?lines=38-38")).contents[0]
            assert isinstance(source, types.TextResourceContents) and "assign full" in source.text
            period = {"legacy": 8.0, "auto": 9.0}[mode]  # a what-if of its own: not served from the cache
            timing = await session.call_tool("timing_report", {"design": "fifo", "clock_period_ns": period},
                                             progress_callback=progress)
            images = [c for c in timing.content if isinstance(c, types.ImageContent)]
            assert images and base64.b64decode(images[0].data).startswith(b"\x89PNG")
            assert any("static timing (opensta)" in s for s in steps), steps  # the function's own stages

            async def watch(scope: anyio.CancelScope) -> None:
                await anyio.to_thread.run_sync(lambda: wait_for(
                    lambda: [p for p in tools_of(pid) if "vvp" in p.cmdline], 180, "the simulator"))
                seen["tools"] = tools_of(pid)
                scope.cancel()

            async with anyio.create_task_group() as tg:
                with anyio.CancelScope() as scope:
                    tg.start_soon(watch, scope)
                    await session.call_tool("run_tests", {"design": "fifo", "filter": "hang"})
            assert scope.cancelled_caught
            assert not await anyio.to_thread.run_sync(gone, seen["tools"])
            assert not (await session.call_tool("ports", {"design": "mac16"})).is_error

    anyio.run(main)


def test_a_client_that_drops_the_connection_mid_call_takes_the_tools_along(served: tuple[str, str, int, Path]) -> None:
    url, token, pid, _ = served
    headers = {**ACCEPT, "authorization": f"Bearer {token}"}
    with httpx2.Client(timeout=httpx2.Timeout(30, read=300)) as http:
        init = http.post(url, headers=headers, json=INIT)
        headers.update({"mcp-session-id": init.headers["mcp-session-id"], "mcp-protocol-version": "2025-11-25"})
        http.post(url, headers=headers, json={"jsonrpc": "2.0", "method": "notifications/initialized"})
        call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
            "name": "run_tests", "arguments": {"design": "fifo", "filter": "hang"}, "_meta": {"progressToken": 7}}}
        with http.stream("POST", url, headers=headers, json=call) as response:
            for line in response.iter_lines():
                if line.startswith("data:") and "running icarus" in json.loads(line[5:])["params"]["message"]:
                    break
            wait_for(lambda: [p for p in tools_of(pid) if "vvp" in p.cmdline], 60, "the simulator")
            running = tools_of(pid)
    # the connection is closed: the result could never be delivered, so the call is cancelled
    assert not gone(running), "a tool outlived its disconnected client"
    wait_for(lambda: not tools_of(pid), 30, "no tool left")


def test_hosts_and_origins_allowed_follow_the_bind_address() -> None:
    loopback = security("127.0.0.1")
    assert "127.0.0.1:*" in loopback.allowed_hosts and "localhost:*" in loopback.allowed_hosts
    assert not [h for h in loopback.allowed_hosts if "192.168" in h]
    assert loopback.allowed_origins == ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
    lan = security("192.168.7.2", ["https://tools.example"])
    assert "192.168.7.2:*" in lan.allowed_hosts and "https://tools.example" in lan.allowed_origins
    assert "[fe80::1]:*" in security("fe80::1").allowed_hosts
    assert loopback.enable_dns_rebinding_protection and lan.enable_dns_rebinding_protection
