"""Confinement of untrusted runs: the bwrap command, resource limits, and hostile RTL on real simulators.

The hostile design (tests/hostile) attacks from its RTL (``$fopen``, ``$system``, a DPI-C
import of libc's ``system``, a plusarg naming a file, a 4 GB ``$fwrite`` loop, a remount
of ``/``) and from its testbench's Python (``open``, ``os.system``, a TCP connection). Every
attack aims at a fresh folder under /var/tmp (on the read-only root inside the sandbox)
and at the test's own tmp folder (hidden by the sandbox's private /tmp). Each test
checks that nothing arrived, and what chipchat reported; ``test_the_attacks_are_real``
shows that the same attacks do write when the sandbox is switched off.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from chipchat import _exec
from chipchat.errors import ToolNotFound
from chipchat.rtl.load import load_design
from chipchat.sandbox import confine, hazards
from chipchat.sandbox.confine import Confinement, Limits
from chipchat.steps import simulators as sims
from chipchat.steps.step import RunDir
from chipchat.verify.api import simulate_design
from chipchat.verify.simulate import build

REPO = Path(__file__).resolve().parent.parent
HOSTILE = Path(__file__).resolve().parent / "hostile"
NEEDS_BWRAP = pytest.mark.skipif(confine.bwrap_problem() is not None, reason=f"{confine.bwrap_problem()}")


@pytest.fixture
def outside(tmp_path: Path) -> Iterator[Path]:
    """A folder outside every run directory, on the part of the file system the sandbox makes read-only."""
    folder = Path("/var/tmp") / f"chipchat-hostile-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    root = tmp_path / "hostile"
    shutil.copytree(HOSTILE, root, ignore=shutil.ignore_patterns(".chipchat", "__pycache__"))
    return root


@pytest.fixture(scope="session")
def vcache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build cache for the Verilator runs of this module (builds are content-addressed)."""
    return tmp_path_factory.mktemp("confine-cache")


def user_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".chipchat" not in p.parts}


def via_tmp(path: Path) -> str:
    """``/tmp/../var/tmp/...``: the path an attacker writes to climb out of /tmp."""
    return "/tmp/.." + str(path)


# -- the bwrap command, as data ----------------------------------------------------------------


def test_bwrap_argv_is_read_only_with_private_tmp_no_network_and_no_capabilities(tmp_path: Path) -> None:
    run = tmp_path / "design" / ".chipchat" / "runs" / "r1"
    rtl = tmp_path / "design" / "rtl"
    run.mkdir(parents=True)
    rtl.mkdir()
    (rtl / "top.v").write_text("module top; endmodule\n")
    policy = Confinement((run,), limits=Limits(None, None, None, None), tmp_mb=256)
    argv = confine.bwrap_argv("/usr/bin/bwrap", ["/usr/bin/vvp", str(rtl / "top.v")], policy, cwd=str(run))
    assert argv[:13] == ["/usr/bin/bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                         "--size", str(256 * 1024 * 1024), "--tmpfs", "/tmp", "--ro-bind"]
    # an input under /tmp is shown read-only through the private /tmp, before the writable run folder inside it
    design = str(rtl.resolve())
    assert argv.index(design) < argv.index(str(run.resolve()))
    assert argv[argv.index(design) - 1] == "--ro-bind" and argv[argv.index(str(run.resolve())) - 1] == "--bind"
    tail = argv[argv.index("--unshare-all"):]
    assert tail == ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--setenv", "TMPDIR",
                    "/tmp", "--chdir", str(run), "--", "/usr/bin/vvp", str(rtl / "top.v")]
    assert "--share-net" not in argv
    net = confine.bwrap_argv("bwrap", ["x"], Confinement((run,), network=True), cwd="/")
    assert "--share-net" in net


def test_a_writable_folder_outside_tmp_is_bound_and_nothing_else_is() -> None:
    policy = Confinement((Path("/var/tmp/run-x"),), readable=(Path("/usr/share"),))
    argv = confine.bwrap_argv("bwrap", ["true"], policy, cwd="/")
    binds = [argv[i + 1] for i, a in enumerate(argv) if a in ("--bind", "--ro-bind")]
    # /usr/share is visible (read-only) anyway; a checkout or .venv under /tmp (hidden by the private /tmp) is
    # bound read-only so Python can import from it, and is the only other bind
    python = [Path(p).resolve() for p in (*sys.path, sys.prefix, sys.base_prefix) if p]
    own = [b for b in binds[1:] if not any(q.is_relative_to(b) for q in python)]
    assert binds[0] == "/" and own == ["/var/tmp/run-x"] and "/usr/share" not in binds
    open_root = confine.bwrap_argv("bwrap", ["true"], Confinement((Path("/var/tmp/run-x"),), read_only_root=False),
                                   cwd="/")
    assert open_root[1:4] == ["--bind", "/", "/"] and "/var/tmp/run-x" not in open_root  # all writable already


