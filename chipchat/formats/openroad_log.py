"""Read what OpenROAD prints: the sections of chipchat's script, placer statistics, and errors.

OpenROAD messages look like ``[INFO GPL-0019] Utilization: 54.233 %`` and
``[ERROR GPL-0302] Use a higher -density or re-floorplan with a larger core area.``
(the codes are listed in OpenROAD's ``docs/user/MessagesFinal.md``). Errors that have
a known cause are turned into a message that says what to change; the others keep
OpenROAD's own words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_MSG = re.compile(r"^\s*(?:\[\d\d:\d\d:\d\d\]\s*)?\[?(INFO|WARNING|ERROR|CRITICAL)\]?\s*\[?([A-Z]{2,4})-(\d{4})\]?\s*(.*)$")
_TCL_ERROR = re.compile(r"^Error: (\S+), (\d+) (.*)$")


@dataclass
class Message:
    level: str
    tool: str
    code: int
    text: str

    @property
    def id(self) -> str:
        return f"{self.tool}-{self.code:04d}"


@dataclass
class OpenroadLog:
    """The parts of an OpenROAD run chipchat reports on."""

    stages: list[str] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    tcl_error: str = ""
    utilization_pct: float | None = None  # GPL-0019
    hpwl_um: float | None = None  # the last Nesterov iteration, or DPL's "HPWL after"
    design_area_um2: float | None = None
    design_util_pct: float | None = None
    wns: float | None = None
    tns: float | None = None

    @property
    def errors(self) -> list[Message]:
        return [m for m in self.messages if m.level in ("ERROR", "CRITICAL")]

    def has(self, message_id: str) -> bool:
        return any(m.id == message_id for m in self.messages)


def parse_openroad_log(text: str) -> OpenroadLog:
    """Parse an OpenROAD log (chipchat's script or any run of the same commands)."""
    log = OpenroadLog()
    section = ""
    buf: list[str] = []
    nesterov: list[float] = []
    for line in text.splitlines():
        if line.startswith("chipchat-stage: "):
            log.stages.append(line.split(": ", 1)[1].strip())
            continue
        if line.startswith("chipchat-section: "):
            if section:
                log.sections[section] = "\n".join(buf).strip("\n")
            section, buf = line.split(": ", 1)[1].strip(), []
            if section == "end":
                section = ""
            continue
        if section:
            buf.append(line)
        match = _MSG.match(line)
        if match:
            msg = Message(match.group(1), match.group(2), int(match.group(3)), match.group(4).strip())
            log.messages.append(msg)
            _message_value(log, msg)
            continue
        tcl = _TCL_ERROR.match(line.strip())
        if tcl and not log.tcl_error:
            log.tcl_error = f"{tcl.group(1)} line {tcl.group(2)}: {tcl.group(3)}"
        row = re.match(r"^\s*\d+\s*\|\s*[\d.]+\s*\|\s*([\d.eE+-]+)\s*\|", line)
        if row:
            nesterov.append(float(row.group(1)))
        _report_value(log, line)
    if section:
        log.sections[section] = "\n".join(buf).strip("\n")
    if log.hpwl_um is None and nesterov:
        log.hpwl_um = nesterov[-1]
    return log


def _message_value(log: OpenroadLog, msg: Message) -> None:
    if msg.id == "GPL-0019":
        number = re.search(r"([\d.]+)\s*%", msg.text)
        if number:
            log.utilization_pct = float(number.group(1))
    elif msg.id == "DPL-0022":  # HPWL after detailed placement
        number = re.search(r"([\d.]+)\s*u", msg.text)
        if number:
            log.hpwl_um = float(number.group(1))


def _report_value(log: OpenroadLog, line: str) -> None:
    area = re.search(r"Design area ([\d.]+) um?\^2 ([\d.]+)% utilization", line)
    if area:
        log.design_area_um2, log.design_util_pct = float(area.group(1)), float(area.group(2))
    slack = re.match(r"^\s*(wns|tns)(?:\s+(?:max|min))?\s+(-?[\d.]+(?:e[-+]?\d+)?)\s*$", line)
    if slack:
        setattr(log, slack.group(1), float(slack.group(2)))


@dataclass(frozen=True)
class Diagnosis:
    """A failed OpenROAD run explained: what went wrong and what to change."""

    problem: str
    hint: str
    codes: tuple[str, ...]


# message id -> (what it means, how to fix it); ids and texts from OpenROAD's MessagesFinal.md
_KNOWN: list[tuple[tuple[str, ...], str, str]] = [
    (("GPL-0301", "GPL-0302", "GPL-0303"),
     "the cells do not fit: global placement cannot reach the target density in this core area",
     "lower --utilization (e.g. 0.5) so the core is larger, or raise the placement density"),
    (("DPL-0036", "DPL-0034", "DPL-0015", "DPL-0016", "DPL-0017"),
     "detailed placement could not legalize every cell into the rows (the core is too full or fragmented)",
     "lower --utilization so the rows have free sites left for legalization"),
    (("DPL-0012", "DPL-0027", "IFP-0035", "IFP-0011", "IFP-0019"),
     "the floorplan has no placement rows: the LEF site for the rows is missing or not given",
     "use the platform's technology LEF that defines the standard-cell SITE and pass its name (-site)"),
    (("ORD-2013", "ORD-1013"),
     "netlist cells are missing from the LEF (the liberty used for synthesis and the LEF do not match)",
     "read the LEF of the same cell library as the liberty; the platform's .lib and .lef must agree"),
    (("EST-0018", "RSZ-0014"),
     "wire RC is zero, so placement parasitics cannot be estimated",
     "set the wire RC (set_wire_rc -layer, or the platform's setRC.tcl)"),
]


def diagnose(log: OpenroadLog) -> Diagnosis | None:
    """Explain a failed run when its messages match a known cause, else None."""
    ids = {m.id for m in log.messages}
    for codes, problem, hint in _KNOWN:
        hits = tuple(c for c in codes if c in ids)
        if hits:
            return Diagnosis(problem, hint, hits)
    return None
