"""The command-line tests use the fixtures of the capabilities they drive."""

from __future__ import annotations

from tests.edit.conftest import counter, files_of, offline_by_default, scripted_llm  # noqa: F401 - fixtures
from tests.timing.conftest import make_design, shared_design  # noqa: F401 - fixtures
from tests.verify.conftest import diff, fifo, shared_cache, snapshot  # noqa: F401 - fixtures
