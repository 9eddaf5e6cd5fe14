"""Altostrat Workspaces: the organization usage of a workspace, as a PDF."""

from __future__ import annotations

import httpx
from usage_reports_clients.altostrat.api.organizations import (
    get_workspaces_workspace_id_organizations_usage_pdf as operation,
)

from .._requests import AltostratUsagePdf
from .._settings import Altostrat, ProviderSettings
from ._base import Accept, FollowLink, json_text, make_request, media_type

PDF_SIGNATURE = b"%PDF-"


class AltostratAdapter:
    provider = "altostrat"
    operation = "get_workspaces_workspace_id_organizations_usage_pdf"
    redirects_to_file = False

    def settings_of(self, settings: ProviderSettings) -> bool:
        return isinstance(settings, Altostrat)

    def build(self, request: AltostratUsagePdf, settings: Altostrat, timeout: httpx.Timeout) -> httpx.Request:
        settings.require_credentials()
        kwargs = operation.request_kwargs(workspace_id=request.workspace_id)
        headers = {"Authorization": f"Bearer {settings.token}", "Accept": "application/pdf"}
        return make_request(kwargs, settings.base_url or Altostrat.DEFAULT_BASE_URL, headers, timeout)

    def accept(self, response: httpx.Response, *, from_api: bool) -> Accept | FollowLink | str:
        kind = media_type(response)
        if kind != "application/pdf":
            return f"expected application/pdf, got {kind or 'no media type'}"
        return Accept(kind, prefix=PDF_SIGNATURE)

    def link(self, body: bytes) -> str:
        raise ValueError("Altostrat answers with the PDF itself, not a link")

    def error_message(self, body: bytes) -> str | None:
        return json_text(body, "message", "error")
