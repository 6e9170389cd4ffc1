"""One module per tool task. Each defines a :class:`~chipchat.steps.step.Step` subclass."""

from chipchat.steps.step import RunDir, Step, StepResult, list_runs

__all__ = ["RunDir", "Step", "StepResult", "list_runs"]
