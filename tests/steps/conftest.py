"""Step tests share the verification folder's design fixtures."""

from __future__ import annotations

from tests.timing.conftest import shared_design  # noqa: F401 - fixtures
from tests.verify.conftest import diff, fifo, shared_cache, snapshot  # noqa: F401 - fixtures
