"""The result panels in a real browser: Simulation (tests + waveforms), Placement and Verification.

Headless Chromium (Debian's) through Playwright, the offline planner, real tools (Icarus, Yosys,
OpenSTA, GrayWolf). Each test asks one question in the chat and checks the panel the answer opens.
"""

from __future__ import annotations

import difflib

import pytest

pytestmark = pytest.mark.browser

ANSWER_TIMEOUT_MS = 240_000  # a cold build/synthesis on a busy 2-core machine
IMAGE_TIMEOUT_MS = 30_000




def wait_for_tab(page, name):
    """The answer is in: the panel the turn's results belong to was brought to the front."""
    page.get_by_role("tab", name=name, selected=True).wait_for(timeout=ANSWER_TIMEOUT_MS)


def loaded_width(page, img) -> int:
    """The natural width of ``img`` once the browser has fetched and decoded it (0 if it never loads)."""
    img.scroll_into_view_if_needed()  # Gradio's gallery images are loading="lazy"
    handle = img.element_handle(timeout=IMAGE_TIMEOUT_MS)
    try:
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=handle, timeout=IMAGE_TIMEOUT_MS)
    except Exception:  # noqa: BLE001 - report the width (0) instead of a timeout
        pass
    return int(img.evaluate("img => img.complete ? img.naturalWidth : 0"))


def break_overflow(root):
    """The one-line RTL bug of tests/verify/test_simulate.py: writes are accepted when the FIFO is full."""
    rtl = root / "rtl" / "fifo.v"
    text = rtl.read_text()
    assert "wire do_write = wr_en && !full;" in text
    rtl.write_text(text.replace("wire do_write = wr_en && !full;", "wire do_write = wr_en;"))


def test_run_the_tests_shows_the_failing_test_and_its_waveform(serve, ui, design_copy, artifacts_dir):
    root = design_copy("fifo")
    break_overflow(root)
    url, _ = serve(root)
    page = ui.open(url)
    ui.ask(page, "run the tests")
    wait_for_tab(page, "Sim")

    table = page.get_by_role("grid", name="Tests", exact=True)
    overflow = table.get_by_role("row").filter(has_text="test_overflow")
    overflow.wait_for(timeout=30_000)
    row = overflow.inner_text()
    assert row.split()[0] == "test_overflow", row  # the short name, as in the chat's table
    assert "fail" in row and "'count': 17" in row, row  # the result and the failed check's message
    passing = table.get_by_role("row").filter(has_text="test_reset_values").inner_text()
    assert "pass" in passing, passing

    why = page.locator("#cc-chat").get_by_text("Why test_overflow fails")
    assert why.count() == 1  # the chat explains the failure the panel shows

    plot = page.locator("#cc-waves .js-plotly-plot")  # a real viewer: Plotly, zoomable, with hover values
    plot.wait_for(timeout=30_000)
    ticks = plot.locator(".yaxislayer-above .ytick text")
    names = [t.text_content() for t in ticks.all()]
    assert "clk" in names and "count" in names and "full" in names, names  # the clock is a trace of its own
    size = float(ticks.first.evaluate("t => parseFloat(getComputedStyle(t).fontSize)"))
    assert size >= 12, size  # legible signal names
    before = plot.evaluate("p => p.layout.xaxis.range.slice()")
    assert before[0] < 195 < before[1]  # opened on the cycles before the failure at 195 ns
    page.get_by_role("tab", name="Sim").scroll_into_view_if_needed()
    for width in (1600, 1280):
        page.set_viewport_size({"width": width, "height": 1000})
        page.wait_for_timeout(400)
        page.screenshot(path=str(artifacts_dir / f"ui_waves_{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1600, "height": 1000})
    plot.scroll_into_view_if_needed()
    box = plot.locator(".draglayer .xy .nsewdrag").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.5, steps=8)
    page.mouse.up()
    page.wait_for_timeout(800)
    after = plot.evaluate("p => p.layout.xaxis.range.slice()")
    assert after[1] - after[0] < before[1] - before[0]  # drag zooms in
    assert ui.browser.external == []


def test_place_the_design_shows_the_picture_and_wns_before_and_after(serve, ui, design_copy, artifacts_dir):
    url, _ = serve(design_copy("uart_tx"))  # 113 cells: the smallest example (tests/place uses it too)
    page = ui.open(url)
    ui.ask(page, "place the design")
    wait_for_tab(page, "Placement")

    plot = page.locator("#cc-place .js-plotly-plot")
    plot.wait_for(timeout=30_000)  # the placement, interactive: hover names the cell, drag zooms
    hover = plot.evaluate("p => p.data.filter(t => t.hovertext && t.mode === 'markers')"
                          ".reduce((n, t) => n + t.hovertext.length, 0)")
    assert hover > 50, hover

    answer = page.locator("#cc-chat .message", has_text="after placement").last
    assert "uart_tx meets timing after placement" in answer.locator("p").first.inner_text()  # the answer first
    answer.locator("details > summary").first.click()  # the details unfold on a click
    text = answer.inner_text()
    assert "uart_tx" in text and "placement" in text
    # WNS after placement, with the synthesis (before placement) figures beside it
    assert "WNS / TNS after placement" in text and "(synthesis:" in text, text
    assert "worst slack after placement" in text
    answer.get_by_text("WNS / TNS after placement").scroll_into_view_if_needed()
    for width in (1600, 1280):
        page.set_viewport_size({"width": width, "height": 1000})
        page.wait_for_timeout(400)
        page.screenshot(path=str(artifacts_dir / f"ui_place_{width}.png"), full_page=True)
    assert ui.browser.external == []


def write_patch(root, name, old, new):
    rtl = (root / "rtl" / "fifo.v").read_text().splitlines(keepends=True)
    line = next(i for i, t in enumerate(rtl) if old in t)  # StopIteration: the RTL changed, update the test
    changed = rtl[:line] + [rtl[line].replace(old, new)] + rtl[line + 1:]
    (root / "patches").mkdir(exist_ok=True)
    (root / "patches" / name).write_text("".join(difflib.unified_diff(rtl, changed, "a/rtl/fifo.v", "b/rtl/fifo.v")))


def test_verify_patches_shows_the_verification_table(serve, ui, design_copy, artifacts_dir):
    root = design_copy("fifo")
    write_patch(root, "overflow.diff", "wire do_write = wr_en && !full;", "wire do_write = wr_en;")
    write_patch(root, "comment.diff", "// accepted write this cycle", "// a write accepted this cycle")
    url, _ = serve(root)
    page = ui.open(url)
    ui.ask(page, "verify patches/*.diff")  # the offline planner routes this to verify_patches
    wait_for_tab(page, "Verify")

    table = page.get_by_role("grid", name="Patches × tests", exact=True)
    row = table.get_by_role("row").filter(has_text="overflow")
    row.wait_for(timeout=30_000)
    text = row.inner_text()
    assert "regression" in text and "test_overflow" in text, text  # the verdict and a newly failing test
    text = table.get_by_role("row").filter(has_text="comment").inner_text()
    assert "clean" in text and "7/7 pass" in text, text  # a comment-only patch changes no result
    page.screenshot(path=str(artifacts_dir / "ui_verify.png"), full_page=True)
    assert ui.browser.external == []
