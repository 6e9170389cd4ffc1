"""Put values into Tcl and Yosys scripts safely: quoting, lists and validated identifiers.

Everything chipchat (or a language model) writes into a Tcl script for OpenSTA,
OpenROAD or qflow goes through these helpers. :func:`tcl_quote` turns any string
into exactly one Tcl word with *no* substitution: a port named
``x]; exec touch /tmp/pwned; #`` stays a literal string and runs nothing.
"""

from __future__ import annotations

import math
import re

from chipchat.errors import ConfigError

# Characters that Tcl treats specially in a bare word; each is backslash-escaped.
_SPECIAL = set('\\[]{}$";#')
_WHITESPACE_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\v": "\\v", "\f": "\\f"}

# A Verilog identifier, optionally hierarchical (a.b.c, gen[2].u.x) and bit-selected (x[3], mem[15][0]);
# ``*`` is allowed only when ``wildcards=True`` (get_ports / get_pins patterns).
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\[\d+\])*(\.[A-Za-z_][A-Za-z0-9_$]*(\[\d+\])*)*$")
_IDENT_WILD = re.compile(r"^[A-Za-z_*][A-Za-z0-9_$*]*(\[(\d+|\*)\])*(\.[A-Za-z_*][A-Za-z0-9_$*]*(\[(\d+|\*)\])*)*$")


def tcl_quote(value: str | float | int) -> str:
    """One Tcl word whose value is exactly ``value`` (no variable, command or backslash substitution)."""
    text = str(value)
    if text == "":
        return "{}"
    out: list[str] = []
    for ch in text:
        if ch in _SPECIAL:
            out.append("\\" + ch)
        elif ch in _WHITESPACE_ESCAPES:
            out.append(_WHITESPACE_ESCAPES[ch])
        elif ch == " ":
            out.append("\\ ")
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


def tcl_list(*items: str | float | int) -> str:
    """A Tcl expression that evaluates to the list of ``items`` (each one element, verbatim)."""
    if not items:
        return "[list]"
    return "[list " + " ".join(tcl_quote(i) for i in items) + "]"


def validate_identifier(name: str, what: str = "name", *, wildcards: bool = False) -> str:
    """Return ``name`` if it is a plain (possibly hierarchical, bit-selected) identifier.

    Raises :class:`ConfigError` naming ``what`` otherwise: Tcl metacharacters, spaces
    and control characters never reach a script through an identifier.
    """
    pattern = _IDENT_WILD if wildcards else _IDENT
    if not isinstance(name, str) or not pattern.match(name):
        shown = name if isinstance(name, str) else repr(name)
        raise ConfigError(
            f"{what} {shown!r} is not a valid identifier",
            hint="use a Verilog name such as clk, acc, u_core.state or data[3]"
                 + (" (the wildcard * is allowed)" if wildcards else ""))
    return name


def tcl_number(value: float | int | str, what: str = "value", *, positive: bool = True) -> str:
    """A finite number formatted for Tcl (``8`` stays ``8``, ``2.5`` stays ``2.5``)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{what} {value!r} is not a number") from None
    if not math.isfinite(number) or (positive and number <= 0):
        raise ConfigError(f"{what} must be a {'positive ' if positive else ''}finite number, got {value!r}")
    return f"{number:.6g}" if abs(number) >= 1e-4 or number == 0 else repr(number)


def yosys_quote(path: object, what: str = "path") -> str:
    """A double-quoted Yosys script argument; quotes and line breaks cannot be represented and are refused."""
    text = str(path)
    if any(ch in text for ch in '"\n\r'):
        raise ConfigError(f"{what} {text!r} contains a quote or a line break, which Yosys scripts cannot carry",
                          hint="rename the file or folder")
    return f'"{text}"'