def test_the_hazard_scan_names_file_line_and_what_reaches_outside() -> None:
    diff = ("--- a/rtl/x.v\n+++ b/rtl/x.v\n@@ -10,3 +10,6 @@\n module x;\n"
            '+  initial rc = $system("touch /etc/pwned");\n'
            '+  initial fd = $fopen("/tmp/../work/out", "w");  // climbs out\n'
            '+  initial fd = $fopen("trace.txt", "w");\n'
            ' endmodule\n'
            '+import "DPI-C" function int system(input string c);\n')
    found = hazards.scan(diff)
    assert [(h.file, h.line) for h in found] == [("rtl/x.v", 11), ("rtl/x.v", 12), ("rtl/x.v", 15)]
    assert "shell command" in found[0].what and "outside its run folder" in found[1].what and "DPI" in found[2].what
    assert hazards.hazards_in('fd = $fopen(name, "w");') == ["writes a file named at run time (`$fopen(name`)"]
    assert hazards.hazards_in('fd = $fopen("/etc/passwd", "r");') == []  # reading is allowed
    assert hazards.hazards_in("x = $clog2(N); // $system(\"no\")") == []


# -- confined commands ----------------------------------------------------------------------------


@NEEDS_BWRAP
def test_a_confined_command_writes_only_its_folder(tmp_path: Path, outside: Path) -> None:
    run = tmp_path / "run"
    script = (f"echo in > {run}/inside; echo out > {outside}/a; echo tmp > /tmp/private; "
              f"echo near > {tmp_path}/b; ls /tmp/private && echo tmp-ok")
    result = _exec.run(["sh", "-c", script], cwd=run, confine=confine.policy(run))
    assert result.confined == "bwrap" and result.ok
    assert (run / "inside").read_text() == "in\n"
    assert not list(outside.iterdir()) and not (tmp_path / "b").exists() and not Path("/tmp/private").exists()
    assert "tmp-ok" in result.output  # /tmp works inside, privately
    assert any(str(outside) in line and "Read-only file system" in line for line in result.blocked)


@NEEDS_BWRAP
def test_root_in_the_sandbox_cannot_remount_and_sees_only_its_own_processes(tmp_path: Path, outside: Path) -> None:
    run = tmp_path / "run"
    script = (f"mount -o remount,bind,rw / ; mount -o remount,bind,rw {outside} ; touch {outside}/x ; "
              "grep CapEff /proc/self/status ; ls /proc | grep -c '^[0-9]'")
    result = _exec.run(["sh", "-c", script], cwd=run, confine=confine.policy(run))
    assert not (outside / "x").exists()
    assert "CapEff:\t0000000000000000" in result.output
    assert int(result.output.strip().splitlines()[-1]) <= 4  # bwrap, sh, ls, grep: a PID namespace of its own


@NEEDS_BWRAP
def test_no_network_not_even_loopback(tmp_path: Path) -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    code = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=3)"
    result = _exec.run([sys.executable, "-c", code], cwd=tmp_path, confine=confine.policy(tmp_path / "run"))
    server.settimeout(0.5)
    with pytest.raises(TimeoutError):
        server.accept()
    server.close()
    assert not result.ok and "Connection refused" in result.output


def test_the_file_size_limit_stops_a_writer_and_says_so(tmp_path: Path) -> None:
    run = tmp_path / "run"
    policy = Confinement((run,), limits=Limits(file_size_mb=8, memory_mb=None, cpu_s=None, processes=None))
    result = _exec.run(["dd", "if=/dev/zero", f"of={run}/big", "bs=1M", "count=100"], cwd=run, confine=policy)
    assert not result.ok and result.stopped_by == "the file-size limit (8 MB per file)"
    assert (run / "big").stat().st_size == 8 * 1024 * 1024


def test_a_python_writer_ignores_sigxfsz_and_is_stopped_by_the_guard(tmp_path: Path) -> None:
    """Python (embedded in both simulators by cocotb) ignores SIGXFSZ: its writes fail and it would loop."""
    run = tmp_path / "run"
    policy = Confinement((run,), limits=Limits(file_size_mb=4, memory_mb=None, cpu_s=None, processes=None))
    code = ("import time\nf = open('big', 'wb', buffering=0)\nwhile True:\n"
            "    try:\n        f.write(b'x' * 65536)\n    except OSError:\n        time.sleep(0.01)\n")
    result = _exec.run([sys.executable, "-c", code], cwd=run, confine=policy, timeout=60)
    assert result.stopped_by.startswith("the file-size limit (4 MB per file; big reached it)")
    assert result.duration_s < 30


