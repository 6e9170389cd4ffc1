"""One exception hierarchy for everything that is *broken* (not for expected outcomes).

A failing test, a lint warning or a negative slack are results, returned as data.
These exceptions are for what stops a request: a missing tool, an unreadable file,
a timeout, a patch that escapes its sandbox. Each message says what is wrong and,
where there is one, how to fix it (``hint``).
"""

from __future__ import annotations

from pathlib import Path


class ChipChatError(Exception):
    """Base class: ``str(err)`` is a complete, user-facing message."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if not hint else f"{message}\n  fix: {hint}")


class ConfigError(ChipChatError):
    """A setting, chipchat.toml entry or command-line option is invalid."""


class DesignError(ChipChatError):
    """The design folder cannot be used (no RTL, no top module, missing file ...)."""


class ParseError(ChipChatError):
    """A source file or a tool report could not be parsed.

    ``file``/``line``/``col`` locate the problem when known, so that the message can be
    printed as ``file:line:col: message`` (the format editors jump to).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        col: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.line = line
        self.col = col
        where = ""
        if self.file:
            where = self.file
            if line is not None:
                where += f":{line}"
                if col is not None:
                    where += f":{col}"
            where += ": "
        super().__init__(where + message, hint=hint)


class ToolNotFound(ChipChatError):
    """An external tool (yosys, sta, verilator ...) is not installed or not runnable."""

    def __init__(self, tool: str, message: str, *, hint: str | None = None) -> None:
        self.tool = tool
        super().__init__(message, hint=hint)


class ToolFailed(ChipChatError):
    """A tool ran and failed in a way that is not an expected outcome.

    ``log_tail`` holds the last meaningful lines of its output; ``log_path`` the full log.
    """

    def __init__(
        self,
        tool: str,
        message: str,
        *,
        log_tail: str = "",
        log_path: str | Path | None = None,
        returncode: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.tool = tool
        self.log_tail = log_tail
        self.log_path = str(log_path) if log_path else None
        self.returncode = returncode
        text = message
        if log_tail:
            text += "\n" + "\n".join("  | " + ln for ln in log_tail.splitlines())
        if self.log_path:
            text += f"\n  full log: {self.log_path}"
        super().__init__(text, hint=hint)


class ToolTimeout(ToolFailed):
    """A tool exceeded its wall-clock limit; it was killed with its whole process group."""

    def __init__(
        self,
        tool: str,
        timeout_s: float,
        *,
        log_tail: str = "",
        log_path: str | Path | None = None,
        hint: str | None = None,
    ) -> None:
        self.timeout_s = timeout_s
        super().__init__(
            tool,
            f"{tool} did not finish within {timeout_s:g} s and was killed",
            log_tail=log_tail,
            log_path=log_path,
            hint=hint or "raise the limit (CHIPCHAT_TOOL_TIMEOUT or --timeout) if the job is just large",
        )


class SandboxViolation(ChipChatError):
    """A patch, archive or path tried to reach outside the directory it was confined to."""
