"""cocotb testbenches as source: which modules and tests exist, and what a failing check reads.

Tests are found by reading the modules with :mod:`ast` (never importing them, so a
broken testbench cannot break chipchat). The signals a failing assertion checks are the
DUT names mentioned by that assertion, or else by the function it sits in.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from chipchat.design import Design
from chipchat.errors import ConfigError, DesignError
from chipchat.types import Location


@dataclass(frozen=True)
class TestInfo:
    __test__ = False  # not a pytest test class

    module: str
    name: str
    file: str
    line: int
    doc: str = ""

    @property
    def fullname(self) -> str:
        return f"{self.module}.{self.name}"


def tests_dir(design: Design) -> Path:
    """The folder of the design's cocotb testbenches, or a :class:`DesignError` saying how to set it."""
    folder = design.tests.dir
    if folder is None:
        raise DesignError(
            f"design {design.name} has no cocotb testbench folder",
            hint="add `[tests] dir = \"path/to/tests\"` and `modules = [\"test_x\"]` to chipchat.toml, "
                 "or put test_*.py cocotb modules in <design>/tests/")
    if not folder.is_dir():
        raise DesignError(f"the testbench folder {folder} does not exist",
                          hint="fix `[tests] dir` in chipchat.toml")
    return folder


def available_modules(folder: Path) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.py") if not p.name.startswith("_"))


def resolve_modules(design: Design, modules: list[str] | tuple[str, ...] | None = None) -> list[str]:
    """The test modules to run (default: the design's), each checked to exist."""
    folder = tests_dir(design)
    chosen = [m.removesuffix(".py") for m in (modules or design.tests.modules)]
    if not chosen:
        chosen = [m for m in available_modules(folder) if m.startswith("test_")]
    if not chosen:
        raise DesignError(f"no cocotb test modules (test_*.py) in {folder}",
                          hint="write one, or list it in `[tests] modules` of chipchat.toml")
    for mod in chosen:
        if not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", mod):
            raise ConfigError(f"{mod!r} is not a Python module name", hint="pass a name such as test_fifo")
        if not (folder / (mod.replace(".", "/") + ".py")).is_file():
            raise DesignError(
                f"test module {mod} does not exist in {folder}",
                hint="available modules: " + (", ".join(available_modules(folder)) or "none"))
    return chosen


def discover(folder: Path, modules: list[str]) -> list[TestInfo]:
    """Functions decorated with ``@cocotb.test`` (or ``@test``), in definition order."""
    found: list[TestInfo] = []
    for mod in modules:
        path = folder / (mod.replace(".", "/") + ".py")
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"), filename=str(path))
        except SyntaxError:
            continue  # the simulator run reports the syntax error with its traceback
        for node in tree.body:
            if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef) and any(
                    _is_test_decorator(d) for d in node.decorator_list):
                found.append(TestInfo(mod, node.name, str(path), node.lineno, ast.get_docstring(node) or ""))
    return found


def _is_test_decorator(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        return target.attr == "test"
    return isinstance(target, ast.Name) and target.id == "test"


def select(tests: list[TestInfo], test_filter: str | None) -> list[TestInfo]:
    """The tests whose full name matches ``test_filter`` (a regular expression, searched)."""
    if not test_filter:
        return list(tests)
    pattern = compile_filter(test_filter)
    return [t for t in tests if pattern.search(t.fullname)]


def compile_filter(test_filter: str) -> re.Pattern[str]:
    try:
        return re.compile(test_filter)
    except re.error as exc:
        raise ConfigError(f"test filter {test_filter!r} is not a valid regular expression: {exc}",
                          hint="use a plain part of a test name, e.g. -k overflow") from None


def checked_names(location: Location, message: str = "") -> list[str]:
    """Names a failing check reads: attributes, names and string keys in the assertion, else its function.

    The caller intersects them with the design's signal names.
    """
    try:
        tree = ast.parse(Path(location.file).read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError):
        return _words(message)
    stmt = _innermost(tree, location.line, (ast.stmt,))
    func = _innermost(tree, location.line, (ast.FunctionDef, ast.AsyncFunctionDef))
    names: list[str] = []
    for scope in (stmt, func):
        if scope is not None:
            names.extend(n for n in _names_in(scope) if n not in names)
    names.extend(n for n in _words(message) if n not in names)
    return names


def _innermost(tree: ast.AST, line: int, kinds: tuple[type, ...]) -> ast.AST | None:
    best: ast.AST | None = None
    for node in ast.walk(tree):
        if isinstance(node, kinds) and not isinstance(node, ast.Module):
            start, end = getattr(node, "lineno", 0), getattr(node, "end_lineno", 0) or 0
            if start <= line <= end and (best is None or start >= getattr(best, "lineno", 0)):
                if isinstance(node, ast.stmt) and kinds == (ast.stmt,) and _has_stmt_child(node, line):
                    continue
                best = node
    return best


def _has_stmt_child(node: ast.AST, line: int) -> bool:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.stmt) and child.lineno <= line <= (child.end_lineno or child.lineno):
            return True
    return False


def _names_in(node: ast.AST) -> list[str]:
    out: list[str] = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute):
            out.append(sub.attr)
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str) and sub.value.isidentifier():
            out.append(sub.value)
        elif isinstance(sub, ast.Name):
            out.append(sub.id)
    return list(dict.fromkeys(out))


def _words(text: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r"[A-Za-z_]\w*", text)))
