"""Prose read as behaviour: equations, "<out> is 1 if <condition>" sentences, and the standard blocks
engineers name instead of describing (gates, adders, multiplexers, encoders, flip-flops, counters,
shift registers, LFSRs, edge detectors).

Each reader matches a *kind* of sentence and checks the design's ports have the shape that
block needs (a half adder has two 1-bit inputs and a sum and a carry output); a reader that
does not fit declines, and the paragraph stays listed as not used. Nothing is tuned to a design.
"""

from __future__ import annotations

import re

from chipchat.tbgen.blocks import PortSpec, Table
from chipchat.tbgen.builders import data_inputs, outputs
from chipchat.tbgen.combgen import CombPlan, Predictor
from chipchat.tbgen.models import ModelPlan
from chipchat.tbgen.spec import SpecModel
from chipchat.tbgen.vexpr import ExprError, literal, names_in, translate

GATES = {"and": "&", "or": "|", "xor": "^", "nand": "&", "nor": "|", "xnor": "^"}
WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
         "ten": 10, "sixteen": 16, "thirty-two": 32}
LEVEL = {"0": 0, "1": 1, "low": 0, "high": 1, "zero": 0, "one": 1, "false": 0, "true": 1}


def paragraphs(spec: SpecModel) -> list[Table]:
    return spec.paragraphs


def _num(word: str) -> int | None:
    return int(word) if word.isdigit() else WORDS.get(word.lower())


# -- combinational ---------------------------------------------------------------------------

def combinational(spec: SpecModel, plan: CombPlan) -> None:
    ins, outs = data_inputs(spec), outputs(spec)
    widths = {p.name: p.width for p in spec.ports}
    predicted = {o for p in plan.predictors for o in p.outputs}
    for para in paragraphs(spec):
        text = " ".join(para.text)
        found: dict[str, tuple[str, str]] = {}
        for reader in (_equations, _conditionals, _respectively, _minterms, _gates, _blocks):
            for out, (expr, what) in reader(text, ins, outs, widths).items():
                if out not in found and out not in predicted:
                    found[out] = (expr, what)
        if found:
            groups: dict[str, dict[str, str]] = {}
            for out, (expr, what) in found.items():
                groups.setdefault(what, {})[out] = expr
            for what, exprs in groups.items():
                plan.predictors.append(Predictor(exprs, f"{spec.where(para.line)} {what}"))
            para.used_by.append("combinational check of " + ", ".join(found) + " (" +
                                "; ".join(dict.fromkeys(w for _, w in found.values())) + ")")
            predicted |= set(found)


def _equations(text: str, ins: dict[str, PortSpec], outs: dict[str, PortSpec],
               widths: dict[str, int]) -> dict[str, tuple[str, str]]:
    """``z = (x^y) & x`` — an output assigned an expression over the inputs."""
    found = {}
    for m in re.finditer(r"(?<![\w=!<>])([A-Za-z_]\w*)\s*=\s*(?!=)", text):
        if m.group(1) not in outs:
            continue
        rest = re.split(r"(?<=[\w)\]}])\.(?:\s|$)|;|\bwhere\b|\bi\.e\.", text[m.end():])[0].strip().rstrip(".")
        for cut in (rest, rest.split(",")[0]):
            try:
                value = translate(cut, {n: p.width for n, p in ins.items()})
            except ExprError:
                continue
            if names_in(value.py):
                found[m.group(1)] = (value.py, f"equation `{m.group(1)} = {cut}`")
                break
    return found


COND = re.compile(r"(?:the value of\s+)?`?(?P<out>[A-Za-z_]\w*)`?\s+(?:should|must|will|shall)?\s*(?:be|is|=|equals?)\s+"
                  r"(?P<v>0|1|high|low|true|false)\s+(?:if|when|whenever)\s+(?P<c>[^,.;]+?)\s*"
                  r"(?:[,;]\s*(?:and\s+)?(?:otherwise|else)\s*,?\s*(?:`?\w+`?\s+)?(?:should|must|will)?\s*(?:be|is)?\s*"
                  r"(?P<o>0|1|high|low|true|false))?\s*(?:[.,;]|$)", re.I)


