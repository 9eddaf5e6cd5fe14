"""The result of every call: one UsageReport, whichever the provider."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from ._contract import ReportRequest


@attrs.frozen
class UsageReport:
    """A fetched (``content``), downloaded (``path``) or uploaded (``url``) usage report.

    ``sha256`` and ``size`` are of the bytes received, computed while they
    streamed. ``suggested_filename`` is deterministic per request.
    """

    provider: str
    request: ReportRequest
    media_type: str
    size: int
    sha256: str
    suggested_filename: str
    content: bytes | None = attrs.field(default=None, repr=lambda c: "None" if c is None else f"<{len(c)} bytes>")
    path: Path | None = None
    #: How the provider obtained it, e.g. ``{"report_id": 7, "report": "created"}``; empty for most.
    details: Mapping[str, object] = attrs.field(factory=dict)
    #: The object-store URL (``s3://bucket/key``) of a report downloaded to a store; never carries a credential.
    url: str | None = None

    def text(self, encoding: str = "utf-8") -> str:
        """The content decoded (for CSV reports fetched into memory)."""
        if self.content is None:
            raise ValueError("this report was downloaded to a file; read it from .path (or .url)")
        return self.content.decode(encoding)
