"""Fuzz the command line with mutated RTL: no traceback, no hang, bounded memory, located rejections (issue 16).

Every input is one mutation (or a few stacked) of a real file — the examples in designs/ and the
corpus in /work/shared/corpus — put alone in a fresh design folder, then run through the commands
a user types: ``index``, ``tree``, ``show <a signal of the file>`` and ``ask "what drives <it>?"``.
The commands run in long-lived worker processes (``chipchat.cli.main`` in-process, output captured),
watched by this supervisor: a case that runs longer than the limit is a hang (the worker is
killed and replaced), a worker that dies is a crash, one whose resident memory passes the kill
limit is a memory failure. A case's peak RSS is the worker's ``VmHWM``, reset before each case.

Mutations (fixed seed, case ``i`` draws from ``random.Random(f"{seed}:{i}")``): byte flips, token
deletion and duplication, unbalanced begin/end, huge identifiers, deep nesting, `` `line ``
directives, `` `include `` of odd targets (a device, a folder, itself, a FIFO …), non-UTF-8 bytes,
control characters (\\x0b \\x0c \\x1c–\\x1e \\x85 \\u2028 \\u2029).

A rejection — exit code 2, or a file the index skipped, or a warning that files were left out —
must carry a ``file:line`` whenever pyslang itself locates an error in the input. Tracebacks
whose innermost chipchat frame is in chipchat/rtl/ are the RTL model's (see ``--save-rtl``).

    python benchmarks/bench_fuzz.py                          # 10,000 cases, 2 workers, resumable
    python benchmarks/bench_fuzz.py --cases 500 --jobs 2     # a quick look
    python benchmarks/bench_fuzz.py --save-rtl tests/fuzz_cases   # keep reproducers of rtl/ tracebacks

Results go to ``--out`` (JSON lines, one per case): a second run with the same ``--out`` skips the
cases already there, so an interrupted run resumes.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import io
import json
import os
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("CHIPCHAT_CORPUS") or next((p for p in (REPO.parent / "shared" / "corpus", Path("/work/shared/corpus")) if p.is_dir()), REPO.parent / "shared" / "corpus"))
KINDS = ("byte_flip", "token_delete", "token_duplicate", "unbalanced", "huge_identifier", "deep_nesting",
         "line_directive", "include_odd", "non_utf8", "control_chars")
CONTROL = ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029", "\r"]
RSS_TARGET_MB = 2048
KILL_RSS_MB = 3072
RECYCLE_EVERY = 150  # a fresh worker after this many cases: no slow growth across thousands of inputs


# -- inputs ----------------------------------------------------------------------------------------

def seed_files(small: bool = False) -> list[Path]:
    """The files mutated: the bundled examples and the corpus (sorted: the same list on every machine)."""
    files = sorted((REPO / "designs").glob("*/rtl/*.v"))
    if CORPUS.is_dir():
        corpus = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".v", ".sv") and p.is_file())
        if small:
            corpus = [p for p in corpus if p.stat().st_size < 12_000]
        files += corpus
    return files


@dataclass
class Case:
    id: int
    seed_file: str
    kinds: list[str]
    data: bytes
    name: str  # file name in the case folder
    fifo: bool = False  # make ``pipe.vh`` a FIFO next to it
    signal: str = "clk"


_TOKEN = re.compile(rb"[A-Za-z_][A-Za-z0-9_$]*|\d+|[^\sA-Za-z0-9_]")
_IDENT = re.compile(rb"\b(?:reg|wire|logic|input|output)\b[^;=]*?\b([A-Za-z_][A-Za-z0-9_]*)\s*[;,)=]")
_MODULE_BODY = re.compile(rb"\bmodule\b[^;]*;")


def make_case(i: int, seed: int, files: list[Path]) -> Case:
    rng = random.Random(f"{seed}:{i}")
    src = files[rng.randrange(len(files))]
    data = src.read_bytes()
    kinds = [KINDS[i % len(KINDS)]]  # every kind equally often
    while rng.random() < 0.25 and len(kinds) < 3:
        kinds.append(rng.choice(KINDS))
    case = Case(i, str(src), kinds, data, "top" + src.suffix)
    for kind in kinds:
        case.data = MUTATORS[kind](case, rng)
    m = _IDENT.search(case.data)
    case.signal = m.group(1).decode("ascii", "replace")[:200] if m else "clk"
    return case


def _positions(data: bytes) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _TOKEN.finditer(data)] or [(0, 0)]


def byte_flip(case: Case, rng: random.Random) -> bytes:
    buf = bytearray(case.data)
    for _ in range(rng.randint(1, 8)):
        if buf:
            at = rng.randrange(len(buf))
            buf[at] ^= 1 << rng.randrange(8)
    return bytes(buf)


def token_delete(case: Case, rng: random.Random) -> bytes:
    data = case.data
    for _ in range(rng.randint(1, 5)):
        s, e = rng.choice(_positions(data))
        data = data[:s] + data[e:]
    return data


def token_duplicate(case: Case, rng: random.Random) -> bytes:
    data = case.data
    for _ in range(rng.randint(1, 5)):
        s, e = rng.choice(_positions(data))
        at = rng.choice(_positions(data))[0] if rng.random() < 0.5 else e
        data = data[:at] + b" " + data[s:e] + b" " + data[at:]
    return data


def unbalanced(case: Case, rng: random.Random) -> bytes:
    data = case.data
    closers = [m for m in re.finditer(rb"\b(end|endmodule|endcase|endgenerate|endfunction)\b|[)}\]]", data)]
    if closers and rng.random() < 0.5:
        m = rng.choice(closers)
        return data[:m.start()] + data[m.end():]
    opener = rng.choice([b" begin ", b" module x; ", b" ( ", b" { ", b" case (a) ", b" fork ", b" end ", b" endmodule "])
    at = rng.choice(_positions(data))[0]
    return data[:at] + opener * rng.randint(1, 3) + data[at:]


def huge_identifier(case: Case, rng: random.Random) -> bytes:
    size = rng.choice([30_000, 100_000, 1_000_000])
    letters = rng.choice([b"A", b"a", b"aB", b"x_", b"Q9"])
    ident = (letters * (size // len(letters) + 1))[:size]
    names = sorted({m.group(0) for m in re.finditer(rb"\b[A-Za-z_][A-Za-z0-9_]{2,}\b", case.data)
                    if m.group(0) not in (b"module", b"endmodule", b"input", b"output", b"wire", b"reg")})
    if names and rng.random() < 0.7:
        name = rng.choice(names)
        return re.sub(rb"\b" + re.escape(name) + rb"\b", ident, case.data, count=rng.choice([1, 0]))
    at = rng.choice(_positions(case.data))[0]
    return case.data[:at] + b" " + ident + b" " + case.data[at:]


def deep_nesting(case: Case, rng: random.Random) -> bytes:
    n = rng.choice([200, 1000, 5000, 20000])
    form = rng.randrange(5)
    if form == 0:
        item = b"initial " + b"begin " * n + b"end " * n + b"\n"
    elif form == 1:
        item = b"wire __deep = " + b"(" * n + b"1'b0" + b")" * n + b";\n"
    elif form == 2:
        item = b"generate " + b"if (1) begin " * n + b"end " * n + b"endgenerate\n"
    elif form == 3:
        item = b"wire [7:0] __deep = " + b"{" * n + b"8'd0" + b"}" * n + b";\n"
    else:
        item = b"wire __deep = " + b" + ".join([b"1'b0"] * n) + b";\n"
    m = _MODULE_BODY.search(case.data)
    at = m.end() if m else 0
    return case.data[:at] + b"\n" + item + case.data[at:]


def line_directive(case: Case, rng: random.Random) -> bytes:
    number = rng.choice([b"0", b"1", b"-1", b"99999", b"99999999999", b"18446744073709551617", b"x"])
    name = rng.choice([b'"x.v"', b'""', b'"/etc/passwd"', b'"' + b"n" * 300 + b'"', b"noquote", b'"a\\"b"'])
    level = rng.choice([b"0", b"1", b"2", b"9", b""])
    lines = case.data.split(b"\n")
    at = rng.randrange(len(lines) + 1)
    lines.insert(at, b"`line " + number + b" " + name + b" " + level)
    return b"\n".join(lines)


def include_odd(case: Case, rng: random.Random) -> bytes:
    target = rng.choice([b"/dev/zero", b"/dev/null", b"/etc/passwd", b"/", b".", case.name.encode(),
                         b"missing.vh", b"pipe.vh", b"", b"n" * 300 + b".vh", b"../../../../etc/hostname"])
    if target == b"pipe.vh":
        case.fifo = True
    lines = case.data.split(b"\n")
    lines.insert(rng.randrange(len(lines) + 1), b'`include "' + target + b'"')
    return b"\n".join(lines)


def non_utf8(case: Case, rng: random.Random) -> bytes:
    data = case.data
    for _ in range(rng.randint(1, 6)):
        junk = rng.choice([b"\xff", b"\xfe\xff", b"\xc0\x80", b"\xe9", b"\xed\xa0\x80", b"\x80\x80\x80",
                           bytes(rng.randrange(128, 256) for _ in range(4))])
        at = rng.randrange(len(data) + 1)
        data = data[:at] + junk + data[at:]
    return data


def control_chars(case: Case, rng: random.Random) -> bytes:
    text = case.data.decode("utf-8", errors="surrogateescape")
    for _ in range(rng.randint(1, 10)):
        at = rng.randrange(len(text) + 1)
        text = text[:at] + rng.choice(CONTROL) + text[at:]
    return text.encode("utf-8", errors="surrogateescape")


MUTATORS = {"byte_flip": byte_flip, "token_delete": token_delete, "token_duplicate": token_duplicate,
            "unbalanced": unbalanced, "huge_identifier": huge_identifier, "deep_nesting": deep_nesting,
            "line_directive": line_directive, "include_odd": include_odd, "non_utf8": non_utf8,
            "control_chars": control_chars}


# -- the worker: runs one case's commands in-process --------------------------------------------------

def commands(case: Case, folder: Path) -> list[list[str]]:
    return [["index", str(folder)], ["tree", str(folder)], ["show", str(folder), case.signal],
            ["ask", str(folder), f"what drives {case.signal}?"]]


def _vm(key: str) -> int:
    """A VmXXX value of this process in MB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) // 1024
    return 0


