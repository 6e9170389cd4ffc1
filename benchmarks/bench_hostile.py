"""Hostile RTL and testbenches against the confined runner, and what confinement costs (issue 16).

    python benchmarks/bench_hostile.py              # everything (Verilator builds: ~10 min on 2 cores)
    python benchmarks/bench_hostile.py --icarus     # Icarus only
    python benchmarks/bench_hostile.py --no-attacks # only the overhead figures

Table 1 — attacks. tests/hostile is a counter whose RTL can switch on one attack per define
and whose second test module attacks from Python. Every attack aims at a fresh folder
under /var/tmp (read-only inside the sandbox) through ``/tmp/..``. "blocked" means the
folder is still empty afterwards. Two verdicts: a direct ``simulate`` of the design with
the attack switched on (what chipchat reports for the run), and ``chipchat verify`` of a
patch that adds the attack's code to the RTL (the static scan sees it) — the hidden form
(the patch only adds the define; the code was already there) gets the direct verdict.

Table 2 — overhead: the same runs with no confinement at all, with resource limits only,
and in bubblewrap; medians of several runs of the fifo example (designs/fifo) on warm
builds, plus the cost of starting one trivial command.
"""

from __future__ import annotations

import argparse
import difflib
import os
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("CHIPCHAT_LIMIT_FILE_MB", "64")

from chipchat import _exec  # noqa: E402
from chipchat.rtl.load import load_design  # noqa: E402
from chipchat.sandbox import confine  # noqa: E402
from chipchat.steps import simulators as sims  # noqa: E402
from chipchat.steps.step import RunDir  # noqa: E402
from chipchat.verify.api import simulate_design, verify  # noqa: E402
from chipchat.verify.simulate import build  # noqa: E402

HOSTILE = REPO / "tests" / "hostile"
RTL_ATTACKS = {  # define -> (module item, statement in `initial begin`) a plain patch adds; TARGET: outside
    "ATTACK_FOPEN": ("", 'fd = $fopen(`TARGET, "w"); $fwrite(fd, "x");'),
    "ATTACK_SYSTEM": ("", 'rc = $system({"touch ", `TARGET});'),
    "ATTACK_REMOUNT": ("", 'rc = $system({"mount -o remount,bind,rw / ; touch ", `TARGET});'),
    "ATTACK_DPI": ('import "DPI-C" function int system(input string c);', 'rc = system({"touch ", `TARGET});'),
    "ATTACK_FLOOD": ('always @(posedge clk) if (count == 8\'d5) begin fd = $fopen("flood.bin", "w"); '
                     'for (k = 0; k < 4194304; k = k + 1) $fwrite(fd, "%s", chunk); $fclose(fd); end', ""),
}


def outcome(run) -> str:  # noqa: ANN001 - a SimRun
    if run.build is not None and not run.build.ok:
        return "build fails"
    if run.error:
        return run.error.split(":")[0] if run.error.startswith("blocked") else f"error ({run.error[:60]})"
    bad = [t for t in run.tests if t.failed]
    if bad:
        return f"{len(bad)}/{len(run.tests)} fail: {bad[0].message.splitlines()[0][:70]}"
    return f"pass ({run.summary()})"


