r"""Corpus benchmark: chipchat, driven only through its CLI, on real open-source designs.

    python benchmarks/bench_corpus.py                 # everything (tens of minutes on 2 cores)
    python benchmarks/bench_corpus.py --skip-slow     # no place / propose / sim / mutate / verify
    python benchmarks/bench_corpus.py --only picorv32 --timeout 300

What it measures, on the designs in ../shared/corpus (override with CHIPCHAT_CORPUS; the
script prints "skipped: ..." and exits 0 when the folder is absent):

1. Robustness of every capability. Each design unit is copied to a temp folder as a new user
   would have it: first with NO chipchat.toml (what does chipchat infer: top, include dirs,
   tests?), then with the smallest chipchat.toml it needs. Every command runs as a subprocess
   (`python -m chipchat <cmd> <design> ... --json`) and is classed as
   ran (exit 0; or exit 1 with JSON for sim/verify whose tests fail) / clean-error (non-zero
   exit with a `chipchat: error` message) / crash (a Python traceback or a signal) /
   timeout (killed after --timeout seconds, with its whole process group), with wall time.
2. Answer quality: every question of corpus_questions.json (answers decided by hand from the
   sources) is asked with `chipchat ask --json`. An answer is correct when one of its citations
   hits an expected file:line and every `contains` entry appears in its text. A citation hits
   line L when it starts at L, or spans L and is short (<= 10 lines; <= 300 for search
   questions, which cite chunks). A `contains` entry is a case-insensitive substring, a list of
   alternatives, or "re:<regex>"; regexes see the text with sized literals as plain numbers
   (32'd8 -> 8, 1'b0 -> 0), so `re:ENABLE_MUL\W+1\b` does not match "ENABLE_MUL = 1'b0".
   A structural question (drivers, reset ...) that chipchat routed to text search is counted as
   it scores, but flagged "via search" in the report: such a pass is luck, not a structural answer.

Targets (exit 1 when one is missed): no crash and no hang anywhere; timing and place succeed on
every Verilog unit; >= 90% of questions correct; picorv32 timing <= 15 s cold.
Everything chipchat printed is kept in <workdir>/results.json for reading afterwards.
--python runs chipchat under another interpreter (the project's setup installs the testbench
libraries real designs import, cocotb-test and cocotbext-axi, so verilog-axi's own tests run).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("CHIPCHAT_CORPUS") or next((p for p in (REPO.parent / "shared" / "corpus", Path("/work/shared/corpus")) if p.is_dir()), REPO.parent / "shared" / "corpus"))
QUESTIONS = Path(__file__).resolve().parent / "corpus_questions.json"
SLOW = {"place", "propose", "sim", "mutate", "verify"}


def toml(top=None, sources=(), incdirs=(), params=None, clocks=(), tests=None) -> str:
    out = ["[design]"]
    if top:
        out.append(f'top = "{top}"')
    out.append("sources = [" + ", ".join(f'"{s}"' for s in sources) + "]")
    if incdirs:
        out.append("include_dirs = [" + ", ".join(f'"{s}"' for s in incdirs) + "]")
    if params:
        out.append("parameters = { " + ", ".join(f"{k} = {v}" for k, v in params.items()) + " }")
    for port, period in clocks:
        out += ["", "[[clocks]]", f'port = "{port}"', f"period_ns = {period}"]
    if tests:
        out += ["", "[tests]", f'dir = "tb/{tests}"', f'modules = ["test_{tests}"]', 'simulators = ["icarus"]',
                "timeout_s = 300"]
    return "\n".join(out) + "\n"


def axi(name: str, extra: list[str], **kw) -> dict:
    files = [f"rtl/{name}.v"] + [f"rtl/{name}_{x}.v" for x in extra] + [f"tb/{name}/test_{name}.py"]
    return dict(name=name, design="verilog-axi", files=files, verilog=True, clock="clk", tests=name,
                toml=toml(sources=["rtl/*.v"], tests=name, **kw), sim_filter="run_test_write_001")


CC_INC = ["include/common_cells/registers.svh", "include/common_cells/assertions.svh",
          "include/common_cells/deprecated/registers.svh"]


def cc(name: str, srcs: list[str], show: list[str], clock="clk_i") -> dict:
    return dict(name=name, design="common_cells", files=srcs + CC_INC, verilog=False, clock=clock, show=show,
                toml=toml(top=name, sources=srcs, incdirs=["include"]))


UNITS = [
    dict(name="picorv32", design="picorv32", files=["picorv32.v"], verilog=True, clock="clk",
         toml=toml(top="picorv32", sources=["picorv32.v"]), show=["mem_valid", "cpu_state", "count_cycle"]),
    dict(name="picorv32_pcpi_fast_mul", design="picorv32", files=["picorv32.v"], verilog=False, clock="clk",
         toml=toml(top="picorv32_pcpi_fast_mul", sources=["picorv32.v"]), show=["rd"], plain=False,
         caps=("index", "tree", "show", "timing", "propose"),
         propose=["pipeline the multiplier", "register the output pcpi_wr"]),
    # the default 16-bit address space is 512 Kbit of RAM, which Yosys maps to flip-flops: the
    # no-toml timing run shows how chipchat copes (short timeout); the toml shrinks it to 64 words
    dict(axi("axi_ram", [], params={"ADDR_WIDTH": 8}), show=["s_axi_rdata_reg", "read_state_reg"],
         plain_timing_timeout=180),
    dict(axi("axi_fifo", ["wr", "rd"]), show=["m_axi_rready", "rd_ptr_reg"], mutate=True, verify=True),
    dict(axi("axi_register", ["wr", "rd"]), show=["s_axi_awready_reg"]),
    dict(axi("axi_adapter", ["wr", "rd"]), show=["s_axi_wready"]),
    cc("cc_fifo", ["src/cc_pkg.sv", "src/cc_fifo.sv"], ["read_pointer_q", "full_o"]),
    cc("cc_counter", ["src/cc_counter.sv", "src/cc_delta_counter.sv"], ["counter_q"]),
    cc("cc_cdc_2phase", ["src/cc_cdc_2phase.sv"], ["req_src_q"], clock="src_clk_i"),
    cc("cc_stream_arbiter", ["src/cc_pkg.sv", "src/cc_lzc.sv", "src/cc_rr_arb_tree.sv", "src/cc_stream_arbiter.sv"],
       ["oup_valid_o"]),
    # a whole checkout, as cloned: what does chipchat infer from it with no help at all?
    dict(name="verilog-axi (whole)", design="verilog-axi", files=None, verilog=False, caps=("index", "tree"),
         toml=None),
    dict(name="common_cells (whole)", design="common_cells", files=None, verilog=False, caps=("index", "tree"),
         toml=None),
]


PYTHON = [sys.executable]


def run(cmd: list[str], timeout: float) -> dict:
    """Run one chipchat command; classify it. The process group is killed on timeout (tools too)."""
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    argv = [*PYTHON, "-m", "chipchat", *cmd]
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True, stdin=subprocess.DEVNULL)
    try:
        out, err = proc.communicate(timeout=timeout)
        status = None
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        status = "timeout"
    secs = time.monotonic() - t0
    data = None
    try:
        data = json.loads(out) if out.strip().startswith(("{", "[")) else None
    except json.JSONDecodeError:
        pass
    rc = proc.returncode
    if status is None:
        # chipchat's own traceback: on stderr, or on stdout when stdout is not its JSON answer (a failing cocotb
        # test's Python traceback quoted inside a sim answer is the test's, and the answer explains it)
        if "Traceback (most recent call last)" in err + ("" if data is not None else out) or rc < 0:
            status = "crash"
        elif rc == 0 or (rc == 1 and data is not None and cmd[0] in ("sim", "verify", "mutate")):
            status = "ran"
        else:
            status = "clean-error"
    return dict(cmd="chipchat " + " ".join(cmd), status=status, rc=rc, secs=round(secs, 1), data=data,
                stdout=out[-20000:], stderr=err[-20000:], note=note_of(status, out, err, data))


def note_of(status: str, out: str, err: str, data) -> str:
    if status == "crash":
        lines = [x for x in (out + "\n" + err).splitlines() if x.strip()]
        return " | ".join(lines[-2:])[:300]
    if status in ("clean-error", "timeout"):
        msg = [x for x in err.splitlines() if x.startswith("chipchat: error") or "error" in x.lower()]
        return (msg[0] if msg else (err.strip().splitlines() or [""])[-1])[:300]
    if isinstance(data, dict):
        d = data.get("data") or {}
        m = d.get("metrics") or (d if "wns" in d else {})
        if d.get("reason"):
            return str(d["reason"])[:200]
        if "wns" in m:
            return f"WNS {m['wns']} ns at {m.get('clock_period_ns')} ns, {m.get('cells')} cells"
        return (data.get("text") or "").strip().splitlines()[0][:160] if data.get("text") else ""
    return ""


def setup(unit: dict, dest: Path, with_toml: str | None) -> Path:
    src = CORPUS / unit["design"]
    if unit["files"] is None:
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".*"))
    else:
        for f in unit["files"]:
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src / f, dest / f)
    if with_toml:
        (dest / "chipchat.toml").write_text(with_toml)
    return dest


def timing(d: Path, unit: dict, args, record, cap="timing", timeout=None) -> None:
    """`--clock-period 10ns` first; when chipchat wants a clock port, add a [[clocks]] to the toml (if any)."""
    r = run(["timing", str(d), "--clock-period", "10ns", "--json"], timeout or args.timeout)
    if r["status"] == "clean-error" and "clock" in r["stderr"].lower() and (d / "chipchat.toml").exists():
        record(cap + " --clock-period", r)
        text = (d / "chipchat.toml").read_text() + f'\n[[clocks]]\nport = "{unit["clock"]}"\nperiod_ns = 10.0\n'
        (d / "chipchat.toml").write_text(text)
        r = run(["timing", str(d), "--json"], timeout or args.timeout)
        cap += " [[clocks]]"
    if r["status"] == "ran" and "WNS" not in r["note"]:
        r["status"] = "ran-no-wns"
    record(cap, r)


def run_unit(unit: dict, work: Path, args, rows: list) -> None:
    def record(cap, r):
        rows.append(dict(unit=unit["name"], cap=cap, **r))
        print(f"  {unit['name']:24} {cap:18} {r['status']:12} {r['secs']:7.1f}s  {r['note'][:110]}", flush=True)

    caps = unit.get("caps") or ("index", "tree", "show", "timing", "place", "sim", "mutate", "verify")
    if args.skip_slow:
        caps = tuple(c for c in caps if c not in SLOW)
    base = work / re.sub(r"\W+", "_", unit["name"])
    if unit.get("plain", True):  # 1. no chipchat.toml: what is inferred
        d = setup(unit, base / "plain", None)
        record("index(no toml)", run(["index", str(d), "--json"], args.timeout))
        record("tree(no toml)", run(["tree", str(d), "--json"], args.timeout))
        if unit["verilog"] and "timing" in caps:
            timing(d, unit, args, record, "timing(no toml)", unit.get("plain_timing_timeout"))
        if unit.get("tests") and "sim" in caps:
            record("sim --list(no toml)", run(["sim", str(d), "--list", "--json"], args.timeout))
        if not unit["toml"]:
            return
    d = setup(unit, base / "toml", unit["toml"])  # 2. with the minimal chipchat.toml
    for cap in caps:
        if cap == "index":
            record("index", run(["index", str(d), "--json"], args.timeout))
        elif cap == "tree":
            record("tree", run(["tree", str(d), "--json"], args.timeout))
        elif cap == "show":
            for sig in unit.get("show", []):
                record(f"show {sig}", run(["show", str(d), sig, "--json"], args.timeout))
        elif cap == "timing":
            timing(d, unit, args, record)
        elif cap == "place" and unit["verilog"]:
            r = run(["place", str(d), "--clock-period", "10", "--effort", "fast", "--json"], args.timeout)
            if r["status"] == "ran" and "WNS" not in r["note"]:
                r["status"] = "ran-no-wns"
            record("place", r)
        elif cap == "propose":
            for req in unit.get("propose", []):
                record(f"propose '{req[:20]}'", run(["propose", str(d), req, "--json"], args.timeout))
        elif cap == "sim" and unit.get("tests"):
            record("sim --list", run(["sim", str(d), "--list", "--json"], args.timeout))
            record("sim", run(["sim", str(d), "-k", unit["sim_filter"], "--timeout", "300", "--json"], args.timeout))
        elif cap == "mutate" and unit.get("mutate"):
            record("mutate", run(["mutate", str(d), "--max", "2", "--jobs", "1", "--timeout", "120", "--quiet",
                                  "--json"], args.timeout))
        elif cap == "verify" and unit.get("verify"):
            rtl = d / unit["files"][0]
            old = rtl.read_text().splitlines(keepends=True)
            new = old + ["// comment added by bench_corpus (no functional change)\n"]
            patch = base / "comment.diff"
            patch.write_text("".join(difflib.unified_diff(old, new, "a/" + unit["files"][0], "b/" + unit["files"][0])))
            record("verify", run(["verify", str(d), "--patches", str(patch), "-k", unit["sim_filter"], "--jobs", "1",
                                  "--timeout", "300", "--quiet", "--json"], args.timeout))


def hits(cit: dict, expected: str, kind: str) -> bool:
    file, line = expected.rsplit(":", 1)
    lo, hi, n = cit["line"], cit.get("end_line") or cit["line"], int(line)
    span_ok = (hi - lo) <= (300 if kind == "search" else 10)
    return cit["file"] == file and (lo == n or (lo <= n <= hi and span_ok))


def plain_numbers(text: str) -> str:
    """Sized literals as the numbers they are: 32'd8 -> 8, 1'b0 -> 0, 8'hff -> 255."""
    def value(m: re.Match) -> str:
        base = {"d": 10, "b": 2, "h": 16, "o": 8}[m.group(1).lower()]
        try:
            return str(int(m.group(2).replace("_", ""), base))
        except ValueError:  # x / z digits
            return m.group(0)
    return re.sub(r"\b\d+\s*'s?([dbho])\s*([0-9a-fA-FxXzZ_]+)", value, text)