def pyslang_location(data: bytes) -> bool:
    """True when pyslang, on its own, reports an error with a location in this text.

    Runs after the case's commands (pyslang itself may crash or hang on the input: the
    supervisor then records "unknown", never a failure of chipchat); `` `include `` lines are
    blanked so that a device or a FIFO named there is not opened.
    """
    import pyslang
    from pyslang import syntax

    text = re.sub(rb"`include\b[^\n]*", b"", data).decode("utf-8", errors="replace")
    try:
        sm = pyslang.SourceManager()
        tree = syntax.SyntaxTree.fromText(text, sm, "top.v", "top.v")
        return any(d.isError() and d.location for d in tree.diagnostics)
    except Exception:  # noqa: BLE001 - pyslang refusing the text outright: no location
        return False


def run_case(case: Case, work: Path) -> dict[str, Any]:
    """Run the commands of ``case`` in this process; what the user would have seen, summarised."""
    from chipchat.cli import main

    folder = work / f"case-{case.id}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / case.name).write_bytes(case.data)
    if case.fifo:
        os.mkfifo(folder / "pipe.vh")
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # reset VmHWM: the peak of this case alone
    record: dict[str, Any] = {"id": case.id, "seed_file": case.seed_file, "kinds": case.kinds,
                              "bytes": len(case.data), "commands": []}
    t0 = time.monotonic()
    for argv in commands(case, folder):
        out, err = io.StringIO(), io.StringIO()
        tb = ""
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(argv)
        except BaseException as exc:  # noqa: BLE001 - exactly what the fuzz looks for
            code, tb = -1, "".join(traceback.format_exception(exc))
        text = out.getvalue() + err.getvalue()
        if "Traceback (most recent call last)" in text and not tb:
            tb = text
        record["commands"].append(_summary(argv[0], code, text, tb, case.name))
    record["wall_s"] = round(time.monotonic() - t0, 3)
    record["peak_rss_mb"] = _vm("VmHWM")
    shutil.rmtree(folder, ignore_errors=True)
    return record


