"""What the explanation's fixes can be turned into: the request that performs each, and caveats.

A ranked fix is worth most when chipchat can carry it out: :func:`how_pipeline` and
:func:`how_split` name the edit request for a cut after or inside a statement (empty: manual);
:func:`accumulator_share` finds an accumulator on the path (which only carry-save accumulation
can shorten); :func:`fused_caveat` says when a cut falls between arithmetic that synthesis merged,
so that the path-based estimate is an upper bound. The arguments are the explanation's own
objects (``PathExplanation``, ``Share``, ``Stage``), read by attribute.
"""

from __future__ import annotations

from typing import Any


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def accumulator_share(exp: Any) -> Any:
    """The share of an accumulator (``acc <= acc + x``, not its control) on the path, if any."""
    for share in exp.shares:
        st = share.statement
        if st is not None and not share.control and not st.scope and st.assignment.target in st.assignment.reads \
                and "+" in st.assignment.value and share.delay > 0:
            return share
    return None


def how_pipeline(share: Any) -> str:
    """The request that registers the statement's result, if a transformation can."""
    st = share.statement
    if st is None or share.control or st.scope:
        return ""
    a = st.assignment
    if a.target in a.reads:
        return ""  # an accumulator: a register in the loop changes the function
    if a.kind in ("continuous", "declaration"):
        return f"pipeline {a.target}"
    return "pipeline the multiplier" if "*" in a.value and "+" in a.value else ""


def how_split(stage: Any) -> str:
    """A cut inside a product is what the carry-save split of that multiplier does."""
    st = stage.statement
    if st is None or st.scope or "*" not in st.assignment.value or st.assignment.target in st.assignment.reads:
        return ""
    a = st.assignment
    return f"split {a.target} into 2 stages" if a.kind in ("continuous", "declaration") else \
        "split the multiplier into 2 stages"


def fused_caveat(exp: Any, dom: Any) -> str:
    """A caveat when the statement after the cut adds the dominant product (synthesis merged them)."""
    st = dom.statement
    if st is None or "*" not in st.expression:
        return ""
    after = [s for s in exp.shares if s.statement is not None and s.statement is not st and not s.control
             and st.assignment.target in s.statement.assignment.reads and "+" in s.statement.expression]
    if not after:
        return ""
    nxt = after[0].statement
    assert nxt is not None
    return (f". Caveat: synthesis merged `{_short(st.expression, 30)}` into `{_short(nxt.expression, 30)}` (one "
            f"adder tree, one carry-propagate adder); after the cut the product needs a carry-propagate adder of "
            f"its own that this path does not show, so this gain is an upper bound — `chipchat close` measures it")


def cut_after(stages: list[Any], statement: Any) -> tuple[float, str] | None:
    """Where a pipeline register would go: after the statement's last gate, or before its first one
    when the statement ends the path; returns (arrival at the cut, "after" | "before")."""
    mine = [s for s in stages if s.statement == statement]
    if not mine or not stages:
        return None
    if mine[-1].arrival < stages[-1].arrival - 1e-9:
        return mine[-1].arrival, "after"
    return mine[0].arrival - mine[0].delay, "before"


def balanced_cut(stages: list[Any], arrival: float, clk2q: float) -> tuple[float, Any] | None:
    best: tuple[float, Any] | None = None
    for stage in stages[:-1]:
        if stage.kind != "logic":
            continue
        new = max(stage.arrival, arrival - stage.arrival + clk2q)
        if best is None or new < best[0]:
            best = (new, stage)
    return best
