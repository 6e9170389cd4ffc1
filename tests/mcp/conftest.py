"""Driving ``chipchat mcp`` as a client does: a real server process, the SDK's own client."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from tests.conftest import REPO, copy_design

HANG = '''"""A test that never ends: a simulator busy until it is killed."""
import time

import cocotb


@cocotb.test()
async def test_hang(dut):
    time.sleep(600)
'''


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.pop("CHIPCHAT_DEBUG", None)
    return env


def stdio(*args: str, cwd: Path) -> StdioServerParameters:
    return StdioServerParameters(command=sys.executable, args=["-m", "chipchat", "mcp", *args],
                                 env=server_env(), cwd=str(cwd))


@contextlib.asynccontextmanager
async def connect(*args: str, cwd: Path, mode: str = "legacy") -> AsyncIterator[Client]:
    """A client of a fresh stdio server (``mode``: legacy = the initialize handshake editors speak today)."""
    async with Client(stdio(*args, cwd=cwd), mode=mode, read_timeout_seconds=600) as client:
        yield client


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` except chipchat's own state, by content."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".chipchat" not in p.parts and "__pycache__" not in p.parts}


@pytest.fixture
def designs(tmp_path: Path) -> Path:
    """tmp/designs with private copies of fifo (plus a hanging test) and mac16."""
    fifo = copy_design("fifo", tmp_path)
    copy_design("mac16", tmp_path)
    (tmp_path / "verification" / "fifo" / "test_hang.py").write_text(HANG)
    toml = fifo / "chipchat.toml"
    toml.write_text(toml.read_text().replace('modules = ["test_fifo"]', 'modules = ["test_fifo", "test_hang"]'))
    return tmp_path / "designs"


# -- processes -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    start: int
    cmdline: str


def processes() -> dict[int, Proc]:
    table: dict[int, Proc] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if fields[0] != "Z":
            table[int(entry)] = Proc(int(entry), int(fields[1]), int(fields[19]), cmd)
    return table


def descendants(root: int, table: dict[int, Proc] | None = None) -> list[Proc]:
    table = table if table is not None else processes()
    found, todo = [], [root]
    while todo:
        parent = todo.pop()
        kids = [p for p in table.values() if p.ppid == parent]
        found += kids
        todo += [k.pid for k in kids]
    return found


def server_pid(cwd: Path) -> int:
    """The ``chipchat mcp`` process started in ``cwd`` (the test's own folder)."""
    for proc in processes().values():
        if "chipchat mcp" in proc.cmdline.replace("-m chipchat", "chipchat"):
            with contextlib.suppress(OSError):
                if Path(f"/proc/{proc.pid}/cwd").resolve() == cwd.resolve():
                    return proc.pid
    raise AssertionError(f"no chipchat mcp server running in {cwd}")


def tools_of(pid: int) -> list[Proc]:
    """The server's tool processes: its descendants, less its reapers and pool workers (python)."""
    return [p for p in descendants(pid) if "chipchat reaper" not in p.cmdline
            and not re.search(r"multiprocessing|spawn_main", p.cmdline)]


def wait_for(predicate, timeout: float = 120.0, what: str = "") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what or predicate}")


def gone(procs: list[Proc], timeout: float = 10.0) -> list[Proc]:
    """The processes of ``procs`` still alive (same pid and start time) after up to ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        now = processes()
        left = [p for p in procs if p.pid in now and now[p.pid].start == p.start]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


@contextlib.contextmanager
def http_server(*args: str, cwd: Path) -> Iterator[tuple[str, str, subprocess.Popen[bytes]]]:
    """``chipchat mcp --http --port 0 ...``: (url, token, process), stopped at the end."""
    log = cwd / "http-server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "chipchat", "mcp", "--http", "--port", "0", *args], cwd=cwd,
                                env=server_env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: "bearer token" in log.read_text(errors="replace") or proc.poll() is not None, 120,
                 "the server's banner")
        text = log.read_text(errors="replace")
        match = re.search(r"on (http://\S+/mcp) .*\n\s+bearer token \(shown once\): (\S+)", text)
        assert match, text
        yield match.group(1), match.group(2), proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
