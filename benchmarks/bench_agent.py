"""Agent and UI benchmarks: offline answer latency for the core questions on mac16, and UI first load (issue #7).

    python benchmarks/bench_agent.py               # everything
    python benchmarks/bench_agent.py --no-browser  # skip the UI first-load figure

Every answer runs through the real agent loop (``ChatSession`` → ``create_agent`` → the
offline planner → the tools), on a fresh copy of designs/mac16, so "cold" means no
synthesis, STA or model cache. Targets (issue #7): the timing question ≤ 5 s cold and
≤ 1 s warm; a structural question ≤ 300 ms. The UI first load (server start, then a
headless Chromium opening the page until the chat input is ready) has no target in
the issue and is reported. Wall-clock times depend on what else runs on the machine;
CPU seconds (chipchat itself, and its tool subprocesses) are printed next to them.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROWS: list[tuple[str, float, str, str]] = []


def cpu() -> tuple[float, float]:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def record(name: str, seconds: float, target: float | None, note: str = "") -> None:
    verdict = "" if target is None else ("meets" if seconds <= target else "MISSES")
    goal = "—" if target is None else (f"≤ {target * 1000:.0f} ms" if target < 1 else f"≤ {target:g} s")
    ROWS.append((name, seconds, f"{goal} {verdict}".strip(), note))
    print(f"  {name:<52} {seconds * 1000:9.0f} ms   target {goal:<9} {verdict}  {note}", flush=True)


def ask(session, question: str) -> tuple[float, str]:
    c0 = cpu()
    t0 = time.perf_counter()
    turn = session.ask(question)
    took = time.perf_counter() - t0
    c1 = cpu()
    tools = ",".join(r.get("tool", "?") for r in turn.results) or "none"
    return took, f"[{tools}; cpu {c1[0] - c0[0]:.1f} s + tools {c1[1] - c0[1]:.1f} s]"


def bench_first_answer(root: Path) -> None:
    """A fresh process, no warm-up: what `chipchat ask`-style one-shot use pays (imports included)."""
    import subprocess

    code = ("import time; t0 = time.perf_counter()\n"
            "from chipchat.agent.session import ChatSession\nfrom chipchat.rtl.load import load_design\n"
            f"ChatSession(load_design({str(root)!r}), conversation='oneshot').ask('what drives acc?')\n"
            "print(time.perf_counter() - t0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    record("structural question in a fresh process (imports incl.)", float(out.stdout.split()[-1]), None)


def bench_answers(root: Path) -> None:
    t0 = time.perf_counter()
    from chipchat.agent.session import ChatSession
    from chipchat.rtl.load import load_design

    record("import chipchat.agent (langchain, langgraph)", time.perf_counter() - t0, None)
    session = ChatSession(load_design(root))
    session.reset()
    t0 = time.perf_counter()
    session.warm_up().join()
    record("session warm-up (the UI/terminal do it while you type)", time.perf_counter() - t0, None)
    took, note = ask(session, "why does this path miss timing?")
    record("timing question, cold caches (synthesis + STA + agent)", took, 5.0, note)
    warm = [ask(session, "why does this path miss timing?") for _ in range(3)]
    record("timing question, warm (median of 3)", statistics.median(t for t, _ in warm), 1.0, warm[0][1])
    took, note = ask(session, "and the second-worst path?")
    record("follow-up: and the second-worst path?", took, None, note)
    structural = [ask(session, "what drives acc?") for _ in range(5)]
    record("structural: what drives acc? (median of 5)", statistics.median(t for t, _ in structural), 0.3,
           structural[0][1])
    for question, target in (("what is the reset value of acc", 0.3), ("what are the ports?", 0.3),
                             ("summarize the design", None), ("where is the multiplier?", None),
                             ("what would you recommend for the multiplier?", None)):
        took, note = ask(session, question)
        record(question, took, target, note)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_ui(root: Path) -> None:
    from playwright.sync_api import sync_playwright

    from chipchat.cli.webui import launch

    port = free_port()
    t0 = time.perf_counter()
    app = launch(root, host="127.0.0.1", port=port, block=False)
    started = time.perf_counter() - t0
    record("UI server start (build Blocks + launch)", started, None)
    try:
        with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
            ctx = p.chromium.launch_persistent_context(
                profile, executable_path="/usr/bin/chromium", headless=True, viewport={"width": 1600, "height": 1000},
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update", "--disable-sync"])
            for label in ("UI first load (page → chat input ready)", "UI second load (browser cache warm)"):
                page = ctx.new_page()
                t1 = time.perf_counter()
                page.goto(f"http://127.0.0.1:{port}/")
                page.locator("#cc-input textarea").wait_for(timeout=120_000)
                record(label, time.perf_counter() - t1, None)
                page.close()
            ctx.close()
    finally:
        app.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-browser", action="store_true", help="skip the UI first-load figure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-agent-") as tmp:
        root = Path(tmp) / "designs" / "mac16"
        shutil.copytree(REPO / "designs" / "mac16", root, ignore=shutil.ignore_patterns(".chipchat"))
        shutil.copytree(REPO / "verification" / "mac16", Path(tmp) / "verification" / "mac16",
                        ignore=shutil.ignore_patterns("__pycache__", "sim_build"))
        print(f"mac16 copy at {root}; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
        bench_first_answer(root)
        bench_answers(root)
        if not args.no_browser:
            bench_ui(root)
    missed = [r for r in ROWS if "MISSES" in r[2]]
    print(f"\n{len(ROWS)} figures; {len(missed)} miss their target" + (": " + ", ".join(r[0] for r in missed)
                                                                     if missed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
