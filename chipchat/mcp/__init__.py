"""chipchat as a Model Context Protocol server: the grounded tools for any MCP client.

``chipchat mcp designs/mac16`` (stdio) or ``chipchat mcp --http designs/mac16`` (streamable HTTP)
serves the same typed functions the CLI, the agent and the UI call — the agent's tool registry,
:data:`chipchat.agent.tools.TOOLS` — with their JSON schemas, structured results, images,
progress and cancellation (:mod:`chipchat.mcp.server`, :mod:`chipchat.mcp.tools`), the designs'
files as resources (:mod:`chipchat.mcp.resources`), one design or a root folder of designs by
name (:mod:`chipchat.mcp.designs`), and HTTP behind a bearer token and Origin checks
(:mod:`chipchat.mcp.http`).

**Which SDK.** The official Python SDK, PyPI ``mcp`` (2.3), not FastMCP (``fastmcp`` 4.1).
chipchat already has what FastMCP adds on top of the protocol — functions registered by name,
JSON schemas derived from signatures and docstrings, typed results — so its decorator layer
would be a second registry to keep in step with the agent's. The SDK's lowlevel ``Server``
takes our schemas as they are and gives direct access to what this server needs: per-request
progress, the cancellation of a request's task, the streamable-HTTP app with its Host/Origin
checks, and a client for the tests over stdio and HTTP. It is the reference implementation of
both protocol eras (the initialize handshake that today's editors speak, and 2026-07-28), and
``fastmcp`` depends on it anyway; its dependencies (starlette, uvicorn, httpx) are already
those of the web UI.
"""
