"""Extract the structured content of a spec (Markdown, plain text or HTML) into a typed :class:`SpecModel`.

What is read: Markdown tables (ports, parameters, reset values, truth/opcode/behaviour tables,
Karnaugh maps, register maps, cycle and waveform tables), the same without Markdown (pipe rows
with no ``---`` row, whitespace-separated listings, K-maps with their axis lines, state tables),
state diagrams drawn with arrows, bullet port lists, "When <condition>, then <effect>." rules and
prose paragraphs. Ports come from the RTL (checked against the spec's table or list); clock and
reset from names and prose. Every block is kept with its line and, once the generator has looked
at it, with what used it or why nothing could — so the user sees which parts became checks.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from chipchat.tbgen import layouts
from chipchat.tbgen import ports as portinfo
from chipchat.tbgen.blocks import Finding, PortSpec, Rule, Table
from chipchat.tbgen.text import clean, level, number, parse_condition, parse_effect

RULE = re.compile(r"\bWhen\s+(?P<c>.+?),\s*then\s+(?P<e>.+?)\s*$")
NEXT_COL = re.compile(r"^(?:next\s+(?P<a>\w+)|(?P<b>\w+)\s*\(next\))$", re.I)
AFTER = re.compile(r"\s*(?:\(?after (?:the )?(?:rising )?edge\)?|after|\(registered\))\s*$", re.I)
PARAM_SETTING = re.compile(r"\b([A-Z][A-Z0-9_]*)\s*=\s*(\d+)\b")
KMAP_CORNER = re.compile(r"^([A-Za-z_][\w, \[\]]*?)\s*\\+\s*([A-Za-z_][\w, \[\]]*?)$")


@dataclass
class SpecModel:
    path: str  # as shown to the user (relative to the design)
    title: str
    text: str
    ports: list[PortSpec] = field(default_factory=list)
    params: dict[str, int] = field(default_factory=dict)  # effective values (RTL first, spec defaults second)
    resets: dict[str, tuple[int, int]] = field(default_factory=dict)  # port -> (value, line)
    reset_priority: bool = False
    tables: list[Table] = field(default_factory=list)
    paragraphs: list[Table] = field(default_factory=list)  # prose blocks (kind "prose")
    rules: list[Rule] = field(default_factory=list)
    statements: list[tuple[str, int]] = field(default_factory=list)  # rule-like lines not in When/then form
    names: dict[str, int] = field(default_factory=dict)  # symbolic values (opcode names) -> number
    findings: list[Finding] = field(default_factory=list)
    clock: str | None = None
    reset: tuple[str, int] | None = None  # (port, active level)
    clock_edge: str = "rising"  # rising | falling | both
    reset_info: portinfo.ResetInfo | None = None
    port_source: str = ""  # where the port list came from
    default_width: int | None = None  # "all ports are one bit unless otherwise specified"

    def where(self, line: int) -> str:
        return f"{self.path}:{line}"

    def port(self, name: str) -> PortSpec | None:
        return next((p for p in self.ports if p.name == name), None)

    def inputs(self) -> list[PortSpec]:
        return [p for p in self.ports if p.direction == "input"]

    def outputs(self) -> list[PortSpec]:
        return [p for p in self.ports if p.direction == "output"]

    def port_for(self, header: str) -> PortSpec | None:
        """The port a table column is about (``tx after edge`` → ``tx``, ``next acc`` → ``acc``)."""
        h = re.sub(r"\s*\[[^\]]*\]$", "", AFTER.sub("", clean(header)).strip())
        m = NEXT_COL.match(h)
        if m:
            h = m.group("a") or m.group("b")
        return self.port(h) or next((p for p in self.ports if p.name.lower() == h.lower()), None)

    def usable(self) -> bool:
        return any(t.used_by for t in self.tables) or any(r.used_by for r in self.rules)

    def unused(self) -> list[dict[str, str]]:
        items = [{"what": _what(t), "where": self.where(t.line), "reason": t.reason or "no reader uses it"}
                 for t in self.tables + self.paragraphs if not t.used_by]
        items += [{"what": f"rule '{_short(r.text)}'", "where": self.where(r.line), "reason": r.reason}
                  for r in self.rules if not r.used_by]
        items += [{"what": f"statement '{_short(s)}'", "where": self.where(line),
                   "reason": "not in 'When <condition>, then <effect>.' form"} for s, line in self.statements]
        return items

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("text")
        data["unused"] = self.unused()
        return data


def _what(t: Table) -> str:
    if t.kind == "prose":
        return f"paragraph '{_short(' '.join(t.text), 70)}'"
    if t.layout == "arrows":
        return f"state diagram '{t.title}'" if t.title else "state diagram"
    if t.kind == "code":
        return t.title
    return f"table '{t.title}' ({t.kind})"


def _short(text: str, n: int = 90) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def split_cells(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return [c.strip() for c in re.split(r"(?<!\\)\|", body)]


@dataclass
class Parsed:
    title: str
    tables: list[Table]  # Markdown tables, then plain blocks
    paragraphs: list[Table]  # prose, one block per paragraph (its sentences in ``text``)
    sentences: list[tuple[str, int, str]]  # When/then rules: (text, line, section)
    items: list[tuple[str, int, str]]  # list items: (text, line, section)
    bullets: list[layouts.BulletPort]


def parse_markdown(text: str) -> tuple[str, list[Table], list[tuple[str, int, str]], list[tuple[str, int, str]]]:
    """(title, tables, rule sentences (text, line, section), list items (text, line, section))."""
    parsed = parse(text)
    return parsed.title, parsed.tables, parsed.sentences, parsed.items


def parse(text: str) -> Parsed:
    lines = layouts.normalize(text).splitlines()
    title, heading = "", ""
    tables: list[Table] = []
    sentences: list[tuple[str, int, str]] = []
    items: list[tuple[str, int, str]] = []
    taken: set[int] = set()
    heading_of: dict[int, str] = {}
    i = 0
    while i < len(lines):
        raw = lines[i]
        stripped = raw.strip()
        heading_of[i] = heading
        if stripped.startswith("#"):
            heading = stripped.lstrip("#").strip()
            title = title or heading
            taken.add(i)
        elif stripped.startswith("|") and i + 1 < len(lines) and re.match(r"^\s*\|?\s*:?-{2,}", lines[i + 1]):
            header = split_cells(stripped)
            rows: list[list[str]] = []
            j = i + 2
            while j < len(lines) and lines[j].strip().startswith("|"):
                cells = split_cells(lines[j])
                rows.append((cells + [""] * len(header))[: len(header)])
                j += 1
            tables.append(Table(_table_title(lines, i, heading), header, rows, i + 1))
            taken.update(range(i, j))
            i = j
            continue
        elif stripped:
            if re.match(r"^[-*]\s+", stripped):
                items.append((re.sub(r"^[-*]\s+", "", stripped), i + 1, heading))
            for sentence in re.split(r"(?<=[.;])\s+(?=When\b)", re.sub(r"^[-*]\s+", "", stripped)):
                if RULE.search(sentence):
                    sentences.append((sentence.rstrip("."), i + 1, heading))
                    taken.add(i)
        i += 1
    bullets = layouts.bullet_ports(lines)
    taken.update(b.line - 1 for b in bullets)
    plain = layouts.scan(lines, taken, heading_of)
    for block in plain:
        if not block.title:
            block.title = _caption(lines, block.line - 1) or heading_of.get(block.line - 1, "")
    prose = [Table(heading_of.get(line - 1, ""), [], [], line, "prose", layout="prose", text=layouts.sentences(p))
             for p, line in layouts.paragraphs(lines, taken)]
    return Parsed(title, tables + plain, prose, sentences, items, bullets)


def _caption(lines: list[str], at: int) -> str:
    """The last sentence of the paragraph right above a plain block ("... the Karnaugh map below.")."""
    k = at - 1
    while k >= 0 and not lines[k].strip():
        k -= 1
    para: list[str] = []
    while k >= 0 and lines[k].strip() and "|" not in lines[k] and at - k < 12:
        para.insert(0, lines[k].strip())
        k -= 1
    text = " ".join(para)
    if not text.endswith((".", ":")):
        return ""
    last = layouts.sentences(text)[-1] if text else ""
    return last if len(last) <= 100 else last[:99] + "…"


def _table_title(lines: list[str], at: int, heading: str) -> str:
    """A table's name: the heading it sits under (plus a caption line right above it, if any)."""
    above = lines[at - 1].strip() if at > 0 else ""
    if above and not above.startswith(("#", "|")) and len(above) < 120 and above.endswith(":"):
        return f"{heading}: {above.rstrip(':')}"
    return heading


