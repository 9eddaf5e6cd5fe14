"""Altostrat: the workspace usage PDF."""
