"""The MCP server: tools, resources, progress and cancellation over one lowlevel SDK ``Server``.

Each tool call runs in a worker thread inside its own :func:`chipchat._calls.call_scope`, so
the tools it starts are known. While it runs, a task sends ``notifications/progress`` (when the
client asked for progress): each tool process as it starts (``running yosys``), each step the
function itself reports (the timing stages, each finished mutant …), and a heartbeat every few
seconds during a long step. When the client cancels the request (``notifications/cancelled``,
or it disconnects and the transport ends the request), the call's tool processes are killed —
its process groups and every process carrying its marker, pool workers' tools included — and
the server waits (up to ``cancel_grace_s``) for the call's thread to return, so nothing of it
keeps running or writing. A cancelled tool leaves at most a partial run directory under
``.chipchat/runs/``; step results are cached only when a step completes, so nothing stale is
ever reused.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import anyio
import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError

from chipchat import __version__, _calls
from chipchat.errors import ChipChatError
from chipchat.mcp import resources
from chipchat.mcp.designs import Catalog, check_paths
from chipchat.mcp.tools import Exposed, error_result, execute, exposed_tools, to_call_result

INSTRUCTIONS = """chipchat: grounded tools for the RTL designs {designs}.
Answers cite file:line in the design's sources; read a cited range as the resource
chipchat://<design>/<file>?lines=<start>-<end>. Run directories with every log and report are under
chipchat://<design>/.chipchat/runs/. Timing, placement, simulation, patch verification, mutation
scoring, testbench generation and checked edits run real tools and take seconds to minutes; they
report progress and can be cancelled. Edits are proposals (propose_edit) checked by lint, tests,
timing and equivalence; {apply}"""


class ChipchatMCP:
    """The server for a :class:`Catalog` of designs (``allow_apply``: offer ``apply_proposal``)."""

    def __init__(self, catalog: Catalog, *, allow_apply: bool = False, heartbeat_s: float = 5.0,
                 cancel_grace_s: float = 20.0) -> None:
        self.catalog = catalog
        self.allow_apply = allow_apply
        self.heartbeat_s = heartbeat_s
        self.cancel_grace_s = cancel_grace_s
        self.tools = exposed_tools(allow_apply)
        apply = ("apply_proposal writes a proposal by id once its stale check passes." if allow_apply else
                 "this server never writes the designs' files (it was started without --allow-apply).")
        self.server: Server[Any] = Server(
            "chipchat", version=__version__, title="chipchat",
            instructions=INSTRUCTIONS.format(designs=", ".join(catalog.names()), apply=apply),
            on_list_tools=self._list_tools, on_call_tool=self._call_tool, on_list_resources=self._list_resources,
            on_list_resource_templates=self._list_templates, on_read_resource=self._read_resource)

    # -- tools -------------------------------------------------------------------------------
    async def _list_tools(self, ctx: Any, params: Any) -> types.ListToolsResult:
        designs = self.catalog.names() if self.catalog.many else None
        return types.ListToolsResult(tools=[t.definition(designs) for t in self.tools.values()])

    async def _call_tool(self, ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        tool = self.tools.get(params.name)
        if tool is None:
            raise MCPError(code=types.INVALID_PARAMS, message=f"Unknown tool: {params.name!r}. Tools: "
                           + ", ".join(self.tools)
                           + ("" if self.allow_apply or params.name != "apply_proposal" else
                              " (apply_proposal is offered only when the server runs with --allow-apply)"))
        arguments = dict(params.arguments or {})
        return await self._run(ctx, tool.name, partial(self._work, tool, arguments))

    def _work(self, tool: Exposed, arguments: dict[str, Any], say: Callable[[str], None]) -> types.CallToolResult:
        """One call, in its worker thread: the design, the checked arguments, the run, the result."""
        try:
            name = arguments.pop("design", None)
            design = self.catalog.get(name)
            kwargs = check_paths(design, tool.validate(arguments))
        except ChipChatError as exc:
            return error_result(f"chipchat: {exc}")
        except (OSError, ValueError) as exc:  # an unreadable design folder, a malformed chipchat.toml ...
            return error_result(f"chipchat: the design could not be opened: {type(exc).__name__}: {exc}")
        result = execute(tool, design, kwargs, say)
        return to_call_result(result, partial(resources.uri, name or design.name, design))

    async def _run(self, ctx: Any, name: str, work: Callable[[Callable[[str], None]], types.CallToolResult]
                   ) -> types.CallToolResult:
        """Run ``work`` in a thread as one call, with progress notifications and cancellation."""
        progress = _Progress(ctx, name, self.heartbeat_s)
        scope = _calls.CallScope(on_start=lambda tool: progress.events.put(f"running {tool}"))
        done = threading.Event()

        def thread() -> types.CallToolResult:
            try:
                with _calls.call_scope(scope):
                    return work(progress.events.put)
            finally:
                done.set()

        request = getattr(ctx, "request", None)  # the HTTP request carrying the call, on HTTP
        outcome: list[types.CallToolResult] = []
        async with anyio.create_task_group() as tg:
            tg.start_soon(progress.run)
            with anyio.CancelScope() as call:
                if hasattr(request, "is_disconnected"):
                    tg.start_soon(self._watch, request, call)
                try:
                    outcome.append(await anyio.to_thread.run_sync(thread, abandon_on_cancel=True))
                except anyio.get_cancelled_exc_class():  # the client cancelled, or went away
                    with anyio.CancelScope(shield=True):
                        await self._cancel(scope, done, name)
                    raise
            tg.cancel_scope.cancel()  # the reporter and the watcher
        if not outcome:
            return error_result(f"chipchat: {name} was cancelled: the client disconnected")
        await progress.drain()  # the last steps, before the result
        return outcome[0]

    @staticmethod
    async def _watch(request: Any, call: anyio.CancelScope) -> None:
        """Cancel the call when its HTTP client goes away: without an event store the result could
        never be delivered (the 2026-07-28 transport does the same by itself)."""
        while not await request.is_disconnected():
            await anyio.sleep(0.5)
        call.cancel()

    async def _cancel(self, scope: _calls.CallScope, done: threading.Event, name: str) -> None:
        """Kill the cancelled call's tools until its thread has returned (or the grace time is up)."""
        deadline = time.monotonic() + self.cancel_grace_s
        while True:
            await anyio.to_thread.run_sync(_calls.cancel_scope, scope)
            if done.is_set():
                break
            if time.monotonic() > deadline:
                print(f"chipchat mcp: {name} was cancelled; its tools are killed but its thread is still "
                      "finishing", file=sys.stderr)
                break
            await anyio.sleep(0.1)
        await anyio.to_thread.run_sync(_calls.cancel_scope, scope)

    # -- resources ---------------------------------------------------------------------------
    async def _list_resources(self, ctx: Any, params: Any) -> types.ListResourcesResult:
        return types.ListResourcesResult(resources=await anyio.to_thread.run_sync(resources.listing, self.catalog))

    async def _list_templates(self, ctx: Any, params: Any) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(resource_templates=resources.templates())

    async def _read_resource(self, ctx: Any, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
        try:
            return await anyio.to_thread.run_sync(resources.read, self.catalog, str(params.uri))
        except ChipChatError as exc:
            raise MCPError(code=types.INVALID_PARAMS, message=f"chipchat: {exc}") from None

    # -- transports --------------------------------------------------------------------------
    async def serve_stdio(self) -> None:
        """Serve one client over stdin/stdout until it closes them."""
        from mcp.server.stdio import stdio_server

        async with stdio_server() as (read, write):
            await self.server.run(read, write, self.server.create_initialization_options())


class _Progress:
    """A call's steps (queued by its thread) as ``notifications/progress``, with a heartbeat during long steps."""

    def __init__(self, ctx: Any, name: str, heartbeat_s: float) -> None:
        self.ctx, self.name, self.heartbeat_s = ctx, name, heartbeat_s
        self.events: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.count, self.current, self.live = 0, "starting", True
        self.t0 = self.last = time.monotonic()

    async def send(self, message: str) -> None:
        if not self.live:
            return
        self.count += 1
        self.current = message.split(" (")[0]
        try:
            await self.ctx.session.report_progress(self.count, None, f"{self.name}: {message}")
        except Exception:  # noqa: BLE001 - a client that stopped listening does not stop the tool
            self.live = False

    async def drain(self) -> bool:
        """Send what the thread queued; whether there was anything."""
        sent = False
        while not self.events.empty():
            await self.send(self.events.get_nowait())
            sent = True
        return sent

    async def run(self) -> None:
        while True:
            await anyio.sleep(0.2)
            now = time.monotonic()
            if await self.drain():
                self.last = now
            elif now - self.last >= self.heartbeat_s:
                await self.send(f"{self.current} ({now - self.t0:.0f} s)")
                self.last = now
