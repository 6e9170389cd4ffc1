"""Proposed RTL edits as unified diffs: made, checked in sandboxes, and applied only after a yes.

- ``api``: ``propose_edit`` / ``apply_proposal`` / ``undo_proposal`` / ``list_proposals`` (the agent's tools).
- ``request`` reads a request; ``transforms`` + ``pipeline`` + ``reset_edit`` (Verilog, located by pyslang)
  and ``amaranth_edit`` (Python ``ast``) make the edit; ``llm_edit`` asks a language model instead.
- ``check`` gathers the evidence on a sandbox copy (``patch`` + ``sandbox``): parse, lint, the regression,
  the timing delta and ``equiv``'s comparison with the original; ``evidence`` renders it.
- ``proposal`` stores it under ``<design>/.chipchat/proposals/<id>/``.

A design proposal never rewrites a testbench. When an edit changes an output's latency, the
evidence lists the tests that now fail and says whether the comparison with the original
(``formal``: Yosys SAT; ``equiv``: simulation) shows the same values later (the tests assume
the old latency) or different values (a regression). ``tbfollow`` + ``tbproposal`` then make a
*separate* testbench proposal — checks moved later, stimulus unchanged — whose diff is relative
to the testbench folder and confined to the configured test modules, checked on both designs.
The timing transformations are ``pipeline`` (with ``operators``, ``compose`` and ``split``),
``registers`` and ``carry_save`` (with ``arith``, the carry-save and pipelined-adder generators).
"""