def has(text: str, entry) -> bool:
    if isinstance(entry, list):
        return any(has(text, e) for e in entry)
    if entry.startswith("re:"):
        return re.search(entry[3:], plain_numbers(text), re.I) is not None
    return entry.lower() in text.lower() or entry.lower() in plain_numbers(text).lower()


def run_questions(questions: list[dict], work: Path, args) -> list[dict]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for q in questions:
        groups[json.dumps([q["design"], q["setup"]], sort_keys=True)].append(q)
    results = []
    for n, qs in enumerate(groups.values()):
        unit = dict(design=qs[0]["design"], files=qs[0]["setup"]["files"])
        d = setup(unit, work / "questions" / f"{qs[0]['design']}-{n}", qs[0]["setup"]["toml"])
        idx = run(["index", str(d), "--json"], args.timeout)
        print(f"  questions setup {d.name}: index {idx['status']} {idx['secs']}s {idx['note'][:80]}", flush=True)
        for q in qs:
            r = run(["ask", str(d), q["question"], "--json"], args.timeout)
            ans = r["data"] if isinstance(r["data"], dict) else {}
            cits = ans.get("citations") or []
            text = ans.get("text") or ""
            cite_ok = any(hits(c, e, q["kind"]) for c in cits for e in q["expect"]["citations"])
            missing = [e for e in q["expect"]["contains"] if not has(text, e)]
            ok = r["status"] == "ran" and cite_ok and not missing
            via_search = q["kind"] != "search" and ans.get("kind") == "search"
            results.append(dict(id=q["id"], design=q["design"], kind=q["kind"], question=q["question"], ok=ok,
                                answer_kind=ans.get("kind"), via_search=via_search,
                                status=r["status"], secs=r["secs"], cite_ok=cite_ok, missing=missing,
                                cited=[f"{c['file']}:{c['line']}" + (f"-{c['end_line']}" if c.get("end_line", c["line"])
                                       != c["line"] else "") for c in cits],
                                expected=q["expect"]["citations"][:6], why=q["why"], text=text[:1500],
                                note=r["note"], dir=str(d)))
            mark = ("ok?" if via_search else "ok ") if ok else "BAD"
            print(f"  {mark} {q['id']:8} {r['status']:11} {r['secs']:5.1f}s {q['question'][:60]}"
                  + ("" if ok else f"  [cite {'ok' if cite_ok else 'miss'}; missing {missing}]"), flush=True)
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="one corpus design (picorv32, verilog-axi, common_cells) or a unit name")
    ap.add_argument("--skip-slow", action="store_true", help="skip place, propose, sim, mutate, verify")
    ap.add_argument("--timeout", type=float, default=600, help="per-command wall-clock limit, s (default 600)")
    ap.add_argument("--no-questions", action="store_true", help="capabilities only")
    ap.add_argument("--questions-only", action="store_true", help="questions only")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder")
    ap.add_argument("--python", default=sys.executable, help="interpreter that runs chipchat (default: this one)")
    args = ap.parse_args()
    PYTHON[:] = [args.python]
    if not CORPUS.is_dir():
        print(f"skipped: corpus folder {CORPUS} not found (set CHIPCHAT_CORPUS)")
        return 0
    pick = (lambda u: args.only in (u["design"], u["name"], u.get("id"))) if args.only else (lambda u: True)
    work = Path(tempfile.mkdtemp(prefix="chipchat-corpus-"))
    print(f"corpus {CORPUS}; work folder {work}")
    rows: list[dict] = []
    if not args.questions_only:
        for unit in filter(pick, UNITS):
            run_unit(unit, work, args, rows)
    qres = [] if args.no_questions else run_questions([q for q in json.loads(QUESTIONS.read_text()) if pick(q)],
                                                       work, args)
    (work / "results.json").write_text(json.dumps(dict(rows=rows, questions=qres), indent=1, default=str))
    return report(rows, qres, args, work)


