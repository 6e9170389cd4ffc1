"""Cancelling a long call kills its tool processes (checked in /proc), and only those.

The long calls are real: a simulation whose test never ends (Icarus in the bubblewrap sandbox),
and a mutation run whose mutants are simulated by process-pool workers. Every tool process seen
under the server before the cancel must be gone after it, the server must keep serving, and a
client that disconnects mid-call takes its call's tools along.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import anyio
import mcp_types as types

from tests.mcp.conftest import (
    Proc,
    connect,
    descendants,
    fingerprint,
    gone,
    processes,
    server_env,
    server_pid,
    tools_of,
    wait_for,
)

SLOW_S = 15
SLOW = f'''"""A test that takes {SLOW_S} s and passes."""
import time

import cocotb


@cocotb.test()
async def test_slow(dut):
    time.sleep({SLOW_S})
'''


def simulator_running(pid: int) -> list[Proc]:
    return [p for p in tools_of(pid) if "vvp" in p.cmdline]


def test_cancelling_a_simulation_kills_its_processes(designs: Path) -> None:
    before = fingerprint(designs)
    seen: dict[str, list[Proc]] = {}
    steps: list[str] = []

    async def progress(value: float, total: float | None, message: str | None) -> None:
        steps.append(message or "")

    async def main() -> None:
        async with connect(str(designs / "fifo"), cwd=designs.parent) as client:
            pid = server_pid(designs.parent)

            async def watch(scope: anyio.CancelScope) -> None:
                await anyio.to_thread.run_sync(lambda: wait_for(lambda: simulator_running(pid), 180, "the simulator"))
                while not any("running" in s for s in steps):  # a heartbeat comes within seconds at the latest
                    await anyio.sleep(0.1)
                seen["tools"] = tools_of(pid)
                scope.cancel()

            async with anyio.create_task_group() as tg:
                with anyio.CancelScope() as scope:
                    tg.start_soon(watch, scope)
                    await client.call_tool("run_tests", {"filter": "hang"}, progress_callback=progress)
                    raise AssertionError("a test that never ends came back")
            assert scope.cancelled_caught
            survivors = await anyio.to_thread.run_sync(gone, seen["tools"])
            assert not survivors, f"still running after the cancel: {survivors}"
            assert not tools_of(pid)
            result = await client.call_tool("ports", {})
            assert not result.is_error  # the server goes on
            again = await client.call_tool("run_tests", {"filter": "test_fill"})  # no half-written build reused
            summary = again.structured_content["answer"]["text"].splitlines()[0]
            assert not again.is_error and re.search(r"(\d+)/\1 pass\b", summary), summary

    anyio.run(main)
    assert any(s.startswith("run_tests: running ") for s in steps), steps
    assert fingerprint(designs) == before


def pool_workers(pid: int, table: dict[int, Proc] | None = None) -> list[Proc]:
    """The server's process-pool workers (spawned, or forked: then with the server's own command line)."""
    table = table if table is not None else processes()
    return [p for p in table.values() if p.ppid == pid and ("spawn_main" in p.cmdline
                                                             or p.cmdline == table[pid].cmdline)]


def test_cancelling_a_mutation_run_reaches_the_pool_workers_tools(designs: Path) -> None:
    # a slow test that passes: the baseline passes, and every mutant's simulation lives long enough
    # (SLOW_S) that only the cancel can explain its end
    toml = designs / "fifo" / "chipchat.toml"
    toml.write_text(toml.read_text().replace('"test_fifo", "test_hang"', '"test_fifo", "test_slow"'))
    (designs.parent / "verification" / "fifo" / "test_slow.py").write_text(SLOW)
    seen: dict[str, list[Proc]] = {}

    def worker_sims(pid: int) -> list[Proc]:
        """Simulators (of the slow test: long-lived) that pool workers started."""
        table = processes()
        return [p for w in pool_workers(pid, table) for p in descendants(w.pid, table) if "vvp" in p.cmdline]

    async def main() -> None:
        async with connect(str(designs / "fifo"), cwd=designs.parent) as client:
            pid = server_pid(designs.parent)

            async def watch(scope: anyio.CancelScope) -> None:
                await anyio.to_thread.run_sync(lambda: wait_for(lambda: worker_sims(pid), 180, "a worker's simulator"))
                seen["sims"] = worker_sims(pid)
                seen["tools"] = tools_of(pid)
                scope.cancel()

            async with anyio.create_task_group() as tg:
                with anyio.CancelScope() as scope:
                    tg.start_soon(watch, scope)
                    await client.call_tool("mutation_score", {"max_mutants": 0})
            assert scope.cancelled_caught, "the mutation run finished before it could be cancelled"
            survivors = await anyio.to_thread.run_sync(gone, seen["tools"] + seen["sims"], SLOW_S / 3)
            assert not survivors, f"still running after the cancel: {survivors}"
            # the call's workers see the cancel, stop starting tools and the pool winds down
            await anyio.to_thread.run_sync(lambda: wait_for(lambda: not pool_workers(pid), 60, "the pool to end"))
            assert not tools_of(pid)
            assert not (await client.call_tool("ports", {})).is_error

    anyio.run(main)


def test_a_client_that_disconnects_mid_call_takes_the_tools_along(designs: Path) -> None:
    before = fingerprint(designs)
    server = subprocess.Popen([sys.executable, "-m", "chipchat", "mcp", str(designs / "fifo")], cwd=designs.parent,
                              env=server_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    assert server.stdin is not None and server.stdout is not None

    def send(message: dict[str, object]) -> None:
        assert server.stdin is not None
        server.stdin.write((json.dumps(message) + "\n").encode())
        server.stdin.flush()

    try:
        send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}})
        assert json.loads(server.stdout.readline())["result"]["serverInfo"]["name"] == "chipchat"
        send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        send({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
            "name": "run_tests", "arguments": {"filter": "hang"}, "_meta": {"progressToken": "p"}}})
        wait_for(lambda: simulator_running(server.pid), 180, "the simulator")
        running = tools_of(server.pid)
        t0 = time.monotonic()
        server.stdin.close()  # the client goes away
        assert server.wait(timeout=60) == 0
        assert time.monotonic() - t0 < 30
        assert not gone(running), "a tool outlived its disconnected client"
        lines = [json.loads(line) for line in server.stdout.read().splitlines() if line.strip()]
        assert not [m for m in lines if m.get("id") == 2 and "result" in m]  # no result for a dropped call
        assert all(types.JSONRPCNotification.model_validate(m) for m in lines if "method" in m)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert fingerprint(designs) == before