def _summary(command: str, code: int, text: str, tb: str, name: str) -> dict[str, Any]:
    stem = re.escape(name)
    rejected = code == 2 or bool(re.search(r"^(skipped: |> warning: answered without)", text, re.M))
    return {"command": command, "code": code, "rejected": rejected,
            "has_location": bool(re.search(stem + r":\d+", text)),
            "message": next((ln for ln in text.splitlines() if ln.startswith(("chipchat: error", "skipped:"))), "")[:300],
            "traceback": tb[-4000:], "rtl_traceback": _in_rtl(tb)}


def _in_rtl(tb: str) -> bool:
    frames = re.findall(r'File "([^"]+)"', tb)
    ours = [f for f in frames if "/chipchat/" in f]
    return bool(ours) and "/chipchat/rtl/" in ours[-1]


def worker_main(seed: int, work: Path, small: bool) -> None:
    """Read case ids on stdin, answer one JSON line per case on the original stdout."""
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # output written by C code (pyslang) must not mix with the protocol
    os.dup2(devnull, 2)
    files = seed_files(small)
    trace = open(work / f"trace-{os.getpid()}.txt", "w")  # noqa: SIM115 - open for the worker's life
    faulthandler.enable(file=trace)  # a segfault leaves the Python stack here
    faulthandler.register(signal.SIGUSR1, file=trace)  # and so does a hang, when the supervisor asks
    for line in sys.stdin:
        trace.seek(0)
        trace.truncate()
        case = make_case(int(line), seed, files)
        try:
            record = run_case(case, work)
        except BaseException as exc:  # noqa: BLE001 - the harness itself must not die silently
            record = {"id": case.id, "harness_error": "".join(traceback.format_exception(exc))[-2000:]}
        proto.write(json.dumps(record) + "\n")
        proto.write(json.dumps({"id": case.id, "parser_located": pyslang_location(case.data)}) + "\n")


