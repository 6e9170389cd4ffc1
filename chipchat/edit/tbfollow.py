"""Make a cocotb testbench follow a design whose outputs arrive N cycles later: checks move, stimulus does not.

A testbench that drives a transaction and checks the result in the same cycle fails on a
pipelined design — not because the design is wrong but because the result comes later. The
naive fix (wait N idle cycles after every transaction) stops testing back-to-back
transactions. This rewrite keeps every drive and every ``await`` of the test as it is and
moves only the *checks* of the delayed outputs: an ``assert`` that reads ``dut.<out>.value``
(directly, or through a local variable assigned from it) becomes a deferred check that runs
N clock periods later, at the same clock phase. Everything else the assertion uses (model
values, counters, loop variables) is evaluated *now* and captured, so the check compares
the output N cycles later against what the test expected at the time it asked.

A small runtime ("latency shim") is inserted after the imports: it learns the clock period
from the cocotb ``Clock`` the test starts (or measures it), runs each deferred check in its
own task, and ``await _chipchat_flush()`` at the end of each test waits for the last ones.
The rewrite is a set of text edits at the exact lines of the assertions, so the diff shows
every changed check next to the original one.
"""

from __future__ import annotations

import ast
import builtins
import copy
import typing
from dataclasses import dataclass, field

SHIM_MARK = "# --- chipchat latency shim"


@dataclass
class Rewrite:
    """The new text of a test module and what changed (or could not be changed, and why)."""

    source: str
    deferred: list[tuple[int, int, str]] = field(default_factory=list)  # (line, cycles, outputs) per check
    left: list[tuple[int, str]] = field(default_factory=list)  # (line, why) checks left immediate
    reads: list[int] = field(default_factory=list)  # other reads of delayed outputs (not checks)
    tests: list[str] = field(default_factory=list)  # test functions that got a final flush
    dropped: list[int] = field(default_factory=list)  # returns of a delayed output no caller uses
    refused: str = ""  # the whole file cannot be rewritten: why


def _read_output(node: ast.AST, lags: dict[str, int]) -> str | None:
    """``X.<out>.value`` for a delayed output: its name."""
    if isinstance(node, ast.Attribute) and node.attr == "value" and isinstance(node.value, ast.Attribute) \
            and node.value.attr in lags:
        return node.value.attr
    return None


def _outputs_in(node: ast.AST, lags: dict[str, int], taint: dict[str, tuple[ast.expr, set[str]]]) -> set[str]:
    found: set[str] = set()
    for sub in ast.walk(node):
        out = _read_output(sub, lags)
        if out:
            found.add(out)
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id in taint:
            found |= taint[sub.id][1]
    return found


def _is_test(fn: ast.AsyncFunctionDef | ast.FunctionDef) -> bool:
    for dec in fn.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name in ("test", "parametrize") and isinstance(fn, ast.AsyncFunctionDef):
            return True
    return False


class _Hoist(ast.NodeTransformer):
    """Replace every subexpression that does not read a delayed output by a captured value ``_vN``."""

    def __init__(self, lags: dict[str, int], taint: dict[str, tuple[ast.expr, set[str]]]) -> None:
        self.lags, self.taint = lags, taint
        self.captured: list[tuple[str, ast.expr]] = []

    def tainted(self, node: ast.AST) -> bool:
        return bool(_outputs_in(node, self.lags, self.taint))

    def visit(self, node: ast.AST) -> ast.AST:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in self.taint:
            return self.visit(copy.deepcopy(self.taint[node.id][0]))
        if isinstance(node, ast.FormattedValue):  # an f-string's parts must stay parts: hoist their values
            node.value = self.visit(node.value)  # type: ignore[assignment]
            return node
        if isinstance(node, ast.expr) and not self.tainted(node):
            if isinstance(node, ast.Constant | ast.Name):
                return node
            name = f"_v{len(self.captured)}"
            self.captured.append((name, node))
            return ast.Name(name, ast.Load())
        if _read_output(node, self.lags):
            return node  # the read itself stays: it is what runs later
        return self.generic_visit(node)


def _free_names(node: ast.AST) -> list[str]:
    names: list[str] = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id not in names \
                and not sub.id.startswith("_v") and not hasattr(builtins, sub.id):
            names.append(sub.id)
    return names


