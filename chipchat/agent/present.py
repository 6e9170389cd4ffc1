"""What the chat UI shows beside the conversation, computed from tool results (no Gradio here).

Tool results are Answers as JSON (``Turn.results``). These functions pick out the
timing paths, the simulation and verification tables, the pictures; render a cited
``file:line`` as syntax-highlighted HTML with the line marked — only for files the design
owns; turn the citations of an answer into links the UI opens in its source viewer;
fold an answer's details under its first paragraph; and colour a proposal's diff.
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


HDL_SUFFIXES = (".v", ".sv", ".vh", ".svh", ".vhd", ".vhdl", ".py", ".md", ".txt", ".sdc", ".toml", ".f", ".xdc",
                ".tcl", ".ys", ".rst")


def design_files(design: Design, uploaded: bool = False) -> set[Path]:
    """The files the source viewer may open: the design's sources, docs, constraints, config, generated
    Verilog and its tests (for an upload, only those inside the design folder)."""
    from chipchat.design import STATE_DIR

    listed: list[Path] = [*design.sources, *design.docs, *design.include_dirs]
    listed += [p for p in (design.sdc, design.config_file) if p is not None]
    if design.amaranth is not None:
        listed += list(design.amaranth.file.parent.rglob("*.py"))
        listed += list((design.root / STATE_DIR / "amaranth").glob("*.v"))
    if design.tests.dir is not None and design.tests.dir.is_dir():
        listed += [p for p in design.tests.dir.rglob("*") if p.suffix in HDL_SUFFIXES and p.is_file()]
    root = design.root.resolve()
    files = set()
    for p in listed:
        r = p.resolve()
        if uploaded and not r.is_relative_to(root):
            continue  # an upload's config may name any path: only its own folder is served
        files.add(r)
    return files


def resolve_source(design: Design, file: str, uploaded: bool = False) -> Path:
    """The file a citation names, if the design owns it: one of its files (:func:`design_files`), or a source-like
    file inside its folder. Nothing else — no other file of the machine, whatever a config or a link says."""
    root = design.root.resolve()
    candidate = Path(file)
    path = (candidate if candidate.is_absolute() else design.root / candidate).resolve()
    inside = path.is_relative_to(root) and path.suffix in HDL_SUFFIXES and ".chipchat" not in \
        path.relative_to(root).parts[:1]
    if not inside and path not in design_files(design, uploaded):
        raise SandboxViolation(f"{file} is outside the design folder; the source viewer does not open it")
    if not path.is_file():
        raise ConfigError(f"{file} does not exist in {design.root}")
    return path


def source_html(design: Design, file: str, line: int, end_line: int | None = None, uploaded: bool = False) -> str:
    """The cited lines with their neighbourhood, numbered and syntax-highlighted, the cited ones marked."""
    path = resolve_source(design, file, uploaded)
    lines = highlighted_lines(path)
    end = max(end_line or line, line)
    first = max(1, line - CONTEXT_BEFORE)
    last = min(len(lines), end + CONTEXT_AFTER)
    rows = []
    for n in range(first, last + 1):
        hit = line <= n <= end
        cls = ' class="cc-hit"' if hit else ""
        rows.append(f'<tr{cls} id="cc-L{n}"><td class="cc-ln">{n}</td>'
                    f'<td class="cc-code"><pre>{lines[n - 1] or " "}</pre></td></tr>')
    title = f"{html.escape(file)}:{line}" + (f"-{end}" if end != line else "")
    return (f'<div class="cc-source"><div class="cc-source-title">{title} '
            f'<span class="cc-dim">(lines {first}–{last} of {len(lines)})</span></div>'
            f'<table class="cc-src">{"".join(rows)}</table></div>')


def highlighted_lines(path: Path) -> list[str]:
    """The file's lines as HTML with Pygments colours (inline styles), one entry per line, text escaped."""
    from pygments.lexers import get_lexer_for_filename
    from pygments.styles import get_style_by_name
    from pygments.util import ClassNotFound

    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        lexer = get_lexer_for_filename(path.name, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return [html.escape(t) for t in text.split("\n")]
    style = get_style_by_name("friendly")
    out: list[str] = [""]
    for token, value in lexer.get_tokens(text):
        spec = style.style_for_token(token)
        css = ";".join(x for x in (f"color:#{spec['color']}" if spec["color"] else "",
                                   "font-weight:600" if spec["bold"] else "",
                                   "font-style:italic" if spec["italic"] else "") if x)
        for i, piece in enumerate(value.split("\n")):
            if i:
                out.append("")
            if piece:
                plain = not css or not piece.strip()
                out[-1] += html.escape(piece) if plain else f'<span style="{css}">{html.escape(piece)}</span>'
    return out


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


# -- the chat message ---------------------------------------------------------------------------------
CITE_HREF = "#cite="


def linkify(text: str, citations: list[dict[str, Any]]) -> str:
    """``rtl/mac16.v:28`` (in backticks or not) → a link the UI opens in its source viewer, for cited files."""
    files = sorted({str(c["file"]) for c in citations}, key=len, reverse=True)
    if not files:
        return text
    names = "|".join(re.escape(f) for f in files)
    pattern = re.compile(r"`?(?<![\w/.])(" + names + r"):(\d+)(?:-(\d+))?`?(?![\w])")

    def link(m: re.Match[str]) -> str:
        where = f"{m.group(1)}:{m.group(2)}" + (f"-{m.group(3)}" if m.group(3) else "")
        return f"[{where}]({CITE_HREF}{where})"

    parts = re.split(r"(```.*?```)", text, flags=re.S)  # code blocks keep their text
    return "".join(part if i % 2 else pattern.sub(link, part) for i, part in enumerate(parts))


KEY_LINE = re.compile(r"^\s*-\s+\*\*(?!\s).+\*\*\s*$")


def collapse(body: str, keep: int = 1) -> str:
    """The first ``keep`` paragraph(s) shown, the rest folded under "Details" (HTML ``<details>``)."""
    paras = [p for p in body.strip().split("\n\n") if p.strip()]
    if len(paras) <= keep + 1 and len(body.splitlines()) <= 8:
        return body.strip()
    head = "\n\n".join(paras[:keep])
    rest = "\n\n".join(paras[keep:])
    lines = len(rest.splitlines())
    key = [ln.strip() for ln in rest.splitlines()[:25] if KEY_LINE.match(ln)][:2]  # "- **51% of the delay is …**"
    if key:
        head += "\n\n" + "\n".join(k if k.startswith("-") else f"- {k}" for k in key)
    return (f"{head}\n\n<details><summary>Details ({lines} line{'s' if lines != 1 else ''})</summary>\n\n"
            f"{rest}\n\n</details>")


TERMINAL_ONLY = re.compile(r",? or `/(?:apply|undo) [^`]+` in `chipchat chat`")


def chat_markdown(body: str, footer: str, citations: list[dict[str, Any]]) -> str:
    """An answer as the chat shows it: the headline, the details folded, citations as links, the evidence
    (and no terminal commands: the chat's own buttons do what they would)."""
    shown = collapse(linkify(TERMINAL_ONLY.sub("", body), citations))
    return shown + ("\n\n" + linkify(footer, citations) if footer else "")


def diff_html(diff: str) -> str:
    """A unified diff as HTML: additions green, deletions red, hunks blue, long lines wrapped."""
    rows = []
    for line in diff.splitlines():
        cls = ("cc-d-file" if line.startswith(("+++", "---", "diff ")) else "cc-d-add" if line.startswith("+") else
               "cc-d-del" if line.startswith("-") else "cc-d-hunk" if line.startswith("@@") else "cc-d-ctx")
        rows.append(f'<div class="{cls}">{html.escape(line) or "&nbsp;"}</div>')
    return f'<div class="cc-diff">{"".join(rows)}</div>'
