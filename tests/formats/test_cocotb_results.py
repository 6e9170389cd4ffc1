"""Reading cocotb's results XML, its (possibly partial) log and Python tracebacks."""

from __future__ import annotations

from pathlib import Path

from chipchat.formats.cocotb_results import locate, parse_traceback, read_results_xml, scan_log

TB = "/w/verification/fifo/test_fifo.py"
TRACEBACK = f'''Traceback (most recent call last):
  File "{TB}", line 181, in test_overflow
    wrote, _ = await tb.write(tb.mask ^ data[i % tb.depth])
               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "{TB}", line 111, in write
    return await self.cycle(wr_en=1, din=din)
  File "{TB}", line 93, in check
    assert got == exp, f"cycle {{self.cycles}}: got {{got}}, expected {{exp}}"
AssertionError: cycle 19: got {{'count': 17}}, expected {{'count': 16}}
assert {{'count': 17}} == {{'count': 16}}
'''

LOG = """     0.00ns INFO     cocotb.regression                  Running tests
     0.00ns INFO     cocotb.regression                  running test_fifo.test_reset_values (1/3)
    95.00ns INFO     cocotb.regression                  test_fifo.test_reset_values passed
    95.00ns INFO     cocotb.regression                  running test_fifo.test_overflow (2/3)
   635.00ns WARNING  cocotb.regression                  test_fifo.test_overflow failed
""" + "\n".join("                                                        " + ln for ln in TRACEBACK.splitlines()) + """
   635.00ns INFO     cocotb.regression                  running test_fifo.test_hang (3/3)
   640.00ns INFO     cocotb.fifo                        still going
"""


def test_traceback_frames_and_exception() -> None:
    tb = parse_traceback(TRACEBACK)
    assert [(f.line, f.function) for f in tb.frames] == [(181, "test_overflow"), (111, "write"), (93, "check")]
    assert tb.frames[0].text.startswith("wrote, _ = await tb.write(")
    assert tb.exc_type == "AssertionError"
    assert tb.message.startswith("cycle 19: got {'count': 17}") and "assert {'count': 17}" in tb.message
    test_line, assert_line = locate(tb, Path("/w/verification/fifo"), "test_overflow")
    assert (test_line.line, assert_line.line) == (181, 93)
    assert locate(tb, Path("/elsewhere"), "test_overflow") == (None, None)


def test_partial_log_shows_finished_tests_and_the_running_one() -> None:
    scan = scan_log(LOG, Path("/w/verification/fifo"))
    assert scan.started and scan.total == 3
    assert [(r.name, r.status) for r in scan.results] == [
        ("test_fifo.test_reset_values", "pass"), ("test_fifo.test_overflow", "fail")]
    failed = scan.results[1]
    assert failed.exc_type == "AssertionError" and failed.assert_line.line == 93
    assert failed.sim_time_start_ns == 95.0 and failed.sim_time_stop_ns == 635.0
    assert scan.running == "test_fifo.test_hang" and scan.running_since_ns == 635.0


def test_import_error_before_tests_start() -> None:
    log = ("     0.00ns INFO     cocotb.initialize                  Running on Icarus Verilog version 11.0\n"
           'Traceback (most recent call last):\n  File "/x/pygpi/entry.py", line 42, in load_entry\n'
           "    entry_func()\n"
           '  File "/w/tb/test_bad.py", line 2, in <module>\n    raise ValueError("broken")\n'
           "ValueError: broken\n")
    scan = scan_log(log, Path("/w/tb"))
    assert not scan.started and scan.results == []
    assert scan.error is not None and scan.error.exc_type == "ValueError" and scan.error.message == "broken"
    assert locate(scan.error, Path("/w/tb"))[1].line == 2


def test_results_xml(tmp_path: Path) -> None:
    xml = tmp_path / "results.xml"
    xml.write_text(f"""<?xml version='1.0' encoding='utf-8'?>
<testsuites name="cocotb tests"><testsuite name="test_fifo" tests="3">
<testcase classname="test_fifo" name="test_ok" time="0.013"><properties>
<property name="random_seed" value="42" /><property name="file" value="{TB}" /><property name="line" value="127" />
<property name="sim_time_unit" value="us" /><property name="sim_time_start" value="0.0" />
<property name="sim_time_stop" value="0.095" /><property name="sim_time_duration" value="0.095" /></properties>
</testcase>
<testcase classname="test_fifo" name="test_overflow" time="0.002"><failure message="cycle 19: bad" type="AssertionError">
{TRACEBACK.replace('<', '&lt;')}</failure><properties><property name="sim_time_unit" value="ns" />
<property name="sim_time_start" value="440.0" /><property name="sim_time_stop" value="635.0" />
<property name="sim_time_duration" value="195.0" /></properties></testcase>
<testcase classname="test_fifo" name="test_skip" time="0"><skipped message="Test was skipped" /></testcase>
</testsuite></testsuites>""")
    ok, bad, skipped = read_results_xml(xml, Path("/w/verification/fifo"))
    assert (ok.name, ok.status, ok.seed, ok.wall_s) == ("test_fifo.test_ok", "pass", 42, 0.013)
    assert abs(ok.sim_time_ns - 95.0) < 1e-9 and abs(ok.sim_time_stop_ns - 95.0) < 1e-9
    assert ok.definition.line == 127
    assert (bad.status, bad.exc_type, bad.message) == ("fail", "AssertionError", "cycle 19: bad")
    assert bad.test_line.line == 181 and bad.assert_line.line == 93 and bad.sim_time_stop_ns == 635.0
    assert skipped.status == "skip"