def attack_table(work: Path, simulators: list[str]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    cache = work / "cache"
    for sim in simulators:
        for attack in RTL_ATTACKS:
            design = fresh(work, f"{sim}-{attack}")
            outside = Path("/var/tmp") / f"chipchat-bench-{uuid.uuid4().hex[:8]}"
            outside.mkdir()
            target = f"/tmp/..{outside}/escaped"
            run = simulate_design(design, sim, defines={attack: "1", "TARGET": f'"{target}"'}, cache_dir=cache)
            blocked = not list(outside.iterdir())
            plain, hidden = verify_verdicts(work, design, sim, attack, target)
            rows.append((sim, attack.removeprefix("ATTACK_").lower(), "yes" if blocked else "**NO**",
                         outcome(run), plain, hidden))
            shutil.rmtree(outside, ignore_errors=True)
        rows.append(plusarg_row(work, sim, cache))
        rows += testbench_rows(work, sim, cache)
    return rows


def verify_verdicts(work: Path, design: Path, sim: str, attack: str, target: str) -> tuple[str, str]:
    rel = design / "rtl" / "hostile.v"
    text = rel.read_text()
    head = f'`define TARGET "{target}"\n'
    item, statement = RTL_ATTACKS[attack]
    plain = text.replace("`ifndef TARGET\n", head + "`ifndef TARGET\n", 1).replace(
        "    initial begin\n", (f"    {item}\n" if item else "") + "    initial begin\n"
        + (f"        {statement}\n" if statement else ""), 1)
    hidden = text.replace("`ifndef TARGET\n", head + f"`define {attack}\n`ifndef TARGET\n", 1)
    out = []
    for name, new in (("plain", plain), ("hidden", hidden)):
        diff = "".join(difflib.unified_diff(text.splitlines(True), new.splitlines(True), "a/rtl/hostile.v",
                                            "b/rtl/hostile.v"))
        patch = work / f"{design.name}-{name}.diff"
        patch.write_text(diff)
        report = verify(design, [patch], sim, jobs=2, report_dir=work / f"report-{design.name}-{name}")
        v = report.patches[0]
        out.append(f"{v.verdict}: {v.message.splitlines()[0][:80]}" if v.message else v.verdict)
    return out[0], out[1]


def plusarg_row(work: Path, sim: str, cache: Path) -> tuple[str, ...]:
    design = fresh(work, f"{sim}-plusarg")
    info = build(load_design(design), sim, defines={"ATTACK_PLUSARG": "1"}, cache_dir=cache)
    outside = Path("/var/tmp") / f"chipchat-bench-{uuid.uuid4().hex[:8]}"
    outside.mkdir()
    run = RunDir(work / f"{sim}-plusarg-run")
    cmd = sims.test_command(sim, top="hostile", build_dir=Path(info.build_dir), test_dir=run.path,
                            modules=["hostile_tb"], tests_path=design / "tb", results_file=run.file("r.xml"))
    box = confine.policy(run.path, readable=[Path(info.build_dir), design])
    result = run.exec([*cmd.argv[0], f"+target=/tmp/..{outside}/escaped"], log="sim.log", env=cmd.env, confine=box)
    blocked = not list(outside.iterdir())
    shutil.rmtree(outside, ignore_errors=True)
    verdict = "pass (the open failed silently)" if result.ok else f"exit {result.returncode}"
    return (sim, "plusarg names the file", "yes" if blocked else "**NO**", verdict, "n/a (chipchat passes no plusargs)",
            "—")


def testbench_rows(work: Path, sim: str, cache: Path) -> list[tuple[str, ...]]:
    design = fresh(work, f"{sim}-tb")
    outside = Path("/var/tmp") / f"chipchat-bench-{uuid.uuid4().hex[:8]}"
    outside.mkdir()
    server = socket.create_server(("127.0.0.1", 0))
    got: list[bytes] = []

    def serve() -> None:
        server.settimeout(120)
        try:
            got.append(server.accept()[0].recv(64))
        except OSError:
            return

    threading.Thread(target=serve, daemon=True).start()
    os.environ.update(HOSTILE_PORT=str(server.getsockname()[1]), HOSTILE_TARGET=f"/tmp/..{outside}/tb")
    run = simulate_design(design, sim, modules=["attacks_tb"], cache_dir=cache)
    server.close()
    blocked = not list(outside.iterdir())
    shutil.rmtree(outside, ignore_errors=True)
    rows = []
    for t in run.tests:
        name = {"test_open_outside": "testbench open()", "test_shell_outside": "testbench os.system(touch)",
                "test_network": "testbench TCP to 127.0.0.1"}[t.short_name]
        ok = (not got) if t.short_name == "test_network" else blocked
        rows.append((sim, name, "yes" if ok else "**NO**", f"{t.status}: {t.message.splitlines()[0][:60]}",
                     "run error: " + run.error.split(":")[0] if run.error else "", "—"))
    return rows


def fresh(work: Path, name: str) -> Path:
    root = work / name
    shutil.copytree(HOSTILE, root)
    return root


# -- overhead ---------------------------------------------------------------------------------------


def overhead(work: Path, simulators: list[str], repeat: int) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    tiny = work / "tiny"
    for label, box in (("none", None), ("limits", "limits"), ("bwrap", "auto")):
        os.environ["CHIPCHAT_CONFINE"] = box or "auto"
        times = []
        for _ in range(20):
            t0 = time.perf_counter()
            _exec.run(["true"], cwd=work, confine=None if box is None else confine.policy(tiny))
            times.append(time.perf_counter() - t0)
        rows.append(("start `true`", label, f"{statistics.median(times) * 1000:.1f} ms", ""))
    shutil.copytree(REPO / "designs" / "fifo", work / "designs" / "fifo")
    shutil.copytree(REPO / "verification" / "fifo", work / "verification" / "fifo")
    fifo = work / "designs" / "fifo"
    original = confine.policy
    labels = ("none", "limits", "bwrap")
    for sim in simulators:
        simulate_design(fifo, sim)  # warm the build
        walls: dict[str, list[float]] = {label: [] for label in labels}
        for _ in range(repeat):  # interleaved, so a busy moment on the machine hits every mode alike
            for label in labels:
                os.environ["CHIPCHAT_CONFINE"] = "limits" if label == "limits" else "auto"
                confine.policy = (lambda *a, **k: None) if label == "none" else original  # type: ignore[assignment]
                try:
                    t0 = time.perf_counter()
                    run = simulate_design(fifo, sim)
                    walls[label].append(time.perf_counter() - t0)
                    assert run.ok, run.summary()
                finally:
                    confine.policy = original  # type: ignore[assignment]
        for label in labels:
            rows.append((f"`chipchat sim fifo` ({sim}, warm build, 7 tests)", label,
                         f"{statistics.median(walls[label]):.3f} s", f"min {min(walls[label]):.3f} s, n={repeat}"))
    os.environ["CHIPCHAT_CONFINE"] = "auto"
    return rows


def table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--icarus", action="store_true", help="Icarus only (no Verilator builds)")
    ap.add_argument("--no-attacks", action="store_true", help="only the overhead figures")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    problem = confine.bwrap_problem()
    print(f"confinement here: {confine.status()}; file-size limit {os.environ['CHIPCHAT_LIMIT_FILE_MB']} MB\n")
    if problem is not None:
        print("bubblewrap does not work here: the attacks would run with limits only; stopping.")
        return 1
    simulators = ["icarus"] if args.icarus else ["icarus", "verilator"]
    with tempfile.TemporaryDirectory(prefix="chipchat-bench-hostile-") as tmp:
        work = Path(tmp)
        if not args.no_attacks:
            t0 = time.monotonic()
            rows = attack_table(work, simulators)
            print(table(("simulator", "attack", "blocked (0 writes outside)", "run verdict",
                         "verify: attack code in the patch", "verify: patch only switches it on"), rows))
            print(f"\n({time.monotonic() - t0:.0f} s)\n")
        print(table(("run", "confinement", "median wall", "note"), overhead(work, simulators, args.repeat)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
