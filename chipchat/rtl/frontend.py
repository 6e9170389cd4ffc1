"""The one way chipchat reads (System)Verilog text: pyslang, with the design's include folders and defines.

Everything that parses HDL — the structural model, the index's chunks, edits, mutants, the
check of a proposed edit — goes through here, so preprocessing (``+incdir+``, ``+define+``),
file hygiene (binary, empty, Latin-1 files) and diagnostics (``file:line:col: message``) are
the same everywhere. Each file is parsed on its own first, so one file with a syntax error is
reported and skipped while the rest of the design is still elaborated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyslang
from pyslang import ast, syntax

from chipchat.design import Design
from chipchat.errors import DesignError
from chipchat.rtl import guards
from chipchat.rtl.model import FileStatus
from chipchat.types import Diagnostic

BINARY_SNIFF = 8192
MAX_PARSE_DEPTH = 4096  # slang's default 1024 refuses a generated decoder's 1,500-arm `else if` chain


@dataclass
class SourceSet:
    """Files to parse plus preprocessor settings."""

    files: list[Path]
    include_dirs: list[Path] = field(default_factory=list)
    defines: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, design: Design, files: list[Path] | None = None) -> SourceSet:
        return cls(list(design.sources if files is None else files), list(design.include_dirs), dict(design.defines))


def preprocessor_options(sources: SourceSet) -> pyslang.Bag:
    """pyslang's preprocessor options for ``sources``: include folders and predefined macros."""
    pp = pyslang.parsing.PreprocessorOptions()
    pp.additionalIncludePaths = [str(p) for p in sources.include_dirs]
    pp.predefines = [f"{k}={v}" if v != "" else k for k, v in sources.defines.items()]
    parser = pyslang.parsing.ParserOptions()
    parser.maxRecursionDepth = MAX_PARSE_DEPTH
    return pyslang.Bag([pp, parser])


def is_binary(path: Path) -> bool:
    with open(path, "rb") as fh:
        return b"\0" in fh.read(BINARY_SNIFF)


def parse_file(path: Path, sm: Any, options: Any, engine: Any,
               include_dirs: list[Path] | tuple[Path, ...] = ()) -> tuple[FileStatus, Any]:
    """(what happened to the file, its syntax tree or None): missing, empty, binary and broken files are
    statuses with ``file:line:col``, never exceptions; a non-UTF-8 file is read as Latin-1 and says so;
    a file the parser must not see (:mod:`chipchat.rtl.guards`) is refused with its ``file:line``."""
    name = str(path)
    if not path.exists():
        return FileStatus(name, "error", "file does not exist"), None
    refusal = guards.check_file(path, list(include_dirs))
    if refusal is not None:
        return FileStatus(name, "skipped", refusal.message, line=refusal.line or None), None
    try:
        if path.stat().st_size == 0:
            return FileStatus(name, "empty", "empty file"), None
        raw = path.read_bytes()
        if b"\0" in raw[:BINARY_SNIFF]:
            line = raw.count(b"\n", 0, raw.index(b"\0")) + 1
            return FileStatus(name, "skipped", f"binary file (a NUL byte on line {line}), not Verilog", line=line), None
    except OSError as exc:
        return FileStatus(name, "error", f"cannot read: {exc.strerror}"), None
    note = ""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        note = "not UTF-8; read as Latin-1"
    try:  # one call per file: a second one for the same name in this source manager would be refused
        tree = (syntax.SyntaxTree.fromFile(name, sm, options) if not note else
                syntax.SyntaxTree.fromText(raw.decode("latin-1"), sm, path.name, name, options))
    except (RuntimeError, UnicodeDecodeError) as exc:
        return FileStatus(name, "error", f"pyslang could not read it ({type(exc).__name__}"
                                         f"{': ' + str(exc) if str(exc) else ''})"), None
    errors = [d for d in tree.diagnostics if d.isError()]
    if errors:
        d = errors[0]
        more = f" (and {len(errors) - 1} more error(s))" if len(errors) > 1 else ""
        return FileStatus(
            name, "error", message_of(engine, d) + more,
            line=sm.getLineNumber(d.location), col=sm.getColumnNumber(d.location)), None
    return FileStatus(name, "ok", note), tree


