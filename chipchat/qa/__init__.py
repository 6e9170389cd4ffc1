"""Answers to questions about a design: structural (from the model) and search (from the index)."""