def _conditionals(text: str, ins: dict[str, PortSpec], outs: dict[str, PortSpec],
                  widths: dict[str, int]) -> dict[str, tuple[str, str]]:
    """"z should be 1 if A = B, otherwise z should be 0"."""
    found = {}
    for m in COND.finditer(text):
        out = m.group("out")
        if out not in outs:
            continue
        cond = re.sub(r"\bequals?\b|\bis equal to\b", "==", m.group("c"))
        cond = re.sub(r"\band\b", "&&", re.sub(r"\bor\b", "||", cond))
        try:
            c = translate(cond, {n: p.width for n, p in ins.items()})
        except ExprError:
            continue
        yes, no = LEVEL[m.group("v").lower()], LEVEL[m.group("o").lower()] if m.group("o") else None
        found[out] = (f"({yes} if {c.py} else {no})", f"`{out} is {yes} if {m.group('c').strip()}`")
    return found


VALUE = r"(?:\d+'[hdbo][0-9a-f_]+|0x[0-9a-f_]+|\d+)"
LIST = rf"({VALUE}(?:\s*,\s*(?:or\s+|and\s+)?{VALUE})*(?:,?\s*(?:or|and)\s+{VALUE})?)"


def _port_word(words: str, ports: dict[str, PortSpec], kind: str) -> PortSpec | None:
    """``the 8-bit input`` / ``the output`` / ``code``: the port a phrase means (by name, or by kind and width)."""
    named = [p for n, p in ports.items() if re.search(rf"\b{re.escape(n)}\b", words)]
    if len(named) == 1:
        return named[0]
    width = re.search(r"(\d+)-bit", words)
    fits = [p for p in ports.values() if width is None or p.width == int(width.group(1))]
    return fits[0] if re.search(rf"\b{kind}\b", words) and len(fits) == 1 else None


def _respectively(text: str, ins: dict[str, PortSpec], outs: dict[str, PortSpec],
                  widths: dict[str, int]) -> dict[str, tuple[str, str]]:
    """"If the input is A, B or C, the output is set to 1, 2 or 3 respectively[, the valid output is set to 1].
    If the input does not match any of the cases, both outputs are set to 0"."""
    m = re.search(rf"\bif ([\w\s-]*?) is {LIST},\s*([\w\s-]*?)\s+(?:will|would|should|is|are)\s*(?:be\s+)?"
                  rf"(?:set to\s+)?{LIST},?\s+respectively((?:,\s*(?:and\s+)?[^.]*?)?)\.", text, re.I)
    if not m:
        return {}
    key, out = _port_word(m.group(1).lower(), ins, "input"), _port_word(m.group(3).lower(), outs, "output")
    keys = [int(literal(v).py) for v in re.findall(VALUE, m.group(2), re.I)]
    values = [int(literal(v).py) for v in re.findall(VALUE, m.group(4), re.I)]
    if key is None or out is None or len(keys) != len(values):
        return {}
    extra: dict[str, int] = {}
    for x in re.finditer(r"(?:the\s+)?(?:\d+-bit\s+)?(\w+)\s+(?:will|would|should|is)\s*(?:be\s+)?(?:set to\s+)?"
                         r"([01])\b", m.group(5)):
        if x.group(1) in outs:
            extra[x.group(1)] = int(x.group(2))
    rest = text[m.end():]
    otherwise = re.search(r"does not match any[^.]*?(?:outputs?|signals?)[^.]*?(?:set to|be|is|are)\s+(0|zero)\b", rest,
                          re.I)
    miss = "0" if otherwise else "None"
    table = dict(zip(keys, values, strict=True))
    what = f"values of {key.name} listed with the values of {out.name}, respectively"
    found = {out.name: (f"{table!r}.get({key.name}, {miss})", what)}
    for name, value in extra.items():
        found[name] = (f"{dict.fromkeys(keys, value)!r}.get({key.name}, {miss})", what)
    return found


