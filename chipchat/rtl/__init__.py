"""RTL understanding: parse (pyslang), a typed model, and structural queries over it."""

from chipchat.rtl.model import (
    Assignment,
    Block,
    DesignModel,
    FileStatus,
    Instance,
    Module,
    Parameter,
    Port,
    Signal,
)
from chipchat.types import Span

__all__ = [
    "Assignment", "Block", "DesignModel", "FileStatus", "Instance", "Module", "Parameter", "Port", "Signal", "Span",
]
