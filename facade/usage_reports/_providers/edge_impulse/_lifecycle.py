"""The white-label usage-report lifecycle, as sans-I/O flows over the generated client.

Each function returns a flow: it yields ``ApiRequest`` (built with the
generated ``request_kwargs``) and ``Wait`` steps, receives answer bodies, and
parses them with the generated models; the engine sends, retries and maps
errors, for the sync and async clients alike. Results are this library's own
value objects (``Tenant``, ``ReportInfo``): generated models never leak out.

Find or create, then wait (``_resolve.resolve``), for a request with a period:

1. read every page of the tenant's reports;
2. a finished, successful report whose period matches exactly is reused (the newest);
3. else one still pending with that period is waited for;
4. else (none, or only failed ones) a report is created, found by its job id, and waited for.

Waiting polls with backoff (``poll_interval`` growing 1.5x to 30 s) within
``max_wait`` seconds in all. A report this run created that fails is an error
naming tenant and period, never retried; an earlier failed one is ignored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Final

import httpx
from usage_reports_clients.edgeimpulse.api.organizations import (
    whitelabel_admin_create_organization_usage_report as create_operation,
)
from usage_reports_clients.edgeimpulse.api.organizations import (
    whitelabel_admin_delete_organization_usage_report as delete_operation,
)
from usage_reports_clients.edgeimpulse.api.organizations import (
    whitelabel_admin_get_organization_usage_report as get_operation,
)
from usage_reports_clients.edgeimpulse.api.organizations import (
    whitelabel_admin_get_organization_usage_reports as list_operation,
)
from usage_reports_clients.edgeimpulse.api.organizations import (
    whitelabel_admin_get_organizations as tenants_operation,
)
from usage_reports_clients.edgeimpulse.models import (
    AdminGetOrganizationsResponse,
    AdminGetReportResponse,
    AdminGetReportsResponse,
    GenericApiResponse,
    Report,
    StartJobResponse,
)

from ..._contract import ApiRequest, Flow
from ..._exceptions import PermissionDenied, UnexpectedResponse
from ..._periods import Period
from .._http import make_request
from ._settings import EdgeImpulse, ReportInfo, ReportStatus, Tenant

PROVIDER: Final = "edge_impulse"
#: Items asked for per page of a listing.
PAGE_SIZE: Final = 100


def _status(report: Report) -> ReportStatus:
    if not report.job_finished:
        return "pending"
    return "finished" if report.job_finished_successful else "failed"


def _info(report: Report) -> ReportInfo:
    try:
        period = Period(report.report_start_date, report.report_end_date)
    except ValueError as exc:
        raise UnexpectedResponse(
            f"{PROVIDER}: report {report.id} has an unusable period: {exc}", provider=PROVIDER, status_code=200
        ) from None
    return ReportInfo(report.id, report.job_id, report.created, period, _status(report))


def _parse(operation: str, body: bytes | None, parse: Callable[[Mapping[str, object]], object]) -> object:
    """A generated model from an answer body; UnexpectedResponse when the body is not what the spec says."""
    try:
        data = json.loads(body or b"")
        if not isinstance(data, dict):
            raise TypeError("not a JSON object")
        model = parse(data)
    except (ValueError, TypeError, KeyError) as exc:
        raise UnexpectedResponse(
            f"{PROVIDER}: {operation}: malformed answer ({type(exc).__name__})", provider=PROVIDER, status_code=200
        ) from None
    success = getattr(model, "success", True)
    if success is False:
        error = getattr(model, "error", None)
        raise UnexpectedResponse(
            f"{PROVIDER}: {operation}: the API answered success=false"
            + (f": {error}" if isinstance(error, str) else ""),
            provider=PROVIDER,
            status_code=200,
        )
    return model


def _request(
    settings: EdgeImpulse, operation: str, kwargs: Mapping[str, object], *, idempotent: bool = True
) -> ApiRequest:
    headers = {"Accept": "application/json", **settings.auth_headers()}
    base = settings.base_url or EdgeImpulse.DEFAULT_BASE_URL

    def build(timeout: httpx.Timeout) -> httpx.Request:
        return make_request(kwargs, base, headers, timeout)

    return ApiRequest(operation, build, idempotent=idempotent)


def _admin_hint(error: PermissionDenied, organization_id: int) -> PermissionDenied:
    return PermissionDenied(
        f"{error.message} (is the credential a white-label admin of organization {organization_id}?)",
        provider=PROVIDER,
        status_code=error.status_code,
    )


def list_tenants(settings: EdgeImpulse, organization_id: int) -> Flow[list[Tenant]]:
    """Every inner organization of the white label, all pages read."""
    tenants: list[Tenant] = []
    while True:
        kwargs = tenants_operation.request_kwargs(organization_id, limit=PAGE_SIZE, offset=len(tenants))
        try:
            body = yield _request(settings, "whitelabelAdminGetOrganizations", kwargs)
        except PermissionDenied as exc:
            raise _admin_hint(exc, organization_id) from exc
        page = _parse("whitelabelAdminGetOrganizations", body, AdminGetOrganizationsResponse.from_dict)
        assert isinstance(page, AdminGetOrganizationsResponse)
        tenants.extend(Tenant(item.id, item.name, item.created) for item in page.organizations)
        if not page.organizations or len(tenants) >= page.total:
            return tenants


def list_reports(settings: EdgeImpulse, organization_id: int, inner_organization_id: int) -> Flow[list[ReportInfo]]:
    """Every usage report of a tenant, all pages read."""
    reports: list[ReportInfo] = []
    while True:
        kwargs = list_operation.request_kwargs(
            organization_id, inner_organization_id, limit=PAGE_SIZE, offset=len(reports)
        )
        try:
            body = yield _request(settings, "whitelabelAdminGetOrganizationUsageReports", kwargs)
        except PermissionDenied as exc:
            raise _admin_hint(exc, organization_id) from exc
        page = _parse("whitelabelAdminGetOrganizationUsageReports", body, AdminGetReportsResponse.from_dict)
        assert isinstance(page, AdminGetReportsResponse)
        reports.extend(_info(report) for report in page.reports)
        if not page.reports or len(reports) >= page.total_count:
            return reports


def get_report(
    settings: EdgeImpulse, organization_id: int, inner_organization_id: int, report_id: int
) -> Flow[ReportInfo]:
    kwargs = get_operation.request_kwargs(organization_id, inner_organization_id, report_id)
    body = yield _request(settings, "whitelabelAdminGetOrganizationUsageReport", kwargs)
    answer = _parse("whitelabelAdminGetOrganizationUsageReport", body, AdminGetReportResponse.from_dict)
    assert isinstance(answer, AdminGetReportResponse)
    return _info(answer.report)


def create_report(settings: EdgeImpulse, organization_id: int, inner_organization_id: int, period: Period) -> Flow[int]:
    """Ask for a report of the period; the answer is the id of the JOB that builds it, not a report id."""
    kwargs = create_operation.request_kwargs(
        organization_id, inner_organization_id, start_date=period.start, end_date=period.end
    )
    body = yield _request(settings, "whitelabelAdminCreateOrganizationUsageReport", kwargs, idempotent=False)
    answer = _parse("whitelabelAdminCreateOrganizationUsageReport", body, StartJobResponse.from_dict)
    assert isinstance(answer, StartJobResponse)
    return answer.id


def delete_report(
    settings: EdgeImpulse, organization_id: int, inner_organization_id: int, report_id: int
) -> Flow[None]:
    kwargs = delete_operation.request_kwargs(organization_id, inner_organization_id, report_id)
    body = yield _request(settings, "whitelabelAdminDeleteOrganizationUsageReport", kwargs, idempotent=False)
    _parse("whitelabelAdminDeleteOrganizationUsageReport", body, GenericApiResponse.from_dict)
    return None
