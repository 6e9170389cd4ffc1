"""A hostile testbench (as a language model might write one): it attacks from Python.

HOSTILE_TARGET names a file outside the run directory, HOSTILE_PORT a TCP port on 127.0.0.1
where the test process listens. Each test passes only if its attack succeeded.
"""

import os
import socket

import cocotb
from cocotb.triggers import Timer

TARGET = os.environ.get("HOSTILE_TARGET", "/tmp/../var/tmp/chipchat-hostile/escaped")


@cocotb.test()
async def test_open_outside(dut):
    await Timer(1, unit="ns")
    with open(TARGET + ".py-open", "w") as fh:
        fh.write("escaped by open()\n")


@cocotb.test()
async def test_shell_outside(dut):
    await Timer(1, unit="ns")
    assert os.system(f"touch {TARGET}.py-system") == 0


@cocotb.test()
async def test_network(dut):
    await Timer(1, unit="ns")
    with socket.create_connection(("127.0.0.1", int(os.environ["HOSTILE_PORT"])), timeout=3) as s:
        s.sendall(b"exfiltrated\n")
