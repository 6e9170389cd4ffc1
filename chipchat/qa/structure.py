"""Structural answers, read off the parsed model (never from similarity search).

Drivers and loads, where a signal is assigned, its reset value, its fan-in cone, the
instantiation tree, ports and parameters. Each function returns an :class:`Answer`
whose every claim cites ``file:line``.

(About 430 lines: every structural question shares the signal resolution and citation helpers at the
bottom; splitting the module-level answers out is planned with the routing work.)
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chipchat.answer import Answer
from chipchat.design import Design
from chipchat.errors import ChipChatError
from chipchat.rtl.load import load_model
from chipchat.rtl.model import Assignment, DesignModel, Module, Signal
from chipchat.types import Span, hdl_lines

__all__ = ["UnknownName", "assigned_where", "drivers", "fanin", "find_module", "loads", "parameters", "ports",
           "reset_value", "resolve_signal", "show_signal", "summarize_module"]


class UnknownName(ChipChatError):
    """A signal or module name that the design does not have (the message suggests close ones)."""


@dataclass
class Resolved:
    module: Module
    signal: Signal
    note: str = ""


def _internal(name: str) -> bool:
    """Tool-generated temporaries (Amaranth/Yosys ``$1``) are not shown to users."""
    return name.startswith("$") or name.startswith("\\$")


def resolve_signal(model: DesignModel, name: str, module: str | None = None) -> Resolved:
    """Find ``name`` (``acc[31]``, ``u_core.state`` and case slips accepted) or raise with suggestions."""
    raw = name.strip().strip("`'\"")
    note = ""
    base = re.sub(r"\s*\[[^\]]*\]\s*$", "", raw)
    if base != raw:
        note = f"`{raw}` is a bit/part select of `{base}`; showing the whole signal"
    if "." in base and module is None:
        path, _, leaf = base.rpartition(".")
        mod = _module_of_instance_path(model, path)
        if mod is not None:
            module, base = mod, leaf
    hits = model.find_signal(base, module)
    if not hits:
        lower = [(m, s) for m in model.modules.values() for s in m.signals.values()
                 if s.name.lower() == base.lower() and (module is None or m.name == module)]
        hits = lower
    if not hits:
        names = sorted({s for m in model.modules.values() for s in m.signals if not _internal(s)})
        close = difflib.get_close_matches(base, names, n=5, cutoff=0.5)
        where = f" in module {module}" if module else ""
        hint = ("did you mean " + ", ".join(f"`{c}`" for c in close) + "?") if close else \
            "signals of the top module: " + ", ".join(names[:20])
        raise UnknownName(f"no signal named `{base}`{where} in design{_unparsed(model)}", hint=hint)
    m, s = hits[0]
    if len(hits) > 1:
        others = ", ".join(h[0].name for h in hits[1:4])
        note = (note + "; " if note else "") + f"`{base}` also exists in {others} (pass a module to choose)"
    errors = module_errors(model, m)
    if errors:
        note = (note + "; " if note else "") + (
            f"the RTL of {m.name} has errors, so statements may be missing from this answer: "
            + "; ".join(f"{Path(d.file).name}:{d.line}: {d.message}" for d in errors[:3])
            + (f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""))
    return Resolved(m, s, note)


def module_errors(model: DesignModel, module: Module) -> list[Any]:
    """Elaboration errors located inside ``module``'s lines: statements slang could not bind are not in the model."""
    span = module.span
    return [d for d in model.diagnostics if d.severity == "error" and d.file == span.file
            and span.line <= d.line <= span.end_line]


def _module_of_instance_path(model: DesignModel, path: str) -> str | None:
    current = model.top
    for part in path.split("."):
        mod = model.modules.get(current or "")
        if mod is None:
            return None
        inst = next((i for i in mod.instances if i.name == part), None)
        if inst is None:
            return None
        current = inst.module
    return current


def _user_span(model: DesignModel, mod: Module, a: Assignment, depth: int = 0) -> list[Span]:
    """Where the user wrote this: the assignment, or for unmapped generated code, its temporaries' sources."""
    if not a.span.file.endswith(".v") or ".chipchat" not in a.span.file or depth > 3:
        return [a.span]
    spans: list[Span] = []
    for r in a.reads:
        if _internal(r):
            for d in mod.drivers(r):
                spans += _user_span(model, mod, d, depth + 1)
    return spans or [a.span]


