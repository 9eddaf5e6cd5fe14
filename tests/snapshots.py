"""Names of snapshot reports (no period of their own): they carry the UTC day they are taken."""

from __future__ import annotations

from datetime import UTC, datetime


def today() -> str:
    """The UTC day a request made now is taken on, as its file name and manifest record spell it."""
    return datetime.now(UTC).date().isoformat()


def altostrat_pdf(workspace: str) -> str:
    """The file an Altostrat workspace's usage PDF taken today is saved as."""
    return f"altostrat-usage-{workspace}-{today()}.pdf"
