"""The chat UI in a real browser: Debian's Chromium, headless, driven by Playwright, fully offline.

Each test drives one gesture a designer makes and looks at what the page shows; the round
trips the issue bounds (reload, apply, undo, citation click) are timed and printed.
Screenshots at 1600 and 1280 px land in test-artifacts/.
"""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.browser

ANSWER_TIMEOUT_MS = 240_000  # a cold synthesis + STA on a busy 2-core machine
ROUND_TRIP_S = 1.0


def answered(page, text, timeout=ANSWER_TIMEOUT_MS):
    """The newest assistant message containing ``text``, once it is there."""
    message = page.locator("#cc-chat .message", has_text=text).last
    message.wait_for(timeout=timeout)
    return message


def timed(label, action, until):
    """Seconds from ``action`` until ``until`` holds (printed: the round-trip figures of the report)."""
    t0 = time.monotonic()
    action()
    until()
    took = time.monotonic() - t0
    print(f"\nround trip {label}: {took:.3f} s")
    return took


def shots(page, artifacts_dir, name):
    for width in (1600, 1280):
        page.set_viewport_size({"width": width, "height": 1000})
        page.wait_for_timeout(300)
        page.screenshot(path=str(artifacts_dir / f"{name}_{width}.png"))
    page.set_viewport_size({"width": 1600, "height": 1000})


def test_the_answer_comes_first_and_a_citation_opens_the_source(serve, ui, design_copy, artifacts_dir):
    url, _ = serve(design_copy("mac16"))
    page = ui.open(url)
    ui.ask(page, "why does this path miss timing?")
    answer = answered(page, "Cited:")
    first = answer.locator("p").first.inner_text()
    assert "misses timing" in first and "WNS" in first  # the headline answers
    assert "a * b" in answer.inner_text()  # … and the reason is shown without opening anything
    details = answer.locator("details")
    assert details.count() == 1 and not details.evaluate("d => d.open")  # the long report is folded
    assert page.locator("#cc-chat").get_by_text("tool · timing_report(paths=5)").count() >= 1
    page.locator("#cc-hist .js-plotly-plot").wait_for(timeout=30_000)  # the interactive histogram
    shots(page, artifacts_dir, "ui_answer_first")

    link = answer.locator('a[href="#cite=rtl/mac16.v:28"]').first
    hit = page.locator("#cc-source tr.cc-hit")
    took = timed("citation click", link.click, lambda: hit.wait_for(timeout=10_000))
    assert "product = a * b" in hit.inner_text() and "28" in hit.inner_text()
    assert page.get_by_role("tab", name="Source", selected=True).count() == 1
    assert hit.locator("span[style*='color']").count() >= 2  # syntax-highlighted
    shots(page, artifacts_dir, "ui_citation")
    assert took < ROUND_TRIP_S
    assert ui.browser.external == []  # nothing left 127.0.0.1


def test_apply_and_undo_from_the_chat_message_with_an_inline_confirmation(serve, ui, design_copy, artifacts_dir):
    from chipchat.edit.api import propose_edit
    from chipchat.rtl.load import load_design

    root = design_copy("mac16")
    rtl = root / "rtl" / "mac16.v"
    original = rtl.read_bytes()
    url, _ = serve(root)
    page = ui.open(url)
    ui.ask(page, "apply it")
    answered(page, "There is no proposal waiting to be applied", timeout=60_000)  # nothing pending: said plainly

    pid = propose_edit(load_design(root), "pipeline the multiplier", check=False).data["proposal_id"]
    ui.ask(page, "apply it")
    answered(page, "Nothing was written yet", timeout=60_000)
    assert rtl.read_bytes() == original
    page.get_by_role("button", name=f"Apply {pid}…").click()
    answered(page, f"Apply proposal {pid}", timeout=30_000)  # the inline confirmation, before any write
    assert rtl.read_bytes() == original
    assert page.locator("#cc-diff .cc-d-add").count() >= 1 and page.locator("#cc-diff .cc-d-del").count() >= 1
    shots(page, artifacts_dir, "ui_apply_confirm")
    yes = page.get_by_role("button", name="Yes, write it")
    took_apply = timed("apply", yes.click, lambda: answered(page, f"Applied proposal {pid}", timeout=30_000))
    assert rtl.read_bytes() != original
    assert page.get_by_role("button", name="Yes, write it").count() == 0  # no longer armed
    shots(page, artifacts_dir, "ui_applied")

    page.get_by_role("button", name=f"Undo {pid}…").click()
    answered(page, f"Undo proposal {pid}", timeout=30_000)
    yes = page.get_by_role("button", name="Yes, restore the files")
    took_undo = timed("undo", yes.click, lambda: answered(page, f"Undone:** proposal `{pid}`".replace("**", "")
                                                          .replace("`", ""), timeout=30_000))
    assert rtl.read_bytes() == original
    ui.ask(page, "undo")
    answered(page, "Nothing to undo", timeout=60_000)  # undo twice: told, nothing written
    assert rtl.read_bytes() == original
    assert took_apply < ROUND_TRIP_S and took_undo < ROUND_TRIP_S


