"""Patches and sandboxes: parse and apply unified diffs, and run jobs on patched private copies of a design."""
