"""Tests the way real testbenches declare them (TestFactory), and failures that are the testbench's own."""

from __future__ import annotations

from pathlib import Path

from chipchat.formats.cocotb_results import TestResult
from chipchat.types import Location
from chipchat.verify import testbench
from chipchat.verify.explain import install_hint, is_testbench_bug, missing_package

FACTORY = """\
import itertools
import cocotb
from cocotb.regression import TestFactory

async def run_test_write(dut, idle=None, size=None):
    pass

async def run_test_read(dut, idle=None, size=None):
    pass

async def run_stress_test(dut, idle=None):
    pass

def cycle_pause():
    return itertools.cycle([1, 0])

if cocotb.SIM_NAME:
    for test in [run_test_write, run_test_read]:
        factory = TestFactory(test)
        factory.add_option("idle", [None, cycle_pause])
        factory.add_option("size", [None] + list(range(4)))
        factory.generate_tests()

    factory = TestFactory(run_stress_test)
    factory.add_option("idle", [None, cycle_pause])
    factory.generate_tests()

@cocotb.test()
async def plain(dut):
    pass
"""


def test_testfactory_tests_are_listed_with_cocotbs_names(tmp_path: Path) -> None:
    (tmp_path / "test_axi.py").write_text(FACTORY)
    found = {t.name: t for t in testbench.discover(tmp_path, ["test_axi"])}
    assert set(found) == {"plain", "run_test_write", "run_test_read", "run_stress_test_001", "run_stress_test_002"}
    assert found["run_test_write"].factory and not found["run_stress_test_001"].factory
    assert found["run_test_write"].line == 5


def test_a_filter_on_a_generated_name_selects_its_factory(tmp_path: Path) -> None:
    (tmp_path / "test_axi.py").write_text(FACTORY)
    tests = testbench.discover(tmp_path, ["test_axi"])
    assert [t.name for t in testbench.select(tests, "run_test_write_003")] == ["run_test_write"]
    assert [t.name for t in testbench.select(tests, "run_stress_test_002")] == ["run_stress_test_002"]


def test_a_python_error_in_the_test_is_the_testbenchs_not_the_designs(tmp_path: Path) -> None:
    where = Location(str(tmp_path / "test_x.py"), 12, function="run", text="x = None + 1")
    bug = TestResult("test_x.run", "error", exc_type="TypeError", message="unsupported operand", assert_line=where)
    check = TestResult("test_x.run", "fail", exc_type="AssertionError", message="2 != 3", assert_line=where)
    dut = TestResult("test_x.run", "error", exc_type="AttributeError",
                     message="'HierarchyObject' object has no attribute 'valid_o'", assert_line=where)
    assert is_testbench_bug(bug, tmp_path) and not is_testbench_bug(check, tmp_path) and not is_testbench_bug(dut, tmp_path)


def test_a_missing_test_dependency_names_the_package_and_the_install_command() -> None:
    assert missing_package("ModuleNotFoundError: No module named 'cocotbext.axi'") == ("cocotbext.axi", "cocotbext-axi")
    assert missing_package("No module named 'cocotb_test'") == ("cocotb_test", "cocotb-test")
    hint = install_hint("ModuleNotFoundError: No module named 'cocotb_test'")
    assert "-m pip install cocotb-test" in hint and "cocotb_test" in hint
    assert install_hint("AssertionError: 1 != 2") == ""
