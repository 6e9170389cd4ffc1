"""Verification: cocotb regressions on Icarus and Verilator, batch verification of patches.

Public entry points are the typed functions in :mod:`chipchat.verify.api` (``run_tests``,
``verify_patches``, ``list_tests``, ``lint_design`` …) and the generic job runner
:func:`chipchat.verify.executor.run_jobs` (local process pool or a Dask cluster).
"""
