"""The chat UI served in-process on a free 127.0.0.1 port, and headless Chromium (Debian's) to drive it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def serve(monkeypatch) -> Iterator[Any]:
    """Factory: ``serve(design_path, **env)`` launches the UI and returns (url, app)."""
    from chipchat.cli.webui import launch
    from chipchat.config import settings

    apps: list[Any] = []

    def start(design: Path | str | None, **env: str) -> tuple[str, Any]:
        monkeypatch.setenv("CHIPCHAT_EMBEDDINGS", "none")
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        port = free_port()
        app = launch(design, host="127.0.0.1", port=port, config=settings(), block=False)
        apps.append(app)
        return f"http://127.0.0.1:{port}/", app

    yield start
    for app in apps:
        app.close()


@pytest.fixture
def browser(tmp_path) -> Iterator[Any]:
    """A fresh headless Chromium context (own profile folder); records requests that leave 127.0.0.1."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    with playwright.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1600, "height": 1000})
        context.external = []  # type: ignore[attr-defined]
        context.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
                   else context.external.append(r.url))  # type: ignore[attr-defined]
        yield context
        context.close()


class ChatPage:
    """The two gestures every browser test makes: open the UI, ask a question."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser

    def open(self, url: str) -> Any:
        page = self.browser.new_page()
        page.goto(url)
        page.locator("#cc-input textarea").wait_for(timeout=60_000)
        return page

    @staticmethod
    def ask(page: Any, question: str) -> None:
        page.locator("#cc-input textarea").fill(question)
        page.locator("#cc-send").click()


@pytest.fixture
def ui(browser) -> ChatPage:
    return ChatPage(browser)
