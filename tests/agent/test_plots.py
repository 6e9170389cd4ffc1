"""The UI's interactive figures, built from the files the tools leave behind."""

from __future__ import annotations

import json

from chipchat.agent import plots
from chipchat.rtl.load import load_design


def test_a_waveform_opens_on_the_failure_with_the_clock_and_bus_values(design_copy, tmp_path):
    from vcd import VCDWriter

    design = load_design(design_copy("fifo"))
    path = tmp_path / "w.vcd"
    with open(path, "w") as fh, VCDWriter(fh, timescale="1 ns") as vcd:
        clk = vcd.register_var("tb.fifo", "clk", "wire", size=1)
        count = vcd.register_var("tb.fifo", "count", "wire", size=5)
        full = vcd.register_var("tb.fifo", "full", "wire", size=1)
        for t in range(0, 300, 5):
            vcd.change(clk, t, (t // 5) % 2)
            if t % 10 == 0:
                vcd.change(count, t, min(t // 10, 16))
                vcd.change(full, t, int(t // 10 >= 16))
    result = {"data": {"excerpts": [{"test": "t.test_overflow", "file": str(path), "signals": ["count", "full"],
                                     "fail_time_ns": 195.0, "clock": "clk"}]}}
    fig = plots.waveform_figure(result, design)
    layout = fig.layout
    assert list(layout.yaxis.ticktext) == ["clk", "count", "full"]  # the clock first, then the checked signals
    assert layout.yaxis.tickfont.size >= 12
    assert layout.xaxis.range[0] < 195 < layout.xaxis.range[1]
    labels = [t for trace in fig.data if trace.mode == "text" for t in trace.text]
    assert "0x10" in labels  # bus values drawn (count = 16)
    assert plots.waveform_figure({"data": {"excerpts": []}}, design) is None


def test_the_slack_histogram_names_the_endpoints_of_a_bar(tmp_path):
    run = tmp_path / "sta"
    run.mkdir()
    (run / "slack_histogram.png").write_bytes(b"\x89PNG")
    endpoints = [{"endpoint": f"acc[{i}]", "slack": -2.0 + i * 0.2} for i in range(20)]
    (run / "sta_result.json").write_text(json.dumps({"endpoints": endpoints}))
    fig = plots.slack_histogram_figure({"artifacts": {"slack_histogram.png": str(run / "slack_histogram.png")}})
    (bar,) = fig.data
    assert sum(bar.y) == 20 and any("acc[0]" in h for h in bar.hovertext)
    assert plots.slack_histogram_figure({"artifacts": {}}) is None
