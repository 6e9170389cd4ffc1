"""A typed model of OpenSTA timing reports, and parsers for its text output.

``parse_report_checks`` reads ``report_checks`` output in the ``full``,
``full_clock`` and ``full_clock_expanded`` formats with any ``-fields`` and
``-digits``, from Debian's OpenSTA 2.0.17 (fanout and capacitance on a separate
``(net)`` line) as well as from current OpenROAD/OpenSTA (fanout on the pin's own
line). Columns are located from the report's own header line, so added or missing
fields do not confuse it; tool chatter around the paths (``[INFO …]`` lines,
repair tables) is skipped. ``parse_report_end`` and ``parse_report_summary`` read
the ``-format end`` and ``-format summary`` tables.

This module only needs the standard library, so a placement flow can reuse it
without Yosys or OpenSTA installed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_NUMBER = re.compile(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-?(inf|INF|Inf)$")
_COLUMNS = {"fanout": "fanout", "cap": "cap", "slew": "slew", "trans": "slew", "delay": "incr",
            "incr": "incr", "time": "arrival"}
_PIN = re.compile(r"^(?P<pin>\S+) \((?P<cell>[^()]*)\)$")
_EDGES = {"^": "rise", "v": "fall", "r": "rise", "f": "fall"}
_OTHER_KINDS = (
    ("clock network delay", "clock_network"), ("clock source latency", "clock_latency"),
    ("clock reconvergence pessimism", "crpr"), ("input external delay", "input_delay"),
    ("output external delay", "output_delay"), ("library setup time", "setup"),
    ("library hold time", "hold"), ("time borrowed", "borrow"), ("clock uncertainty", "uncertainty"),
    ("max_delay", "max_delay"), ("min_delay", "min_delay"),
)


@dataclass
class PathPoint:
    """One line of a timing path: a pin (``u1/Y``), a port (``a``) or a timing step (``clock clk``).

    ``net`` is the net the pin drives (when the report shows nets), ``incr`` the delay
    this point adds and ``arrival`` the time at it; values the report did not print are None.
    """

    pin: str
    cell: str = ""
    net: str = ""
    fanout: int | None = None
    cap: float | None = None
    slew: float | None = None
    incr: float | None = None
    arrival: float | None = None
    edge: str = ""  # rise | fall | "" (not shown)
    kind: str = "pin"  # pin | port | clock | clock_network | input_delay | setup | ... | other

    @property
    def instance(self) -> str:
        """``u1`` for the pin ``u1/Y``; the port name for a port; "" for timing steps."""
        if self.kind == "port":
            return self.pin
        if self.kind != "pin":
            return ""
        return self.pin.rsplit("/", 1)[0] if "/" in self.pin else self.pin

    @property
    def pin_name(self) -> str:
        return self.pin.rsplit("/", 1)[1] if self.kind == "pin" and "/" in self.pin else ""


@dataclass
class TimingPath:
    """One path of ``report_checks``: where it starts and ends, its points, and its slack."""

    startpoint: str
    endpoint: str
    startpoint_kind: str = ""  # e.g. "rising edge-triggered flip-flop clocked by clk", "input port"
    endpoint_kind: str = ""
    group: str = ""
    path_type: str = ""  # max | min
    points: list[PathPoint] = field(default_factory=list)  # data arrival section
    required_points: list[PathPoint] = field(default_factory=list)  # data required section
    data_arrival: float | None = None
    required: float | None = None
    slack: float | None = None
    status: str = ""  # MET | VIOLATED | unconstrained

    @property
    def constrained(self) -> bool:
        return self.status != "unconstrained" and self.slack is not None

    @property
    def violated(self) -> bool:
        return self.slack is not None and self.slack < 0

    @property
    def cells(self) -> list[PathPoint]:
        """The pin points of the data path (ports included), in order."""
        return [p for p in self.points if p.kind in ("pin", "port")]

    @property
    def clock(self) -> str:
        for text in (self.endpoint_kind, self.startpoint_kind):
            match = re.search(r"clocked by (\S+)", text)
            if match:
                return match.group(1)
        return ""

    def to_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["points"] = [dict(p.__dict__) for p in self.points]
        data["required_points"] = [dict(p.__dict__) for p in self.required_points]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TimingPath:
        fields_ = {k: v for k, v in data.items() if k not in ("points", "required_points")}
        return cls(**fields_, points=[PathPoint(**p) for p in data.get("points", [])],
                   required_points=[PathPoint(**p) for p in data.get("required_points", [])])


@dataclass
class EndpointSlack:
    """One row of ``report_checks -format end``."""

    endpoint: str
    cell: str
    required: float | None
    arrival: float | None
    slack: float | None
    status: str
    group: str = ""
    path_type: str = "max"


def parse_report_checks(text: str) -> list[TimingPath]:
    """All paths in ``text`` (``No paths found.`` gives an empty list)."""
    paths: list[TimingPath] = []
    lines = text.splitlines()
    starts = [i for i, ln in enumerate(lines) if ln.startswith("Startpoint:")]
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        path = _parse_block(lines[start:end])
        if path is not None:
            paths.append(path)
    return paths


def _header_value(line: str, key: str) -> str | None:
    if line.startswith(key + ":"):
        return line[len(key) + 1:].strip()
    return None


def _split_named(text: str) -> tuple[str, str]:
    """``r1 (rising edge-triggered flip-flop clocked by clk)`` → (``r1``, the kind)."""
    match = re.match(r"^(\S+)(?:\s+\((.*)\))?\s*$", text)
    if not match:
        return text, ""
    return match.group(1), match.group(2) or ""


def _parse_block(lines: list[str]) -> TimingPath | None:
    path: TimingPath | None = None
    columns: list[tuple[str, int]] = []  # (field, right edge)
    section = "data"
    for line in lines:
        stripped = line.strip()
        if path is None or not columns:
            for key, attr in (("Startpoint", "startpoint"), ("Endpoint", "endpoint")):
                value = _header_value(line, key)
                if value is not None:
                    name, kind = _split_named(value)
                    if path is None:
                        path = TimingPath(startpoint="", endpoint="")
                    setattr(path, attr, name)
                    setattr(path, attr + "_kind", kind)
            if path is None:
                continue
            group = _header_value(line, "Path Group")
            if group is not None:
                path.group = group
            ptype = _header_value(line, "Path Type")
            if ptype is not None:
                path.path_type = ptype
            if "Description" in line and ("Time" in line or "Delay" in line):
                columns = _columns(line)
            continue
        if not stripped or set(stripped) <= {"-"}:
            continue
        if stripped == "(Path is unconstrained)":
            path.status = "unconstrained"
            break
        numbers, edge, desc = _split_row(line)
        values = _assign(numbers, columns)
        if desc == "data arrival time":
            if section == "data":
                path.data_arrival = values.get("arrival", _last(numbers))
                section = "required"
            continue
        if desc == "data required time":
            if section == "required":
                path.required = values.get("arrival", _last(numbers))
                section = "summary"
            continue
        slack = re.match(r"^slack \((\w+)\)$", desc)
        if slack:
            path.slack = _last(numbers)
            path.status = slack.group(1).upper()
            break
        if section == "summary":
            continue
        points = path.points if section == "data" else path.required_points
        if desc.endswith(" (net)"):
            _attach_net(points, desc[:-len(" (net)")].strip(), values)
            continue
        points.append(_point(desc, edge, values))
    if path is None or not path.startpoint:
        return None
    if not path.status and path.slack is None and path.data_arrival is not None and path.group == "(none)":
        path.status = "unconstrained"
    return path


def _columns(header: str) -> list[tuple[str, int]]:
    """(field, right edge) of each numeric column, from the report's header line."""
    cols: list[tuple[str, int]] = []
    for match in re.finditer(r"\S+", header):
        word = match.group().lower()
        if word == "description":
            break
        if word in _COLUMNS:
            cols.append((_COLUMNS[word], match.end()))
    return cols


