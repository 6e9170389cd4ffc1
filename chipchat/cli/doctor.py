"""``chipchat doctor`` (which tools are installed, at which version) and ``chipchat config``."""

from __future__ import annotations

import argparse

from chipchat.cli._common import emit_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check the external tools chipchat uses and how to install missing ones")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_doctor)
    p = sub.add_parser("config", help="list the CHIPCHAT_* settings, their values and what they do")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_config)


def cmd_doctor(args: argparse.Namespace) -> int:
    from chipchat.errors import ToolNotFound
    from chipchat.toolchain import TOOLS, find_tool

    rows = []
    for name, spec in TOOLS.items():
        try:
            tool = find_tool(name)
            rows.append({"tool": name, "status": "ok", "version": tool.version, "path": str(tool.path),
                         "purpose": spec.purpose})
        except ToolNotFound as exc:
            status = "optional" if spec.optional else "missing"
            rows.append({"tool": name, "status": status, "purpose": spec.purpose, "fix": exc.hint or ""})
    embeddings = _embeddings_row()
    from chipchat.sandbox import confine

    sandbox = {"tool": "sandbox", "status": "ok" if confine.bwrap_problem() is None else "limits",
               "detail": confine.status()}
    if args.json:
        emit_json([*rows, embeddings, sandbox])
        return 0
    for r in rows:
        if r["status"] == "ok":
            print(f"  ok       {r['tool']:<10} {r['version']:<14} {r['path']}")
        else:
            print(f"  {r['status']:<8} {r['tool']:<10} {r['purpose']}; to install: {r['fix']}")
    print(f"  {embeddings['status']:<8} {'embeddings':<10} {embeddings['detail']}")
    print(f"  {sandbox['status']:<8} {'sandbox':<10} untrusted simulations run with {sandbox['detail']}")
    return 1 if any(r["status"] == "missing" for r in rows) else 0


def _embeddings_row() -> dict[str, str]:
    """The index's embeddings: ready, distilled on first use, or off (they never block anything else)."""
    from chipchat.config import settings
    from chipchat.index.embed import static_folder

    name = settings().embeddings
    if name == "none":
        return {"tool": "embeddings", "status": "off", "detail": "CHIPCHAT_EMBEDDINGS=none: lexical search only"}
    if name == "minilm":
        return {"tool": "embeddings", "status": "ok", "detail": "minilm: the transformer, loaded on first search"}
    folder = static_folder()
    if (folder / "model.safetensors").exists():
        return {"tool": "embeddings", "status": "ok", "detail": f"static {folder}"}
    return {"tool": "embeddings", "status": "pending",
            "detail": f"static: distilled from MiniLM into {folder} on the first index (about 20 s); "
                      "to do it now: python -m chipchat.index.embed"}


def cmd_config(args: argparse.Namespace) -> int:
    from chipchat.config import Settings, settings

    current = settings()
    rows = [{"env": env, "value": getattr(current, f), "default": default, "doc": doc}
            for f, (env, default, doc) in zip(Settings.__dataclass_fields__, Settings.documentation(), strict=True)]
    if args.json:
        emit_json(rows)
        return 0
    for r in rows:
        shown = "***" if r["env"] == "OPENAI_API_KEY" and r["value"] else r["value"]
        print(f"{r['env']:<26} = {shown!r:<24} {r['doc']}")
    return 0
