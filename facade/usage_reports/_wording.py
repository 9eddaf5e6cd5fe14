"""The caller's words for the one option the core's messages ask for: how to replace what already exists.

From Python it is ``overwrite=True``; the command line says ``--force``. The
caller (the CLI, the batch) sets its words for the duration of a call; a
message is built with them when it is raised, never reworded afterwards.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

_replace_hint: contextvars.ContextVar[str] = contextvars.ContextVar(
    "usage_reports_replace_hint", default="pass overwrite=True"
)


def replace_hint() -> str:
    """How the caller replaces an existing file or object: "pass overwrite=True", "use --force"..."""
    return _replace_hint.get()


@contextlib.contextmanager
def replacing_with(hint: str) -> Iterator[None]:
    """Messages raised inside the block say ``hint`` (e.g. "use --force") to replace an existing destination."""
    token = _replace_hint.set(hint)
    try:
        yield
    finally:
        _replace_hint.reset(token)
