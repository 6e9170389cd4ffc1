"""Streamable HTTP: loopback by default, a bearer token on every request, Origin and Host checked.

``chipchat mcp --http`` binds 127.0.0.1 (``--host`` to change it) and prints a fresh random token
once; every request must carry ``Authorization: Bearer <token>`` (else 401). A request whose
``Origin`` is not the server's own loopback origin (or one given with ``--allow-origin``) is
refused with 403 before the token is even looked at, and a ``Host`` that is not the address the
server is bound to (loopback; with ``--host 0.0.0.0`` also this machine's names) is refused with
421: a web page in the user's browser cannot reach the server through DNS rebinding. The SDK's
transport applies the same Host/Origin settings again.
"""

from __future__ import annotations

import hmac
import secrets
import socket
from collections.abc import Callable, Sequence
from typing import Any

from mcp.server.transport_security import TransportSecurityMiddleware, TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from chipchat.mcp.server import ChipchatMCP

PATH = "/mcp"
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def security(host: str, origins: Sequence[str] = ()) -> TransportSecuritySettings:
    """Hosts and origins a request may name: loopback, plus the address the server is bound to (for a
    wildcard bind, this machine's names), plus ``origins``."""
    if host in ("0.0.0.0", "::"):
        extra = list(dict.fromkeys([socket.gethostname(), socket.getfqdn()]))
    elif host in ("127.0.0.1", "localhost", "::1"):
        extra = []
    else:
        extra = [f"[{host}]" if ":" in host else host]
    names = list(LOOPBACK) + extra
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[f"{n}:*" for n in names] + list(names),
        allowed_origins=[f"http://{n}:*" for n in names] + [o.rstrip("/") for o in origins])


class Guard:
    """ASGI middleware: Host and Origin first (421/403), then the bearer token (401)."""

    def __init__(self, app: ASGIApp, token: str, settings: TransportSecuritySettings) -> None:
        self.app = app
        self.token = token.encode()
        self.checks = TransportSecurityMiddleware(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = await self.checks.validate_request(Request(scope), is_post=False)
        if refused is not None:
            await refused(scope, receive, send)
            return
        scheme, _, given = Headers(scope=scope).get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), self.token):
            what = "a wrong bearer token" if given else "no bearer token"
            await JSONResponse(
                {"error": "unauthorized", "error_description": f"chipchat mcp: {what}; send the header "
                 "'Authorization: Bearer <token>' with the token `chipchat mcp --http` printed at start"},
                status_code=401, headers={"WWW-Authenticate": 'Bearer realm="chipchat"'})(scope, receive, send)
            return
        await self.app(scope, receive, send)


def app(mcp: ChipchatMCP, *, token: str, host: str = "127.0.0.1", origins: Sequence[str] = ()) -> ASGIApp:
    """The ASGI application: the SDK's streamable HTTP endpoint at /mcp behind the :class:`Guard`."""
    settings = security(host, origins)
    inner = mcp.server.streamable_http_app(streamable_http_path=PATH, transport_security=settings, host=host)
    return Guard(inner, token, settings)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (port 0: any free port), so the URL is known before serving starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


async def serve(mcp: ChipchatMCP, sock: socket.socket, *, token: str, host: str, origins: Sequence[str] = (),
                started: Callable[[], Any] | None = None) -> None:
    """Serve on ``sock`` until interrupted."""
    import uvicorn

    config = uvicorn.Config(app(mcp, token=token, host=host, origins=origins), log_level="warning",
                            lifespan="on", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    if started is not None:
        started()
    await server.serve(sockets=[sock])
