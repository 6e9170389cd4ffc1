"""chipchat.tcl: values reach Tcl as literals (checked with the real tclsh), identifiers are validated."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from chipchat.errors import ConfigError
from chipchat.tcl import tcl_list, tcl_number, tcl_quote, validate_identifier
from chipchat.toolchain import find_tool

NASTY = [
    "x]; exec touch PWNED; #",
    "$env(HOME)",
    "[exec touch PWNED]",
    "a b\tc\nd",
    "{unbalanced",
    "back\\slash\\",
    '"quoted"',
    "",
    "a[0]",
    "ü ñ 中",
    ";#",
]


def tclsh_run(script: str, cwd: Path) -> None:
    tool = find_tool("tclsh")
    proc = subprocess.run([str(tool.path)], input=script, capture_output=True, text=True, timeout=20, check=False,
                          cwd=cwd, encoding="utf-8")
    assert proc.returncode == 0, proc.stderr


def writer(path: str, value_tcl: str) -> str:
    return (f"set f [open {tcl_quote(path)} w]\nfconfigure $f -encoding utf-8 -translation lf\n"
            f"puts -nonewline $f {value_tcl}\nclose $f\n")


def test_quoted_values_are_literal_in_real_tcl(tmp_path: Path) -> None:
    pwned = tmp_path / "pwned"
    values = [v.replace("PWNED", str(pwned)) for v in NASTY]
    tclsh_run("".join(writer(f"out{n}.txt", tcl_quote(v)) for n, v in enumerate(values)), tmp_path)
    assert [(tmp_path / f"out{n}.txt").read_text(encoding="utf-8") for n in range(len(values))] == values
    assert not pwned.exists()


def test_tcl_list_keeps_each_item_whole(tmp_path: Path) -> None:
    pwned = tmp_path / "pwned"
    items = [v.replace("PWNED", str(pwned)) for v in NASTY]
    script = f"set l {tcl_list(*items)}\n" + writer("count.txt", "[llength $l]") + "".join(
        writer(f"item{n}.txt", f"[lindex $l {n}]") for n in range(len(items)))
    tclsh_run(script, tmp_path)
    assert int((tmp_path / "count.txt").read_text()) == len(items)
    assert [(tmp_path / f"item{n}.txt").read_text(encoding="utf-8") for n in range(len(items))] == items
    assert not pwned.exists()
    assert tcl_list() == "[list]"


def test_quote_escapes_every_special_character() -> None:
    assert tcl_quote("clk") == "clk"
    assert tcl_quote("a[0]") == "a\\[0\\]"
    assert tcl_quote("x]; exec touch /tmp/pwned; #") == "x\\]\\;\\ exec\\ touch\\ /tmp/pwned\\;\\ \\#"
    assert tcl_quote("") == "{}"
    assert tcl_quote(2.5) == "2.5"


def test_identifiers_are_validated() -> None:
    for good in ("clk", "acc", "u_core.state", "data[3]", "_x$1", "mem[15][0]", "gen[2].u_x.q[1]"):
        assert validate_identifier(good) == good
    for bad in ("x]; exec touch /tmp/pwned; #", "a b", "", "1abc", "a[", "$x", "a;b", "a\nb"):
        with pytest.raises(ConfigError, match="not a valid identifier"):
            validate_identifier(bad, "clock port")
    assert validate_identifier("a[*]", wildcards=True) == "a[*]"
    with pytest.raises(ConfigError):
        validate_identifier("a[*]")


def test_numbers_are_validated() -> None:
    assert tcl_number(8) == "8" and tcl_number("2.5") == "2.5" and tcl_number(0.0001) == "0.0001"
    for bad in ("8ns", float("nan"), float("inf"), -1, 0, "[exec ls]"):
        with pytest.raises(ConfigError):
            tcl_number(bad, "clock period")
    assert tcl_number(-0.5, "delay", positive=False) == "-0.5"
