"""The command line: the only layer that writes to a terminal (parser, output, progress, tables, demo)."""

from ._main import main

__all__ = ["main"]
