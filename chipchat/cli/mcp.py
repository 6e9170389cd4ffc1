"""``chipchat mcp``: serve a design (or a folder of designs) to MCP clients (Claude Code, Cursor, VS Code)."""

from __future__ import annotations

import argparse
import json
import sys

from chipchat.errors import ConfigError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "mcp", help="serve chipchat's tools to MCP clients (Claude Code, Cursor, VS Code) over stdio or HTTP",
        description="Serve the design's tools (structure, search, timing, placement, simulation, verification, "
                    "mutation, testbench generation, checked edits) and files as a Model Context Protocol "
                    "server. Over stdio by default (the client starts the server); with --http, streamable "
                    "HTTP on 127.0.0.1 with a bearer token printed once. Nothing is written outside "
                    "<design>/.chipchat/ unless --allow-apply is given.")
    p.add_argument("design", nargs="?", default=None,
                   help="design folder or bundled example (mac16, fifo, uart_tx, alu8)")
    p.add_argument("--root", default=None, metavar="FOLDER",
                   help="serve every design folder under FOLDER, by name (instead of one design)")
    p.add_argument("--http", action="store_true", help="streamable HTTP instead of stdio")
    p.add_argument("--host", default="127.0.0.1", help="address to bind with --http (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=7900, help="port with --http (default 7900; 0: any free port)")
    p.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                   help="with --http, also accept requests from this browser Origin (e.g. http://localhost:5173)")
    p.add_argument("--allow-apply", action="store_true",
                   help="offer apply_proposal: write a stored proposal by id, once its stale check passes")
    p.set_defaults(func=cmd_mcp)


def cmd_mcp(args: argparse.Namespace) -> int:
    if (args.design is None) == (args.root is None):
        raise ConfigError("give one design folder, or --root with a folder of designs",
                          hint="chipchat mcp designs/mac16   or   chipchat mcp --root designs")
    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port must be between 0 and 65535, got {args.port}")
    if not args.http and (args.allow_origin or args.host != "127.0.0.1" or args.port != 7900):
        raise ConfigError("--host, --port and --allow-origin apply to --http only",
                          hint="add --http, or leave them out for stdio")
    import anyio

    from chipchat.mcp.designs import Catalog
    from chipchat.mcp.server import ChipchatMCP

    server = ChipchatMCP(Catalog(design=args.design, root=args.root), allow_apply=args.allow_apply)
    if not args.http:
        anyio.run(server.serve_stdio)
        return 0
    from chipchat.mcp import http

    sock = http.bind(args.host, args.port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    token = http.new_token()
    url = f"http://{shown}:{port}{http.PATH}"

    def started() -> None:
        config = {"type": "http", "url": url, "headers": {"Authorization": f"Bearer {token}"}}
        print(f"chipchat mcp: serving {', '.join(server.catalog.names())} on {url} (Ctrl-C stops it)\n"
              f"  bearer token (shown once): {token}\n"
              f"  client config: {json.dumps(config)}", file=sys.stderr, flush=True)

    try:
        anyio.run(lambda: http.serve(server, sock, token=token, host=args.host, origins=args.allow_origin,
                                     started=started))
    finally:
        sock.close()
    return 0