# -- the supervisor --------------------------------------------------------------------------------

@dataclass
class Worker:
    proc: subprocess.Popen[bytes]
    case: int | None = None
    started: float = 0.0
    pending: dict[str, Any] | None = None  # the commands' record, waiting for the parser's verdict
    buf: bytes = b""  # what the worker wrote and was not read as a line yet
    eof: bool = False

    def line(self) -> bytes | None:
        """The next complete line the worker wrote, if any (read with os.read: no hidden buffer)."""
        end = self.buf.find(b"\n")
        if end < 0:
            return None
        line, self.buf = self.buf[:end], self.buf[end + 1:]
        return line
    done: int = 0
    peak_rss_mb: int = 0


@dataclass
class Supervisor:
    seed: int
    work: Path
    timeout_s: float
    small: bool = False
    embeddings: str = "none"
    workers: list[Worker] = field(default_factory=list)

    def spawn(self) -> Worker:
        env = {**os.environ, "PYTHONPATH": str(REPO), "CHIPCHAT_EMBEDDINGS": self.embeddings,
               "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONHASHSEED": "0"}
        argv = [sys.executable, str(Path(__file__).resolve()), "--worker", "--seed", str(self.seed),
                "--work", str(self.work)] + (["--small"] if self.small else [])
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, start_new_session=True)
        return Worker(proc)

    def stack(self, w: Worker, ask: bool) -> dict[str, Any]:
        """Where a hung, bloated or crashed worker was: its innermost chipchat frame (and whether it is in rtl/)."""
        if ask:
            with contextlib.suppress(ProcessLookupError):
                os.kill(w.proc.pid, signal.SIGUSR1)
            time.sleep(0.5)
        try:
            text = (self.work / f"trace-{w.proc.pid}.txt").read_text(errors="replace")
        except OSError:
            return {}
        frames = re.findall(r'File "([^"]*/chipchat/[^"]+)", line (\d+) in (\S+)', text)
        if not frames:
            return {"stack": text[-1500:]}
        file, line, func = frames[0]
        return {"where": f"{file.split('/chipchat/', 1)[1]}:{line} in {func}", "in_rtl": "/chipchat/rtl/" in file,
                "stack": text[-1500:]}

    def kill(self, w: Worker) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(w.proc.pid, signal.SIGKILL)
        w.proc.wait()

    def run(self, ids: list[int], jobs: int, sink: Any, progress: bool = True) -> list[dict[str, Any]]:
        todo = list(reversed(ids))
        results: list[dict[str, Any]] = []
        self.workers = [self.spawn() for _ in range(min(jobs, len(ids)) or 1)]
        t0 = time.monotonic()
        while todo or any(w.case is not None for w in self.workers):
            for n, w in enumerate(self.workers):
                if w.case is None and todo:
                    if w.done >= RECYCLE_EVERY or w.proc.poll() is not None:
                        self.kill(w)
                        w = self.workers[n] = self.spawn()
                    w.case, w.started = todo.pop(), time.monotonic()
                    assert w.proc.stdin is not None
                    w.proc.stdin.write(f"{w.case}\n".encode())
                    w.proc.stdin.flush()
            busy = {w.proc.stdout.fileno(): w for w in self.workers if w.case is not None and w.proc.stdout}
            for fd in select.select(list(busy), [], [], 0.2)[0]:
                data = os.read(fd, 1 << 16)
                busy[fd].buf += data
                busy[fd].eof = not data
            for n, w in enumerate(self.workers):
                if w.case is None:
                    continue
                record: dict[str, Any] | None = None
                line = w.line()
                if w.pending is None and line:
                    w.pending, w.started, line = json.loads(line), time.monotonic(), w.line()
                if w.pending is not None:  # second phase: pyslang alone on the input (may itself crash)
                    if line:
                        record = {**w.pending, **json.loads(line)}
                    elif w.eof or time.monotonic() - w.started > self.timeout_s:
                        record = {**w.pending, "parser_located": None}
                        self.kill(w)
                        self.workers[n] = self.spawn()
                elif w.eof:
                    record = {"id": w.case, "crash": f"worker died ({_signal_name(w.proc.wait())})",
                              **self.stack(w, ask=False)}
                    self.workers[n] = self.spawn()
                elif time.monotonic() - w.started > self.timeout_s:
                    record = {"id": w.case, "hang": round(time.monotonic() - w.started, 1), **self.stack(w, ask=True)}
                    self.kill(w)
                    self.workers[n] = self.spawn()
                elif _rss_mb(w.proc.pid) > KILL_RSS_MB:
                    record = {"id": w.case, "memory": f"resident memory passed {KILL_RSS_MB} MB",
                              **self.stack(w, ask=True)}
                    self.kill(w)
                    self.workers[n] = self.spawn()
                if record is not None:
                    if "commands" not in record:  # the worker did not say: describe the case here
                        case = make_case(record["id"], self.seed, seed_files(self.small))
                        record.update(kinds=case.kinds, seed_file=case.seed_file, bytes=len(case.data))
                    if self.workers[n] is w:
                        w.case, w.done, w.pending = None, w.done + 1, None
                    results.append(record)
                    sink(record)
                    if progress and len(results) % 100 == 0:
                        rate = len(results) / (time.monotonic() - t0)
                        print(f"  {len(results)}/{len(ids)} cases, {rate:.1f}/s", file=sys.stderr, flush=True)
        for w in self.workers:
            if w.proc.stdin:
                w.proc.stdin.close()
            self.kill(w)
        return results