def report(rows: list[dict], qres: list[dict], args, work: Path) -> int:
    print("\n## Capabilities (status, seconds)\n")
    print(f"| {'unit':24} | {'capability':22} | {'status':12} | {'s':>6} | note |\n|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['unit']:24} | {r['cap']:22} | {r['status']:12} | {r['secs']:6.1f} | {r['note'][:120]} |")
    missed = []
    bad = [r for r in rows if r["status"] in ("crash", "timeout")]
    if bad:
        missed.append(f"no crash/hang: {len(bad)} ({', '.join(sorted({r['unit'] + ' ' + r['cap'] for r in bad}))})")
    if not args.skip_slow:
        for u in (u for u in UNITS if u["verilog"] and any(r["unit"] == u["name"] for r in rows)):
            for cap in ("timing", "place"):
                r = next((r for r in reversed(rows) if r["unit"] == u["name"] and r["cap"].split(" ")[0] == cap
                          and "--clock-period" not in r["cap"]), None)
                if r is None or r["status"] != "ran":
                    missed.append(f"{cap} on {u['name']}: {r['status'] if r else 'not run'}")
    pico = next((r for r in rows if r["unit"] == "picorv32" and r["cap"].startswith("timing")
                 and "no toml" not in r["cap"] and "--clock-period" not in r["cap"]), None)
    if pico:
        print(f"\npicorv32 timing cold: {pico['secs']:.1f} s (target <= 15 s)")
        if pico["status"] != "ran" or pico["secs"] > 15:
            missed.append(f"picorv32 timing cold {pico['secs']:.1f} s / {pico['status']}")
    if qres:
        print("\n## Questions\n")
        by: dict[str, list[dict]] = defaultdict(list)
        for q in qres:
            by[q["kind"]].append(q)
            by["design " + q["design"]].append(q)
        for k, v in sorted(by.items()):
            ok, lucky = sum(q["ok"] for q in v), sum(q["ok"] and q["via_search"] for q in v)
            print(f"  {k:24} {ok:3}/{len(v):<3} {100 * ok / len(v):5.1f}%" + (f"  ({lucky} of them via search)"
                                                                              if lucky else ""))
        score = sum(q["ok"] for q in qres) / len(qres)
        print(f"  {'overall':24} {sum(q['ok'] for q in qres):3}/{len(qres):<3} {100 * score:5.1f}%  (target >= 90%)")
        if score < 0.9:
            missed.append(f"questions {100 * score:.1f}% < 90%")
    print(f"\nall output: {work / 'results.json'}")
    if not args.keep:
        for p in work.iterdir():
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
    print("targets missed:\n  - " + "\n  - ".join(missed) if missed else "all targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
