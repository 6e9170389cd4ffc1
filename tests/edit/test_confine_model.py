"""A model's edit that reaches outside the simulation is run confined, refused, and never written out."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest

from chipchat.edit.api import apply_proposal, propose_edit
from chipchat.errors import ConfigError
from chipchat.sandbox import confine

HOSTILE = Path(__file__).resolve().parent.parent / "hostile"


@pytest.mark.slow
@pytest.mark.xdist_group("verilator")
@pytest.mark.skipif(confine.bwrap_problem() is not None, reason=f"{confine.bwrap_problem()}")
def test_a_hostile_model_edit_runs_confined_and_is_refused(tmp_path: Path, scripted_llm, files_of) -> None:
    root = tmp_path / "hostile"
    shutil.copytree(HOSTILE, root)
    outside = Path("/var/tmp") / f"chipchat-model-{uuid.uuid4().hex[:8]}"
    outside.mkdir()
    try:
        original = (root / "rtl" / "hostile.v").read_text()
        # `$sys``tem` is pasted together by the preprocessor: the patch scan cannot see it, the sandbox must stop it
        edited = original.replace("`ifndef TARGET\n", f'`define TARGET "/tmp/..{outside}/escaped"\n'
                                  '`define RUN(c) $sys``tem(c)\n`ifndef TARGET\n', 1).replace(
            "        chunk = ", '        rc = `RUN({"touch ", `TARGET});\n        chunk = ', 1)
        reply = f"FILE: rtl/hostile.v\n```verilog\n{edited}```\n\nThe counter now logs its start.\n"
        scripted_llm([reply, reply])
        before = files_of(root)
        answer = propose_edit(root, "log when the counter starts", simulators="verilator", engine="model",
                              timing=False, repair_rounds=0)
        ev = answer.data["evidence"]
        assert ev["build_ok"] is False and ev["stage"] == "sandbox"
        assert ev["tests"]["verdict"] == "rejected"
        assert "blocked by the sandbox: touch: cannot touch" in ev["build_errors"][0]
        assert "refused" in answer.text
        assert not list(outside.iterdir()) and files_of(root) == before
        sims = [json.loads(p.read_text()) for p in (root / ".chipchat" / "runs").glob("*cocotb_test*/commands.json")]
        assert sims and all(e["confined"] == "bwrap" for run in sims for e in run)
        with pytest.raises(ConfigError, match="blocked by the sandbox"):
            apply_proposal(root, answer.data["proposal_id"], confirm=True)
        assert files_of(root) == before
    finally:
        shutil.rmtree(outside, ignore_errors=True)