def _stmt(a: Assignment, spans: list[Span] | None = None) -> str:
    """The statement as the user wrote it (the Python line for Amaranth code)."""
    text = a.text
    if spans and spans[0].file != a.span.file:
        text = _source_line(spans[0].file, spans[0].line) or text
    return text if len(text) <= 120 else text[:117] + "..."


def _source_line(file: str, line: int) -> str:
    try:
        with open(file, encoding="utf-8", errors="replace") as fh:
            for n, text in enumerate(fh, 1):
                if n == line:
                    return text.strip()
    except OSError:
        return ""
    return ""


def _user_reads(mod: Module, names: list[str], depth: int = 0) -> list[str]:
    """Reads with tool temporaries replaced by what they read (Amaranth's ``$1 = a + b``)."""
    out: list[str] = []
    for n in names:
        if not _internal(n):
            out.append(n)
        elif depth < 4:
            for d in mod.drivers(n):
                out += _user_reads(mod, d.reads + d.conditions, depth + 1)
    return list(dict.fromkeys(out))


def _guard(a: Assignment) -> str:
    conds = [c for c in a.conditions if not _internal(c)]
    return f", under a condition on {', '.join(f'`{c}`' for c in conds)}" if conds else ""


def drivers(design: Design, signal: str, module: str | None = None, *, model: DesignModel | None = None) -> Answer:
    """What drives ``signal``: every assignment to it, instance outputs, or the port it enters by."""
    model = model or load_model(design)
    r = resolve_signal(model, signal, module)
    m, s = r.module, r.signal
    ans = Answer(text="", kind="structure", data={"signal": s.name, "module": m.name, "drivers": []})
    lines = [f"**`{s.name}`** ({_describe(s)}, declared at {ans.cite(s.span, design.root, 'declaration')}"
             f"{' — ' + s.comment if s.comment else ''}) is driven by:"]
    assigns = m.drivers(s.name)
    for a in assigns:
        spans = _user_span(model, m, a)
        where = ", ".join(ans.cite(sp, design.root, f"drives {s.name}") for sp in spans)
        kind = {"continuous": "continuous assignment", "declaration": "declaration assignment",
                "nonblocking": _block_kind(m, a), "blocking": _block_kind(m, a)}[a.kind]
        reset = " (reset value)" if a.is_reset else ""
        lines.append(f"- {where}: `{_stmt(a, spans)}` — {kind}{reset}{_guard(a)}; reads "
                     + (", ".join(f"`{x}`" for x in _user_reads(m, a.reads)) or "constants only"))
        ans.data["drivers"].append({"line": a.span.line, "file": design.relpath(a.span.file), "text": a.text,
                                    "reads": a.reads, "conditions": a.conditions, "kind": a.kind})
    for inst, port in m.instance_drivers(s.name):
        lines.append(f"- output `{port}` of instance `{inst.name}` ({inst.module}) at "
                     f"{ans.cite(inst.span, design.root, 'instance')}")
        ans.data["drivers"].append({"instance": inst.name, "module": inst.module, "port": port})
        child = model.modules.get(inst.module)
        for a in (child.drivers(port) if child is not None else [])[:6]:  # one level in: what drives the port
            assert child is not None
            spans = _user_span(model, child, a)
            where = ", ".join(ans.cite(sp, design.root) for sp in spans)
            lines.append(f"  - inside {inst.module}: {where}: `{_stmt(a, spans)}`")
    for inst, port in m.black_box_connections(s.name):
        lines.append(_black_box_line(ans, design, inst, port))
        ans.data["drivers"].append({"instance": inst.name, "module": inst.module, "port": port,
                                    "direction": "unknown"})
    if s.direction in ("input", "inout"):
        parents = _parent_connections(model, m.name, s.name)
        lines.append(f"- it is an {s.direction} port of `{m.name}`: driven from outside"
                     + (" — " + "; ".join(f"`{expr}` in {p} at {ans.cite(sp, design.root)}"
                                          for p, expr, sp in parents) if parents else " (the top level)"))
    if len(lines) == 1:
        lines.append("- no statement that could be elaborated: the module has errors (see the warning)"
                     if module_errors(model, m) else "- nothing: it is never assigned (it floats / keeps its initial value)")
    if r.note:
        ans.warnings.append(r.note)
    ans.text = "\n".join(lines)
    return ans


