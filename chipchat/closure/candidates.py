"""Which edits might move the critical path: candidates read off the explained worst path.

Each RTL statement on the worst path suggests the transformations that act on it: a product
computed in an ``assign`` can be registered (``pipeline``) or split in carry-save form over 1–3
cycles; an accumulator (``acc <= acc + x``) can be kept in carry-save form with its sum resolved
over 1–3 cycles; a path that starts at an input pin can start at a register instead
(``register_inputs``); one that ends at an output pin can end at one (``register_output``).
Every candidate is planned here, on the current design: one that does not apply comes back
with the transformation's own reason (shown to the user), not as a slot used up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chipchat.edit.context import Context, Plan, Unsupported
from chipchat.edit.transforms import run_transform
from chipchat.timing.explain import PathExplanation

STAGES = (1, 2, 3)  # resolution stages of a carry-save accumulator
SPLITS = (1, 2)  # register stages of a split multiplier


@dataclass
class Candidate:
    """One edit to try: a transformation with its arguments, why it was suggested, and its plan."""

    transform: str
    args: dict[str, Any]
    why: str
    request: str  # the same edit in words, as a user would ask for it
    plan: Plan | None = None
    reason: str = ""  # not applicable: the transformation's reason
    fix: str = ""  # the kind of the ranked fix it performs (timing.explain), for the prediction table

    @property
    def key(self) -> tuple[str, tuple[tuple[str, Any], ...]]:
        return self.transform, tuple(sorted(self.args.items()))

    @property
    def latency(self) -> int:
        return max((self.plan.latency or {}).values(), default=0) if self.plan else 0


@dataclass
class Suggestions:
    candidates: list[Candidate] = field(default_factory=list)
    skipped: list[Candidate] = field(default_factory=list)


def suggest(ctx: Context, exp: PathExplanation | None, *, from_inputs: bool = False,
            to_outputs: list[str] | None = None) -> Suggestions:
    """Candidates for the worst path ``exp`` of the design ``ctx`` (planned; inapplicable ones skipped).

    ``from_inputs`` / ``to_outputs``: other violating paths start at an input pin / end at these outputs.
    """
    from chipchat.edit.operators import operator_sites

    raw: list[Candidate] = []
    top = ctx.model.top or ""
    shares = [s for s in (exp.shares if exp else []) if s.statement is not None]
    statements: list[Any] = []
    for sh in shares:
        if not any(sh.statement is st for st in statements):
            statements.append(sh.statement)
    for st in statements:
        a = st.assignment
        if st.scope:
            continue  # transformations act on the top module's statements
        if all(s.control for s in shares if s.statement is st) and not (a.target in a.reads and "+" in a.value):
            continue  # only its if/case control is on the path (an accumulator's adder may look like control)
        if a.kind in ("continuous", "declaration") and "*" in a.value:
            raw += _product(a.target, f"`{a.value.strip()}` ({_cite(ctx, a.span)}) is on the worst path")
        elif a.target in a.reads and "+" in a.value:
            raw += [Candidate("carry_save", {"register": a.target, "stages": n},
                              f"`{a.target} <= {a.value.strip()}` is an accumulator on the worst path",
                              f"use carry-save accumulation for {a.target} with {n} stages", fix="restructure")
                    for n in STAGES]
        elif "*" in a.value:
            raw += [Candidate("pipeline", {"operator": "*", "form": "carry_save", "stages": n},
                              f"the product in `{a.target} <= …` ({_cite(ctx, a.span)}) is on the worst path",
                              f"split the multiplier into {n + 1} stages", fix="retime") for n in SPLITS]
    for site in operator_sites(ctx, "*") if exp is not None else []:  # products elsewhere in the cone
        if not site.procedural and site.module.name == top:
            raw += _product(site.target, f"`{site.text}` ({site.where(ctx)}) feeds the path's endpoint")
    if (exp is not None and exp.start_kind == "input port") or from_inputs:
        where = f"the path starts at the input `{exp.start}`" if exp is not None and exp.start_kind == \
            "input port" else "a violating path starts at an input pin"
        raw.append(Candidate("register_inputs", {}, where, "register the inputs", fix="input_delay"))
    outs = list(to_outputs or [])
    if exp is not None and exp.end_kind == "output port":
        outs.insert(0, exp.end)
    for out_name in dict.fromkeys(o.split("[")[0] for o in outs):
        raw.append(Candidate("register_output", {"name": out_name}, f"a violating path ends at the output "
                             f"`{out_name}`", f"register the output {out_name}"))
    out = Suggestions()
    seen: set[Any] = set()
    for cand in raw:
        if cand.key in seen:
            continue
        seen.add(cand.key)
        result = run_transform(cand.transform, ctx, dict(cand.args))
        if isinstance(result, Unsupported):
            cand.reason = result.reason
            out.skipped.append(cand)
        else:
            cand.plan = result
            out.candidates.append(cand)
    return out


def _product(signal: str, why: str) -> list[Candidate]:
    out = [Candidate("pipeline", {"signal": signal}, why, f"pipeline {signal}", fix="pipeline")]
    out += [Candidate("pipeline", {"signal": signal, "form": "carry_save", "stages": n}, why,
                      f"split {signal} into {n + 1} stages", fix="retime") for n in SPLITS]
    return out


def _cite(ctx: Context, span: Any) -> str:
    return ctx.cite(span)
