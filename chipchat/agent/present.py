"""What the chat UI shows beside the conversation, computed from tool results (no Gradio here).

Tool results are Answers as JSON (``Turn.results``). These functions pick out the
timing paths, the simulation and verification tables, the pictures, and render a
cited ``file:line`` as HTML with the line highlighted — only for files the design
owns (its folder or its tests folder).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from chipchat.agent.tools import ToolResult
from chipchat.design import Design
from chipchat.errors import ConfigError, SandboxViolation

TIMING_HEADERS = ["#", "startpoint", "endpoint", "slack (ns)", "arrival (ns)", "required (ns)"]
SIM_HEADERS = ["test", "result", "sim time (ns)", "wall (s)", "message"]
VERIFY_HEADERS = ["patch", "verdict", "simulators", "newly failing", "newly passing", "message"]
CONTEXT_BEFORE, CONTEXT_AFTER = 12, 24


def citation_label(c: dict[str, Any]) -> str:
    """``rtl/mac16.v:28 — a * b``: how a citation is listed (and parsed back by :func:`parse_citation`)."""
    end = c.get("end_line") or c["line"]
    where = f"{c['file']}:{c['line']}" + (f"-{end}" if end != c["line"] else "")
    return where + (f" — {c['label']}" if c.get("label") else "")


def parse_citation(label: str) -> tuple[str, int, int]:
    """(file, line, end_line) from a citation label."""
    m = re.match(r"^(.+?):(\d+)(?:-(\d+))?(?:\s+—.*)?$", label.strip())
    if not m:
        raise ConfigError(f"{label!r} is not a file:line citation")
    line = int(m.group(2))
    return m.group(1), line, int(m.group(3) or line)


def resolve_source(design: Design, file: str) -> Path:
    """The file a citation names, if the design owns it (design folder or its tests folder)."""
    roots = [design.root.resolve()]
    if design.tests.dir is not None:
        roots.append(design.tests.dir.resolve())
    candidate = Path(file)
    path = (candidate if candidate.is_absolute() else design.root / candidate).resolve()
    if not any(path.is_relative_to(r) for r in roots):
        raise SandboxViolation(f"{file} is outside the design folder; the source viewer does not open it")
    if not path.is_file():
        raise ConfigError(f"{file} does not exist in {design.root}")
    return path


def source_html(design: Design, file: str, line: int, end_line: int | None = None) -> str:
    """The cited lines with their neighbourhood, numbered, the cited ones highlighted."""
    path = resolve_source(design, file)
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    end = max(end_line or line, line)
    first = max(1, line - CONTEXT_BEFORE)
    last = min(len(lines), end + CONTEXT_AFTER)
    rows = []
    for n in range(first, last + 1):
        hit = line <= n <= end
        cls = ' class="cc-hit"' if hit else ""
        rows.append(f'<tr{cls} id="cc-L{n}"><td class="cc-ln">{n}</td>'
                    f'<td class="cc-code"><pre>{html.escape(lines[n - 1]) or " "}</pre></td></tr>')
    title = f"{html.escape(file)}:{line}" + (f"-{end}" if end != line else "")
    return (f'<div class="cc-source"><div class="cc-source-title">{title} '
            f'<span class="cc-dim">(lines {first}–{last} of {len(lines)})</span></div>'
            f'<table class="cc-src">{"".join(rows)}</table></div>')


def latest(results: list[ToolResult], kinds: tuple[str, ...]) -> dict[str, Any] | None:
    """The newest successful result of one of ``kinds``, as the JSON the panels read."""
    hit = next((r for r in reversed(results) if r.answer.kind in kinds and r.ok), None)
    return hit.to_json() if hit is not None else None


def _json(result: ToolResult | dict[str, Any]) -> dict[str, Any]:
    return result.to_json() if isinstance(result, ToolResult) else result


def timing_rows(result: ToolResult | dict[str, Any]) -> list[list[Any]]:
    result = _json(result)
    paths = result.get("data", {}).get("paths", [])
    return [[i, p.get("startpoint"), p.get("endpoint"), p.get("slack"), p.get("arrival"), p.get("required")]
            for i, p in enumerate(paths, 1)]


def _ns(value: Any) -> Any:
    """Simulated time as the simulator meant it: 195, not 194.99999999999994 (float steps from cocotb)."""
    return round(float(value), 3) if isinstance(value, int | float) else value


def _test_name(test: dict[str, Any]) -> str:
    """``test_overflow``, as the chat's table names it (the module is the design's one testbench)."""
    return str(test.get("short_name") or test.get("name") or "").rsplit(".", 1)[-1]


def sim_rows(result: ToolResult | dict[str, Any]) -> list[list[Any]]:
    result = _json(result)
    return [[_test_name(t), t.get("status"), _ns(t.get("sim_time_ns")),
             round(float(t.get("wall_s") or 0.0), 2), (t.get("message") or "").splitlines()[0][:160]
             if t.get("message") else ""] for t in result.get("data", {}).get("tests", [])]


def verify_rows(result: ToolResult | dict[str, Any]) -> list[list[Any]]:
    result = _json(result)
    out = []
    for p in result.get("data", {}).get("patches", []):
        sims = p.get("sims", {})
        failing = sorted({d["test"].rsplit(".", 1)[-1] for c in sims.values() for d in c.get("newly_failing", [])})
        passing = sorted({d["test"].rsplit(".", 1)[-1] for c in sims.values() for d in c.get("newly_passing", [])})
        summary = "; ".join(f"{s}: {c.get('summary') or c.get('status')}" for s, c in sims.items())
        out.append([p.get("patch"), p.get("verdict"), summary, ", ".join(failing), ", ".join(passing),
                    (p.get("message") or "").strip().splitlines()[0][:160] if p.get("message") else ""])
    return out


def pictures(result: ToolResult | dict[str, Any]) -> list[tuple[str, str]]:
    """(path, caption) of every PNG a result carries that exists on disk."""
    result = _json(result)
    out = []
    for name, path in result.get("artifacts", {}).items():
        if str(path).lower().endswith(".png") and Path(path).is_file():
            out.append((str(path), name.replace("waves:", "waveform: ")))
    return out


def proposal_choices(design: Design) -> list[tuple[str, str]]:
    """(label, id) of the design's proposals, newest first (empty when this build has no edit module)."""
    from chipchat.edit import api

    items = api.list_proposals(design).data.get("proposals", [])
    return [(f"{p['id']} — {p['title']} ({p['status']})", p["id"]) for p in items]


def proposal_text(design: Design, proposal_id: str) -> str:
    """The proposal's diff, notes and evidence as Markdown."""
    from chipchat.edit import api

    if not proposal_id:
        return ""
    return str(api.show_proposal(design, proposal_id).text)
