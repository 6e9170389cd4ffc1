"""The UI server: bound to 127.0.0.1, no public share, analytics off, optional login, bad designs shown."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_serves_on_localhost_without_sharing(serve, design_copy):
    url, app = serve(design_copy("mac16"))
    assert app.server_name == "127.0.0.1" and not app.share
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"
    status, page = get(url)
    assert status == 200 and "<!doctype html>" in page.lower()
    status, config = get(url + "config")
    ids = {c.get("props", {}).get("elem_id") for c in json.loads(config)["components"]}
    assert {"cc-chat", "cc-input", "cc-source", "cc-hist", "cc-apply", "cc-confirm"} <= ids
    assert "chipchat — `mac16`" in config


def test_login_when_configured(serve, design_copy):
    url, _ = serve(design_copy("fifo"), CHIPCHAT_UI_AUTH="ann:s3cret")
    status, _ = get(url + "config")
    assert status == 401
    data = urllib.parse.urlencode({"username": "ann", "password": "wrong"}).encode()
    try:
        urllib.request.urlopen(urllib.request.Request(url + "login", data=data), timeout=30)
        raise AssertionError("a wrong password was accepted")
    except urllib.error.HTTPError as exc:
        assert exc.code in (400, 401)
    data = urllib.parse.urlencode({"username": "ann", "password": "s3cret"}).encode()
    with urllib.request.urlopen(urllib.request.Request(url + "login", data=data), timeout=30) as r:
        assert r.status == 200 and "set-cookie" in {k.lower() for k in r.headers}


def test_a_design_that_cannot_be_opened_is_shown_not_fatal(serve, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.md").write_text("# nothing here\n")
    url, _ = serve(empty)
    status, config = get(url + "config")
    assert status == 200 and "Could not open" in config and "no RTL sources found" in config
