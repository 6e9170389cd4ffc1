"""Measure what the path cannot show: a product synthesized alone, with a carry-propagate adder of its own.

When synthesis merges ``p = a * b`` into the adder that consumes it (``acc + p``: one adder tree,
one carry-propagate adder), the worst path shows no point where the product is complete, so
"put a register after the product" can only be estimated as an upper bound from the path. A
register after the product forces the product to be finished first; how long that takes is
measured here instead of guessed: a probe module (registered operands of the same widths and
signedness, the product registered) is synthesized and timed with the same platform and clock
target, in ``<design>/.chipchat/probes/`` (its runs cached like any other).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chipchat.design import Design
from chipchat.errors import ChipChatError

PRODUCT = re.compile(r"^\s*(\$signed\()?\s*([A-Za-z_]\w*)\s*\)?\s*\*\s*(\$signed\()?\s*([A-Za-z_]\w*)\s*\)?\s*$")
PROBE = """module probe(input clk, input {sa}[{a}:0] a, input {sb}[{b}:0] b, output reg {sp}[{w}:0] p);
  reg {sa}[{a}:0] a_q;
  reg {sb}[{b}:0] b_q;
  always @(posedge clk) begin
    a_q <= a;
    b_q <= b;
    p <= a_q * b_q;
  end
endmodule
"""


@dataclass(frozen=True)
class ProductDelay:
    """The probe's register-to-register logic delay (clock-to-output excluded) and where it was measured."""

    delay_ns: float
    widths: tuple[int, int, int]
    run_dir: str


def product_operands(expression: str, module: Any) -> tuple[tuple[int, bool], tuple[int, bool]] | None:
    """((width, signed), (width, signed)) of ``x * y`` when both operands are plain signals of ``module``."""
    m = PRODUCT.match(expression)
    if m is None or module is None:
        return None
    out = []
    for cast, name in ((m.group(1), m.group(2)), (m.group(3), m.group(4))):
        sig = module.signals.get(name)
        if sig is None or not sig.width:
            return None
        out.append((int(sig.width), bool(cast) or "signed" in str(sig.type)))
    return out[0], out[1]


def measure_product(design: Design, platform: Any, a: tuple[int, bool], b: tuple[int, bool], width: int,
                    period_ns: float | None, run_timing: Callable[..., Any]) -> ProductDelay | None:
    """Synthesize and time the probe with ``run_timing`` (:func:`chipchat.timing.api.run_timing`, passed in so
    this module does not import its caller); None when it cannot be measured (the caller keeps its bound)."""
    from chipchat.platforms import known_platforms

    signed = a[1] and b[1]
    spec = str(platform.name)
    if spec not in known_platforms():  # a liberty file or an ORFS folder: the probe would need its path
        return None
    folder = design.state_dir / "probes" / f"mul-{a[0]}{'s' if a[1] else 'u'}x{b[0]}{'s' if b[1] else 'u'}-{width}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "probe.v").write_text(PROBE.format(a=a[0] - 1, b=b[0] - 1, w=width - 1,
                                                     sa="signed " if signed else "", sb="signed " if signed else "",
                                                     sp="signed " if signed else ""))
        (folder / "chipchat.toml").write_text(
            f'[design]\ntop = "probe"\nsources = ["probe.v"]\nplatform = "{spec}"\n'
            f'[[clocks]]\nport = "clk"\nperiod_ns = {period_ns or 10.0:g}\n')
        run = run_timing(folder, clock_period_ns=period_ns, refine=False)
    except (ChipChatError, OSError):
        return None
    paths = [p for p in run.results.paths if p.constrained and p.data_arrival is not None]
    exp = run.explanations[0] if run.explanations else None
    if not paths or exp is None:
        return None
    launch = next((s.delay for s in exp.stages if s.kind == "launch"), 0.0)
    return ProductDelay(round(exp.total - launch, 3), (a[0], b[0], width), str(run.sta.run_dir))


def refine_pipeline_fix(design: Design, platform: Any, exp: Any, period_ns: float | None, module: Any,
                        run_timing: Callable[..., Any]) -> None:
    """Replace the upper bound of "pipeline the multiply" (a product merged into the adder after it) with the
    product's measured delay: the first stage becomes the arrival at the product plus the product alone."""
    fix = next((f for f in exp.fixes if f.kind == "pipeline" and f.upper_bound), None)
    dom = exp.dominant()
    if fix is None or dom is None or dom.statement is None or dom.statement.scope:
        return
    operands = product_operands(dom.statement.assignment.value, module)
    target = module.signals.get(dom.statement.assignment.target) if module is not None else None
    if operands is None or target is None or not target.width:
        return
    mine = [s for s in exp.stages if s.statement == dom.statement]
    if not mine or mine[-1].arrival >= exp.stages[-1].arrival - 1e-9:
        return  # the product ends the path: the register would go before it, which the path does show
    measured = measure_product(design, platform, operands[0], operands[1], int(target.width), period_ns,
                               run_timing)
    if measured is None:
        return
    start = mine[0].arrival - mine[0].delay
    cut = mine[-1].arrival
    launch = next((s.delay for s in exp.stages if s.kind == "launch"), 0.0)
    clk2q = launch if launch > 0 else 0.2
    first = start + measured.delay_ns
    second = exp.total - cut
    new = max(first, second + clk2q)
    fix.gain_ns = round(exp.total - new, 3)
    fix.upper_bound = False
    fix.detail = (f"put a register after `{' '.join(dom.statement.text.split())[:70]}`. Synthesis merged the product "
                  "into the adder after it, so this path shows no point where the product is complete; the product "
                  f"alone ({measured.widths[0]}×{measured.widths[1]} → {measured.widths[2]} bits, with its own "
                  f"carry-propagate adder) was synthesized and timed at {measured.delay_ns:.2f} ns "
                  f"({measured.run_dir}), so the path splits into {first:.2f} ns and {second:.2f} ns "
                  f"(+{clk2q:.2f} ns clock-to-output); one cycle more latency")
    fix.evidence += f"; the product alone measured at {measured.delay_ns:.2f} ns"

