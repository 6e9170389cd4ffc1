"""Build hook: ship flows/, ui/, designs/ and verification/ inside the wheel as chipchat/_data/.

Hatchling's ``force-include`` would copy whole folders, including run state that a user
or a test left in a design (``.chipchat/``, ``sim_build/``, ``__pycache__``); its
``sources`` rewrite would break editable installs. This hook lists the files itself.
Editable installs skip it: there ``chipchat.resources`` finds the data in the checkout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

DATA_DIRS = ("flows", "ui", "designs", "verification")
SKIP_PARTS = {".chipchat", "__pycache__", "sim_build", ".pytest_cache"}
SKIP_SUFFIXES = {".pyc", ".fst", ".vcd"}


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return
        root = Path(self.root)
        for name in DATA_DIRS:
            base = root / name
            if not base.is_dir():
                continue
            for path in sorted(base.rglob("*")):
                rel = path.relative_to(root)
                if (path.is_file() and not SKIP_PARTS & set(rel.parts) and path.suffix not in SKIP_SUFFIXES
                        and path.name != "results.xml"):
                    build_data["force_include"][str(path)] = f"chipchat/_data/{rel.as_posix()}"