def _split_row(line: str) -> tuple[list[tuple[str, int]], str, str]:
    """Leading numeric tokens with their right edges, the edge marker and the description text."""
    numbers: list[tuple[str, int]] = []
    for match in re.finditer(r"\S+", line):
        if not _NUMBER.match(match.group()):
            rest = line[match.start():].strip()
            break
        numbers.append((match.group(), match.end()))
    else:
        rest = ""
    edge = ""
    if len(rest) > 2 and rest[0] in _EDGES and rest[1] == " ":
        edge, rest = _EDGES[rest[0]], rest[2:].strip()
    return numbers, edge, rest


def _assign(numbers: list[tuple[str, int]], columns: list[tuple[str, int]]) -> dict[str, Any]:
    """Map each number to the column whose right edge is nearest to the number's right edge."""
    values: dict[str, Any] = {}
    if not columns:
        return values
    used: set[str] = set()
    for token, right in numbers:
        candidates = sorted(columns, key=lambda c: (abs(c[1] - right), c[1]))
        for name, _edge in candidates:
            if name not in used:
                used.add(name)
                values[name] = _value(name, token)
                break
    return values


def _value(name: str, token: str) -> Any:
    if name == "fanout":
        try:
            return int(float(token))
        except ValueError:
            return None
    return _float(token)