def _minterms(text: str, ins: dict[str, PortSpec], outs: dict[str, PortSpec],
              widths: dict[str, int]) -> dict[str, tuple[str, str]]:
    """"a logic-1 when 2, 7, or 15 appears on the inputs, and a logic-0 when 0, 1, 4 ... appears"."""
    ones = re.search(r"logic[- ]1 when ([\d,\s]+(?:or|and)?\s*\d+) appears?", text, re.I)
    zeros = re.search(r"logic[- ]0 when ([\d,\s]+(?:or|and)?\s*\d+) appears?", text, re.I)
    if not ones or not zeros or not all(p.width == 1 for p in ins.values()):
        return {}
    order = re.search(r"\(\s*([a-z]\w*(?:\s*,\s*[a-z]\w*)+)\s*\)", text)
    names = [n.strip() for n in order.group(1).split(",")] if order else list(ins)
    if set(names) != set(ins):
        return {}
    table: dict[int, int] = {int(n): 1 for n in re.findall(r"\d+", ones.group(1))}
    table.update({int(n): 0 for n in re.findall(r"\d+", zeros.group(1))})
    index = " | ".join(f"({n} << {len(names) - 1 - i})" for i, n in enumerate(names))
    expr = f"{table!r}.get({index})"
    return {o: (expr, "the input values that give 1 and 0") for o, p in outs.items() if p.width == 1}


def _gates(text: str, ins: dict[str, PortSpec], outs: dict[str, PortSpec],
           widths: dict[str, int]) -> dict[str, tuple[str, str]]:
    """"an XNOR gate", "(1) out_and : output of a 100-input AND gate"."""
    found: dict[str, tuple[str, str]] = {}
    pattern = r"\b(?:(\d+)-input\s+)?(AND|OR|XOR|NAND|NOR|XNOR)\s+gate\b"
    segments = re.split(r"\(\d+\)", text)
    for seg in segments:
        gates = {g.lower() for _, g in re.findall(pattern, seg, re.I)}
        named = [o for o in outs if re.search(rf"\b{re.escape(o)}\b", seg)]
        if len(gates) != 1:
            continue
        gate = gates.pop()
        targets = named if len(named) == 1 and len(segments) > 1 else (list(outs) if not named or
                                                                        set(named) == set(outs) else [])
        expr = _fold(gate, list(ins.values()))
        if expr is None:
            continue
        for o in targets:
            if outs[o].width == 1 or all(p.width == outs[o].width for p in ins.values()):
                found.setdefault(o, (expr, f"{gate.upper()} gate"))
    return found


def _fold(gate: str, ins: list[PortSpec]) -> str | None:
    op, neg = GATES[gate], gate in ("nand", "nor", "xnor")
    if len(ins) == 1 and ins[0].width > 1:
        base = {"&": "red_and", "|": "red_or", "^": "red_xor"}[op]
        expr = f"{base}({ins[0].name}, {ins[0].width})"
        return f"(1 - {expr})" if neg else expr
    if len(ins) < 2:
        return None
    width = max(p.width for p in ins)
    expr = f" {op} ".join(p.name for p in ins)
    return f"(~({expr}) & {(1 << width) - 1})" if neg else f"({expr})"


def _blocks(text: str, ins: dict[str, PortSpec], outs: dict[str, PortSpec],
            widths: dict[str, int]) -> dict[str, tuple[str, str]]:
    """Standard combinational blocks named in the prose, when the ports have their shape."""
    low = text.lower()
    data = list(ins.values())
    single = len(outs) == 1 and len(data) >= 1
    out = next(iter(outs.values())) if single else None
    if "half adder" in low and len(data) == 2 and all(p.width == 1 for p in data):
        return _sum_carry(outs, f"{data[0].name} ^ {data[1].name}", f"{data[0].name} & {data[1].name}", "half adder")
    if "full adder" in low and len(data) == 3 and all(p.width == 1 for p in data):
        a, b, c = (p.name for p in data)
        return _sum_carry(outs, f"{a} ^ {b} ^ {c}", f"({a} & {b}) | ({a} & {c}) | ({b} & {c})", "full adder")
    if re.search(r"\badder\b|\badds\b", low) and len(data) >= 2 and out is not None:
        return {out.name: (" + ".join(p.name for p in data), "adder: the sum of the inputs")}
    if re.search(r"\bmultiplexer\b|\bmux\b", low):
        return _mux(text, ins, outs)
    const = re.search(r"\balways (?:drive|drives|output|outputs|be)\s+(?:a\s+)?(?:constant\s+)?(?:logic[- ])?"
                      r"(0|1|zero|one|low|high)\b", low)
    if const and not data and len(outs) >= 1:
        value = LEVEL[const.group(1)]
        return {o: (str(value * ((1 << p.width) - 1) if value else 0), f"constant {value}") for o, p in outs.items()}
    extreme = re.search(r"\b(minimum|maximum|smallest|largest) of the (?:\w+ )?(?:inputs|numbers|values)", low)
    if extreme and out is not None and len(data) >= 2 and all(p.width == out.width for p in data):
        fn = "min" if extreme.group(1) in ("minimum", "smallest") else "max"
        return {out.name: (f"{fn}({', '.join(p.name for p in data)})", f"{extreme.group(1)} of the inputs")}
    if out is None or len(data) != 1:
        return {}
    x, w = data[0].name, data[0].width
    if re.search(r"population count|number of (?:'1'|1|one)s?\b|counts? the (?:number of )?ones", low):
        return {out.name: (f"popcount({x})", "population count")}
    if "priority encoder" in low:
        zero = "0" if re.search(r"(?:none|no bits?|zero)[^.]*\boutput (?:a )?zero|\boutput zero\b", low) else "None"
        return {out.name: (f"lowest_one({x}, {zero})", "priority encoder (position of the lowest 1 bit)")}
    if re.search(r"reverse the bit order", low) and out.width == w:
        return {out.name: (f"bitrev({x}, {w})", "bit order reversed")}
    if re.search(r"reverse the byte order", low) and out.width == w and w % 8 == 0:
        return {out.name: (f"byterev({x}, {w})", "byte order reversed")}
    if re.search(r"sign[- ]extend", low) and out.width > w:
        return {out.name: (f"sext({x}, {w}, {out.width})", "sign extension")}
    if re.search(r"same value as the input|output (?:follows|equals|copies) the input|\bwire\b", low) and \
            out.width == w:
        return {out.name: (x, "the output is the input")}
    return {}


