"""Proposed RTL edits as unified diffs: parse, check and apply them strictly, in sandboxes."""