def extract(text: str, path: str, rtl_ports: dict[str, tuple], rtl_params: dict[str, int | None],
            clocks: list[str] | None = None) -> SpecModel:
    """The spec model of ``text``; ``rtl_*`` are the design's real ports and parameter values."""
    text = layouts.normalize(text)
    parsed = parse(text)
    spec = SpecModel(path, parsed.title, text, tables=parsed.tables, paragraphs=parsed.paragraphs)
    spec.default_width = portinfo.default_width(text)
    declared: list[PortSpec] = []
    for table in parsed.tables:
        _classify_basic(spec, table, rtl_params)
        if table.kind == "ports" and not declared:
            declared = portinfo.from_table(path, table)
            spec.port_source = f"port table ({spec.where(table.line)})"
    if not declared and parsed.bullets:
        declared = portinfo.from_bullets(parsed.bullets, spec.default_width)
        spec.port_source = f"port list ({spec.where(parsed.bullets[0].line)})"
    if rtl_ports:
        spec.ports, findings = portinfo.rtl_ports(declared, rtl_ports, path)
        spec.findings += findings
        if not declared:
            spec.port_source = "the RTL (the spec lists no ports)"
    else:
        spec.ports = declared
    for name, value in rtl_params.items():
        if value is not None:
            spec.params[name] = value
    _find_clock_reset(spec, clocks or [])
    for table in spec.tables:
        if table.kind == "unknown":
            _classify_behaviour(spec, table)
    spec.reset_priority = bool(re.search(r"\breset\b[^.]*\bpriority\b", text, re.I))
    known = {p.name for p in spec.ports} | set(spec.params)
    rule_lines = set()
    for sentence, line, _section in parsed.sentences:
        m = RULE.search(sentence)
        assert m is not None
        rule = Rule(sentence, line, m.group("c"), m.group("e").rstrip("."))
        rule.conditions, rule.condition_error = parse_condition(rule.condition, spec.names)
        rule.effects, rule.unread = parse_effect(rule.effect, spec.names, known)
        spec.rules.append(rule)
        rule_lines.add(line)
    spec.statements = [(t, line) for t, line, section in parsed.items
                       if "rule" in section.lower() and line not in rule_lines]
    return spec