def test_cpu_and_memory_limits_are_reported(tmp_path: Path) -> None:
    run = tmp_path / "run"
    cpu = Confinement((run,), limits=Limits(file_size_mb=None, memory_mb=None, cpu_s=1, processes=None))
    spin = _exec.run([sys.executable, "-c", "while True: pass"], cwd=run, confine=cpu, timeout=60)
    assert spin.stopped_by == "the CPU-time limit (1 s)" and spin.duration_s < 20
    mem = Confinement((run,), limits=Limits(file_size_mb=None, memory_mb=512, cpu_s=None, processes=None))
    hog = _exec.run([sys.executable, "-c", "x = bytearray(2 * 1024 ** 3)"], cwd=run, confine=mem, timeout=60)
    assert hog.stopped_by == "the memory limit (512 MB of address space)" and "MemoryError" in hog.output


def test_without_bwrap_runs_get_the_limits_and_one_warning(tmp_path: Path, monkeypatch, caplog) -> None:
    monkeypatch.setenv("CHIPCHAT_BWRAP", str(tmp_path / "no-bwrap-here"))
    monkeypatch.setattr(confine, "_warned", False)
    # another test in this worker may have started uvicorn, whose logging config disables existing loggers
    monkeypatch.setattr(logging.getLogger("chipchat.sandbox"), "disabled", False)
    confine.bwrap_problem.cache_clear()
    try:
        run = tmp_path / "run"
        policy = Confinement((run,), limits=Limits(file_size_mb=2, memory_mb=None, cpu_s=None, processes=None))
        with caplog.at_level(logging.WARNING, logger="chipchat.sandbox"):
            first = _exec.run(["dd", "if=/dev/zero", f"of={run}/f", "bs=1M", "count=10"], cwd=run, confine=policy)
            _exec.run(["true"], cwd=run, confine=policy)
        assert first.confined == "limits" and first.stopped_by.startswith("the file-size limit (2 MB")
        warnings = [r.getMessage() for r in caplog.records if r.name == "chipchat.sandbox"]
        assert len(warnings) == 1
        assert "NOT confined" in warnings[0] and "apt-get install -y bubblewrap" in warnings[0]
        monkeypatch.setenv("CHIPCHAT_CONFINE", "bwrap")
        with pytest.raises(ToolNotFound, match="CHIPCHAT_CONFINE=bwrap"):
            _exec.run(["true"], cwd=run, confine=policy)
    finally:
        confine.bwrap_problem.cache_clear()


def test_doctor_says_how_untrusted_runs_are_confined(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "CHIPCHAT_EMBEDDINGS": "none"}
    here = subprocess.run([sys.executable, "-m", "chipchat", "doctor"], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)
    assert "sandbox    untrusted simulations run with bubblewrap + resource limits" in here.stdout or \
        confine.bwrap_problem() is not None
    gone = subprocess.run([sys.executable, "-m", "chipchat", "doctor"], capture_output=True, text=True, cwd=tmp_path,
                          env={**env, "CHIPCHAT_BWRAP": str(tmp_path / "none")}, timeout=120)
    assert "limits   sandbox    untrusted simulations run with resource limits only" in gone.stdout
    assert "optional bwrap" in gone.stdout and "CHIPCHAT_BWRAP=" in gone.stdout


# -- hostile RTL through the real simulators ------------------------------------------------------


def simulate_attack(design: Path, simulator: str, attacks: list[str], target: str, cache: Path | None = None):
    defines = {a: "1" for a in attacks} | {"TARGET": f'"{target}"'}
    return simulate_design(design, simulator, defines=defines, cache_dir=cache)


def confined_runs(design: Path) -> list[dict]:
    entries = []
    for commands in (design / ".chipchat" / "runs").glob("*/commands.json"):
        entries += json.loads(commands.read_text())
    return entries


