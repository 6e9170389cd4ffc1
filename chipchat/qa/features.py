""""What does this module support?": its decoders (case arms / opcodes), state machines and modes, read off the source.

Verilog and SystemVerilog are read with pyslang (through :mod:`chipchat.rtl.frontend`):
every ``case`` statement becomes a :class:`Decoder` whose arms carry their labels, the values
of those labels (localparams, enum members) and what each arm does; ``enum`` types are the
state sets of FSMs. Amaranth is read with Python's own ``ast`` — the design's Python is
parsed, never run: ``with m.Switch(...)`` / ``with m.Case(...)`` and ``m.FSM`` / ``m.State``.
A module without a decoder is described by the if/else-if chain of its clocked block.

A yes/no question ("does it do subtraction?", "is there a parity option?") is answered from
the arm labels, the port/parameter/signal names and, failing those, what the comments say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from chipchat.answer import Answer
from chipchat.design import Design
from chipchat.index.lexical import STOPWORDS, split_identifier
from chipchat.qa.decoders import Arm, Decoder, StateSet, amaranth_decoders, decimal, verilog_decoders
from chipchat.rtl.load import DesignArg, load_design, load_model
from chipchat.types import Span

# what people call an operation → the names designers give its opcode
SYNONYMS: dict[str, tuple[str, ...]] = {
    "add": ("add", "addi", "sum", "plus"), "addition": ("add", "sum"), "subtract": ("sub", "subtract", "minus"),
    "subtraction": ("sub", "minus"), "multiply": ("mul", "mult", "mpy", "multiply"), "multiplication": ("mul", "mult"),
    "divide": ("div", "divide"), "division": ("div",), "shift": ("shl", "shr", "sll", "srl", "sra", "lsl", "lsr",
                                                                 "asr", "shift"),
    "shifts": ("shl", "shr", "sll", "srl", "sra", "lsl", "lsr", "asr", "shift"), "rotate": ("rol", "ror", "rot"),
    "compare": ("cmp", "slt", "sltu", "lt", "eq", "compare"), "comparison": ("cmp", "slt", "sltu", "lt", "eq"),
    "negate": ("neg",), "invert": ("not", "inv"), "xor": ("xor",), "nor": ("nor",), "nand": ("nand",),
    "saturate": ("sat", "saturate", "saturating", "clamp"), "wrap": ("wrap", "wraps", "modulo"),
}
GENERIC = {"does", "do", "it", "support", "supports", "have", "has", "there", "option", "options", "mode", "modes",
           "feature", "features", "operation", "operations", "op", "ops", "opcode", "opcodes", "instruction",
           "instructions", "alu", "fifo", "uart", "mac", "design", "module", "can", "like", "vs", "use", "uses",
           "what", "which", "list", "states", "state", "fsm", "machine", "pls", "please", "any", "also", "same",
           "cycle", "framing", "frame", "the", "and", "or", "one", "second", "implement", "handle", "perform"}


@dataclass
class FeatureReport:
    design: Design
    module: str
    decoders: list[Decoder]
    states: list[StateSet]
    modes: list[tuple[str, Span]]
    question: str = ""
    matches: dict[str, list[tuple[str, Span | None]]] = field(default_factory=dict)  # asked term -> evidence
    value: int | None = None  # "what does op=7 do": the selector value asked about

    def answer(self) -> Answer:
        d = self.design
        ans = Answer(text="", kind="features", data={
            "module": self.module, "decoders": [{"selector": x.selector, "arms": [a.labels for a in x.arms],
                                                 "default": x.default} for x in self.decoders],
            "states": [{"name": s.name, "members": [m[0] for m in s.members]} for s in self.states],
            "matches": {k: [t for t, _ in v] for k, v in self.matches.items()}})
        lines: list[str] = []
        picked = self._picked()
        if picked is not None:
            x, a = picked
            lines += [f"**`{x.selector}` = {self.value} is {_arm_name(a)}:** `{a.does}` "
                      f"({ans.cite(a.span, d.root, _arm_name(a))})", ""]
        elif self.value is not None and self.decoders:
            lines += [f"**No case of `{self._main_decoder().selector}` has the value {self.value}**"  # type: ignore[union-attr]
                      + (" (the default arm takes it)" if any(x.default for x in self.decoders) else ""), ""]
        if self.matches:
            lines.append(self._verdict(ans))
            lines.append("")
        main = self._main_decoder()
        if picked is not None or self.value is not None and self.decoders:
            pass
        elif main is not None and not self.matches:
            names = ", ".join(_arm_name(a) for a in main.arms)
            lines += [f"**`{self.module}` decodes {len(main.arms)} case(s) of `{main.selector}`:** {names}"
                      + (" (plus a default)" if main.default else ""), ""]
        elif self.states and not self.matches:
            s = self.states[0]
            lines += [f"**`{self.module}` has {len(s.members)} states ({s.name}):** "
                      + ", ".join(m[0] for m in s.members), ""]
        elif not self.matches and self.modes:
            lines += [f"**`{self.module}` has no decoder; its behaviour is {len(self.modes)} prioritised case(s):** "
                      + "; ".join(f"`{c}`" for c, _ in self.modes), ""]
        elif not self.matches:
            lines.append(f"**`{self.module}` has no case statement, state enum or priority chain to list.**")
        for x in self.decoders:
            lines.append(f"Decoder on `{x.selector}` at {ans.cite(x.span, d.root, 'case')}:")
            lines += ["", "| case | value | does | line |", "|---|---|---|---|"]
            for a in x.arms:
                lines.append(f"| {_arm_name(a)} | {', '.join(a.values) or '—'} | `{a.does}`"
                             f"{' — ' + a.comment if a.comment else ''} | {ans.cite(a.span, d.root, _arm_name(a))} |")
            lines.append("")
        for s in self.states:
            lines.append(f"States `{s.name}` ({ans.cite(s.span, d.root, 'states')}): "
                         + ", ".join(f"`{n}`={v}" + (f" ({c})" if c else "") for n, v, c, _ in s.members))
        if self.modes and not self.decoders:
            lines.append("Priority of the clocked block: " + " → ".join(
                f"`{c}` ({ans.cite(sp, d.root, 'branch')})" for c, sp in self.modes))
        ans.text = "\n".join(lines).strip()
        return ans

    def _picked(self) -> tuple[Decoder, Arm] | None:
        if self.value is None:
            return None
        for x in sorted(self.decoders, key=lambda x: -len(x.arms)):
            for a in x.arms:
                if any(_as_int(v) == self.value for v in a.values):
                    return x, a
        return None

    def _main_decoder(self) -> Decoder | None:
        return max(self.decoders, key=lambda x: len(x.arms), default=None)

    def _verdict(self, ans: Answer) -> str:
        parts, found, missing = [], [], []
        for term, hits in self.matches.items():
            if hits:
                found.append(term)
                shown = []
                for text, span in hits[:3]:
                    shown.append(f"{text} ({ans.cite(span, self.design.root, term)})" if span else text)
                parts.append(f"- **{term}**: " + "; ".join(shown))
            else:
                missing.append(term)
        main = self._main_decoder()
        known = f" Its cases of `{main.selector}`: {', '.join(_arm_name(a) for a in main.arms)}." \
            if main and missing else ""
        if found and not missing:
            head = f"**Yes: {', '.join(found)}.**"
        elif found:
            head = f"**Partly: {', '.join(found)} yes; no sign of {', '.join(missing)}.**" + known
        else:
            head = (f"**No sign of {', '.join(missing)} in `{self.module}`:** no case arm, port, parameter, "
                    "signal or comment names it." + known)
        return head + ("\n\n" + "\n".join(parts) if parts else "")


def _as_int(text: str) -> int | None:
    try:
        return int(decimal(text.strip()), 0)
    except ValueError:
        return None


def _arm_name(a: Arm) -> str:
    return "/".join(a.labels) if a.labels else "default"


def module_features(design: DesignArg, question: str = "", module: str | None = None) -> FeatureReport:
    """What a module supports: its case arms (opcodes, with values and what each does), its FSM states, or its
    prioritised modes; with a yes/no question ("does it do subtraction?"), which of the asked things it has.

    Args:
        question: the user's question; the things it asks about are looked up in the arms, names and comments.
        module: the module (default: the top).
    """
    d = load_design(design)
    model = load_model(d)
    name = module or model.top or d.top or ""
    mod = model.modules.get(name)
    if d.amaranth is not None:
        decoders, states = amaranth_decoders(d.amaranth.file, name)
        modes: list[tuple[str, Span]] = []
    else:
        file = Path(mod.span.file) if mod is not None else (d.sources[0] if d.sources else None)
        decoders, states, modes = verilog_decoders(file, name) if file is not None else ([], [], [])
    report = FeatureReport(d, name, decoders, states, modes, question)
    m = re.search(r"(?:=|\b(?:op|opcode|code|value|mode|sel|state))\s*=?\s*(0x[0-9a-f]+|\d+)\b", question.lower())
    if m:
        report.value = int(m.group(1), 0)
        return report
    if YES_NO.search(question) or re.search(r"\b\d+[a-z]\w*\b", question.lower()):
        report.matches = _answer_terms(d, model, name, report, question)
    return report


YES_NO = re.compile(r"^\W*(does|do|is|are|can|could|will|has|have|did)\b|\bis there\b", re.I)


# -- yes/no questions ---------------------------------------------------------------------------
def _answer_terms(d: Design, model: object, module: str, report: FeatureReport,
                  question: str) -> dict[str, list[tuple[str, Span | None]]]:
    terms = asked_terms(question)
    mod = getattr(model, "modules", {}).get(module)
    out: dict[str, list[tuple[str, Span | None]]] = {}
    if len(terms) > 1:
        joint = _comment_hits(d, " ".join(terms))
        if joint:  # one comment that speaks of all of them ("simultaneous read and write")
            return {" and ".join(terms): joint}
    for term in terms:
        wants = {w for part in term.split() for w in (part, *SYNONYMS.get(part, ()))}
        hits: list[tuple[str, Span | None]] = []
        for x in report.decoders:
            for a in x.arms:
                if any(lb.lower() in wants or any(lb.lower().startswith(w) for w in wants if len(w) >= 3)
                       for lb in a.labels):
                    hits.append((f"case `{_arm_name(a)}` of `{x.selector}`: `{a.does}`", a.span))
        if mod is not None and not hits:
            names = [(p.name, p.span, "port") for p in mod.ports] + \
                [(p.name, p.span, "parameter") for p in mod.parameters] + \
                [(s.name, s.span, "signal") for s in mod.signals.values()]
            for name, span, what in names:
                parts = set(split_identifier(name))
                if all(w in parts for w in term.split()) or name.lower() == term.replace(" ", "_"):
                    hits.append((f"{what} `{name}`", span))
        if not hits:
            hits = _comment_hits(d, term)
        out[term] = hits
    return out


def asked_terms(question: str) -> list[str]:
    """The things a yes/no question asks about: "does it do subtraction? and shifts?" → [subtraction, shifts]."""
    q = question.lower()
    q = re.sub(r"\balmost[ _-](full|empty)\b", r"almost_\1", q)
    words = [w for w in re.findall(r"[a-z0-9_]*[a-z][a-z0-9_]*", q)]
    keep = []
    for w in words:
        if w in ("or", "and", "not"):  # an operation only when written as one ("an AND op")
            if re.search(rf"\b{w.upper()}\b", question):
                keep.append(w)
            continue
        if w in STOPWORDS or w in GENERIC or len(w) < 3:
            continue
        keep.append(w.replace("almost_", "almost "))
    return list(dict.fromkeys(keep))[:4]


def _comment_hits(d: Design, term: str) -> list[tuple[str, Span | None]]:
    """Source or spec lines whose comments/prose mention every word of ``term``."""
    hits: list[tuple[str, Span | None]] = []
    words = term.split()
    files = list(d.sources) + ([d.amaranth.file] if d.amaranth is not None else [])
    for f in files:
        try:
            lines = f.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for n, text in enumerate(lines, 1):
            comment = text.split("//", 1)[1] if "//" in text else text.split("#", 1)[1] if "#" in text else ""
            low = comment.lower()
            if comment and all(re.search(rf"\b{re.escape(w)}", low) for w in words):
                hits.append((f"the source says: “{comment.strip()[:120]}”", Span(str(f), n)))
                if len(hits) >= 2:
                    return hits
    return hits
