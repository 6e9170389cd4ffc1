"""Choose how to test a design from what its spec shows: a combinational check or a clocked model.

A design with no clock gets the combinational harness when any block predicts an output. A
clocked design gets the first sequential model the spec supports (the Markdown recognizers,
then state machines, next-state truth tables and prose registers); a clocked design whose
state machine takes its present state as an input is checked combinationally.
"""

from __future__ import annotations

import re

from chipchat.tbgen import builders, prose, seqbuild
from chipchat.tbgen.combgen import CombPlan
from chipchat.tbgen.models import ModelPlan, choose_model
from chipchat.tbgen.spec import SpecModel


def comb_plan(spec: SpecModel) -> CombPlan:
    plan = CombPlan("combinational", "")
    for build in (builders.kmaps, builders.truth_tables, builders.comb_listings, builders.state_input_fsm,
                  prose.combinational):
        build(spec, plan)
    parts = [p.source for p in plan.predictors]
    plan.summary = "; ".join(parts[:4]) + (f"; and {len(parts) - 4} more" if len(parts) > 4 else "")
    return plan


def choose(spec: SpecModel) -> CombPlan | ModelPlan | None:
    if spec.clock is None:
        plan = comb_plan(spec)
        return plan if plan.predictors else None
    state_in = CombPlan("combinational", "")
    builders.state_input_fsm(spec, state_in)
    if state_in.predictors:
        state_in.summary = "; ".join(p.source for p in state_in.predictors)
        state_in.kind = "state-machine logic (present state is an input)"
        return state_in
    for recognize in (choose_model, seqbuild.state_machine, seqbuild.next_state_truth_table, prose.sequential):
        found = recognize(spec)
        if found is not None:
            return found
    return None


def finish(spec: SpecModel) -> None:
    """What the prose that frames other blocks was used for, and reasons for the blocks nothing used."""
    blocks = sorted(spec.tables, key=lambda t: t.line)
    evidence = " ".join(spec.reset_info.evidence) if spec.reset_info else ""
    for para in spec.paragraphs:
        if para.used_by:
            continue
        text = " ".join(para.text)
        end = para.line + len(text) // 60 + 2
        after = next((t for t in blocks if t.line > para.line), None)
        if re.search(r"\b(?:below|following|as follows)\b[^.]*[.:]?\s*$", text, re.I) and after is not None and \
                after.used_by and after.line <= end + 3:
            para.used_by.append(f"introduces the {after.kind} block at {spec.where(after.line)}")
        elif re.search(r"ports? (?:are|is) (?:one|1|single)[- ]bits?", text, re.I) and spec.default_width:
            para.used_by.append("port width default (1 bit)")
        elif spec.where(para.line) in evidence or any(spec.where(n) in evidence for n in range(para.line, end)):
            para.used_by.append("reset level/kind/value")
        elif spec.clock and re.search(r"\b(?:positive|negative|rising|falling)[- ]edge of (?:the )?(?:clock|clk)\b",
                                      text, re.I) and len(para.text) == 1:
            para.used_by.append(f"clock edge ({spec.clock_edge})")
    for table in spec.tables + spec.paragraphs:
        seqbuild.unused_listing_reason(table)
        if table.used_by or table.reason:
            continue
        if table.kind == "code":
            table.reason = "quoted Verilog: chipchat tests the behaviour a spec states, not code it quotes " \
                           "(whether that code is right is what the spec asks)"
        elif table.kind == "prose":
            table.reason = "prose no reader understands (equations, standard blocks and `When …, then …` rules " \
                           "are read); a language model can test it"
        elif table.kind in ("kmap", "kmap-plain") and spec.clock is not None:
            table.reason = "a Karnaugh map of a clocked design: it does not say whether the output is registered"
        elif table.kind in ("states", "fsm-diagram"):
            table.reason = "a state machine was already used as the reference model" if any(
                t.used_by and t.kind in ("states", "fsm-diagram") for t in spec.tables) else \
                "state machine: not readable"