def _unsupported(node: ast.AST) -> str | None:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Await | ast.Yield | ast.YieldFrom | ast.NamedExpr | ast.Lambda | ast.ListComp
                      | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            return f"it contains `{type(sub).__name__}`"
    return None


def deferred_check(test: ast.expr, msg: ast.expr | None, cycles: int, lags: dict[str, int],
                   taint: dict[str, tuple[ast.expr, set[str]]], source: str) -> str:
    """``_chipchat_later(cycles, lambda <captures>: (<test>, <message>))`` as source text."""
    hoist = _Hoist(lags, taint)
    body_test = typing.cast(ast.expr, hoist.visit(copy.deepcopy(test)))
    if msg is not None:
        body_msg = typing.cast(ast.expr, hoist.visit(copy.deepcopy(msg)))
    else:  # say what was checked, when, and what the outputs were then
        parts: list[ast.expr] = [ast.Constant(f"failed {cycles} cycle(s) later: "
                                              f"{ast.get_source_segment(source, test) or ''}")]
        seen: set[str] = set()
        for sub in ast.walk(body_test):
            out = _read_output(sub, lags)
            if out and out not in seen:
                seen.add(out)
                parts += [ast.Constant(f"; {out}="),
                          ast.FormattedValue(typing.cast(ast.expr, copy.deepcopy(sub)), -1, None)]
        body_msg = ast.JoinedStr(parts)
    pair = ast.Tuple([body_test, body_msg], ast.Load())
    free = _free_names(pair)
    args = [ast.arg(n) for n in free] + [ast.arg(n) for n, _ in hoist.captured]
    defaults: list[ast.expr] = [ast.Name(n, ast.Load()) for n in free] + [v for _, v in hoist.captured]
    lam = ast.Lambda(ast.arguments(posonlyargs=[], args=args, vararg=None, kwonlyargs=[], kw_defaults=[],
                                   kwarg=None, defaults=defaults), pair)
    call = ast.Call(ast.Name("_chipchat_later", ast.Load()), [ast.Constant(cycles), lam], [])
    return ast.unparse(ast.fix_missing_locations(call))


