"""chipchat: a conversational assistant for chip design, grounded in real tools.

The public API is small on purpose; see the names below. Everything the CLI, the
chat UI and the agent do goes through these.
"""

from chipchat.design import Design
from chipchat.errors import (
    ChipChatError,
    ConfigError,
    DesignError,
    ParseError,
    SandboxViolation,
    ToolFailed,
    ToolNotFound,
    ToolTimeout,
)
from chipchat.rtl.load import load_design

__version__ = "0.1.0"

__all__ = [
    "ChipChatError",
    "ConfigError",
    "Design",
    "DesignError",
    "ParseError",
    "SandboxViolation",
    "ToolFailed",
    "ToolNotFound",
    "ToolTimeout",
    "__version__",
    "load_design",
]
