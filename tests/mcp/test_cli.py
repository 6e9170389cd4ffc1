"""``chipchat mcp`` on the command line: its options are checked before anything is served."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipchat.cli import main


@pytest.mark.parametrize(("argv", "message"), [
    (["mcp"], "give one design folder, or --root"),
    (["mcp", "DESIGN", "--root", "ROOT"], "give one design folder, or --root"),
    (["mcp", "DESIGN", "--port", "8000"], "apply to --http only"),
    (["mcp", "DESIGN", "--allow-origin", "http://localhost:5173"], "apply to --http only"),
    (["mcp", "DESIGN", "--http", "--port", "70000"], "--port must be between 0 and 65535"),
    (["mcp", "--root", "NOWHERE"], "does not exist"),
])
def test_bad_options_are_told_without_a_traceback(argv: list[str], message: str, designs: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    argv = [str(designs / "fifo") if a == "DESIGN" else str(designs) if a == "ROOT" else
            str(tmp_path / "nowhere") if a == "NOWHERE" else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("chipchat: error: ") and message in err and "Traceback" not in err
