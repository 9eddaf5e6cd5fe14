"""Altostrat Workspaces: the organization usage of a workspace, as a PDF."""

from __future__ import annotations

import httpx
from usage_reports_clients.altostrat.api.organizations import (
    get_workspaces_workspace_id_organizations_usage_pdf as operation,
)

from ..._contract import Accept, Adapter, Decision
from .._http import json_text, make_request, media_type
from ._model import Altostrat, AltostratUsagePdf

PDF_SIGNATURE = b"%PDF-"


class AltostratAdapter(Adapter[AltostratUsagePdf, Altostrat]):
    operation = "get_workspaces_workspace_id_organizations_usage_pdf"

    def build(self, request: AltostratUsagePdf, settings: Altostrat, timeout: httpx.Timeout) -> httpx.Request:
        settings.require_credentials()
        kwargs = operation.request_kwargs(workspace_id=request.workspace_id)
        headers = {"Authorization": f"Bearer {settings.token}", "Accept": "application/pdf"}
        return make_request(kwargs, settings.base_url or Altostrat.DEFAULT_BASE_URL, headers, timeout)

    def accept(self, response: httpx.Response, *, from_api: bool) -> Decision:
        kind = media_type(response)
        if kind != "application/pdf":
            return f"expected application/pdf, got {kind or 'no media type'}"
        return Accept(kind, prefix=PDF_SIGNATURE)

    def error_message(self, body: bytes) -> str | None:
        return json_text(body, "message", "error")
