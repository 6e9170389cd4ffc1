"""Proposed RTL edits as unified diffs: made, checked in sandboxes, and applied only after a yes.

- ``api``: ``propose_edit`` / ``apply_proposal`` / ``undo_proposal`` / ``list_proposals`` (the agent's tools).
- ``request`` reads a request; ``transforms`` + ``pipeline`` + ``reset_edit`` (Verilog, located by pyslang)
  and ``amaranth_edit`` (Python ``ast``) make the edit; ``llm_edit`` asks a language model instead.
- ``check`` gathers the evidence on a sandbox copy (``patch`` + ``sandbox``): parse, lint, the regression,
  the timing delta and ``equiv``'s comparison with the original; ``evidence`` renders it.
- ``proposal`` stores it under ``<design>/.chipchat/proposals/<id>/``.

Testbenches are never rewritten. When an edit changes an output's latency, the evidence lists
the tests that now fail and says whether the comparison with the original shows the same
values one cycle later (the tests assume the old latency) or different values (a regression).
Changing a reference model's timing is the user's decision, and the testbenches usually live
outside the design folder that a proposal's diff is confined to.
"""
