"""``src`` attributes: where Yosys and Amaranth say a netlist or generated-Verilog line comes from.

Yosys writes ``src = "f.v:12.5-14.8|g.v:3.1-3.9"`` on cells and nets (:func:`src_locations`);
Amaranth writes ``(* src = "design.py:10" *)`` in its Verilog, pointing at the user's Python
(plus lines inside Amaranth's own package, filtered out): :func:`line_map_for` turns them into a
table from generated line to the user's line, so citations point at Python, not generated code.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC_ATTR = re.compile(r'src\s*=\s*"([^"]+)"')
LineMap = dict[str, dict[int, tuple[str, int]]]  # generated file -> line -> (source file, line)


def src_locations(src: str) -> list[tuple[str, int, int, int, int]]:
    """Parse a Yosys ``src`` attribute (``f.v:12.5-14.8|g.v:3.1-3.9``) into (file, l1, c1, l2, c2)."""
    out: list[tuple[str, int, int, int, int]] = []
    for part in src.split("|"):
        match = re.match(r"^(?P<file>.+?):(?P<l1>\d+)(?:\.(?P<c1>\d+))?(?:-(?P<l2>\d+)(?:\.(?P<c2>\d+))?)?$", part)
        if not match:
            continue
        l1 = int(match.group("l1"))
        c1 = int(match.group("c1") or 0)
        l2 = int(match.group("l2") or l1)
        c2 = int(match.group("c2") or 0)
        out.append((match.group("file"), l1, c1, l2, c2))
    return out


def line_map_for(verilog: Path, user_root: Path) -> dict[int, tuple[str, int]]:
    """Generated line → (user file, line), from the ``src`` attribute above or on the line.

    Yosys writes a port as two declarations under one attribute (``input [7:0] a;`` then
    ``wire [7:0] a;``), so an attribute also covers the next line declaring the same name.
    """
    table: dict[int, tuple[str, int]] = {}
    pending: tuple[str, int] | None = None
    last: tuple[str, tuple[str, int]] | None = None  # (declared name, mapping) of the previous line
    root = str(user_root.resolve())
    lines = verilog.read_text(encoding="utf-8").splitlines()
    for lineno, line in enumerate(lines, 1):
        user = _user_src(line, root)
        stripped = line.strip()
        if stripped.startswith("(*") and stripped.endswith("*)"):
            if user:
                pending = user
            last = None
            continue
        name = _declared_name(stripped)
        hit = user or pending or (last[1] if last and name and name == last[0] else None)
        if hit:
            table[lineno] = hit
        last = (name, hit) if name and hit else None
        pending = None
    _map_assignments_in_order(lines, table)
    return table


ASSIGNMENT = re.compile(r"^\s*(?:assign\s+)?\\?([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)?(?:<=|=)(?!=)")
MODULE_LINE = re.compile(r"^\s*module\s+\\?([\w$]+)")


def _map_assignments_in_order(lines: list[str], table: dict[int, tuple[str, int]]) -> None:
    """Map the assignments Amaranth leaves without ``src`` to the user's ``.eq()`` calls, in order.

    Amaranth puts ``src`` on declarations and operators, not on ``x.eq(...)``: a register's
    ``carry <= $13`` or a case arm's ``carry_nxt = a[7]`` would otherwise be cited in the
    generated file. Amaranth writes a signal's assignments in source order, so when every
    generated assignment to a name sits in one module, every ``name.eq(`` call in one class,
    and the two counts agree, the n-th assignment is the n-th call. Anything less certain
    stays unmapped: a citation in generated code is better than a wrong Python line.
    """
    generated: dict[str, list[tuple[str, int]]] = {}
    module = ""
    for lineno, line in enumerate(lines, 1):
        found = MODULE_LINE.match(line)
        if found:
            module = found.group(1)
            continue
        found = ASSIGNMENT.match(line)
        if found:
            generated.setdefault(found.group(1), []).append((module, lineno))
    calls: dict[str, list[tuple[str, str, int]]] = {}  # name -> (file, class, line) of each name.eq(
    for file in sorted({f for f, _ in table.values()}):
        for name, owner, call_line in _eq_calls(Path(file)):
            calls.setdefault(name, []).append((file, owner, call_line))
    for name, places in generated.items():
        users = calls.get(name, [])
        if (len(users) != len(places) or len({m for m, _ in places}) != 1
                or len({(f, c) for f, c, _ in users}) != 1):
            continue
        for (_, lineno), (file, _, call_line) in zip(places, users, strict=True):
            table.setdefault(lineno, (file, call_line))


def _eq_calls(path: Path) -> list[tuple[str, str, int]]:
    """(signal name, enclosing class, line) of every ``name.eq(...)`` / ``self.name.eq(...)`` in source order."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return []
    out: list[tuple[str, str, int, int]] = []
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        for node in ast.walk(cls):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "eq"):
                continue
            target = node.func.value
            if isinstance(target, ast.Name):
                out.append((target.id, cls.name, node.lineno, node.col_offset))
            elif (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                  and target.value.id == "self"):
                out.append((target.attr, cls.name, node.lineno, node.col_offset))
    return [(name, owner, line) for name, owner, line, _ in sorted(out, key=lambda t: (t[2], t[3]))]


def _declared_name(line: str) -> str | None:
    m = re.match(r"(?:input|output|inout|wire|reg)\b[^;=]*?\\?([\w$]+)\s*(?:=[^;]*)?;", line)
    return m.group(1) if m else None


def _user_src(line: str, root: str) -> tuple[str, int] | None:
    for attr in SRC_ATTR.findall(line):
        for loc in attr.split("|"):
            file, _, rest = loc.partition(":")
            num = rest.split(".")[0].split(":")[0]
            if file.startswith(root) and "site-packages" not in file and num.isdigit():
                return file, int(num)
    return None