def message_of(engine: Any, diag: Any) -> str:
    """A diagnostic's text; slang's message for a file with bytes that are not UTF-8 can itself be undecodable."""
    try:
        return str(engine.formatMessage(diag))
    except UnicodeDecodeError:
        return f"{str(diag.code).removeprefix('DiagCode(').rstrip(')')} (the message quotes bytes that are not UTF-8)"


def parse_one(path: Path, sources: SourceSet) -> tuple[FileStatus, Any]:
    """One file, parsed on its own with ``sources``' include folders and defines: (status, tree or None)."""
    sm = pyslang.SourceManager()
    return parse_file(path, sm, preprocessor_options(sources), pyslang.DiagnosticEngine(sm), sources.include_dirs)


def parse_text(text: str, name: str, path: str, options: Any | None = None) -> tuple[Any, Any]:
    """(syntax tree, source manager) of text that did not come from a file on disk (or came through a
    reader of its own, e.g. with line endings normalised)."""
    sm = pyslang.SourceManager()
    tree = syntax.SyntaxTree.fromText(text, sm, name, path, options or pyslang.Bag([]))
    return tree, sm


def parse_snippet(text: str) -> Any:
    """The syntax tree of a few lines of Verilog made up by chipchat (e.g. to check an identifier)."""
    return syntax.SyntaxTree.fromText(text)


def first_error(tree: Any, sm: Any) -> tuple[str, int, int] | None:
    """(message, line, column) of the first error in a syntax tree, if any."""
    for d in tree.diagnostics:
        if d.isError():
            return message_of(pyslang.DiagnosticEngine(sm), d), sm.getLineNumber(d.location), \
                sm.getColumnNumber(d.location)
    return None


@dataclass
class Compiled:
    """A pyslang compilation of a source set: the files' fates, the syntax trees and the diagnostics."""

    sm: Any
    compilation: Any
    engine: Any
    statuses: list[FileStatus]
    trees: list[Any]

    def diagnostics(self) -> list[Diagnostic]:
        """Every elaboration diagnostic located in a real file, as :class:`~chipchat.types.Diagnostic`."""
        out: list[Diagnostic] = []
        sm = self.sm
        for d in self.compilation.getAllDiagnostics():
            if d.location.buffer.id == 0 and not sm.getFileName(d.location):
                continue
            out.append(Diagnostic(
                severity="error" if d.isError() else "warning", message=message_of(self.engine, d),
                file=reader_file(sm, d.location), line=sm.getLineNumber(d.location),
                col=sm.getColumnNumber(d.location), code=str(d.code).removeprefix("DiagCode(").rstrip(")")))
        return out

    def errors(self) -> list[str]:
        """Every error (syntax and elaboration) as ``file:line:col: error: message``."""
        out = [f"{s.where()}: error: {s.message}" for s in self.statuses if s.status == "error"]
        out += [f"{d.file}:{d.line}:{d.col}: error: {d.message}" if d.file else f"error: {d.message}"
                for d in self.diagnostics() if d.severity == "error"]
        return out


def compile_sources(sources: SourceSet, *, tops: Iterable[str] = (), overrides: Iterable[str] = ()) -> Compiled:
    """Parse every file of ``sources`` (skipping and reporting broken ones) and elaborate the rest.

    ``tops`` names the top modules (default: every module nobody instantiates); ``overrides``
    are ``NAME=value`` parameter overrides applied to them.
    """
    sm = pyslang.SourceManager()
    options = preprocessor_options(sources)
    engine = pyslang.DiagnosticEngine(sm)
    statuses: list[FileStatus] = []
    trees: list[Any] = []
    for path in sources.files:
        status, tree = parse_file(path, sm, options, engine, sources.include_dirs)
        statuses.append(status)
        if tree is not None:
            trees.append(tree)
    return Compiled(sm, elaborate(trees, tops, overrides), engine, statuses, trees)


def elaborate(trees: list[Any], tops: Iterable[str] = (), overrides: Iterable[str] = ()) -> Any:
    """A slang ``Compilation`` of already-parsed syntax trees (they can be shared by several)."""
    options = ast.CompilationOptions()
    options.topModules = set(tops)
    options.paramOverrides = list(overrides)
    compilation = ast.Compilation(pyslang.Bag([options]))
    for tree in trees:
        compilation.addSyntaxTree(tree)
    return compilation


