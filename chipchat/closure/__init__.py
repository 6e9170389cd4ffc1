"""Timing closure as a conversation: "make it meet 4 ns" iterates checked edits until slack is met.

- ``api``: :func:`close_timing` → :class:`ClosureResult` (``.answer()``), the CLI's, the agent's and
  the UI's one entry point.
- ``loop``: the iterations (propose → check → keep the best → next), the budget, the stop rules,
  staleness; ``candidates`` reads candidate edits off the explained worst path; ``evaluate`` is the
  job each worker runs (sandbox copy, comparison with the original, timing) through the same
  executor as batch verification (process pool or Dask).
- ``limits``: the clock a design meets (one number, which stage), documents that disagree, the
  fixes' predicted gains, and the limit when closure stops short; ``result`` + ``render``: the
  typed result and its Answer.
"""