def _classify_basic(spec: SpecModel, table: Table, rtl_params: dict[str, int | None]) -> None:
    head = [clean(h).lower() for h in table.header]
    if table.layout != "markdown":
        return
    if "port" in head and "direction" in head:
        table.kind = "ports"
    elif head and head[0] in ("parameter", "param") and len(head) > 1:
        table.kind = "parameters"
        for row in table.rows:
            name = clean(row[0])
            if not re.fullmatch(r"[A-Za-z_]\w*", name):
                continue
            default = number(row[1]) if len(row) > 1 else None
            if default is not None:
                spec.params.setdefault(name, default)
            if name in rtl_params and default is not None and rtl_params[name] not in (None, default):
                spec.findings.append(Finding(f"parameter {name} default", spec.where(table.line), str(default),
                                             f"{rtl_params[name]} in the RTL (after overrides)"))
        table.used_by.append("parameter values")
    elif head and head[0] == "localparam":
        table.kind = "derived"
        table.reason = "derived parameters: the generated testbench uses the values the RTL computes"
    elif any("reset value" in h for h in head):
        table.kind = "resets"


def _find_clock_reset(spec: SpecModel, clocks: list[str]) -> None:
    spec.clock, spec.clock_edge = portinfo.find_clock(spec.ports, clocks, spec.text)
    info = portinfo.find_reset([p for p in spec.ports if p.name != spec.clock], spec.text, spec.path)
    if info is not None:
        spec.reset, spec.reset_info = (info.port, info.active), info
        desc = (spec.port(info.port) or PortSpec("", "", "", "", 0)).description.lower()
        if "active low" in desc or "active-low" in desc:
            spec.reset = (info.port, 0)
            info.active = 0
    for table in spec.tables:
        if table.kind != "resets":
            continue
        cv = next(i for i, h in enumerate(table.header) if "reset value" in clean(h).lower())
        used = False
        for n, row in enumerate(table.rows):
            port = spec.port_for(row[0])
            value = level(row[cv], spec.names) if cv < len(row) else None
            if port is not None and port.direction == "output" and value is not None:
                spec.resets[port.name] = (value, table.line + 2 + n)
                used = True
        if used:
            table.used_by.append("reset checks")
        else:
            table.reason = "no output port with a numeric reset value"