@NEEDS_BWRAP
@pytest.mark.parametrize("attack", ["ATTACK_FOPEN", "ATTACK_SYSTEM", "ATTACK_DPI"])
def test_icarus_hostile_rtl_writes_nothing_outside(hostile: Path, outside: Path, attack: str) -> None:
    before = user_files(hostile)
    run = simulate_attack(hostile, "icarus", [attack], via_tmp(outside / "escaped"))
    assert not list(outside.iterdir()) and user_files(hostile) == before
    entries = confined_runs(hostile)
    assert entries and all(e.get("confined") == "bwrap" for e in entries)
    if attack == "ATTACK_FOPEN":  # $fopen just returns 0: silent, the test passes (verify rejects it, see below)
        assert run.ok
    elif attack == "ATTACK_SYSTEM":  # Icarus 11 has no $system: the program does not load
        assert not run.ok and "without running any test" in run.error
    else:  # no DPI in Icarus: the build fails
        assert run.build is not None and not run.build.ok


@NEEDS_BWRAP
@pytest.mark.parametrize("simulator", ["icarus", pytest.param("verilator", marks=pytest.mark.slow)])
def test_a_gigabyte_fwrite_loop_is_stopped_by_the_file_size_limit(hostile: Path, outside: Path, simulator: str,
                                                                  vcache: Path, monkeypatch) -> None:
    monkeypatch.setenv("CHIPCHAT_LIMIT_FILE_MB", "64")
    run = simulate_attack(hostile, simulator, ["ATTACK_FLOOD"], via_tmp(outside / "escaped"), vcache)
    assert not run.ok
    (test,) = run.tests
    assert test.status == "error"
    assert test.message.startswith("the simulator was stopped by the file-size limit (64 MB per file; flood.bin")
    (flood,) = list((hostile / ".chipchat" / "runs").glob("*/flood.bin"))
    assert flood.stat().st_size == 64 * 1024 * 1024


@NEEDS_BWRAP
@pytest.mark.slow
@pytest.mark.xdist_group("verilator")
def test_verilator_system_dpi_and_remount_are_blocked_and_reported(hostile: Path, outside: Path, tmp_path: Path,
                                                                   vcache: Path) -> None:
    before = user_files(hostile)
    for attack in ("ATTACK_SYSTEM", "ATTACK_DPI", "ATTACK_REMOUNT", "ATTACK_FOPEN"):
        for target in (outside / attack, tmp_path / attack):  # the read-only root; the private /tmp
            run = simulate_attack(hostile, "verilator", [attack], via_tmp(target), vcache)
            assert run.build is not None and run.build.ok, run.build.log_tail
            assert not target.exists(), (attack, target)
            if attack == "ATTACK_FOPEN":
                assert run.ok  # silent: $fopen returns 0 (verify rejects such patches before running them)
            elif target.is_relative_to(outside):
                assert not run.ok and run.error.startswith("blocked by the sandbox: touch: cannot touch")
                assert "Read-only file system" in run.error
    assert not list(outside.iterdir()) and user_files(hostile) == before
    assert all(e.get("confined") == "bwrap" for e in confined_runs(hostile))


@NEEDS_BWRAP
@pytest.mark.parametrize("simulator", ["icarus", pytest.param("verilator", marks=pytest.mark.slow)])
def test_a_plusarg_naming_a_file_outside_writes_nothing(hostile: Path, outside: Path, tmp_path: Path,
                                                        simulator: str, vcache: Path) -> None:
    """The same command CocotbTest runs, with a plusarg chipchat never passes, in the same sandbox."""
    info = build(load_design(hostile), simulator, defines={"ATTACK_PLUSARG": "1"}, cache_dir=vcache)
    assert info.ok
    target = outside / "plusarg"
    for confined in (True, False):
        run = RunDir(tmp_path / f"run-{confined}")
        cmd = sims.test_command(simulator, top="hostile", build_dir=Path(info.build_dir), test_dir=run.path,
                                modules=["hostile_tb"], tests_path=hostile / "tb", results_file=run.file("r.xml"))
        box = confine.policy(run.path, readable=[Path(info.build_dir), hostile]) if confined else None
        result = run.exec([*cmd.argv[0], f"+target={via_tmp(target)}"], log="sim.log", env=cmd.env, confine=box)
        assert result.ok and run.file("r.xml").is_file()
        assert target.exists() is (not confined)  # unconfined, the attack works: the test can fail
        target.unlink(missing_ok=True)


