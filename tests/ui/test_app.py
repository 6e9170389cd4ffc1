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
    assert {"cc-chat", "cc-input", "cc-source", "cc-hist", "cc-apply", "cc-undo", "cc-waves", "cc-yes"} <= ids
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


def test_with_a_login_every_route_but_the_login_page_needs_it(serve, design_copy):
    """S5: walk Gradio's whole route table without a login; only the login page and its static files answer."""
    import re

    url, app = serve(design_copy("fifo"), CHIPCHAT_UI_AUTH="ann:s3cret")
    public = re.compile(r"^/(|login/?|logout/?|favicon\.ico|robots\.txt|manifest\.json|theme\.css|"
                        r"gradio_api/theme\.css|(assets|static|svelte|gradio_api/static)/.*|pwa_icon(/.*)?)$")
    def table(routes, prefix=""):
        for r in routes:
            if hasattr(r, "original_router"):  # FastAPI's included router (all of /gradio_api/…)
                yield from table(r.original_router.routes, prefix + r.include_context.prefix)
            elif type(r).__name__ == "Mount":
                yield from table(r.routes, prefix + r.path)
            else:
                yield prefix + getattr(r, "path", ""), r

    checked = 0
    for path, route in table(app.app.routes):
        methods = sorted(getattr(route, "methods", None) or {"GET"})
        concrete = re.sub(r"\{[^}:]+(:path)?\}", "x", path)
        if public.match(concrete) or not path.startswith("/") or concrete.startswith("/gradio_api/startup-events"):
            continue  # (startup-events answers only the server's own loopback call at launch)
        for method in methods:
            if method in ("HEAD", "OPTIONS"):
                continue
            req = urllib.request.Request(url.rstrip("/") + concrete, method=method,
                                         data=b"{}" if method in ("POST", "PUT") else None,
                                         headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    status = r.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            assert status in (401, 403), f"{method} {concrete} answered {status} without a login"
            checked += 1
    assert checked > 40  # the table really was walked (reset, cancel, openapi.json, user, token, heartbeat …)


def test_logged_in_the_ui_works(serve, design_copy):
    url, _ = serve(design_copy("fifo"), CHIPCHAT_UI_AUTH="ann:s3cret")
    data = urllib.parse.urlencode({"username": "ann", "password": "s3cret"}).encode()
    with urllib.request.urlopen(urllib.request.Request(url + "login", data=data), timeout=30) as r:
        cookie = "; ".join(c.split(";", 1)[0] for c in r.headers.get_all("set-cookie"))
    req = urllib.request.Request(url + "config", headers={"Cookie": cookie})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 200 and "cc-chat" in r.read().decode()
    req = urllib.request.Request(url + "gradio_api/info", headers={"Cookie": cookie})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 200
