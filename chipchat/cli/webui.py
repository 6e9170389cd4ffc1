"""Start the chat UI: load ``ui/app.py`` (shipped as data) and launch it on 127.0.0.1.

The Gradio app lives in ``ui/`` — the folder the product layout reserves for it and that
the wheel carries as ``chipchat/_data/ui`` — and is loaded by path with importlib, so
the same file runs from a checkout and from an installed wheel. Everything it shows
comes from chipchat's public API (``chipchat.agent``); the app only arranges it.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from chipchat.config import Settings, settings
from chipchat.errors import ConfigError
from chipchat.resources import data_path


def load_app_module() -> ModuleType:
    """``ui/app.py`` as a module (Gradio analytics are switched off before Gradio is imported)."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ.setdefault("GRADIO_SERVER_NAME", "127.0.0.1")
    path = data_path("ui") / "app.py"
    if not path.is_file():
        raise ConfigError(f"the chat UI is missing: {path} does not exist", hint="reinstall chipchat")
    name = "chipchat_ui_app"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def auth_pairs(config: Settings) -> list[tuple[str, str]] | None:
    """``CHIPCHAT_UI_AUTH="user:pw,user2:pw2"`` → [(user, pw), …]; None when no login is configured."""
    if not config.ui_auth:
        return None
    pairs = []
    for item in config.ui_auth.split(","):
        user, _, password = item.partition(":")
        if not user or not password:
            raise ConfigError("CHIPCHAT_UI_AUTH must be `user:password` pairs separated by commas")
        pairs.append((user.strip(), password))
    return pairs


def build(design: str | Path | None, config: Settings | None = None) -> Any:
    """The Gradio Blocks app for ``design`` (not launched)."""
    return load_app_module().build(str(design) if design is not None else None, config or settings())


def launch(design: str | Path | None, *, host: str | None = None, port: int | None = None, share: bool = False,
           config: Settings | None = None, block: bool = True) -> Any:
    """Build and launch the UI; binds ``config.ui_host`` (127.0.0.1) unless told otherwise."""
    cfg = config or settings()
    ui = load_app_module()
    app = ui.build(str(design) if design is not None else None, cfg)
    app.queue(default_concurrency_limit=4)
    extra = ui.app_kwargs(cfg) if hasattr(ui, "app_kwargs") else {}  # the login guard on every route
    app.launch(server_name=host or cfg.ui_host, server_port=port or cfg.ui_port, share=share,
               auth=auth_pairs(cfg), prevent_thread_lock=not block, quiet=not block, show_error=True,
               footer_links=[], theme=ui.theme(), css=ui.CSS, inbrowser=False, run_history=False,
               app_kwargs=extra)
    return app
