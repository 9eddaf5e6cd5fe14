"""Edge Impulse white-label admin: the download answers 302 to a signed storage URL.

The storage URL is a credential in itself: it is fetched without any Edge
Impulse credential and never logged (the engine sees to both).
"""

from __future__ import annotations

import httpx
from usage_reports_clients.edgeimpulse.api.organizations import (
    whitelabel_admin_download_organization_usage_report as operation,
)

from ..._contract import Accept, Adapter, Decision, Flow
from .._http import json_text, make_request, media_type
from ._model import EdgeImpulse, EdgeImpulseUsageReport

#: A 200 whose media type is one of these is an error page, not a CSV.
_NOT_A_REPORT = frozenset({"text/html", "application/json", "application/xml", "text/xml"})


class EdgeImpulseAdapter(Adapter[EdgeImpulseUsageReport, EdgeImpulse]):
    operation = "whitelabel_admin_download_organization_usage_report"
    redirects_to_file = True

    def build(self, request: EdgeImpulseUsageReport, settings: EdgeImpulse, timeout: httpx.Timeout) -> httpx.Request:
        settings.require_credentials()
        if request.report_id is None:
            raise ValueError("the request must be resolved to a report id first")
        kwargs = operation.request_kwargs(
            organization_id=request.organization_id,
            inner_organization_id=request.inner_organization_id,
            report_id=request.report_id,
        )
        headers = {"Accept": "text/csv, */*;q=0.5", **settings.auth_headers()}
        return make_request(kwargs, settings.base_url or EdgeImpulse.DEFAULT_BASE_URL, headers, timeout)

    def accept(self, response: httpx.Response, *, from_api: bool) -> Decision:
        kind = media_type(response)
        if kind in _NOT_A_REPORT:
            return f"expected a CSV report, got {kind}"
        return Accept(kind or "text/csv")

    def error_message(self, body: bytes) -> str | None:
        return json_text(body, "error", "message")

    def resolve(
        self, request: EdgeImpulseUsageReport, settings: EdgeImpulse
    ) -> Flow[tuple[EdgeImpulseUsageReport, dict[str, object]]] | None:
        if request.period is None:
            return None
        from ._resolve import resolve

        return resolve(settings, request)
