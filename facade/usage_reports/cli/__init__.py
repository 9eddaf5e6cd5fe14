"""The command line: the only layer that writes to a terminal (parser, output, progress, tables, demo)."""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``usage-reports`` with ``argv`` (default: the process's arguments); returns the exit status.

    The parser is imported here, not with the package: importing one of the package's modules (``_output``)
    must not import the whole command line, which imports the batch.
    """
    from ._main import main as run

    return run(argv)


__all__ = ["main"]
