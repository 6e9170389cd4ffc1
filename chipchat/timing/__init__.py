"""Timing: synthesis + OpenSTA, report parsing, and the critical path explained in RTL terms.

Entry points: :func:`chipchat.timing.api.timing_report` and :func:`chipchat.timing.api.explain_path`.
:mod:`chipchat.formats.sta_report` (the ``report_checks`` parser) imports nothing but the standard
library, so other flows can reuse it; this package therefore imports nothing eagerly.
"""