def _black_box_line(ans: Answer, design: Design, inst: Any, port: str) -> str:
    return (f"- port `{port}` of instance `{inst.name}` at {ans.cite(inst.span, design.root, 'instance')}, "
            f"which may drive or read it: `{inst.module}` is not in the design's sources, so its port directions "
            "are unknown (add its source, or a stub module that declares its ports, to the sources)")


def loads(design: Design, signal: str, module: str | None = None, *, model: DesignModel | None = None) -> Answer:
    """Where ``signal`` is read: assignments that use it as data or in a condition, instance inputs."""
    model = model or load_model(design)
    r = resolve_signal(model, signal, module)
    m, s = r.module, r.signal
    ans = Answer(text="", kind="structure", data={"signal": s.name, "module": m.name, "loads": []})
    lines = [f"**`{s.name}`** (declared at {ans.cite(s.span, design.root)}) is read by:"]
    for a in m.loads(s.name):
        role = "data" if s.name in a.reads else "condition"
        spans = _user_span(model, m, a)
        where = ", ".join(ans.cite(sp, design.root) for sp in spans)
        lines.append(f"- {where}: `{_stmt(a, spans)}` → drives `{a.target}` ({role})")
        ans.data["loads"].append({"line": a.span.line, "target": a.target, "role": role})
    for inst, port in m.instance_loads(s.name):
        lines.append(f"- input `{port}` of instance `{inst.name}` ({inst.module}) at {ans.cite(inst.span, design.root)}")
    for inst, port in m.black_box_connections(s.name):
        lines.append(_black_box_line(ans, design, inst, port))
    if s.direction in ("output", "inout"):
        lines.append(f"- the {s.direction} port of `{m.name}` (read outside the module)")
    if len(lines) == 1:
        lines.append("- nothing reads it")
    if r.note:
        ans.warnings.append(r.note)
    ans.text = "\n".join(lines)
    return ans


def assigned_where(design: Design, signal: str, module: str | None = None) -> Answer:
    """Every line that assigns ``signal`` (with the conditions under which it does)."""
    ans = drivers(design, signal, module)
    ans.text = ans.text.replace("is driven by:", "is assigned at:", 1)
    return ans


def reset_value(design: Design, signal: str, module: str | None = None, *, model: DesignModel | None = None) -> Answer:
    """The value a register takes on reset, under which condition, and where; an initializer is not a reset."""
    model = model or load_model(design)
    r = resolve_signal(model, signal, module)
    s = r.signal
    ans = Answer(text="", kind="structure", data={"signal": s.name, "reset_value": s.reset_value,
                                                   "reset_condition": s.reset_condition,
                                                   "initial_value": s.initial_value})
    declared = ans.cite(s.span, design.root)
    init = ""
    if s.initial_value is not None:
        at = ans.cite(s.initial_span or s.span, design.root, "initial value")
        init = (f" Its declaration gives it the initial value `{s.initial_value}` ({at}): the power-on value "
                "in simulation and on FPGAs, not what a reset restores.")
    if s.reset_value is None:
        ans.text = (f"`{s.name}` (declared at {declared}) has no reset: no reset branch or reset condition "
                    "assigns it." + init)
    else:
        where = ans.cite(s.reset_span or s.span, design.root, "reset")
        when = f" when `{s.reset_condition}`" if s.reset_condition else ""
        ans.text = f"`{s.name}` resets to `{s.reset_value}`{when} at {where} (declared at {declared})." + init
    if r.note:
        ans.warnings.append(r.note)
    return ans