def _rss_mb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def _signal_name(code: int) -> str:
    return f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"


# -- the table ---------------------------------------------------------------------------------------

def failures(record: dict[str, Any]) -> list[str]:
    """What is wrong with one case (empty: nothing)."""
    out = []
    for key in ("hang", "crash", "memory", "harness_error"):
        if key in record:
            out.append(f"rtl_{key}" if record.get("in_rtl") else key)
    for c in record.get("commands", []):
        if c["traceback"]:
            out.append("rtl_traceback" if c["rtl_traceback"] else "traceback")
    if record.get("peak_rss_mb", 0) > RSS_TARGET_MB:
        out.append("rss")
    return out


def table(results: list[dict[str, Any]], wall_s: float | None = None) -> str:
    n = len(results)
    count = Counter(f for r in results for f in set(failures(r)))
    for key in ("hang", "crash", "memory"):
        count[key] += 0
    peaks = sorted(r.get("peak_rss_mb", 0) for r in results)
    rejections = [c for r in results if r.get("parser_located") for c in r.get("commands", []) if c["rejected"]]
    unlocated = [c for c in rejections if not c["has_location"]]
    silent = sum(1 for r in results if r.get("parser_located") and r.get("commands")
                 and not any(c["rejected"] or c["code"] != 0 for c in r["commands"]))
    slow = max((r.get("wall_s", 0.0) for r in results), default=0.0)
    rows = [
        ("mutated inputs", f"{n:,}", "≥ 10,000"),
        ("tracebacks (outside chipchat/rtl/)", str(count["traceback"]), "0"),
        ("tracebacks inside chipchat/rtl/ (the lead's)", str(count["rtl_traceback"]), "0"),
        ("hangs (killed after the case limit): outside / inside chipchat/rtl/",
         f"{count['hang']} / {count['rtl_hang']}", "0"),
        ("crashes (the worker died: a segfault …): outside / inside chipchat/rtl/",
         f"{count['crash']} / {count['rtl_crash']}", "0"),
        (f"inputs over {RSS_TARGET_MB} MB peak RSS (or killed at {KILL_RSS_MB} MB): outside / inside rtl/",
         f"{count['rss'] + count['memory']} / {count['rtl_memory']}", "0"),
        ("peak RSS per input: median / max", f"{peaks[n // 2] if n else 0} / {peaks[-1] if n else 0} MB",
         f"≤ {RSS_TARGET_MB} MB"),
        ("slowest input (4 commands)", f"{slow:.1f} s", "< 60 s"),
        ("rejections of inputs pyslang locates an error in, with file:line",
         f"{len(rejections) - len(unlocated):,} / {len(rejections):,}", "all"),
        ("inputs with a located pyslang error answered without any error or warning", f"{silent:,}",
         "0 (elaboration errors: chipchat/rtl/)"),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"| {'measure':<{width}} | value | target |", f"|{'-' * (width + 2)}|---|---|"]
    lines += [f"| {a:<{width}} | {b} | {c} |" for a, b, c in rows]
    by_kind: dict[str, Counter[str]] = {}
    for r in results:
        for kind in r.get("kinds", ["?"])[:1]:
            by_kind.setdefault(kind, Counter())["cases"] += 1
            for f in set(failures(r)):
                by_kind[kind][f] += 1
    lines.append("")
    lines.append("| first mutation | cases | failures |")
    lines.append("|---|---|---|")
    for kind in sorted(by_kind):
        fails = ", ".join(f"{k} {v}" for k, v in sorted(by_kind[kind].items()) if k != "cases") or "none"
        lines.append(f"| {kind} | {by_kind[kind]['cases']} | {fails} |")
    if wall_s is not None:
        lines.append(f"\nwall time {wall_s / 60:.1f} min")
    return "\n".join(lines)


