"""Keep secrets out of every text that leaves the library.

Known secrets (the configured credentials) are replaced wherever they appear,
including in error bodies a vendor echoes back; query strings of URLs are
dropped, because signed storage URLs carry their credential there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "[REDACTED]"
_URL_QUERY = re.compile(r"""(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s?#"'<>]*)[?#][^\s"'<>]*""")
#: Shorter values are not treated as secrets (replacing "a" everywhere would only garble text).
MIN_SECRET_LENGTH = 4


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
