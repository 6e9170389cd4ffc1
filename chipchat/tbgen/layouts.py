"""Blocks of a spec written without Markdown: pipe rows with no ``---`` row, whitespace columns, arrow
diagrams, quoted Verilog, bullet port lists and prose paragraphs — each kept with its lines.

The readers here only find and split blocks; what a block means (a K-map, a waveform, a state
table ...) is decided by :mod:`chipchat.tbgen.spec` and the model builders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chipchat.tbgen.blocks import Table

ARROW = re.compile(r"-{1,}\s*(?P<label>.*?)\s*-*-+>\s*(?P<dst>\w+)\s*$")
ARROW_LINE = re.compile(r"^\s*(?P<src>\w+)\s*(?:\((?P<out>[^()]*)\))?\s*-{1,}.*-->?\s*\w+\s*$")
RULER = re.compile(r"^\s*[-=+|:\s]{3,}$")
TIME = re.compile(r"^\d+(?:\.\d+)?\s*(?:ns|ps|us|fs|ms|s)?$")
BULLET_PORT = re.compile(
    r"^\s*(?:[-*•]|\d+[.)])?\s*(?P<dir>input|output|inout)\b\s*(?:wire|reg|logic|signed|\s)*"
    r"(?:\[\s*(?P<msb>\d+)\s*:\s*(?P<lsb>\d+)\s*\])?\s*(?P<name>[A-Za-z_]\w*)(?P<more>(?:\s*,\s*[A-Za-z_]\w*)*)\s*,?\s*"
    r"(?:\(\s*(?P<bits>\d+)\s*-?\s*bits?\s*\))?\s*[,;]?\s*(?:(?:--|//|:|-)\s*(?P<desc>.*))?$", re.I)


@dataclass
class BulletPort:
    name: str
    direction: str
    width: int | None  # None: the spec gives none (its stated default applies)
    line: int
    description: str
    lsb: int = 0


def bullet_ports(lines: list[str]) -> list[BulletPort]:
    """`` - input  in  (8 bits)``, ``- output [7:0] q`` ... (a port named twice keeps the first)."""
    out: dict[str, BulletPort] = {}
    in_code = False
    for n, raw in enumerate(lines, 1):
        if re.match(r"^\s*module\s+\w+\s*(?:#\s*\(|\(|;|$)", raw):
            in_code = True
        if re.match(r"^\s*endmodule\b", raw):
            in_code = False
        m = BULLET_PORT.match(raw)
        if in_code or not m:
            continue
        marked = re.match(r"^\s*(?:[-*•]|\d+[.)])\s*(?:input|output|inout)\b", raw, re.I)
        if not marked and (m.group("desc") or not re.search(r"[\w)\],;]\s*$", raw)):
            continue  # without a bullet only a bare declaration line counts, not prose that starts with "output"
        width = int(m.group("bits")) if m.group("bits") else None
        lsb = 0
        if m.group("msb") is not None:
            hi, lo = int(m.group("msb")), int(m.group("lsb"))
            width, lsb = abs(hi - lo) + 1, min(hi, lo)
        out.setdefault(m.group("name"), BulletPort(m.group("name"), m.group("dir").lower(), width, n,
                                                   (m.group("desc") or "").strip(), lsb))
        for name in re.findall(r"[A-Za-z_]\w*", m.group("more") if marked else ""):
            out.setdefault(name, BulletPort(name, m.group("dir").lower(), width, n, "", lsb))  # input a, b, c
    return list(out.values())


def _cells(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") else body
    return [c.strip() for c in body.split("|")]


def scan(lines: list[str], taken: set[int], heading_of: dict[int, str]) -> list[Table]:
    """Plain blocks among ``lines`` (0-based indices in ``taken`` belong to Markdown tables already read)."""
    blocks: list[Table] = []
    i = 0
    while i < len(lines):
        if i in taken or not lines[i].strip():
            i += 1
            continue
        for reader in (_code, _arrows, _pipes, _columns):
            found = reader(lines, i, taken)
            if found is not None:
                block, end = found
                block.title = block.title or heading_of.get(i, "")
                blocks.append(block)
                taken.update(range(i, end))
                i = end
                break
        else:
            i += 1
    return blocks


def _code(lines: list[str], i: int, taken: set[int]) -> tuple[Table, int] | None:
    if not re.match(r"^\s*module\s+\w+\s*(?:#\s*\(|\(|;|$)", lines[i]):
        return None
    j = i
    while j < len(lines) and not re.match(r"^\s*endmodule\b", lines[j]):
        j += 1
    end = min(j + 1, len(lines))
    name = re.match(r"^\s*module\s+(\w+)", lines[i])
    return Table(f"Verilog module {name.group(1) if name else ''}".strip(), [], [], i + 1, "code", layout="code",
                 text=lines[i:end], lines=list(range(i + 1, end + 1))), end


def _arrows(lines: list[str], i: int, taken: set[int]) -> tuple[Table, int] | None:
    """State-diagram lines ``A (out=0) --x=1--> B`` (with any header or ruler lines right above)."""
    if not ARROW_LINE.match(lines[i]) or "-->" not in lines[i] and "->" not in lines[i]:
        return None
    j = i
    rows: list[str] = []
    nums: list[int] = []
    while j < len(lines) and j not in taken and (ARROW_LINE.match(lines[j]) or RULER.match(lines[j])):
        if ARROW_LINE.match(lines[j]) and not re.match(r"^\s*state\b.*next\s+state\s*$", lines[j], re.I):
            rows.append(lines[j].strip())
            nums.append(j + 1)
        j += 1
    if len(rows) < 2:
        return None
    return Table("", [], [[r] for r in rows], nums[0], "fsm-diagram", layout="arrows", text=rows, lines=nums), j


def _pipes(lines: list[str], i: int, taken: set[int]) -> tuple[Table, int] | None:
    """Consecutive lines with ``|`` (no ``---`` row needed); a K-map keeps the axis lines above it."""
    if "|" not in lines[i] or "-->" in lines[i]:
        return None
    j = i
    rows: list[list[str]] = []
    nums: list[int] = []
    while j < len(lines) and j not in taken and ("|" in lines[j] or RULER.match(lines[j]) and lines[j].strip()):
        if not RULER.match(lines[j]):
            rows.append(_cells(lines[j]))
            nums.append(j + 1)
        j += 1
    if len(rows) < 2 and not (rows and i > 0 and lines[i - 1].strip()):
        return None
    above = [k for k in (i - 2, i - 1) if k >= 0 and k not in taken and lines[k].strip() and "|" not in lines[k]]
    first = rows[0][0].strip()
    if re.fullmatch(r"[01]+", first) and above and len(_words(lines[above[-1]])) >= 2:
        # a K-map whose column labels sit on the line above (and the column variables above that)
        head = _words(lines[above[-1]])
        axis = " ".join(lines[above[0]].split()) if len(above) == 2 and len(_words(lines[above[0]])) == 1 else ""
        taken.update(above if axis else above[-1:])
        return Table("", head, rows, nums[0], "kmap-plain", layout="pipes", lines=nums,
                     text=[axis, lines[above[-1]]] + [lines[k - 1] for k in nums]), j
    header, body = rows[0], rows[1:]
    return Table("", header, [(r + [""] * len(header))[: len(header)] if len(r) < len(header) else r for r in body],
                 nums[0], layout="pipes", lines=nums[1:], text=[lines[k - 1] for k in nums]), j


def _words(line: str) -> list[str]:
    return line.split()


def _columns(lines: list[str], i: int, taken: set[int]) -> tuple[Table, int] | None:
    """A whitespace-separated listing: a header of names, then rows that start with a time or a number."""
    head = lines[i].split()
    if len(head) < 2 or not re.fullmatch(r"[A-Za-z_][\w\[\]:]*", head[0]) or \
            not all(re.fullmatch(r"[A-Za-z_][\w\[\]:]*", h) for h in head):
        return None
    rows: list[list[str]] = []
    nums: list[int] = []
    j = i + 1
    while j < len(lines) and j not in taken:
        cells = lines[j].split()
        if not cells or len(cells) != len(head) or not TIME.match(cells[0]):
            break
        rows.append(cells)
        nums.append(j + 1)
        j += 1
    if len(rows) < 2:
        return None
    return Table("", head, rows, i + 1, "listing", layout="columns", lines=nums,
                 text=lines[i:j]), j


def paragraphs(lines: list[str], taken: set[int]) -> list[tuple[str, int]]:
    """Prose paragraphs not inside any block: (text, first line)."""
    out: list[tuple[str, int]] = []
    buf: list[str] = []
    start = 0
    for n, raw in enumerate(lines):
        text = raw.strip()
        if n in taken or not text or text.startswith("#") or BULLET_PORT.match(raw):
            if buf:
                out.append((" ".join(buf), start + 1))
                buf = []
            continue
        if not buf:
            start = n
        buf.append(text)
    if buf:
        out.append((" ".join(buf), start + 1))
    return out


def sentences(paragraph: str) -> list[str]:
    """Split prose into sentences (not inside parentheses, not after ``e.g.`` / ``i.e.``)."""
    parts = re.split(r"(?<![ei]\.[ge])(?<=[.!?])\s+(?=[A-Z(`\"_])", paragraph)
    return [p.strip() for p in parts if p.strip()]


def normalize(text: str) -> str:
    """Tabs expanded; an HTML spec turned into text (table rows as ``| a | b |``, list items as ``- x``)."""
    if re.search(r"<(?:html|body|p|table|ul|ol|pre|div|h[1-6])\b", text[:20000], re.I):
        text = _html_text(text)
    return text.expandtabs(8).replace("\r\n", "\n").replace("\r", "\n")


def _html_text(text: str) -> str:
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.out: list[str] = []
            self.row: list[str] | None = None
            self.cell: list[str] | None = None
            self.first_row = False
            self.pre = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "tr":
                self.row = []
            elif tag in ("td", "th"):
                self.cell = []
            elif tag == "table":
                self.first_row = True
            elif tag == "li":
                self.out.append("\n- ")
            elif tag == "pre":
                self.pre += 1
                self.out.append("\n")
            elif re.fullmatch(r"h[1-6]", tag):
                self.out.append("\n\n" + "#" * int(tag[1]) + " ")
            elif tag in ("p", "br", "div", "ul", "ol"):
                self.out.append("\n\n" if tag == "p" else "\n")

        def handle_endtag(self, tag: str) -> None:
            if tag in ("td", "th") and self.cell is not None and self.row is not None:
                self.row.append(" ".join("".join(self.cell).split()))
                self.cell = None
            elif tag == "tr" and self.row is not None:
                self.out.append("\n| " + " | ".join(self.row) + " |")
                if self.first_row:
                    self.out.append("\n|" + "---|" * len(self.row))
                    self.first_row = False
                self.row = None
            elif tag == "pre":
                self.pre -= 1
                self.out.append("\n")
            elif tag in ("p", "table", "ul", "ol") or re.fullmatch(r"h[1-6]", tag):
                self.out.append("\n")

        def handle_data(self, data: str) -> None:
            if self.cell is not None:
                self.cell.append(data)
            elif self.pre:
                self.out.append(data)
            else:
                self.out.append(" ".join(data.split()) + (" " if data.endswith((" ", "\n")) else ""))

    parser = Text()
    parser.feed(text)
    parser.close()
    return re.sub(r"\n{3,}", "\n\n", "".join(parser.out)).strip() + "\n"