def _float(token: str) -> float | None:
    try:
        return float(token)
    except ValueError:
        return None


def _last(numbers: list[tuple[str, int]]) -> float | None:
    return _float(numbers[-1][0]) if numbers else None


def _attach_net(points: list[PathPoint], net: str, values: dict[str, Any]) -> None:
    """A Debian-style ``(net)`` line: fanout and load belong to the pin that drives the net."""
    driver = next((p for p in reversed(points) if p.kind in ("pin", "port")), None)
    if driver is None:
        return
    driver.net = net
    if values.get("fanout") is not None:
        driver.fanout = values["fanout"]
    if values.get("cap") is not None:
        driver.cap = values["cap"]


def _point(desc: str, edge: str, values: dict[str, Any]) -> PathPoint:
    point = PathPoint(pin=desc, edge=edge, fanout=values.get("fanout"), cap=values.get("cap"),
                      slew=values.get("slew"), incr=values.get("incr"), arrival=values.get("arrival"))
    if desc.startswith("clock ") and re.search(r"\((rise|fall) edge\)$", desc):
        point.kind = "clock"
        return point
    for prefix, kind in _OTHER_KINDS:
        if desc.startswith(prefix):
            point.kind = kind
            return point
    match = _PIN.match(desc)
    if match:
        point.pin, point.cell = match.group("pin"), match.group("cell")
        point.kind = "port" if point.cell in ("in", "out", "inout") else "pin"
        return point
    point.kind = "other"
    return point


# -- -format end / summary ----------------------------------------------------------------

_END_ROW = re.compile(
    r"^(?P<ep>\S+) \((?P<cell>[^()]*)\)\s+(?P<req>\S+)\s+(?P<act>\S+)\s+(?P<slack>\S+)\s+\((?P<status>[A-Za-z]+)\)\s*$")
_GROUP = re.compile(r"^(?P<type>max_delay/setup|min_delay/hold|\S+) group (?P<group>\S+)\s*$")


def parse_report_end(text: str) -> list[EndpointSlack]:
    """Rows of ``report_checks -format end`` (one per endpoint, in report order)."""
    rows: list[EndpointSlack] = []
    group, ptype = "", "max"
    for line in text.splitlines():
        gm = _GROUP.match(line.strip())
        if gm:
            group = gm.group("group")
            ptype = "min" if gm.group("type").startswith("min") else "max"
            continue
        m = _END_ROW.match(line.strip())
        if m:
            rows.append(EndpointSlack(
                endpoint=m.group("ep"), cell=m.group("cell"), required=_float(m.group("req")),
                arrival=_float(m.group("act")), slack=_float(m.group("slack")),
                status=m.group("status").upper(), group=group, path_type=ptype))
    return rows


_SUMMARY_ROW = re.compile(r"^(?P<sp>\S+) \((?P<spc>[^()]*)\)\s+(?P<ep>\S+) \((?P<epc>[^()]*)\)\s+(?P<slack>\S+)\s*$")


def parse_report_summary(text: str) -> list[tuple[str, str, float | None]]:
    """(startpoint, endpoint, slack) rows of ``report_checks -format summary``."""
    rows: list[tuple[str, str, float | None]] = []
    for line in text.splitlines():
        m = _SUMMARY_ROW.match(line.strip())
        if m:
            rows.append((m.group("sp"), m.group("ep"), _float(m.group("slack"))))
    return rows


def parse_scalar(text: str, label: str) -> float | None:
    """The value of a ``<label> <number>`` line (``worst slack -3.251``, ``tns -43.460``); None if absent."""
    value: float | None = None
    for match in re.finditer(rf"^{re.escape(label)}\s+(\S+)\s*$", text, re.M):
        value = _float(match.group(1))
    return value