def _sum_carry(outs: dict[str, PortSpec], s: str, c: str, what: str) -> dict[str, tuple[str, str]]:
    sums = [o for o in outs if re.fullmatch(r"s|sum\w*", o, re.I)]
    carries = [o for o in outs if re.fullmatch(r"c|co|cout|carry\w*|c_out", o, re.I)]
    if len(sums) != 1 or len(carries) != 1:
        return {}
    return {sums[0]: (f"({s})", what), carries[0]: (f"({c})", what)}


def _mux(text: str, ins: dict[str, PortSpec], outs: dict[str, PortSpec]) -> dict[str, tuple[str, str]]:
    sel = next((p for p in ins.values() if re.fullmatch(r"s|sel\w*|select\w*", p.name, re.I)), None)
    if sel is None or len(outs) != 1:
        return {}
    out = next(iter(outs.values()))
    data = [p for p in ins.values() if p is not sel]
    n = re.search(r"\b(\d+)-to-1\b", text)
    count = int(n.group(1)) if n else None
    if len(data) == 1 and data[0].width > out.width:
        w = out.width
        return {out.name: (f"(({data[0].name} >> ({sel.name} * {w})) & {(1 << w) - 1})",
                           f"multiplexer: {sel.name} selects a {w}-bit slice of {data[0].name}")}
    chosen: dict[int, str] = {}
    for m in re.finditer(rf"\b{re.escape(sel.name)}\s*=\s*(\d+)\s*,?\s*(?:should\s+)?(?:choose|select)s?\s+"
                         r"(?:bits?\s+)?`?(\w+)", text):
        if m.group(2) in ins:
            chosen[int(m.group(1))] = m.group(2)
    if not chosen:  # only numbered inputs say which value of the select picks which: names alone do not
        numbered = sorted((int(d.group(1)), p.name) for p in data if (d := re.search(r"(\d+)$", p.name)))
        if len(numbered) != len(data) or count is not None and count != len(numbered) or \
                any(ins[n].width != out.width for _, n in numbered):
            return {}
        chosen = dict(numbered)
    other = re.search(r"otherwise,?\s+(?:the output (?:should be |is )?|output\s+)(0|zero)\b", text, re.I)
    default = "0" if other else "None"
    expr = " ".join(f"{name} if {sel.name} == {k} else" for k, name in sorted(chosen.items())) + f" {default}"
    return {out.name: (f"({expr})", f"multiplexer on {sel.name}")}


# -- sequential ------------------------------------------------------------------------------