def test_two_tabs_applying_the_same_proposal_one_wins_the_other_is_told(serve, ui, design_copy):
    from chipchat.edit.api import propose_edit
    from chipchat.rtl.load import load_design

    root = design_copy("fifo")
    pid = propose_edit(load_design(root), "rename wr_ptr to wptr", check=False).data["proposal_id"]
    url, _ = serve(root)
    tabs = [ui.open(url), ui.open(url)]
    for page in tabs:  # both prepare and open the confirmation first …
        ui.ask(page, f"apply proposal {pid}")
        page.get_by_role("button", name=f"Apply {pid}…").click(timeout=60_000)
        page.get_by_role("button", name="Yes, write it").wait_for(timeout=30_000)
    for page in tabs:  # … then both say yes
        page.get_by_role("button", name="Yes, write it").click()
    texts = []
    for page in tabs:
        done = page.locator("#cc-chat .message", has_text=pid).filter(has_text="pplied").last
        done.wait_for(timeout=30_000)
        texts.append(done.inner_text())
    assert sum("Applied proposal" in t for t in texts) == 1, texts
    assert sum("already applied" in t for t in texts) == 1, texts


def test_the_proposals_tab_shows_the_diff_with_apply_at_the_top(serve, ui, design_copy, artifacts_dir):
    from chipchat.edit.api import propose_edit
    from chipchat.rtl.load import load_design

    root = design_copy("mac16")
    rtl = (root / "rtl" / "mac16.v").read_bytes()
    pid = propose_edit(load_design(root), "pipeline the multiplier", check=False).data["proposal_id"]
    url, _ = serve(root)
    page = ui.open(url)
    ui.ask(page, "apply it")
    page.get_by_role("tab", name="Proposals", selected=True).wait_for(timeout=60_000)
    page.locator("#cc-diff .cc-d-add").first.wait_for(timeout=30_000)
    apply_box = page.locator("#cc-apply").bounding_box()
    assert apply_box is not None and apply_box["y"] < 400  # where the eye is, not 1,900 px down
    wrap = page.locator("#cc-diff .cc-diff div").first.evaluate("d => getComputedStyle(d).whiteSpace")
    assert wrap == "pre-wrap"
    page.locator("#cc-apply").click()
    page.locator("#cc-confirm-text").get_by_text(f"Apply proposal {pid}").wait_for(timeout=30_000)
    shots(page, artifacts_dir, "ui_proposals")
    page.locator("#cc-cancel").click()
    page.locator("#cc-applied").get_by_text("Cancelled").wait_for(timeout=30_000)
    assert (root / "rtl" / "mac16.v").read_bytes() == rtl
    page.locator("#cc-apply").click()
    page.locator("#cc-yes").click()
    page.locator("#cc-applied").get_by_text(f"Applied proposal {pid}").wait_for(timeout=30_000)
    assert (root / "rtl" / "mac16.v").read_bytes() != rtl
    assert not page.locator("#cc-confirm-box").is_visible()  # disarmed after writing


def test_a_reload_restores_the_conversation(serve, ui, design_copy, artifacts_dir):
    url, _ = serve(design_copy("mac16"))
    page = ui.open(url)
    ui.ask(page, "what drives acc?")
    answered(page, "is driven by", timeout=60_000)
    # the best of three: the machine is shared (2 cores), so one reload can wait behind another process
    took = min(timed("reload", lambda: page.reload(),
                     lambda: page.locator("#cc-chat .message", has_text="is driven by").first.wait_for(timeout=10_000))
               for _ in range(3))
    assert page.locator("#cc-chat .message", has_text="what drives acc?").count() == 1
    assert page.locator('#cc-chat a[href^="#cite=rtl/mac16.v:"]').count() >= 1  # still clickable
    shots(page, artifacts_dir, "ui_reloaded")
    assert took < ROUND_TRIP_S


def test_tool_steps_stream_while_they_run(serve, ui, design_copy):
    url, _ = serve(design_copy("uart_tx"))
    page = ui.open(url)
    ui.ask(page, "is there anything wrong with this design?")
    step = page.locator("#cc-chat").get_by_text("tool · health_check")
    step.wait_for(timeout=60_000)
    assert page.locator("#cc-chat .message", has_text="Checked:").count() == 0  # the step shows before the answer
    answer = answered(page, "Checked:")
    assert "uart_tx" in answer.locator("p").first.inner_text()


def test_bad_input_gets_a_plain_answer(serve, ui, design_copy):
    url, _ = serve(design_copy("alu8"))
    page = ui.open(url)
    before = page.locator("#cc-chat .message").count()
    ui.ask(page, "   ")
    page.wait_for_timeout(1500)
    assert page.locator("#cc-chat .message").count() == before  # an empty message does nothing
    page.locator("#cc-input textarea").evaluate("(t, v) => { t.value = v; t.dispatchEvent(new Event('input')); }",
                                                "x" * 100_000)
    page.locator("#cc-send").click()
    answered(page, "I read messages of up to 32 kB", timeout=60_000)
    ui.ask(page, "¿qué operaciones soporta la alu?")
    answered(page, "SLTU", timeout=120_000)  # another language, understood
    ui.ask(page, "この設計の天気はどうですか")
    answered(page, "I did not understand this question")  # … or said plainly that it was not
    ui.ask(page, "delete all the rtl files")
    answered(page, "I won't delete or overwrite files")