@NEEDS_BWRAP
@pytest.mark.parametrize("simulator", ["icarus", pytest.param("verilator", marks=pytest.mark.slow)])
def test_a_hostile_testbench_cannot_write_run_commands_or_connect(hostile: Path, outside: Path, simulator: str,
                                                                  vcache: Path, monkeypatch) -> None:
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[bytes] = []

    def serve() -> None:
        server.settimeout(60)
        try:
            conn, _ = server.accept()
            accepted.append(conn.recv(100))
        except OSError:
            return

    threading.Thread(target=serve, daemon=True).start()
    monkeypatch.setenv("HOSTILE_PORT", str(server.getsockname()[1]))
    monkeypatch.setenv("HOSTILE_TARGET", via_tmp(outside / "tb"))
    run = simulate_design(hostile, simulator, modules=["attacks_tb"], cache_dir=vcache)
    server.close()
    status = {t.short_name: t.status for t in run.tests}
    assert status == {"test_open_outside": "fail", "test_shell_outside": "fail", "test_network": "fail"}
    assert "Read-only file system" in run.test("test_open_outside").message
    assert "Connection refused" in run.test("test_network").message
    assert run.error.startswith("blocked by the sandbox:")
    assert not list(outside.iterdir()) and accepted == []


@NEEDS_BWRAP
def test_the_attacks_are_real(hostile: Path, outside: Path, monkeypatch) -> None:
    """With the sandbox switched off (limits only), the same $fopen does write outside."""
    monkeypatch.setenv("CHIPCHAT_CONFINE", "limits")
    run = simulate_attack(hostile, "icarus", ["ATTACK_FOPEN"], via_tmp(outside / "escaped"))
    assert run.ok and (outside / "escaped").read_text() == "escaped by $fopen\n"


# -- the paths that matter: chipchat verify, and a model's edit ------------------------------------


def patch_file(root: Path, folder: Path, name: str, edits: list[tuple[str, str]]) -> Path:
    """A unified diff of rtl/hostile.v with each ``old`` replaced by ``new``."""
    import difflib

    rel = "rtl/hostile.v"
    text = new = (root / rel).read_text()
    for old, replacement in edits:
        assert old in new
        new = new.replace(old, replacement, 1)
    diff = "".join(difflib.unified_diff(text.splitlines(True), new.splitlines(True), f"a/{rel}", f"b/{rel}"))
    path = folder / f"{name}.diff"
    path.write_text(diff)
    return path


@NEEDS_BWRAP
@pytest.mark.slow
@pytest.mark.xdist_group("verilator")
def test_chipchat_verify_blocks_hostile_patches_and_writes_nothing_outside(hostile: Path, outside: Path,
                                                                           tmp_path: Path) -> None:
    target = via_tmp(outside / "escaped")
    folder = tmp_path / "patches"
    folder.mkdir()
    top, body = "`ifndef TARGET\n", "    initial begin\n        chunk"
    plain = patch_file(hostile, folder, "plain", [(body, f'    initial begin\n        rc = $system("touch {target}");\n'
                                                         "        chunk")])
    # token pasting hides $system from the scan: the sandbox has to stop it
    hidden = patch_file(hostile, folder, "hidden", [
        (top, f'`define TARGET "{target}"\n`define RUN(c) $sys``tem(c)\n' + top),
        (body, '    initial begin\n        rc = `RUN({"touch ", `TARGET});\n        chunk')])
    flood = patch_file(hostile, folder, "flood", [(top, "`define ATTACK_FLOOD\n" + top)])
    assert not hazards.scan(hidden.read_text()) and not hazards.scan(flood.read_text())
    before = user_files(hostile)
    env = {**os.environ, "PYTHONPATH": str(REPO), "CHIPCHAT_LIMIT_FILE_MB": "64"}
    out = subprocess.run([sys.executable, "-m", "chipchat", "verify", str(hostile), "--patches", str(plain),
                          str(hidden), str(flood), "--sims", "icarus,verilator", "--json",
                          "--report-dir", str(tmp_path / "report")],
                         capture_output=True, text=True, env=env, timeout=900)
    assert out.returncode == 1, out.stderr
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    verdicts = {p["patch"]: p for p in report["patches"]}
    assert verdicts["plain"]["verdict"] == "rejected"
    assert "not run: the patch reaches outside the simulation: rtl/hostile.v:" in verdicts["plain"]["message"]
    assert "runs a shell command" in verdicts["plain"]["message"]
    assert verdicts["hidden"]["verdict"] == "rejected"
    assert "blocked by the sandbox: touch: cannot touch" in verdicts["hidden"]["message"]
    assert verdicts["flood"]["verdict"] == "regression"
    failures = [d for s in verdicts["flood"]["sims"].values() for d in s["newly_failing"]]
    assert len(failures) == 2 and all("file-size limit (64 MB per file" in d["message"] for d in failures)
    assert not list(outside.iterdir()) and user_files(hostile) == before
    assert all(e["confined"] == "bwrap" for e in confined_runs(hostile) if Path(e["argv"][0]).name != "verilator"
               or "--lint-only" not in e["argv"])