def fanin(design: Design, signal: str, depth: int = 3, module: str | None = None, *,
          model: DesignModel | None = None) -> Answer:
    """The fan-in cone of ``signal`` to ``depth`` levels: which signals, through which statements."""
    model = model or load_model(design)
    r = resolve_signal(model, signal, module)
    m = r.module
    ans = Answer(text="", kind="structure", data={"signal": r.signal.name, "depth": depth, "cone": []})
    lines = [f"Fan-in cone of **`{r.signal.name}`** ({depth} level{'s' if depth != 1 else ''}):"]
    seen: set[str] = set()

    def walk(name: str, level: int) -> None:
        if level > depth or name in seen:
            return
        seen.add(name)
        for a in m.drivers(name):
            srcs = _user_reads(m, a.reads + a.conditions)
            spans = _user_span(model, m, a)
            where = ", ".join(ans.cite(sp, design.root) for sp in spans)
            lines.append(f"{'  ' * level}- `{name}` ← {', '.join(f'`{x}`' for x in srcs) or 'constants'}  ({where})")
            ans.data["cone"].append({"signal": name, "level": level, "from": srcs, "line": a.span.line})
            for x in srcs:
                walk(x, level + 1)
        for inst, port in m.instance_drivers(name):
            lines.append(f"{'  ' * level}- `{name}` ← output `{port}` of `{inst.name}` ({ans.cite(inst.span, design.root)})")

    walk(r.signal.name, 0)
    if r.note:
        ans.warnings.append(r.note)
    ans.text = "\n".join(lines)
    return ans


def show_signal(design: Design, signal: str, depth: int = 2, module: str | None = None) -> Answer:
    """Everything about one signal: declaration, comment, width, reset, drivers, loads, fan-in cone."""
    model = load_model(design)  # once: the four parts read the same model
    d = drivers(design, signal, module, model=model)
    ld = loads(design, signal, module, model=model)
    fi = fanin(design, signal, depth, module, model=model)
    rv = reset_value(design, signal, module, model=model)
    ans = Answer(text="\n\n".join([d.text, ld.text, rv.text, fi.text]), kind="structure",
                 data={**d.data, **ld.data, "reset_value": rv.data["reset_value"], "cone": fi.data["cone"]},
                 warnings=d.warnings)
    seen = set()
    for part in (d, ld, rv, fi):
        for c in part.citations:
            if (c.file, c.line, c.end_line) not in seen:
                seen.add((c.file, c.line, c.end_line))
                ans.citations.append(c)
    return ans
    return ans


def ports(design: Design, module: str | None = None) -> Answer:
    model = load_model(design)
    m = find_module(model, module)
    ans = Answer(text="", kind="structure", data={"module": m.name, "ports": []})
    lines = [f"Ports of `{m.name}` ({ans.cite(m.span, design.root)}):", "",
             "| port | direction | width | declared as | where | description |", "|---|---|---|---|---|---|"]
    for p in m.ports:
        lines.append(f"| `{p.name}` | {p.direction} | {p.width} | `{_declared_as(p)}` | "
                     f"{ans.cite(p.span, design.root)} | {p.comment} |")
        ans.data["ports"].append({"name": p.name, "direction": p.direction, "width": p.width})
    ans.text = "\n".join(lines)
    return ans


def parameters(design: Design, module: str | None = None) -> Answer:
    model = load_model(design)
    m = find_module(model, module)
    ans = Answer(text="", kind="structure", data={"module": m.name, "parameters": []})
    if not m.parameters:
        ans.text = f"`{m.name}` ({ans.cite(m.span, design.root)}) has no parameters."
        return ans
    lines = [f"Parameters of `{m.name}`:", "", "| name | value | kind | declared | description |",
             "|---|---|---|---|---|"]
    overridden = model.parameters if m.name == model.top else {}
    for p in m.parameters:
        kind = "localparam" if p.local else "parameter"
        if p.name in overridden:
            kind += " (set in chipchat.toml)"
        value = f"`{p.value}`" + (f" (`{p.expression}`)" if p.expression else "")
        lines.append(f"| `{p.name}` | {value} | {kind} | {ans.cite(p.span, design.root)} | {p.comment} |")
        ans.data["parameters"].append({"name": p.name, "value": p.value, "local": p.local,
                                       "overridden": p.name in overridden})
    if not m.under_top:
        lines.append(f"\n`{m.name}` is not under the top `{model.top}`: these are its default values.")
    ans.text = "\n".join(lines)
    return ans