def _taint(fn: ast.AST, lags: dict[str, int]) -> tuple[dict[str, tuple[ast.expr, set[str]]], set[str]]:
    """Locals assigned once from a delayed output (name -> (expression, outputs)), and locals assigned
    more than once (which cannot be inlined)."""
    counts: dict[str, int] = {}
    values: dict[str, ast.expr] = {}
    for sub in ast.walk(fn):
        if isinstance(sub, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        counts[n.id] = counts.get(n.id, 0) + (2 if isinstance(sub, ast.AugAssign) else 1)
                        if isinstance(t, ast.Name) and sub.value is not None:
                            values[n.id] = sub.value
        elif isinstance(sub, ast.For | ast.AsyncFor | ast.With | ast.AsyncWith):
            for n in ast.walk(sub.target if isinstance(sub, ast.For | ast.AsyncFor) else sub):
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                    counts[n.id] = counts.get(n.id, 0) + 2
    taint: dict[str, tuple[ast.expr, set[str]]] = {}
    multi: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, value in values.items():
            outs = _outputs_in(value, lags, taint)
            if outs and name not in taint:
                if counts.get(name, 0) == 1:
                    taint[name] = (value, outs)
                    changed = True
                else:
                    multi.add(name)
    return taint, multi


def rewrite(source: str, lags: dict[str, int], *, label: str, clock: str) -> Rewrite:
    """The test module ``source`` with its checks of the delayed outputs (``lags``: output -> cycles) deferred."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return Rewrite(source, refused=f"the test module does not parse: line {exc.lineno}: {exc.msg}")
    if SHIM_MARK in source:
        return Rewrite(source, refused="the test module already has a chipchat latency shim; restore the original "
                                       "(undo its proposal) and ask again")
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for ln in lines:
        offsets.append(offsets[-1] + len(ln))
    edits: list[tuple[int, int, str]] = []
    out = Rewrite(source)
    lags = {k: v for k, v in lags.items() if v > 0}
    checks: list[tuple[int, int]] = []  # line spans of the assertions that read a delayed output
    reads: list[int] = []
    unused = _unused_results(tree)
    for fn in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]:
        taint, multi = _taint(fn, lags)
        nested = {id(s) for inner in ast.walk(fn) if inner is not fn and isinstance(inner, ast.FunctionDef |
                  ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef) for s in ast.walk(inner)}
        for node in ast.walk(fn):
            if id(node) in nested:
                continue
            if isinstance(node, ast.Assert):
                outs = _outputs_in(node.test, lags, taint)
                bad = sorted({n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in multi})
                if not outs and not bad:
                    continue
                checks.append((node.lineno, node.end_lineno or node.lineno))
                why = _unsupported(node.test) or (_unsupported(node.msg) if node.msg else None)
                if bad:
                    why = f"`{bad[0]}` is assigned more than once, so which value the check uses is unclear"
                cycles = {lags[o] for o in outs}
                if len(cycles) > 1:
                    why = f"it reads outputs with different latencies ({', '.join(sorted(outs))})"
                if why:
                    out.left.append((node.lineno, why))
                    continue
                n = cycles.pop()
                text = deferred_check(node.test, node.msg, n, lags, taint, source)
                start = offsets[node.lineno - 1] + node.col_offset
                end = offsets[(node.end_lineno or node.lineno) - 1] + (node.end_col_offset or 0)
                indent = " " * node.col_offset
                edits.append((start, end, f"# chipchat: checked {n} cycle(s) later ({', '.join(sorted(outs))} "
                                          f"arrive(s) later)\n{indent}{text}"))
                out.deferred.append((node.lineno, n, ", ".join(sorted(outs))))
            elif isinstance(node, ast.Attribute) and _read_output(node, lags):
                reads.append(node.lineno)
        deferred_spans = [(a, b) for a, b in checks if any(d[0] == a for d in out.deferred)]
        for name, (value, _) in taint.items():
            loads = [n.lineno for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                     and n.id == name and id(n) not in nested]
            if loads and all(any(a <= ln <= b for a, b in deferred_spans) for ln in loads):
                stmt = next(st for st in ast.walk(fn) if isinstance(st, ast.Assign) and st.value is value)
                start = offsets[stmt.lineno - 1]
                end = offsets[stmt.end_lineno or stmt.lineno]
                ind = " " * stmt.col_offset
                edits.append((start, end, f"{ind}# chipchat: `{ast.unparse(stmt)}` is read by the deferred checks "
                                          "below, when the output is ready\n"))
                out.dropped.append(stmt.lineno)
        if _is_test(fn):
            out.tests.append(fn.name)
            edits += _flush_edits(fn, lines, offsets)
        if fn.name in unused:
            for node in ast.walk(fn):
                if isinstance(node, ast.Return) and node.value is not None and id(node) not in nested \
                        and _outputs_in(node.value, lags, taint):
                    start = offsets[node.value.lineno - 1] + node.value.col_offset
                    end = offsets[(node.value.end_lineno or node.value.lineno) - 1] + (node.value.end_col_offset or 0)
                    edits.append((start, end, f"None  # chipchat: was `{ast.unparse(node.value)}`: no caller uses "
                                              "it, and the output is not ready in this cycle any more"))
                    out.dropped.append(node.lineno)
    out.reads = sorted({ln for ln in reads if not any(a <= ln <= b for a, b in checks)} - set(out.dropped))
    if not out.deferred:
        return Rewrite(source, left=out.left, reads=out.reads,
                       refused="no check of the delayed outputs (" + ", ".join(sorted(lags)) + ") was found")
    at = _after_imports(tree, offsets)
    edits.append((at, at, shim(lags, label, clock)))
    text = source
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:start] + new + text[end:]
    out.source = text
    return out


def _unused_results(tree: ast.Module) -> set[str]:
    """Functions (and methods) whose every use is a call made as a statement: no caller uses the result.
    A name also referenced without a call (a callback) counts as used."""
    statement_calls: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr):
            inner = node.value.value if isinstance(node.value, ast.Await) else node.value
            statement_calls.add(id(inner))
    used: set[str] = set()
    calls: dict[str, int] = {}
    refs: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            calls[name] = calls.get(name, 0) + 1
            if id(node) not in statement_calls:
                used.add(name)
        elif isinstance(node, ast.Attribute | ast.Name) and isinstance(node.ctx, ast.Load):
            name = node.attr if isinstance(node, ast.Attribute) else node.id
            refs[name] = refs.get(name, 0) + 1
    return {n for n, k in calls.items() if n not in used and refs.get(n, 0) == k}


def _flush_edits(fn: ast.AsyncFunctionDef | ast.FunctionDef, lines: list[str], offsets: list[int]
                 ) -> list[tuple[int, int, str]]:
    """``await _chipchat_flush()`` before every ``return`` of the test and after its last statement."""
    edits: list[tuple[int, int, str]] = []
    body_indent = " " * fn.body[0].col_offset
    for node in ast.walk(fn):
        if isinstance(node, ast.Return):
            at = offsets[node.lineno - 1] + node.col_offset
            edits.append((at, at, f"await _chipchat_flush()\n{' ' * node.col_offset}"))
    last = fn.body[-1]
    if not isinstance(last, ast.Return):
        end = offsets[last.end_lineno or last.lineno]
        newline = "" if lines[(last.end_lineno or last.lineno) - 1].endswith("\n") else "\n"
        edits.append((end, end, f"{newline}{body_indent}await _chipchat_flush()  # chipchat: the last deferred "
                                "checks\n"))
    return edits


def _after_imports(tree: ast.Module, offsets: list[int]) -> int:
    last = None
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            last = node
        elif last is not None or not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            break
    line = (last.end_lineno or last.lineno) if last is not None else 0
    return offsets[line]


def shim(lags: dict[str, int], label: str, clock: str) -> str:
    """The runtime the deferred checks use (inserted after the imports)."""
    outs = ", ".join(f"{o} {n} cycle(s)" for o, n in sorted(lags.items()))
    return f'''
{SHIM_MARK} ({label}) ---------------------------------------------------
# The edited design produces its outputs later ({outs}). Each check of those outputs
# runs that many clock periods after the point where the test makes it, on the same clock phase;
# what it compares against is captured when it is made. Stimulus is driven exactly as before, so
# back-to-back transactions are still tested back to back.
import cocotb as _chipchat_cocotb
from cocotb.clock import Clock as _ChipchatClock
from cocotb.simtime import get_sim_time as _chipchat_now
from cocotb.triggers import RisingEdge as _ChipchatRisingEdge
from cocotb.triggers import Timer as _ChipchatTimer
from cocotb.utils import get_sim_steps as _chipchat_steps

_CHIPCHAT_CLOCK = {clock!r}
_chipchat_periods = {{}}
_chipchat_pending = []
_chipchat_clock_start = _ChipchatClock.start


def _chipchat_start(self, *args, **kwargs):
    _chipchat_periods[getattr(self.signal, "_name", "")] = _chipchat_steps(self.period, self.unit)
    return _chipchat_clock_start(self, *args, **kwargs)


_ChipchatClock.start = _chipchat_start


async def _chipchat_run(made, cycles, check):
    period = _chipchat_periods.get(_CHIPCHAT_CLOCK) or next(iter(_chipchat_periods.values()), None)
    if period is None:  # no cocotb Clock: measure the clock
        edge = _ChipchatRisingEdge(getattr(_chipchat_cocotb.top, _CHIPCHAT_CLOCK))
        await edge
        first = _chipchat_now()
        await edge
        period = _chipchat_now() - first
    wait = made + cycles * period - _chipchat_now()
    assert wait >= 0, "chipchat latency shim: the clock period was not known in time for a deferred check"
    if wait:
        await _ChipchatTimer(wait, "step")
    ok, message = check()
    assert ok, message


def _chipchat_later(cycles, check):
    _chipchat_pending[:] = [t for t in _chipchat_pending if not t.done()]  # a new test: the old ones are gone
    _chipchat_pending.append(_chipchat_cocotb.start_soon(_chipchat_run(_chipchat_now(), cycles, check)))


async def _chipchat_flush():
    while _chipchat_pending:
        task = _chipchat_pending.pop(0)
        if not task.done():
            await task
# --- end of the chipchat latency shim ------------------------------------------------------------
'''