def sequential(spec: SpecModel) -> ModelPlan | None:
    from chipchat.tbgen.seqbuild import rt_plan

    ins, outs = data_inputs(spec), outputs(spec)
    target = spec.reset_info.target if spec.reset_info else ""
    reset_value = _reset_value(target)
    for para in paragraphs(spec):
        low = " ".join(para.text).lower()
        got = _seq_block(low, ins, outs, reset_value)
        if got is None:
            continue
        nexts, shows, kind, summary, reset, widths = got
        source = f"{spec.where(para.line)} {summary}"
        para.used_by.append(f"reference model ({summary})")
        return rt_plan(spec, {k: (v, source) for k, v in nexts.items()},
                       {k: (v, source) for k, v in shows.items()}, kind, f"{summary} ({spec.where(para.line)})",
                       reset, widths)
    return None


def _reset_value(target: str) -> int | None:
    if re.fullmatch(r"\d+'[sS]?[hdbo][0-9a-fA-F_]+|0x[0-9a-fA-F_]+|\d+", target or ""):
        return int(literal(target).py)
    return {"zero": 0, "one": 1}.get((target or "").lower())


def _seq_block(low: str, ins: dict[str, PortSpec], outs: dict[str, PortSpec], reset: int | None):  # noqa: ANN202
    data = list(ins.values())
    out = next(iter(outs.values())) if len(outs) == 1 else None
    if out is None:
        return None
    q, w = out.name, out.width
    shift = re.search(r"shift register (?:with|of) (\w+) (?:d[- ])?(?:flip[- ]?)?flops?|(\w+)-stage shift register", low)
    if shift and len(data) == 1 and data[0].width == 1 and w == 1:
        n = _num(shift.group(1) or shift.group(2) or "")
        if n:
            stages = [f"s{i}" for i in range(n)]
            nexts = {stages[0]: data[0].name, **{stages[i]: stages[i - 1] for i in range(1, n)}}
            return nexts, {q: stages[-1]}, "shift-register", f"{n}-stage shift register", \
                {s: reset for s in stages}, {s: 1 for s in stages}
    taps = re.search(r"taps? at (?:bit )?positions? ([\d,\sand]+)", low)
    if "lfsr" in low and "galois" in low and taps and not data:
        mask = sum(1 << (int(t) - 1) for t in re.findall(r"\d+", taps.group(1)) if 0 < int(t) <= w)
        return {q: f"(({q} >> 1) ^ ({mask} if {q} & 1 else 0))"}, {}, "lfsr", \
            f"{w}-bit Galois LFSR, taps mask 0x{mask:x}", {q: reset}, {}
    counter = re.search(r"counts? (?:from )?(\d+) (?:through|to|up to) (\d+)", low)
    decade = "decade counter" in low
    if (counter or decade or re.search(r"\d+-bit (?:binary )?(?:up )?counter", low)) and not data:
        lo, hi = (int(counter.group(1)), int(counter.group(2))) if counter else ((0, 9) if decade else (0, (1 << w) - 1))
        return {q: f"({lo} if {q} == {hi} else {q} + 1)"}, {}, "counter", f"counter {lo}..{hi}", {q: reset}, {}
    edge = re.search(r"changes? from ([01])(?: in one clock cycle)? to ([01])", low) or \
        re.search(r"(positive|negative|rising|falling) edge detect", low)
    if edge and len(data) == 1 and data[0].width == w:
        x = data[0].name
        rising = edge.group(1) in ("0", "positive", "rising")
        hit = f"(~prev & {x})" if rising else f"(prev & ~{x})"
        if re.search(r"remain 1 until|stays? (?:1|high|set) until|\bcapture", low):
            return {"prev": x, q: f"({q} | {hit})"}, {}, "edge-capture", \
                f"{'rising' if rising else 'falling'} edges captured until reset", {"prev": "follow", q: 0}, {"prev": w}
        return {"prev": x, q: hit}, {}, "edge-detector", \
            f"{'rising' if rising else 'falling'} edge detector (set the cycle after)", {"prev": "follow", q: reset}, \
            {"prev": w}
    dff = re.search(r"\b(?:d[- ]?)?flip[- ]?flops?\b|\bd[- ]?flops?\b|\bdffs?\b", low)
    if dff and len(data) == 1 and data[0].width == w and re.fullmatch(r"d|din|d_in|data", data[0].name, re.I):
        return {q: data[0].name}, {}, "d-flip-flop", f"{w}-bit D flip-flop(s)", {q: reset}, {}
    return None
