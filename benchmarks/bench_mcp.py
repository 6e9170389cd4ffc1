"""MCP overhead: a tool call through ``chipchat mcp`` versus the same function called directly (issue #14).

    python benchmarks/bench_mcp.py            # stdio and HTTP, 30 calls per tool
    python benchmarks/bench_mcp.py --calls 100

On a private copy of designs/mac16, warmed first (the timing steps cached, the model parsed,
one call of each tool made), every tool below is called ``--calls`` times directly
(:func:`chipchat.agent.tools.run_tool` in this process) and through the MCP server with the
SDK's own client, over stdio (``chipchat mcp``, a child process) and over streamable HTTP
(``chipchat mcp --http``, with its bearer token). The overhead is the difference of the
medians: argument checks, the worker thread, JSON, the transport, base64 of any image.
Target: ≤ 50 ms per call on a warm design.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TARGET_S = 0.050
CALLS: list[tuple[str, dict[str, Any]]] = [
    ("drivers", {"signal": "acc"}),
    ("ports", {}),
    ("hierarchy", {}),
    ("summarize_design", {}),
    ("timing_report", {}),  # warm: synthesis and STA come from the step cache; the answer carries a PNG
]


def direct(design: Any, n: int) -> dict[str, list[float]]:
    from chipchat.agent.tools import run_tool

    out: dict[str, list[float]] = {}
    for name, args in CALLS:
        run_tool(design, name, args)  # warm
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            result = run_tool(design, name, args)
            times.append(time.perf_counter() - t0)
            assert result.ok, result.error
        out[name] = times
    return out


async def through(client: Any, n: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for name, args in CALLS:
        await client.call_tool(name, args)  # warm
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            result = await client.call_tool(name, args)
            times.append(time.perf_counter() - t0)
            assert not result.is_error, result.content
        out[name] = times
    return out


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)}


def over_stdio(folder: Path, n: int) -> dict[str, list[float]]:
    import anyio
    from mcp import Client, StdioServerParameters

    async def main() -> dict[str, list[float]]:
        params = StdioServerParameters(command=sys.executable, args=["-m", "chipchat", "mcp", str(folder)], env=env())
        async with Client(params, mode="legacy") as client:
            return await through(client, n)

    return anyio.run(main)


def over_http(folder: Path, n: int, work: Path) -> dict[str, list[float]]:
    import anyio
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    log = work / "http.log"
    with open(log, "wb") as sink:
        server = subprocess.Popen([sys.executable, "-m", "chipchat", "mcp", "--http", "--port", "0", str(folder)],
                                  env=env(), stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while "bearer token" not in log.read_text(errors="replace"):
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the HTTP server did not start:\n" + log.read_text(errors="replace"))
            time.sleep(0.1)
        match = re.search(r"on (http://\S+/mcp) .*\n\s+bearer token \(shown once\): (\S+)", log.read_text())
        assert match
        url, token = match.groups()

        async def main() -> dict[str, list[float]]:
            http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=httpx2.Timeout(30, read=600))
            async with http, Client(streamable_http_client(url, http_client=http), mode="legacy") as client:
                return await through(client, n)

        return anyio.run(main)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=30, help="timed calls per tool (default 30)")
    args = parser.parse_args()
    from chipchat.rtl.load import load_design

    work = Path(tempfile.mkdtemp(prefix="chipchat-bench-mcp-"))
    try:
        folder = work / "designs" / "mac16"
        shutil.copytree(REPO / "designs" / "mac16", folder)
        shutil.copytree(REPO / "verification" / "mac16", work / "verification" / "mac16")
        design = load_design(folder)
        print(f"mac16 copy in {folder}; warming up (timing, model) ...", flush=True)
        base = direct(design, args.calls)
        rows = {"stdio": over_stdio(folder, args.calls), "http": over_http(folder, args.calls, work)}
        print(f"\nMCP overhead per call on a warm design ({args.calls} calls per tool, medians; target "
              f"≤ {TARGET_S * 1000:.0f} ms)\n")
        print(f"  {'tool':<18} {'direct':>9} {'stdio':>9} {'overhead':>9} {'http':>9} {'overhead':>9}")
        worst = 0.0
        for name, _ in CALLS:
            d = statistics.median(base[name])
            s, h = statistics.median(rows["stdio"][name]), statistics.median(rows["http"][name])
            worst = max(worst, s - d, h - d)
            print(f"  {name:<18} {d * 1000:7.1f}ms {s * 1000:7.1f}ms {(s - d) * 1000:7.1f}ms "
                  f"{h * 1000:7.1f}ms {(h - d) * 1000:7.1f}ms")
        verdict = "meets" if worst <= TARGET_S else "MISSES"
        print(f"\n  worst overhead {worst * 1000:.1f} ms: target ≤ {TARGET_S * 1000:.0f} ms {verdict}")
        return 0 if worst <= TARGET_S else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
