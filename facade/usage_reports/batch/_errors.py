"""The batch's own errors, and the words its messages use for the caller's arguments.

A message names what the caller typed: ``out_dir=`` from Python, ``--out-dir``
from the command line. The caller says which (``run(..., names=...)``); the
words are in a context variable for the run, read when a message is built.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

import attrs

from .._wording import replacing_with
from ._config import ConfigError, Problem


@attrs.frozen
class Names:
    """How the caller spells the run's arguments in messages."""

    out_dir: str = "out_dir"
    period: str = "period"
    force: str = "force=True"


#: The command line's words (``usage-reports fetch-all``).
CLI_NAMES = Names(out_dir="--out-dir", period="--period", force="--force")

_PYTHON_NAMES = Names()
_names: contextvars.ContextVar[Names | None] = contextvars.ContextVar("usage_reports_batch_names", default=None)


def names() -> Names:
    """The words of the run in progress (Python's when none was given)."""
    return _names.get() or _PYTHON_NAMES


@contextlib.contextmanager
def using_names(given: Names) -> Iterator[None]:
    token = _names.set(given)
    try:
        with replacing_with(f"use {given.force}"):  # the core's messages (a store's object exists) say it too
            yield
    finally:
        _names.reset(token)


class OutDirError(ConfigError):
    """The output folder (``out_dir``) cannot be used: found before anything is sent (exit 2)."""

    def __init__(self, message: str) -> None:
        super().__init__(Problem(None, None, message))


class FolderInUse(OutDirError):
    """Another run holds the output folder's lock (exit 2)."""
