"""Run a job on a patched private copy of a design: the one "sandbox, patch, then build and run" path.

Batch verification, mutation testing and checked edits all need the same thing: copy the
design, apply a diff there (never to the user's files), hand the copy to a job (lint,
build, simulate, time), and turn everything that can go wrong into data — a patch that
escapes the folder is *rejected*, one whose hunks do not match *does not apply*, a missing
simulator is *unavailable*, any other failure is an *error* with its message. Messages
name files as the user knows them (``rtl/fifo.v``), not by their sandbox path, and the copy
is removed when the job ends, whatever happened.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from chipchat.design import Design
from chipchat.errors import ChipChatError, SandboxViolation, ToolNotFound
from chipchat.sandbox.box import Sandbox
from chipchat.sandbox.patch import Patch, PatchError, parse_patch

T = TypeVar("T")

OK, REJECTED, NOT_APPLY, UNAVAILABLE, ERROR = "ok", "rejected", "does-not-apply", "unavailable", "error"


@dataclass
class Patched(Generic[T]):
    """The outcome of :func:`run_patched`: ``value`` is what the job returned when ``status`` is ok."""

    status: str
    message: str = ""
    value: T | None = None
    sandbox: str = ""  # the copy's folder (removed by now); "" for an unpatched run

    @property
    def ok(self) -> bool:
        return self.status == OK


class Unsandboxed:
    """The stand-in for a sandbox when the job runs on the design itself (a baseline)."""

    def strip(self, text: str) -> str:
        return text


class SandboxPaths:
    """What a job needs from its sandbox: the folder, and how to name files as the user knows them."""

    def __init__(self, box: Sandbox) -> None:
        self.box = box
        self.prefix = str(box.root) + "/"

    def strip(self, text: str) -> str:
        return text.replace(self.prefix, "")


def run_patched(design: Design, patch: Patch | str | None, job: Callable[[Design, SandboxPaths | Unsandboxed], T],
                *, name: str = "sandbox") -> Patched[T]:
    """Apply ``patch`` to a copy of ``design`` and run ``job(copy, paths)``; ``patch=None`` runs on ``design``.

    Never raises for a bad patch or a failing tool: the status and message say what happened.
    """
    box: Sandbox | None = None
    outcome: Patched[T] = Patched(OK)
    try:
        if patch is None:
            outcome.value = job(design, Unsandboxed())
            return outcome
        box = Sandbox(design, name)
        outcome.sandbox = str(box.root)
        box.apply(parse_patch(patch, name) if isinstance(patch, str) else patch)
        outcome.value = job(box.design(), SandboxPaths(box))
    except SandboxViolation as exc:
        outcome.status, outcome.message = REJECTED, str(exc)
    except PatchError as exc:
        outcome.status, outcome.message = NOT_APPLY, str(exc)
    except ToolNotFound as exc:
        outcome.status, outcome.message = UNAVAILABLE, str(exc)
    except ChipChatError as exc:
        outcome.status, outcome.message = ERROR, str(exc)
    except Exception as exc:  # noqa: BLE001 - one job must report, not take a whole batch down
        outcome.status = ERROR
        outcome.message = f"internal error: {exc!r}\n" + "".join(traceback.format_exc(limit=6))
    finally:
        if box is not None:
            outcome.message = outcome.message.replace(str(box.root) + "/", "")
            box.remove()
    return outcome