def save_rtl_cases(results: list[dict[str, Any]], seed: int, small: bool, folder: Path) -> list[Path]:
    """Write the inputs that failed inside chipchat/rtl/ (traceback, hang, crash, memory) under ``folder``,
    each with a ``.txt`` saying how it failed and where."""
    files = seed_files(small)
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for r in results:
        tbs = [c for c in r.get("commands", []) if c["rtl_traceback"]]
        if tbs:
            how, detail = f"traceback in `chipchat {tbs[0]['command']}`", tbs[0]["traceback"]
            last = detail.strip().splitlines()[-1]
        elif r.get("in_rtl") and any(k in r for k in ("hang", "crash", "memory")):
            key = next(k for k in ("hang", "crash", "memory") if k in r)
            how, detail, last = f"{key} ({r[key]}) in `chipchat index`", r.get("stack", ""), f"at {r.get('where')}"
        else:
            continue
        case = make_case(r["id"], seed, files)
        path = folder / f"seed{seed}-case{r['id']}{Path(case.name).suffix}"
        path.write_bytes(case.data)
        path.with_suffix(".txt").write_text(
            f"seed {seed} case {r['id']}: {', '.join(r['kinds'])} of {r['seed_file']}\n"
            f"{how}; reproduce: put this file alone in a folder and run `chipchat index <folder>`"
            f"{' (with a FIFO named pipe.vh beside it)' if case.fifo else ''}\n{last}\n\n{detail}")
        saved.append(path)
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--first", type=int, default=0, help="first case id")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds one case may take (a hang beyond)")
    parser.add_argument("--embeddings", default="none", help="CHIPCHAT_EMBEDDINGS for the workers (none: lexical)")
    parser.add_argument("--small", action="store_true", help="only seed files under 12 kB (the CI test's)")
    parser.add_argument("--out", type=Path, default=None, help="JSON lines of results (resumable)")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--save-rtl", type=Path, default=None, help="write rtl/ traceback reproducers here")
    parser.add_argument("--dump", type=Path, default=None, help="write case --first into this folder and stop")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    work = args.work or Path(tempfile.gettempdir()) / f"chipchat-fuzz-{args.seed}"
    if args.worker:
        worker_main(args.seed, work, args.small)
        return 0
    if args.dump:
        case = make_case(args.first, args.seed, seed_files(args.small))
        args.dump.mkdir(parents=True, exist_ok=True)
        (args.dump / case.name).write_bytes(case.data)
        if case.fifo and not (args.dump / "pipe.vh").exists():
            os.mkfifo(args.dump / "pipe.vh")
        print(f"case {case.id}: {', '.join(case.kinds)} of {case.seed_file} -> {args.dump / case.name}; "
              f"commands: " + " | ".join(" ".join(c) for c in commands(case, args.dump)))
        return 0
    work.mkdir(parents=True, exist_ok=True)
    out = args.out or work / "results.jsonl"
    done: dict[int, dict[str, Any]] = {}
    if out.exists():
        for line in out.read_text().splitlines():
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                done[record["id"]] = record
    ids = [i for i in range(args.first, args.first + args.cases) if i not in done]
    print(f"fuzz: seed {args.seed}, {args.cases} cases ({len(ids)} to run, {len(done)} already in {out}), "
          f"{args.jobs} workers, {len(seed_files(args.small))} seed files", file=sys.stderr)
    t0 = time.monotonic()
    with open(out, "a") as sink:
        def write(record: dict[str, Any]) -> None:
            sink.write(json.dumps(record) + "\n")
            sink.flush()

        Supervisor(args.seed, work, args.timeout, args.small, args.embeddings).run(ids, args.jobs, write)
    results = [r for r in (json.loads(x) for x in out.read_text().splitlines() if x.strip())
               if args.first <= r["id"] < args.first + args.cases]
    print(table(results, time.monotonic() - t0))
    bad = [r for r in results if failures(r)]
    for r in bad[:20]:
        print(f"case {r['id']} ({', '.join(r.get('kinds', []))}, {r.get('seed_file', '')}): {', '.join(failures(r))}")
    if args.save_rtl:
        for path in save_rtl_cases(results, args.seed, args.small, args.save_rtl):
            print(f"rtl reproducer: {path}")
    return 0 if not any(f for r in results for f in failures(r) if not f.startswith("rtl_")) else 1


if __name__ == "__main__":
    sys.exit(main())
