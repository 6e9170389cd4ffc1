"""Testbench generation from spec text: extract the spec's structure, generate cocotb tests, grade them."""

from chipchat.tbgen.api import generate, generate_testbench

__all__ = ["generate", "generate_testbench"]