def _classify_behaviour(spec: SpecModel, table: Table) -> None:
    head = [clean(h) for h in table.header]
    cols = [spec.port_for(h) for h in head]
    ins = [c for c in cols if c is not None and c.direction == "input"]
    outs = [c for c in cols if c is not None and c.direction == "output"]
    first = head[0].lower() if head else ""
    nexts = [h for h in head if NEXT_COL.match(AFTER.sub("", h).strip())]
    settings = {k: int(v) for k, v in PARAM_SETTING.findall(table.title)}
    mismatch = {k: v for k, v in settings.items() if k in spec.params and spec.params[k] != v}
    if table.kind != "unknown" or table.layout == "markdown" and _kmap(spec, table):
        return
    if table.layout == "pipes" and KMAP_CORNER.match(first.replace("`", "")):
        table.kind = "kmap-plain"  # corner cell `ab\cd` with no `---` row: read by the K-map reader
        return
    if table.layout == "pipes" and len(head) == 2 and cols[0] is not None and cols[0].direction == "input" and \
            cols[1] is None and any(o.name.lower() in row[1].lower().split() for row in table.rows for o in outs or
                                    spec.outputs()):
        table.kind = "decoder"
        return
    if any(h.lower() in ("address", "offset", "addr") for h in head):
        table.kind, table.reason = "register-map", "a register map needs a bus protocol (how the ports perform a " \
            "read or a write), which the spec does not give as a table or rule; a language model could write the " \
            "bus sequences"
    elif re.search(r"state|current|present", first) and any(re.search(r"\bnext\b", h, re.I) for h in head[1:]):
        table.kind, table.reason = "states", "state machine: internal states are not ports; their effect on the " \
            "ports is checked through the other tables"
    elif head and first in ("signal", "register") and not outs:
        table.kind, table.reason = "internal", "internal signals are not observable at the ports"
    elif "cycle" in first and "after" in first or re.match(r"^n\b", first):
        table.kind = "waveform"
    elif nexts and ins:
        table.kind = "function"
        _names(spec, table)
    elif "cycle" in first:
        table.kind = "sequence"
        if not ins:
            named = [h for h, c in zip(head, cols, strict=False) if c is None and h.lower() not in ("cycle", "cycles", "note")]
            table.reason = "no input-port column (columns " + ", ".join(f"'{h}'" for h in named) + \
                " are prose, not port values)"
    elif ins and outs:
        table.kind = "vectors"
    else:
        other = [h for h, c in zip(head, cols, strict=False) if c is None]
        table.reason = "its columns (" + ", ".join(f"'{h}'" for h in other[:4]) + ") are not ports of the design"
        if any(spec.port(h) is None and re.fullmatch(r"[a-z_]\w*", h) and h not in ("cycle", "note") for h in other):
            table.reason += "; internal signals are not observable at the ports"
    if mismatch and table.kind in ("sequence", "vectors", "waveform"):
        table.reason = "written for " + ", ".join(f"{k}={v}" for k, v in mismatch.items()) + "; the design is " \
            "built with " + ", ".join(f"{k}={spec.params[k]}" for k in mismatch) + \
            " (override the parameter in chipchat.toml to use this table)"
        table.kind += "-other-parameters"


def _kmap_names(text: str, spec: SpecModel) -> list[str] | None:
    """The inputs a K-map axis stands for: ``a, b``, ``ab`` (one letter each) or one port name."""
    t = text.replace("`", "").strip()
    names = [n.strip() for n in t.split(",")] if "," in t else ([t] if spec.port(t) else list(t))
    ok = all((p := spec.port(n)) is not None and p.direction == "input" for n in names)
    return names if names and ok else None


def _kmap(spec: SpecModel, table: Table) -> bool:
    """A Karnaugh map (corner ``ab\\cd``, Gray-coded bit labels) becomes one vector row per cell."""
    m = KMAP_CORNER.match(clean(table.header[0]).replace("`", "")) if table.header else None
    if not m:
        return False
    rows_in, cols_in = _kmap_names(m.group(1), spec), _kmap_names(m.group(2), spec)
    words = [a or b for a, b in re.findall(r"`(\w+)`|\b(\w+)\b", table.title)]
    outs = [w for w in words if (p := spec.port(w)) is not None and p.direction == "output"]
    table.kind = "kmap"
    if rows_in is None or cols_in is None or len(set(outs)) != 1:
        table.reason = "a Karnaugh map needs input-port names on both axes (e.g. `ab\\cd`) and exactly one " \
            "output port named in its heading or caption"
        return True
    header = rows_in + cols_in + [outs[0]]
    rows: list[list[str]] = []
    lines: list[int] = []
    for n, row in enumerate(table.rows):
        label = clean(row[0])
        for col, cell in zip(table.header[1:], row[1:], strict=False):
            bits = label + clean(col)
            if len(bits) != len(rows_in) + len(cols_in) or set(bits) - {"0", "1"}:
                table.reason = f"K-map label '{label}'/'{clean(col)}' is not {len(rows_in)}+{len(cols_in)} bits"
                return True
            rows.append([*bits, cell])
            lines.append(table.line + 2 + n)
    table.header, table.rows, table.lines = header, rows, lines
    return True


def _names(spec: SpecModel, table: Table) -> None:
    """Symbolic values from a function table's name column (``op`` 0 is ``ADD``)."""
    cn = table.col("name", "mnemonic", "operation")
    if cn is None:
        return
    key = next((i for i, h in enumerate(table.header) if (p := spec.port_for(h)) and p.direction == "input"), None)
    if key is None:
        return
    for row in table.rows:
        value, name = number(row[key]), clean(row[cn])
        if value is not None and re.fullmatch(r"[A-Za-z_]\w*", name):
            spec.names[name] = value
