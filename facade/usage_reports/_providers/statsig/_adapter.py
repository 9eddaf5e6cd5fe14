"""Statsig Console API: the project's usage billing report for a period.

The seed spec documents a 200 text/csv; the vendor's other published spec
documents a 200 JSON whose data[].url points at the file. Both are handled:
the link is fetched without the Console key.
"""

from __future__ import annotations

import httpx
from usage_reports_clients.statsig.api.usage import get_console_v1_project_usage_billing_report as operation
from usage_reports_clients.statsig.models import (
    GetConsoleV1ProjectUsageBillingReportResponse400,
    GetConsoleV1ProjectUsageBillingReportResponse401,
)
from usage_reports_clients.statsig.types import UNSET

from ..._contract import Accept, Adapter, Decision, FollowLink
from .._http import json_object, json_text, make_request, media_type
from ._model import Statsig, StatsigUsageReport

_CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain", "application/octet-stream"})
_ERROR_MODELS = (GetConsoleV1ProjectUsageBillingReportResponse400, GetConsoleV1ProjectUsageBillingReportResponse401)


class StatsigAdapter(Adapter[StatsigUsageReport, Statsig]):
    operation = "get_console_v1_project_usage_billing_report"

    def build(self, request: StatsigUsageReport, settings: Statsig, timeout: httpx.Timeout) -> httpx.Request:
        settings.require_credentials()
        start = request.start_ms
        kwargs = operation.request_kwargs(start=UNSET if start is None else start, end=request.end_ms)
        assert settings.console_api_key is not None
        headers = {
            "STATSIG-API-KEY": settings.console_api_key,
            "STATSIG-API-VERSION": settings.api_version,
            "Accept": "text/csv, application/json;q=0.9",
        }
        return make_request(kwargs, settings.base_url or Statsig.DEFAULT_BASE_URL, headers, timeout)

    def accept(self, response: httpx.Response, *, from_api: bool) -> Decision:
        kind = media_type(response)
        if from_api and kind == "application/json":
            return FollowLink()
        if kind in _CSV_TYPES or (not from_api and kind in {"binary/octet-stream", ""}):
            return Accept(kind or "text/csv")
        return f"expected text/csv, got {kind or 'no media type'}"

    def link(self, body: bytes) -> str:
        data = json_object(body)
        items = data.get("data") if data else None
        urls = [item.get("url") for item in items if isinstance(item, dict)] if isinstance(items, list) else []
        if len(urls) != 1 or not isinstance(urls[0], str) or not urls[0]:
            raise ValueError(f"expected one data[].url in the JSON answer, found {len(urls)}")
        return urls[0]

    def error_message(self, body: bytes) -> str | None:
        data = json_object(body)
        if data is not None:
            for model in _ERROR_MODELS:  # the generated models, when the body is as documented
                try:
                    return model.from_dict(data).message
                except (KeyError, ValueError, TypeError):
                    continue
        return json_text(body, "message", "error")