def summarize_module(design: Design, module: str | None = None) -> Answer:
    """A module at a glance: its comment, ports, parameters, state, blocks and instances."""
    model = load_model(design)
    m = find_module(model, module)
    ans = Answer(text="", kind="structure", data={"module": m.name})
    regs = [s for s in m.signals.values() if any(a.kind == "nonblocking" for a in m.drivers(s.name))
            and not _internal(s.name)]
    lines = [f"**`{m.name}`** ({ans.cite(m.span, design.root, 'module')})" + (f": {m.comment}" if m.comment else "")]
    ins = [p for p in m.ports if p.direction == "input"]
    outs = [p for p in m.ports if p.direction != "input"]
    lines.append(f"- {len(ins)} input(s): " + ", ".join(f"`{p.name}`[{p.width}]" for p in ins))
    lines.append(f"- {len(outs)} output(s): " + ", ".join(f"`{p.name}`[{p.width}]" for p in outs))
    if m.parameters:
        lines.append("- parameters: " + ", ".join(f"`{p.name}`={p.value}" for p in m.parameters if not p.local))
    if regs:
        lines.append("- state (registers): " + ", ".join(
            f"`{s.name}` ({ans.cite(s.span, design.root)})" for s in regs[:12]))
    for b in m.blocks:
        if b.kind in ("always", "always_ff", "always_comb", "always_latch") and b.drives:
            clock = f" on `{b.clock}`" if b.clock else " (combinational)"
            shown = [x for x in b.drives if not _internal(x)][:6]
            if shown:
                lines.append(f"- {b.kind}{clock} at {ans.cite(b.span, design.root)} drives "
                             + ", ".join(f"`{x}`" for x in shown))
    for inst in m.instances:
        lines.append(f"- instance `{inst.name}` of `{inst.module}` at {ans.cite(inst.span, design.root)}")
    ans.text = "\n".join(lines)
    return ans


def find_module(model: DesignModel, name: str | None) -> Module:
    """The module named ``name`` (the top when ``None``), or an error that names the close ones and the
    files that could not be read."""
    key = name or model.top
    if key and key in model.modules:
        return model.modules[key]
    broken = [f for f in model.files if f.status in ("error", "skipped")]
    if broken and (not key or not model.modules):
        raise UnknownName(
            f"no module{' named `' + key + '`' if key else ''} could be read: "
            + "; ".join(f"{f.where()}: {f.message}" for f in broken[:5]),
            hint="fix the file(s) named above; the rest of the design is read without them")
    close = difflib.get_close_matches(key or "", list(model.modules), n=3)
    raise UnknownName(f"no module named `{key}`{_unparsed(model)}",
                      hint=("did you mean " + ", ".join(close) + "?") if close else
                      "modules: " + ", ".join(sorted(model.modules)))


def _declared_as(p: Any) -> str:
    """A port's declaration as written (``input data_t data_i``), from its line; the type slang resolved
    (``logic[31:0]``) when the line does not show it."""
    try:
        line = hdl_lines(Path(p.span.file).read_text(encoding="utf-8", errors="replace"))[p.span.line - 1]
    except (OSError, IndexError):
        return p.type
    text = re.sub(r"//.*|/\*.*?\*/", "", line).strip().rstrip(",;)").strip()
    return text if p.name in text and len(text) < 120 else p.type


def _unparsed(model: DesignModel) -> str:
    """A note on the files left out of the model, whose names an answer may be missing."""
    bad = [f for f in model.files if f.status in ("error", "skipped")]
    if not bad:
        return ""
    shown = "; ".join(f"{f.where()}: {f.message}" for f in bad[:3])
    return f" (it may be in a file that could not be parsed: {shown}{' …' if len(bad) > 3 else ''})"


def _describe(s: Signal) -> str:
    port = f"{s.direction} port, " if s.direction else ""
    return f"{port}{s.width}-bit {s.type}"


def _block_kind(m: Module, a: Assignment) -> str:
    b = m.blocks[a.block] if 0 <= a.block < len(m.blocks) else None
    if b is None:
        return a.kind
    if b.clock:
        return f"register, {b.kind} on `{b.clock}`"
    return f"combinational {b.kind}"


def _parent_connections(model: DesignModel, module: str, port: str) -> list[tuple[str, str, Span]]:
    out = []
    for parent in model.modules.values():
        for inst in parent.instances:
            if inst.module == module and port in inst.connections:
                out.append((f"{parent.name}.{inst.name}", inst.connections[port], inst.span))
    return out
