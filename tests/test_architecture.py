"""The architecture holds: the layers contract, no import cycles, one subprocess runner, modules of a readable size."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import grimp
from importlinter.cli import lint_imports

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "chipchat"
MAX_LINES = 400


def test_the_layers_contract_is_kept() -> None:
    assert lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True, no_logo=True) == 0


def test_every_subpackage_and_core_module_is_in_a_layer() -> None:
    layers = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]["layers"]
    named = {name.strip() for layer in layers for name in re.split(r"[:|]", layer)}
    present = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    present |= {p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__")}
    assert present - named == set(), "add these to the layers in pyproject.toml"


def test_no_import_cycles() -> None:
    graph = grimp.build_graph("chipchat")
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if module != imported and graph.chain_exists(imported=module, importer=imported):
                cycles.append((module, imported))
    assert not cycles, cycles[:10]


def test_the_contract_can_fail(tmp_path: Path) -> None:
    """A contract that forbids an import chipchat has (steps -> formats) is reported broken."""
    config = tmp_path / "upside-down.toml"
    config.write_text('[tool.importlinter]\nroot_package = "chipchat"\n\n[[tool.importlinter.contracts]]\n'
                      'name = "upside down"\ntype = "layers"\ncontainers = ["chipchat"]\n'
                      'layers = ["formats", "steps"]\n')
    assert lint_imports(config_filename=str(config), no_cache=True, no_logo=True) == 1


def test_subprocesses_start_only_in_exec() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "_exec.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import | ast.ImportFrom) else []
            module = node.module if isinstance(node, ast.ImportFrom) else ""
            if "subprocess" in names or module == "subprocess" or "os.system" in ast.unparse(node)[:60] \
                    and isinstance(node, ast.Call):
                offenders.append(str(path.relative_to(REPO)))
    assert not offenders, offenders


def test_modules_over_400_lines_say_why() -> None:
    long = []
    for path in PACKAGE.rglob("*.py"):
        lines = path.read_text().count("\n")
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
        if lines > MAX_LINES and not re.search(r"\(about \d+ lines", doc, re.I):
            long.append(f"{path.relative_to(REPO)}: {lines} lines")
    assert not long, long


def test_the_ui_uses_only_the_public_layers() -> None:
    tree = ast.parse((REPO / "ui" / "app.py").read_text())
    used = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    chipchat = {m for m in used if m.startswith("chipchat")}
    allowed = ("chipchat.agent", "chipchat.config", "chipchat.errors", "chipchat.answer")
    assert all(m.startswith(allowed) for m in chipchat), chipchat
