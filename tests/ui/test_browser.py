"""The chat UI in a real browser: Debian's Chromium, headless, driven by Playwright, fully offline."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

ANSWER_TIMEOUT_MS = 240_000  # a cold synthesis + STA on a busy 2-core machine




def test_why_does_this_path_miss_timing(serve, ui, design_copy, artifacts_dir):
    url, _ = serve(design_copy("mac16"))
    page = ui.open(url)
    ui.ask(page, "why does this path miss timing?")
    chat = page.locator("#cc-chat")
    chat.get_by_text("Cited:").wait_for(timeout=ANSWER_TIMEOUT_MS)
    answer = chat.locator(".message", has_text="Worst path:").last
    text = answer.inner_text()
    assert "misses timing" in text and "b[2] → acc[31]" in text  # the path: startpoint → endpoint
    assert "rtl/mac16.v:28" in text  # the cited RTL line (the multiplier)
    assert "Tool runs:" in text and ".chipchat/runs/" in text
    assert chat.get_by_text("tool · timing_report(paths=5)").count() >= 1  # the collapsible tool step
    hist = page.locator("#cc-hist img")
    hist.wait_for(timeout=30_000)
    assert hist.evaluate("img => img.complete && img.naturalWidth") > 200  # the slack histogram, loaded
    assert "acc[31]" in page.locator("#cc-timing").inner_text()
    answer.get_by_text("Worst path:").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "ui_timing.png"), full_page=True)

    page.get_by_role("tab", name="Source").click()
    page.get_by_text("rtl/mac16.v:28 — a * b").click()  # click a citation …
    hit = page.locator("#cc-source tr.cc-hit")
    hit.wait_for(timeout=30_000)  # … the file opens with the line highlighted
    assert hit.count() == 1 and "product = a * b" in hit.inner_text() and "28" in hit.inner_text()
    page.screenshot(path=str(artifacts_dir / "ui_source.png"), full_page=True)
    assert ui.browser.external == []  # nothing left 127.0.0.1


def test_apply_writes_only_after_the_confirmation(serve, ui, design_copy, artifacts_dir):
    from chipchat.edit.api import propose_edit
    from chipchat.rtl.load import load_design

    root = design_copy("mac16")
    pid = propose_edit(load_design(root), "pipeline the multiplier", check=False).data["proposal_id"]
    rtl = (root / "rtl" / "mac16.v").read_bytes()
    url, _ = serve(root)
    page = ui.open(url)
    ui.ask(page, f"apply proposal {pid}")
    page.locator("#cc-chat").get_by_text("Nothing was written.").first.wait_for(timeout=60_000)
    page.locator("#cc-diff").get_by_text("pipeline").first.wait_for(timeout=30_000)  # the Proposals tab opened
    page.locator("#cc-apply").click()
    page.locator("#cc-applied").get_by_text("Tick the confirmation box first").wait_for(timeout=30_000)
    assert (root / "rtl" / "mac16.v").read_bytes() == rtl
    page.locator("#cc-confirm input").check()
    page.locator("#cc-apply").click()
    page.locator("#cc-applied").get_by_text(f"Applied proposal {pid}").wait_for(timeout=60_000)
    assert (root / "rtl" / "mac16.v").read_bytes() != rtl
    assert not page.locator("#cc-confirm input").is_checked()  # the confirmation does not stick
    page.screenshot(path=str(artifacts_dir / "ui_apply.png"), full_page=True)


def test_the_design_picker_opens_folders_and_zips_and_rejects_unsafe_zips(serve, ui, design_copy, tmp_path):
    import zipfile

    mac16, fifo = design_copy("mac16"), design_copy("fifo")
    url, _ = serve(mac16)
    page = ui.open(url)
    page.get_by_role("tab", name="Design").click()
    header = page.locator("#cc-header")
    page.get_by_label("Design folder").fill(str(fifo))
    page.get_by_role("button", name="Open folder").click()
    header.get_by_text("chipchat — fifo").wait_for(timeout=60_000)

    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("d/rtl/a.v", "module a; endmodule\n")
        zf.writestr("../../escape.v", "module e; endmodule\n")
    page.locator("input[type=file]").set_input_files(str(evil))
    page.get_by_text("points outside the archive").wait_for(timeout=60_000)
    assert "chipchat — fifo" in header.inner_text()  # still on the design that was open

    good = tmp_path / "uart.zip"
    uart = design_copy("uart_tx")
    with zipfile.ZipFile(good, "w") as zf:
        for p in uart.rglob("*"):
            if p.is_file() and ".chipchat" not in p.parts:
                zf.write(p, f"uart_tx/{p.relative_to(uart)}")
    page.locator("input[type=file]").set_input_files(str(good))
    header.get_by_text("chipchat — uart_tx").wait_for(timeout=60_000)
    ui.ask(page, "what are the ports?")
    page.locator("#cc-chat").get_by_text("Cited:").last.wait_for(timeout=60_000)
    assert ui.browser.external == []
