"""Routing accuracy: does each chat question go to the tool that can answer it?

``routing_questions.json`` holds questions phrased the way designers write in a chat (vague,
terse, misspelt, follow-ups with pronouns, a few in French/German/Chinese/Spanish), each
labelled with the tool that should answer it (``label``; ``also_ok`` lists other labels
that are equally right for a genuinely ambiguous question). ``previous`` holds the earlier
user turns of a follow-up ("apply it" after "add a parity bit to the uart").

The router under test is ``chipchat.agent.route.route_label(design, question, previous)``.
Until that module exists the script measures today's router instead:
``chipchat.agent.intents.classify(question, model)``, whose intent names map to labels
one to one (it has no intent for show, close, undo, health, size, compute, features or
cannot, and it does not see ``previous``), so the baseline is visible.

Targets: overall accuracy >= 95 %, and every "cannot" question routed to cannot (100 %).
Exits 1 when a target is missed.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_routing.py [--misses] [--label LABEL]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from chipchat.design import Design  # noqa: E402
from chipchat.rtl.load import load_design  # noqa: E402

QUESTIONS = REPO / "benchmarks" / "routing_questions.json"
DESIGNS = REPO / "designs"
TARGET_ACCURACY = 0.95
TARGET_CANNOT = 1.0

LABELS = ("drivers", "loads", "assigned", "reset", "fanin", "show", "ports", "parameters", "hierarchy",
          "summary", "search", "timing", "place", "close", "sim", "lint", "verify", "mutate", "tbgen",
          "propose", "apply", "undo", "health", "size", "compute", "features", "cannot")

# today's intent names (chipchat.agent.intents.RULES) -> labels
INTENT_TO_LABEL = {
    "drivers": "drivers", "loads": "loads", "assigned": "assigned", "reset": "reset", "fanin": "fanin",
    "show": "show", "show_signal": "show", "ports": "ports", "parameters": "parameters",
    "hierarchy": "hierarchy", "summary": "summary", "search": "search", "timing": "timing",
    "place": "place", "close": "close", "sim": "sim", "lint": "lint", "verify": "verify",
    "mutate": "mutate", "tbgen": "tbgen", "propose": "propose", "apply": "apply", "undo": "undo",
}

Router = Callable[[Design, str, list[str]], str]


def load_questions(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    """The questions, checked: a malformed entry stops the benchmark instead of skewing it."""
    questions = json.loads(path.read_text(encoding="utf-8"))
    problems: list[str] = []
    ids: set[str] = set()
    for i, q in enumerate(questions):
        where = q.get("id", f"entry {i}")
        if q.get("id") in ids:
            problems.append(f"{where}: duplicate id")
        ids.add(q.get("id"))
        if not (DESIGNS / str(q.get("design"))).is_dir():
            problems.append(f"{where}: no design {q.get('design')!r} in designs/")
        if not isinstance(q.get("question"), str) or not q["question"].strip():
            problems.append(f"{where}: empty question")
        if q.get("label") not in LABELS:
            problems.append(f"{where}: unknown label {q.get('label')!r}")
        if any(a not in LABELS for a in q.get("also_ok", [])):
            problems.append(f"{where}: unknown label in also_ok {q.get('also_ok')!r}")
        prev = q.get("previous", [])
        if not isinstance(prev, list) or not all(isinstance(p, str) for p in prev):
            problems.append(f"{where}: previous must be a list of strings")
    if problems:
        raise SystemExit("routing_questions.json is malformed:\n  " + "\n  ".join(problems))
    return questions


def get_router() -> tuple[str, Router]:
    """(description, router): the new ``route_label``, or today's ``classify`` as the baseline."""
    try:
        from chipchat.agent.route import route_label
    except ImportError as e:
        reason = str(e)
    else:
        return "chipchat.agent.route.route_label", route_label

    from chipchat.agent.intents import classify
    from chipchat.rtl.load import load_model

    models: dict[Path, Any] = {}

    def baseline(design: Design, question: str, previous: list[str]) -> str:
        if design.root not in models:
            models[design.root] = load_model(design)
        name = classify(question, models[design.root]).name
        return INTENT_TO_LABEL.get(name, name)

    return f"baseline: chipchat.agent.intents.classify (route_label not importable: {reason})", baseline


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--misses", action="store_true", help="list every misrouted question")
    ap.add_argument("--label", help="only the questions with this expected label")
    ap.add_argument("--show-heldout", action="store_true", help="with --misses and --split all, list held-out "
                    "misses too (development looks only at dev misses)")
    ap.add_argument("--questions", type=Path, default=QUESTIONS)
    ap.add_argument("--split", choices=("all", "dev", "heldout"), default="all",
                    help="dev: the questions the router was developed against; heldout: every 4th question "
                         "(index 3, 7, 11 ...), kept out of development; all: both, each reported")
    args = ap.parse_args(argv)

    questions = load_questions(args.questions)
    for i, q in enumerate(questions):
        q["_split"] = "heldout" if i % 4 == 3 else "dev"
    if args.split != "all":
        questions = [q for q in questions if q["_split"] == args.split]
    if args.label:
        questions = [q for q in questions if q["label"] == args.label]
    which, router = get_router()
    designs: dict[str, Design] = {}
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    per_label: dict[str, list[bool]] = defaultdict(list)
    misses: list[tuple[dict[str, Any], str]] = []
    routed: list[tuple[dict[str, Any], str]] = []
    t0 = time.monotonic()
    for q in questions:
        name = q["design"]
        if name not in designs:
            designs[name] = load_design(DESIGNS / name)
        try:
            got = str(router(designs[name], q["question"], list(q.get("previous", []))))
        except Exception as e:  # noqa: BLE001 - a crash on one question is a miss, not the end of the run
            got = f"error:{type(e).__name__}"
        ok = got == q["label"] or got in q.get("also_ok", [])
        routed.append((q, got))
        confusion[q["label"]][got] += 1
        per_label[q["label"]].append(ok)
        if not ok:
            misses.append((q, got))
    elapsed = time.monotonic() - t0

    n = len(questions)
    correct = sum(sum(v) for v in per_label.values())
    print(f"router: {which}")
    print(f"{n} questions over {len(designs)} designs, routed in {elapsed:.2f} s\n")

    order = [lab for lab in LABELS if lab in per_label]
    print("confusion (row = expected label, columns = routed label, non-zero cells only; "
          "also_ok answers count as correct but are shown under the label routed to)")
    for lab in order:
        cells = "  ".join(f"{got}:{k}" for got, k in confusion[lab].most_common())
        print(f"  {lab:<11} n={len(per_label[lab]):<3} {cells}")

    print(f"\n{'label':<11}{'n':>5}{'correct':>9}{'accuracy':>10}")
    for lab in order:
        oks = per_label[lab]
        print(f"{lab:<11}{len(oks):>5}{sum(oks):>9}{sum(oks) / len(oks):>10.2f}")

    accuracy = correct / n if n else 0.0
    cannot = per_label.get("cannot", [])
    honesty = sum(cannot) / len(cannot) if cannot else 1.0
    pairs = Counter((q["label"], got) for q, got in misses)
    if pairs:
        print("\nmost common mistakes (expected -> routed: count, e.g.)")
        for (want, got), k in pairs.most_common(12):
            example = next(q for q, g in misses if q["label"] == want and g == got)
            print(f"  {want} -> {got}: {k}  e.g. {example['id']} {example['question']!r}")
    if args.misses:
        print("\nmisrouted questions")
        for q, got in misses:
            if args.split == "all" and q["_split"] == "heldout" and not args.show_heldout:
                continue
            prev = f"  (after {q['previous']!r})" if q.get("previous") else ""
            print(f"  {q['id']} [{q['design']}] {q['question']!r}{prev}: want {q['label']}"
                  + (f" (or {', '.join(q['also_ok'])})" if q.get("also_ok") else "") + f", got {got}")

    for part in ("dev", "heldout"):
        oks = [got == q["label"] or got in q.get("also_ok", []) for q, got in routed if q["_split"] == part]
        if oks:
            print(f"{part + ' accuracy':<16} = {sum(oks) / len(oks):.3f} ({sum(oks)}/{len(oks)})")
    ok_acc = accuracy >= TARGET_ACCURACY
    ok_cannot = honesty >= TARGET_CANNOT
    print(f"\noverall accuracy = {accuracy:.3f} ({correct}/{n}), target >= {TARGET_ACCURACY:.2f}: "
          f"{'PASS' if ok_acc else 'FAIL'}")
    print(f"cannot honesty   = {honesty:.3f} ({sum(cannot)}/{len(cannot)} cannot-questions routed to cannot), "
          f"target {TARGET_CANNOT:.0%}: {'PASS' if ok_cannot else 'FAIL'}")
    return 0 if ok_acc and ok_cannot else 1


if __name__ == "__main__":
    sys.exit(main())