def reader_file(sm: Any, loc: Any) -> str:
    """The full path of the file a pyslang location is in."""
    try:
        return str(sm.getFullPath(loc.buffer)) or sm.getFileName(loc)
    except Exception:  # noqa: BLE001 - a location without a buffer
        return sm.getFileName(loc)


# -- top inference --------------------------------------------------------------------------

def quick_hierarchy(files: Iterable[Path], include_dirs: Iterable[Path] = ()
                    ) -> tuple[dict[str, list[str]], set[str]]:
    """Module names → instantiated module names, from syntax alone (used to infer the top). A file the
    guards refuse is left out here too: the main parse reports it with its reason."""
    modules: dict[str, list[str]] = {}
    instantiated: set[str] = set()
    folders = list(include_dirs)
    for path in files:
        try:
            if is_binary(path) or guards.check_file(path, folders) is not None:
                continue
            tree = syntax.SyntaxTree.fromFile(str(path))
        except (OSError, RuntimeError):
            continue
        for name, children in _syntax_modules(tree.root):
            modules[name] = children
            instantiated.update(children)
    return modules, instantiated


def _first_errors(design: Design, limit: int = 5) -> list[str]:
    """``file:line:col: message`` of the first problem of each source that does not parse (at most ``limit``)."""
    sm = pyslang.SourceManager()
    sources = SourceSet.of(design)
    options, engine = preprocessor_options(sources), pyslang.DiagnosticEngine(sm)
    out = []
    for path in design.sources:
        status, _ = parse_file(path, sm, options, engine, sources.include_dirs)
        if status.status != "ok":
            out.append(f"  {design.relpath(path)}{':' + str(status.line) if status.line else ''}"
                       f"{':' + str(status.col) if status.col else ''}: {status.message}")
        if len(out) >= limit:
            break
    return out


def _syntax_modules(node: Any) -> list[tuple[str, list[str]]]:
    """(module, [instantiated module types]) in file order. A lookup table keeps the walk in C++ except at
    the three kinds it needs (a Python callback on every node made top inference 5 s on 100k lines)."""
    out: list[tuple[str, list[str]]] = []

    def module(n: Any) -> None:
        out.append((n.header.name.valueText, []))

    def instance(n: Any) -> None:
        if out:
            out[-1][1].append(n.type.valueText)

    kinds = syntax.SyntaxKind
    node.visit(lookup_table={kinds.ModuleDeclaration: module, kinds.InterfaceDeclaration: module,
                             kinds.HierarchyInstantiation: instance})
    return out


def infer_top(design: Design) -> Design:
    """Set ``design.top`` when the config does not: the module nobody instantiates (ties broken by the most
    instances below it), saying what was inferred. Amaranth designs are named ``top`` by Amaranth."""
    if design.top is not None:
        return design
    if design.amaranth is not None:
        design.top = "top"
        design.inferred.append("top: `top` (the name Amaranth gives the elaborated module)")
        return design
    modules, instantiated = quick_hierarchy(design.sources, design.include_dirs)
    roots = [m for m in modules if m not in instantiated]
    if not roots:
        problems = _first_errors(design)
        raise DesignError(
            f"cannot infer the top module of {design.root}: "
            + ("no module could be read:\n" + "\n".join(problems) if problems and not modules
               else "no module found that is not instantiated"
               + (" (each one is instantiated by another; these files do not parse, which may be why):\n"
                  + "\n".join(problems) if problems else "")),
            hint="fix the file(s) above, or set `top` in chipchat.toml's [design] section" if problems
            else "set `top` in chipchat.toml's [design] section")
    roots.sort(key=lambda m: (-len(modules[m]), m))
    design.top = roots[0]
    if len(roots) > 1:
        design.inferred.append(
            f"top: {roots[0]} (uninstantiated modules: {', '.join(roots)}; set `top` in chipchat.toml to choose)")
    else:
        design.inferred.append(f"top: {roots[0]} (the module nobody instantiates)")
    return design
