"""The structural model of a design: modules, ports, signals, blocks, assignments, instances.

Every element carries a :class:`Span` so that every answer can cite ``file:line``.
The model is plain data (JSON round-trip) so it can be cached under ``.chipchat/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chipchat.types import Diagnostic, Span


@dataclass
class Port:
    name: str
    direction: str  # input | output | inout
    width: int
    type: str
    span: Span
    comment: str = ""


@dataclass
class Parameter:
    name: str
    value: str
    span: Span
    local: bool = False
    comment: str = ""
    expression: str = ""  # the default as written (``LZC_LEADING_ZERO_CNT``, ``$clog2(Depth)``), when not the value


@dataclass
class Signal:
    """A net or variable declared in a module (ports included, with their direction)."""

    name: str
    kind: str  # net | variable
    width: int
    type: str
    span: Span
    direction: str = ""  # input/output/inout for ports
    comment: str = ""
    reset_value: str | None = None  # what a reset branch (or a reset ternary) assigns
    reset_span: Span | None = None
    reset_condition: str = ""  # the condition under which it is assigned, e.g. ``!resetn || trap``
    initial_value: str | None = None  # a declaration initializer (power-on value in simulation), not a reset
    initial_span: Span | None = None


@dataclass
class Assignment:
    """One assignment statement: ``target`` gets ``text``'s right-hand side.

    ``reads`` are the signals its value depends on; ``conditions`` the signals of the
    enclosing if/case conditions (control dependencies); ``block`` indexes
    :attr:`Module.blocks`.
    """

    target: str
    span: Span
    text: str
    reads: list[str]
    conditions: list[str]
    block: int
    kind: str  # blocking | nonblocking | continuous | declaration
    is_reset: bool = False  # it sits in the branch a reset takes
    value: str = ""  # the right-hand side, as written (macro arguments expanded)
    reset_value: str | None = None  # for ``x <= rst ? 0 : y``: the value under reset
    reset_condition: str = ""  # the reset test it is under (or its ternary tests), e.g. ``!resetn || trap``


@dataclass
class Block:
    """An always/initial block or a continuous assignment."""

    kind: str  # always_ff | always_comb | always_latch | always | initial | final | assign | declaration
    span: Span
    header: str
    drives: list[str]
    reads: list[str]
    clock: str | None = None
    reset: str | None = None
    reset_condition: str = ""  # the text of the reset test, e.g. ``!resetn || trap``


@dataclass
class Instance:
    name: str
    module: str
    span: Span
    connections: dict[str, str] = field(default_factory=dict)  # port -> connected expression text
    port_directions: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    connection_signals: dict[str, list[str]] = field(default_factory=dict)  # port -> signals in that expression
    active: bool = True  # False: inside a generate branch the parameters switch off
    condition: str = ""  # for an inactive instance: the generate condition that is false, e.g. ``ENABLE_MUL``


@dataclass
class Module:
    name: str
    file: str
    span: Span
    kind: str = "module"  # module | interface | program
    comment: str = ""
    ports: list[Port] = field(default_factory=list)
    parameters: list[Parameter] = field(default_factory=list)
    signals: dict[str, Signal] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    instances: list[Instance] = field(default_factory=list)
    under_top: bool = True  # False: not reached from the top; elaborated alone with its default parameters

    def port(self, name: str) -> Port | None:
        return next((p for p in self.ports if p.name == name), None)

    def drivers(self, signal: str) -> list[Assignment]:
        return [a for a in self.assignments if a.target == signal]

    def loads(self, signal: str) -> list[Assignment]:
        return [a for a in self.assignments if signal in a.reads or signal in a.conditions]

    def instance_drivers(self, signal: str) -> list[tuple[Instance, str]]:
        """(instance, port) pairs whose output port drives ``signal``."""
        return [(i, p) for i in self.instances for p, sigs in i.connection_signals.items()
                if signal in sigs and i.port_directions.get(p) in ("output", "inout")]

    def instance_loads(self, signal: str) -> list[tuple[Instance, str]]:
        return [(i, p) for i in self.instances for p, sigs in i.connection_signals.items()
                if signal in sigs and i.port_directions.get(p) in ("input", "inout")]

    def black_box_connections(self, signal: str) -> list[tuple[Instance, str]]:
        """(instance, port) pairs connecting ``signal`` to a module the sources do not define: the port's
        direction is unknown, so it may drive the signal or read it."""
        return [(i, p) for i in self.instances for p, sigs in i.connection_signals.items()
                if signal in sigs and p not in i.port_directions]


@dataclass
class FileStatus:
    """What happened to one source file: parsed, or skipped and why (with file:line:col)."""

    path: str
    status: str  # ok | error | skipped | empty
    message: str = ""
    line: int | None = None
    col: int | None = None
    modules: list[str] = field(default_factory=list)

    def where(self) -> str:
        loc = self.path
        if self.line:
            loc += f":{self.line}" + (f":{self.col}" if self.col else "")
        return loc


@dataclass
class DesignModel:
    """All modules of a design, the chosen top, and the fate of every source file."""

    root: str
    top: str | None
    modules: dict[str, Module] = field(default_factory=dict)
    files: list[FileStatus] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    parser: str = "pyslang"
    parameters: dict[str, str] = field(default_factory=dict)  # overrides applied to the top (chipchat.toml)
    source_map: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # generated file -> src bridges

    @property
    def skipped(self) -> list[FileStatus]:
        return [f for f in self.files if f.status in ("error", "skipped")]

    def module(self, name: str) -> Module | None:
        return self.modules.get(name)

    def find_signal(self, name: str, module: str | None = None) -> list[tuple[Module, Signal]]:
        """Every (module, signal) whose name is ``name``; the top module first."""
        hits = [(m, m.signals[name]) for m in self.modules.values()
                if name in m.signals and (module is None or m.name == module)]
        hits.sort(key=lambda ms: (ms[0].name != self.top, ms[0].name))
        return hits

    def hierarchy(self, module: str | None = None, max_depth: int = 32) -> list[tuple[int, str, str, Span | None]]:
        """(depth, instance name, module name, span) in instantiation order, from ``module`` (default top)."""
        name = module or self.top
        if name is None or name not in self.modules:
            return []
        return [(0, name, name, self.modules[name].span), *_children(self, name, 0, max_depth)]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _plain(self)  # dataclasses.asdict deep-copies: 1.6 s on a 100k-line design
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DesignModel:
        def span(d: dict[str, Any] | None) -> Span | None:
            return Span(**d) if d else None

        modules: dict[str, Module] = {}
        for name, m in data["modules"].items():
            mod = Module(
                name=m["name"], file=m["file"], span=Span(**m["span"]), kind=m["kind"], comment=m["comment"],
                ports=[Port(**{**p, "span": Span(**p["span"])}) for p in m["ports"]],
                parameters=[Parameter(**{**p, "span": Span(**p["span"])}) for p in m["parameters"]],
                signals={k: Signal(**{**s, "span": Span(**s["span"]), "reset_span": span(s.get("reset_span")),
                                       "initial_span": span(s.get("initial_span"))})
                         for k, s in m["signals"].items()},
                blocks=[Block(**{**b, "span": Span(**b["span"])}) for b in m["blocks"]],
                assignments=[Assignment(**{**a, "span": Span(**a["span"])}) for a in m["assignments"]],
                instances=[Instance(**{**i, "span": Span(**i["span"])}) for i in m["instances"]],
                under_top=m.get("under_top", True),
            )
            modules[name] = mod
        return cls(
            root=data["root"], top=data["top"], modules=modules,
            files=[FileStatus(**f) for f in data["files"]],
            diagnostics=[Diagnostic(**d) for d in data["diagnostics"]],
            parser=data.get("parser", "pyslang"), source_map=data.get("source_map", {}),
            parameters=dict(data.get("parameters", {})),
        )


def _plain(obj: Any) -> Any:
    """Dataclasses as dicts, tuples as lists: what ``json`` would write, without asdict's deep copy."""
    if hasattr(obj, "__dataclass_fields__"):
        return {k: _plain(v) for k, v in vars(obj).items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    return obj


def _children(model: DesignModel, module: str, depth: int, max_depth: int) -> list[tuple[int, str, str, Span | None]]:
    rows: list[tuple[int, str, str, Span | None]] = []
    if depth >= max_depth:
        return rows
    for inst in model.modules[module].instances:
        rows.append((depth + 1, inst.name, inst.module, inst.span))
        if inst.module in model.modules:
            rows.extend(_children(model, inst.module, depth + 1, max_depth))
    return rows
