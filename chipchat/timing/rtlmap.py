"""RTL-side knowledge for tracing a path: registers, statements, and what each statement depends on.

Names are hierarchical the way Yosys flattens them (``u_core.state``; top-level
signals have no prefix). The *support* of a signal or statement is the set of
registers and top-level input ports its value is computed from, followed through
continuous assignments, combinational blocks and instance ports. The same notion on
the netlist side (:meth:`Netlist.support`) lets a gate be attributed to the RTL
statement whose support matches its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from chipchat.rtl.model import Assignment, DesignModel, Module, Signal
from chipchat.types import Span

_INDEX = re.compile(r"(\[[^\]]*\])+$")


@dataclass(frozen=True)
class Statement:
    """One RTL assignment in one instance scope."""

    scope: str
    assignment: Assignment

    @property
    def target(self) -> str:
        return join(self.scope, self.assignment.target)

    @property
    def span(self) -> Span:
        return self.assignment.span

    @property
    def text(self) -> str:
        comment = r"#.*$" if self.span.file.endswith(".py") else r"//.*$"
        text = re.sub(comment, "", self.assignment.text.strip(), flags=re.M).strip()
        return " ".join(text.replace("\\$", "$").split())

    @property
    def control(self) -> str:
        """The if/case control around the statement: ``control of tick (rst, state, bit_done)``."""
        names = ", ".join(dict.fromkeys(self.assignment.conditions)) or "none"
        return f"control of {self.assignment.target} ({names})"

    @property
    def expression(self) -> str:
        """The right-hand side (``a * b`` of ``wire [31:0] product = a * b;``)."""
        text = self.text.rstrip(";").strip()
        match = re.search(r"(<=|(?<![=!<>])=(?!=))", text)
        return text[match.end():].strip() if match else text


def join(scope: str, name: str) -> str:
    return f"{scope}.{name}" if scope else name


def split(hname: str) -> tuple[str, str]:
    """``u_core.state[3]`` → (``u_core``, ``state``)."""
    base = _INDEX.sub("", hname.replace("\\", ""))
    scope, _, local = base.rpartition(".")
    return scope, local


class RtlMap:
    """Registers, drivers and supports of a parsed design, per flattened instance scope."""

    def __init__(self, model: DesignModel, root: Path | None = None) -> None:
        self.model = model
        self.root = root
        self.scopes: dict[str, str] = {}  # instance scope -> module name
        self.parents: dict[str, tuple[str, str]] = {}  # scope -> (parent scope, instance name)
        if model.top and model.top in model.modules:
            self._walk("", model.top, 0)
        self._support: dict[tuple[str, str], frozenset[str]] = {}
        self._registers: dict[str, set[str]] = {}

    def _walk(self, scope: str, module: str, depth: int) -> None:
        self.scopes[scope] = module
        if depth > 32:
            return
        for inst in self.model.modules[module].instances:
            if inst.module in self.model.modules:
                child = join(scope, inst.name)
                self.parents[child] = (scope, inst.name)
                self._walk(child, inst.module, depth + 1)

    def module(self, scope: str) -> Module | None:
        name = self.scopes.get(scope)
        return self.model.modules.get(name) if name else None

    def registers(self, module: Module) -> set[str]:
        found = self._registers.get(module.name)
        if found is None:
            clocked = {i for i, b in enumerate(module.blocks) if b.clock or b.kind == "always_ff"}
            found = {a.target for a in module.assignments if a.block in clocked}
            self._registers[module.name] = found
        return found

    def is_register(self, hname: str) -> bool:
        scope, local = split(hname)
        module = self.module(scope)
        return module is not None and local in self.registers(module)

    def signal(self, hname: str) -> Signal | None:
        scope, local = split(hname)
        module = self.module(scope)
        return module.signals.get(local) if module else None

    def name_preference(self, entry: tuple[str, int, object]) -> tuple[int, int, int, str]:
        """Sort key for netlist names of one bit: RTL registers first, then deeper, then shorter names."""
        name = entry[0]
        return (0 if self.is_register(name) else 1, -name.count("."), len(name), name)

    # -- support -------------------------------------------------------------------------------
    def support(self, scope: str, local: str) -> frozenset[str]:
        """Registers and top-level inputs that ``scope.local`` is computed from."""
        key = (scope, local)
        if key in self._support:
            return self._support[key]
        self._support[key] = frozenset()  # cycle guard (combinational loops, recursion)
        result = self._compute(scope, local)
        self._support[key] = result
        return result

    def _compute(self, scope: str, local: str) -> frozenset[str]:
        module = self.module(scope)
        if module is None:
            return frozenset()
        if local in self.registers(module):
            return frozenset([join(scope, local)])
        port = module.port(local)
        if port is not None and port.direction == "input":
            if not scope:
                return frozenset([local])
            parent, inst_name = self.parents.get(scope, ("", ""))
            pmod = self.module(parent)
            inst = next((i for i in pmod.instances if i.name == inst_name), None) if pmod else None
            if inst is None:
                return frozenset()
            out: set[str] = set()
            for sig in inst.connection_signals.get(local, []):
                out |= self.support(parent, sig)
            return frozenset(out)
        result: set[str] = set()
        for a in module.drivers(local):
            result |= self.statement_support(Statement(scope, a))
        for inst, port_name in module.instance_drivers(local):
            result |= self.support(join(scope, inst.name), port_name)
        return frozenset(result)

    def statement_support(self, st: Statement) -> frozenset[str]:
        """Data and control support of one statement (what its target's value depends on there)."""
        out: set[str] = set()
        for sig in (*st.assignment.reads, *st.assignment.conditions):
            out |= self.support(st.scope, sig)
        return frozenset(out)

    def data_support(self, st: Statement) -> frozenset[str]:
        out: set[str] = set()
        for sig in st.assignment.reads:
            out |= self.support(st.scope, sig)
        return frozenset(out)

    # -- the statements that can lie on a path into a register ---------------------------------
    def cone(self, hname: str, limit: int = 4000) -> list[Statement]:
        """Statements in the combinational fan-in of ``hname`` (its drivers, their inputs' drivers …)."""
        scope, local = split(hname)
        out: list[Statement] = []
        seen: set[tuple[str, str]] = set()
        pending = [(scope, local, True)]
        while pending and len(out) < limit:
            sc, sig, first = pending.pop()
            if (sc, sig) in seen:
                continue
            seen.add((sc, sig))
            module = self.module(sc)
            if module is None:
                continue
            if not first and sig in self.registers(module):
                continue
            port = module.port(sig)
            if port is not None and port.direction == "input" and sc:
                parent, inst_name = self.parents.get(sc, ("", ""))
                pmod = self.module(parent)
                inst = next((i for i in pmod.instances if i.name == inst_name), None) if pmod else None
                if inst is not None:
                    pending.extend((parent, s, False) for s in inst.connection_signals.get(sig, []))
                continue
            for a in module.drivers(sig):
                out.append(Statement(sc, a))
                pending.extend((sc, s, False) for s in (*a.reads, *a.conditions))
            for inst, port_name in module.instance_drivers(sig):
                pending.append((join(sc, inst.name), port_name, False))
        return out
