"""Mutation testing: inject small bugs into the RTL and measure how many the tests catch."""

from chipchat.mutate.api import find_mutants, list_operators, mutate

__all__ = ["find_mutants", "list_operators", "mutate"]
