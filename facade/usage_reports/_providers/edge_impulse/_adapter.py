"""Edge Impulse white-label admin: the download answers 302 to a signed storage URL.

The storage URL is a credential in itself: it is fetched without any Edge
Impulse credential and never logged (the engine sees to both).
"""

from __future__ import annotations

import json

import httpx
from usage_reports_clients.edgeimpulse.api.organizations import (
    whitelabel_admin_download_organization_usage_report as operation,
)
from usage_reports_clients.edgeimpulse.api.organizations import (
    whitelabel_admin_get_organization_compute_time_usage as compute_time_operation,
)

from ..._contract import Accept, Adapter, Decision, Flow
from .._http import json_text, make_request, media_type
from ._model import EdgeImpulse, EdgeImpulseComputeTime, EdgeImpulseUsageReport

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


def _compute_time_document(body: bytes) -> str | None:
    """Why a compute-time answer is not kept (None: a JSON object with ``success: true``)."""
    try:
        data = json.loads(body)
    except ValueError:
        return "the compute time is not JSON"
    if not isinstance(data, dict):
        return "the compute time is not a JSON object"
    if data.get("success") is not True:
        error = data.get("error")
        return "the API answered success=false" + (f": {error}" if isinstance(error, str) and error else "")
    return None


class EdgeImpulseComputeTimeAdapter(Adapter[EdgeImpulseComputeTime, EdgeImpulse]):
    """A tenant's compute time of a period: the vendor's JSON kept as it came, once checked (success true)."""

    operation = "whitelabel_admin_get_organization_compute_time_usage"

    def build(self, request: EdgeImpulseComputeTime, settings: EdgeImpulse, timeout: httpx.Timeout) -> httpx.Request:
        settings.require_credentials()
        kwargs = compute_time_operation.request_kwargs(
            request.organization_id,
            request.inner_organization_id,
            start_date=request.period.start,
            end_date=request.period.end,
        )
        headers = {"Accept": "application/json", **settings.auth_headers()}
        return make_request(kwargs, settings.base_url or EdgeImpulse.DEFAULT_BASE_URL, headers, timeout)

    def accept(self, response: httpx.Response, *, from_api: bool) -> Decision:
        kind = media_type(response)
        if kind not in (None, "", "application/json"):
            return f"expected the compute time as JSON, got {kind}"
        return Accept("application/json", check=_compute_time_document, check_limit=1 << 20)

    def error_message(self, body: bytes) -> str | None:
        return json_text(body, "error", "message")
