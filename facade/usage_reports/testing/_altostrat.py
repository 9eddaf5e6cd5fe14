"""The simulated Altostrat Workspaces API (specs/altostrat.yaml): the workspace usage PDF.

    GET /workspaces/{workspaceId}/organizations/usage.pdf  (Authorization: Bearer TOKEN)
        -> 200 application/pdf, a valid multi-page PDF (correct xref) naming every organization
        -> 401 empty without the sandbox bearer token, 404 empty for an id not shaped ws_[a-z0-9]+

The spec documents no error bodies, so every error is empty.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

from ._server import Answer, RecordedRequest, SimulatorContext, method_not_allowed

__all__ = ["SANDBOX_ALTOSTRAT_TOKEN", "AltostratSimulator", "simulator"]

SANDBOX_ALTOSTRAT_TOKEN: Final = "alto-sandbox-token"  # noqa: S105 - a sandbox value only the simulator accepts

_USAGE_PDF: Final = re.compile(r"/workspaces/([^/]*)/organizations/usage\.pdf")
_WORKSPACE_ID: Final = re.compile(r"ws_[a-z0-9]+")

_PDF_ORGANIZATIONS: Final = (
    "Acme Networks",
    "Zürich Fibre AG",
    "Société Générale Lab",
    "Nordic Ærø Links",
    "São Paulo Operations",
    "Kraków Edge",
    "Málaga Branch Office",
    "Øresund Transit",
    "Québec Retail",
    "Brønnøysund Depot",
)
_PDF_ROWS_PER_PAGE: Final = 5


def _pdf_text(text: str) -> bytes:
    """A PDF literal string in WinAnsiEncoding (so non-ASCII names are single non-UTF-8 bytes)."""
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _pdf_line(font: str, size: int, x: int, y: int, text: str) -> bytes:
    return b"BT /%s %d Tf 1 0 0 1 %d %d Tm %s Tj ET\n" % (font.encode(), size, x, y, _pdf_text(text))


def usage_pdf(workspace_id: str) -> bytes:
    """A valid multi-page PDF (correct xref) reporting usage for every organisation of a workspace."""
    seed = hashlib.sha256(workspace_id.encode("utf-8")).digest()
    table = [
        (
            f"org_{seed[i]:02x}{i:02d}{seed[i + 10]:02x}",
            name,
            1 + seed[i] % 40,
            3 + seed[i + 5] % 250,
            50 + seed[i] % 4 * 50,
        )
        for i, name in enumerate(_PDF_ORGANIZATIONS)
    ]
    pages: list[bytes] = []
    summary = _pdf_line("F2", 18, 72, 760, f"Organization usage for {workspace_id}")
    summary += _pdf_line("F1", 11, 72, 736, "Altostrat SDX (simulated): resource usage and limits per organization")
    summary += _pdf_line("F1", 11, 72, 712, f"Organizations: {len(table)}")
    summary += _pdf_line("F1", 11, 72, 696, f"Sites in use: {sum(row[2] for row in table)}")
    summary += _pdf_line("F1", 11, 72, 680, f"Devices in use: {sum(row[3] for row in table)}")
    pages.append(summary)
    for first in range(0, len(table), _PDF_ROWS_PER_PAGE):
        page = _pdf_line("F2", 14, 72, 760, f"Organizations of {workspace_id}")
        y = 730
        for x, title in ((72, "Organization"), (250, "Name"), (420, "Sites"), (470, "Devices"), (530, "Limit")):
            page += _pdf_line("F2", 10, x, y, title)
        for org_id, name, sites, devices, limit in table[first : first + _PDF_ROWS_PER_PAGE]:
            y -= 18
            for x, cell in ((72, org_id), (250, name), (420, str(sites)), (470, str(devices)), (530, str(limit))):
                page += _pdf_line("F1", 10, x, y, cell)
        pages.append(page)
    numbered = [
        page + _pdf_line("F1", 9, 72, 40, f"Page {number} of {len(pages)}") for number, page in enumerate(pages, 1)
    ]

    # Objects: 1 catalog, 2 page tree, 3-4 fonts, 5 info, then a page and its content stream per page.
    first_page = 6
    kids = b" ".join(b"%d 0 R" % (first_page + 2 * i) for i in range(len(numbered)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(numbered)),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Title %s /Producer (usage-reports simulator) /CreationDate (D:20260101000000Z) >>"
        % _pdf_text(f"Organization usage for {workspace_id}"),
    ]
    for i, content in enumerate(numbered):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>" % (first_page + 2 * i + 1)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


class AltostratSimulator:
    """Altostrat's usage PDF behind a bearer token (the sandbox token only)."""

    name: Final = "altostrat"
    spec: Final = "altostrat"
    base_path: Final = ""
    credential_headers: Final = frozenset({"authorization"})
    credential_cookies: Final = frozenset[str]()

    def report_bytes(self, workspace_id: str) -> bytes:
        """The exact PDF served for a workspace (deterministic: the same id gives the same bytes)."""
        return usage_pdf(workspace_id)

    def handle(self, request: RecordedRequest, context: SimulatorContext) -> Answer:
        match = _USAGE_PDF.fullmatch(request.path)
        if match is None:
            return Answer.empty(404)
        if refused := method_not_allowed(request, "GET"):
            return refused
        scheme, _, token = (request.header("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or token != SANDBOX_ALTOSTRAT_TOKEN:
            return Answer.empty(401)
        workspace_id = match.group(1)
        if not _WORKSPACE_ID.fullmatch(workspace_id):
            return Answer.empty(404)
        return Answer.content(200, "application/pdf", usage_pdf(workspace_id))

    def storage(self, request: RecordedRequest, context: SimulatorContext) -> Answer | None:
        return None


def simulator() -> AltostratSimulator:
    """A fresh simulated Altostrat."""
    return AltostratSimulator()
