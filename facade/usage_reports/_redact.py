"""Keep secrets, and terminal control characters, out of every text that leaves the library.

Known secrets (the configured credentials) are replaced wherever they appear,
including in error bodies a vendor echoes back; query strings of URLs are
dropped, because signed storage URLs carry their credential there.

Text a server or a user wrote (a reason phrase, an error body, a config value)
may also hold control characters: ESC sequences that repaint a terminal, BEL,
a carriage return that hides what precedes it, bidirectional overrides.
:func:`printable` escapes them; :meth:`Redactor.quote` does both, and is how
the library quotes any server-provided text in a message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "[REDACTED]"
_URL_QUERY = re.compile(r"""(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s?#"'<>]*)[?#][^\s"'<>]*""")
#: Shorter values are not treated as secrets (replacing "a" everywhere would only garble text).
MIN_SECRET_LENGTH = 4

# C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the
# bidirectional marks, embeddings, overrides and isolates.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED_ESCAPES.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every control character written as an escape (``\\x1b``, ``\\n``, ``\\u202e``).

    The one function for anything shown on a terminal or in a log that quotes
    user or server text: the result is one line and cannot move the cursor,
    clear the screen, ring the bell or reorder what follows it.
    """
    return _CONTROLS.sub(_escape, text)


class Redactor:
    """Replaces known secrets and URL query strings in text; the one redactor of the whole package."""

    __slots__ = ("_pattern", "secrets")

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        unique = sorted({s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True)
        self.secrets: tuple[str, ...] = tuple(unique)
        self._pattern = re.compile("|".join(re.escape(s) for s in unique)) if unique else None

    def __repr__(self) -> str:
        return "Redactor(...)"

    def with_secrets(self, secrets: Iterable[str | None]) -> Redactor:
        """A redactor for these secrets as well."""
        return Redactor([*self.secrets, *secrets])

    def __call__(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub(REDACTED, text)
        return _URL_QUERY.sub(lambda m: f"{m.group(1)}?{REDACTED}", text)

    def quote(self, text: str | bytes, *, limit: int | None = None) -> str:
        """Server- or user-provided text made fit for a message: redacted, escaped, at most ``limit`` characters."""
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        shown = printable(self(text))
        if limit is not None and len(shown) > limit:
            shown = shown[: max(0, limit - 1)] + "…"
        return shown
