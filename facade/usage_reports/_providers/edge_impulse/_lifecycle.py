"""The white-label usage-report lifecycle, as sans-I/O flows over the generated client.

Each function returns a flow: it yields ``ApiRequest`` (built with the
generated ``request_kwargs``) and ``Wait`` steps, receives answer bodies, and
parses them with the generated models; the engine sends, retries and maps
errors, for the sync and async clients alike. Results are this library's own
value objects (``Tenant``, ``ReportInfo``): generated models never leak out.

Find or create, then wait (``resolve``), for a request with a period:

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
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, TypeVar

import attrs
import httpx
from usage_reports_clients.edgeimpulse.api.organizations import (
    whitelabel_admin_create_organization_usage_report as create_operation,
)
from usage_reports_clients.edgeimpulse.api.organizations import (
    whitelabel_admin_delete_organization_usage_report as delete_operation,
)
from usage_reports_clients.edgeimpulse.api.organizations import (
    whitelabel_admin_get_organization_compute_time_usage as compute_time_operation,
)
from usage_reports_clients.edgeimpulse.api.organizations import (
    whitelabel_admin_get_organization_info as info_operation,
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
    AdminGetOrganizationComputeTimeUsageResponse,
    AdminGetOrganizationsResponse,
    AdminGetReportResponse,
    AdminGetReportsResponse,
    AdminOrganizationInfoResponse,
    GenericApiResponse,
    Report,
    StartJobResponse,
)

from ..._contract import ApiRequest, Flow, Wait
from ..._exceptions import PermissionDenied, ReportJobFailed, ReportWaitExceeded, UnexpectedResponse
from ..._periods import Period
from ..._redact import Redactor
from .._http import make_request
from ._model import EdgeImpulse, EdgeImpulseUsageReport, ReportInfo, ReportStatus, Tenant
from ._usage import ComputeTime, DailyMetrics, EntitlementLimits, TenantInfo

PROVIDER: Final = "edge_impulse"
Item = TypeVar("Item")
#: Items asked for per page of a listing.
PAGE_SIZE: Final = 100
#: The most items one listing may hold before it is refused as endless (a server inventing pages).
MAX_LISTED: Final = 100_000
#: The longest pause between two polls of a pending report.
MAX_POLL_INTERVAL: Final = 30.0
_POLL_GROWTH: Final = 1.5


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


def _parse(
    settings: EdgeImpulse, operation: str, body: bytes | None, parse: Callable[[Mapping[str, object]], object]
) -> object:
    """A generated model from an answer body; UnexpectedResponse when the body is not what the spec says.

    ``success: false`` is checked before the typed parse: such an answer carries the vendor's ``error``
    (quoted: redacted and escaped) and none of the success fields, which would read as a malformed answer.
    """
    try:
        data = json.loads(body or b"")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise UnexpectedResponse(
            f"{PROVIDER}: {operation}: malformed answer (not a JSON object)", provider=PROVIDER, status_code=200
        )
    if data.get("success") is False:
        error = data.get("error")
        quoted = Redactor(settings.secrets()).quote(error, limit=300) if isinstance(error, str) and error else ""
        raise UnexpectedResponse(
            f"{PROVIDER}: {operation}: the API answered success=false" + (f": {quoted}" if quoted else ""),
            provider=PROVIDER,
            status_code=200,
        )
    try:
        return parse(data)
    except (ValueError, TypeError, KeyError) as exc:
        raise UnexpectedResponse(
            f"{PROVIDER}: {operation}: malformed answer ({type(exc).__name__})", provider=PROVIDER, status_code=200
        ) from None


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


def _listing(
    settings: EdgeImpulse,
    operation: str,
    what: str,
    page_at: Callable[[int], Mapping[str, object]],
    read: Callable[[object], tuple[list[Item], int]],
    ident: Callable[[Item], int],
    organization_id: int,
) -> Flow[list[Item]]:
    """Every item of a paged listing, read until an empty or short page; never on the word of its total alone.

    A server may cap pages below the ``limit`` asked, ignore ``offset`` (the same page again), or state a
    ``total`` that its pages contradict. Pages are the truth: a total lower than what they hold only
    costs one more request, and anything that could drop or invent an item fails the listing in one line
    (a repeated item, a total the pages never reach, more than ``MAX_LISTED`` items).
    """
    items: list[Item] = []
    seen: set[int] = set()
    largest = 0
    total = 0
    while True:
        try:
            body = yield _request(settings, operation, page_at(len(items)))
        except PermissionDenied as exc:
            raise _admin_hint(exc, organization_id) from exc
        page, total = read(_parse(settings, operation, body, _MODELS[operation]))
        repeated = [ident(item) for item in page if ident(item) in seen]
        if repeated or len({ident(item) for item in page}) != len(page):
            raise _untrusted(
                operation,
                f"the page at offset {len(items)} repeats {what} already listed (id {(repeated or [ident(page[0])])[0]}); "
                "the server may ignore offset",
            )
        items.extend(page)
        seen.update(ident(item) for item in page)
        if len(items) > MAX_LISTED:
            raise _untrusted(operation, f"more than {MAX_LISTED} {what}; refusing to page on")
        if not page or len(page) < largest:  # an empty page, or shorter than the server's own page size: the end
            break
        largest = max(largest, len(page))
    if len(items) < total:
        raise _untrusted(operation, f"its pages ended after {len(items)} {what} but it counts {total}")
    return items


def _untrusted(operation: str, why: str) -> UnexpectedResponse:
    return UnexpectedResponse(
        f"{PROVIDER}: {operation}: the listing cannot be trusted: {why}", provider=PROVIDER, status_code=200
    )


def list_tenants(settings: EdgeImpulse, organization_id: int) -> Flow[list[Tenant]]:
    """Every inner organization of the white label, all pages read (see ``_listing``)."""

    def read(model: object) -> tuple[list[Tenant], int]:
        assert isinstance(model, AdminGetOrganizationsResponse)
        return [Tenant(item.id, item.name, item.created) for item in model.organizations], model.total

    return (
        yield from _listing(
            settings,
            "whitelabelAdminGetOrganizations",
            "tenants",
            lambda offset: tenants_operation.request_kwargs(organization_id, limit=PAGE_SIZE, offset=offset),
            read,
            lambda tenant: tenant.id,
            organization_id,
        )
    )


def list_reports(settings: EdgeImpulse, organization_id: int, inner_organization_id: int) -> Flow[list[ReportInfo]]:
    """Every usage report of a tenant, all pages read (see ``_listing``)."""

    def read(model: object) -> tuple[list[ReportInfo], int]:
        assert isinstance(model, AdminGetReportsResponse)
        return [_info(report) for report in model.reports], model.total_count

    return (
        yield from _listing(
            settings,
            "whitelabelAdminGetOrganizationUsageReports",
            "reports",
            lambda offset: list_operation.request_kwargs(
                organization_id, inner_organization_id, limit=PAGE_SIZE, offset=offset
            ),
            read,
            lambda report: report.id,
            organization_id,
        )
    )


_MODELS: Final[Mapping[str, Callable[[Mapping[str, object]], object]]] = {
    "whitelabelAdminGetOrganizations": AdminGetOrganizationsResponse.from_dict,
    "whitelabelAdminGetOrganizationUsageReports": AdminGetReportsResponse.from_dict,
}


def get_report(
    settings: EdgeImpulse, organization_id: int, inner_organization_id: int, report_id: int
) -> Flow[ReportInfo]:
    kwargs = get_operation.request_kwargs(organization_id, inner_organization_id, report_id)
    body = yield _request(settings, "whitelabelAdminGetOrganizationUsageReport", kwargs)
    answer = _parse(settings, "whitelabelAdminGetOrganizationUsageReport", body, AdminGetReportResponse.from_dict)
    assert isinstance(answer, AdminGetReportResponse)
    return _info(answer.report)


def create_report(settings: EdgeImpulse, organization_id: int, inner_organization_id: int, period: Period) -> Flow[int]:
    """Ask for a report of the period; the answer is the id of the JOB that builds it, not a report id."""
    kwargs = create_operation.request_kwargs(
        organization_id, inner_organization_id, start_date=period.start, end_date=period.end
    )
    body = yield _request(settings, "whitelabelAdminCreateOrganizationUsageReport", kwargs, idempotent=False)
    answer = _parse(settings, "whitelabelAdminCreateOrganizationUsageReport", body, StartJobResponse.from_dict)
    assert isinstance(answer, StartJobResponse)
    return answer.id


def delete_report(
    settings: EdgeImpulse, organization_id: int, inner_organization_id: int, report_id: int
) -> Flow[None]:
    kwargs = delete_operation.request_kwargs(organization_id, inner_organization_id, report_id)
    body = yield _request(settings, "whitelabelAdminDeleteOrganizationUsageReport", kwargs, idempotent=False)
    _parse(settings, "whitelabelAdminDeleteOrganizationUsageReport", body, GenericApiResponse.from_dict)
    return None


def _exact(data: Mapping[str, Any], key: str) -> Decimal | None:
    """A number exactly as the JSON text has it (``data`` parsed with Decimal floats); None when absent."""
    value = data.get(key)
    if value is None or isinstance(value, bool):
        return None
    return Decimal(value) if isinstance(value, int | Decimal) else None


def _exact_body(body: bytes | None) -> Mapping[str, Any]:
    data = json.loads(body or b"", parse_float=Decimal)
    assert isinstance(data, dict)  # _parse checked it is an object
    return data


def compute_time(
    settings: EdgeImpulse, organization_id: int, inner_organization_id: int, period: Period
) -> Flow[ComputeTime]:
    """A tenant's CPU, GPU and total compute time over the period, exactly as reported."""
    kwargs = compute_time_operation.request_kwargs(
        organization_id, inner_organization_id, start_date=period.start, end_date=period.end
    )
    operation = "whitelabelAdminGetOrganizationComputeTimeUsage"
    body = yield _request(settings, operation, kwargs)
    _parse(
        settings, operation, body, AdminGetOrganizationComputeTimeUsageResponse.from_dict
    )  # the spec's shape, success
    data = _exact_body(body)
    return ComputeTime(
        organization_id,
        inner_organization_id,
        period,
        _exact(data, "cpuComputeTime"),
        _exact(data, "gpuComputeTime"),
        _exact(data, "totalComputeTime"),
    )


def tenant_info(settings: EdgeImpulse, organization_id: int, inner_organization_id: int) -> Flow[TenantInfo]:
    """A tenant's contract start, entitlement limits, storage and daily metrics (the last 365 days)."""
    kwargs = info_operation.request_kwargs(organization_id, inner_organization_id)
    operation = "whitelabelAdminGetOrganizationInfo"
    body = yield _request(settings, operation, kwargs)
    model = _parse(settings, operation, body, AdminOrganizationInfoResponse.from_dict)
    assert isinstance(model, AdminOrganizationInfoResponse)
    data = _exact_body(body)
    raw_limits = data.get("entitlementLimits")
    limits = None
    if isinstance(raw_limits, dict):
        projects, users = raw_limits.get("numberOfProjects"), raw_limits.get("numberOfUsers")
        limits = EntitlementLimits(
            _exact(raw_limits, "totalStorage"),
            _exact(raw_limits, "computeTimePerYear"),
            _exact(raw_limits, "gpuComputeTimePerYear"),
            projects if isinstance(projects, int) else None,
            users if isinstance(users, int) else None,
        )
    since = model.compute_time_current_contract_since
    daily = model.daily_metrics if isinstance(model.daily_metrics, list) else []
    return TenantInfo(
        organization_id,
        inner_organization_id,
        model.billable if isinstance(model.billable, bool) else None,
        limits,
        since if isinstance(since, datetime) else None,
        _exact(data, "totalStorage"),
        _exact(data, "cpuComputeTime"),
        _exact(data, "gpuComputeTime"),
        _exact(data, "totalComputeTime"),
        tuple(
            DailyMetrics(
                record.date,
                record.cpu_compute_time_seconds,
                record.gpu_compute_time_seconds,
                record.compute_time_seconds,
                record.total_storage_size_bytes,
                record.total_users,
                record.total_projects,
            )
            for record in daily
        ),
    )


@attrs.frozen
class _Clock:
    """The bounded total wait of one resolution, with the next poll interval."""

    deadline: float
    interval: float

    def next(self) -> tuple[float, _Clock] | None:
        left = self.deadline - time.monotonic()
        if left <= 0:
            return None
        pause = min(self.interval, left)
        return pause, _Clock(self.deadline, min(self.interval * _POLL_GROWTH, MAX_POLL_INTERVAL))


def resolve(
    settings: EdgeImpulse, request: EdgeImpulseUsageReport
) -> Flow[tuple[EdgeImpulseUsageReport, dict[str, object]]]:
    """The request with a report id: reused, awaited or created (see the module docstring)."""
    period = request.period
    assert period is not None
    org, inner = request.organization_id, request.inner_organization_id
    where = f"{PROVIDER}: tenant {inner} of organization {org}, period {period.label}"
    clock = _Clock(time.monotonic() + request.max_wait, request.poll_interval)
    matching = [r for r in (yield from list_reports(settings, org, inner)) if r.period == period]
    finished = [r for r in matching if r.status == "finished"]
    if finished:
        chosen = max(finished, key=lambda r: (r.created, r.id))
        return attrs.evolve(request, report_id=chosen.id, period=None), {"report_id": chosen.id, "report": "reused"}
    for pending in sorted(
        (r for r in matching if r.status == "pending"), key=lambda r: (r.created, r.id), reverse=True
    ):
        done, clock = yield from _wait_for(settings, request, pending.id, clock, where)
        if done.status == "finished":
            return attrs.evolve(request, report_id=done.id, period=None), {"report_id": done.id, "report": "awaited"}
        # someone else's report failed: ignored, like any earlier failure
    job_id = yield from create_report(settings, org, inner, period)
    report_id, clock = yield from _find_by_job(settings, request, job_id, clock, where)
    done, clock = yield from _wait_for(settings, request, report_id, clock, where)
    if done.status == "failed":
        raise ReportJobFailed(
            f"{where}: the report this run created (report {report_id}, job {job_id}) failed; "
            "see the job in Edge Impulse Studio",
            provider=PROVIDER,
            status_code=None,
        )
    return attrs.evolve(request, report_id=report_id, period=None), {"report_id": report_id, "report": "created"}


def _find_by_job(
    settings: EdgeImpulse, request: EdgeImpulseUsageReport, job_id: int, clock: _Clock, where: str
) -> Flow[tuple[int, _Clock]]:
    """The report a creation job made, from the listing (it may take a moment to appear)."""
    while True:
        reports = yield from list_reports(settings, request.organization_id, request.inner_organization_id)
        found = [r for r in reports if r.job_id == job_id]
        if found:
            _check_period(found[0], request, where)
            return found[0].id, clock
        step = clock.next()
        if step is None:
            raise _waited_too_long(where, request.max_wait, f"the report of job {job_id} never appeared")
        pause, clock = step
        yield Wait(pause)


def _wait_for(
    settings: EdgeImpulse, request: EdgeImpulseUsageReport, report_id: int, clock: _Clock, where: str
) -> Flow[tuple[ReportInfo, _Clock]]:
    while True:
        report = yield from get_report(settings, request.organization_id, request.inner_organization_id, report_id)
        _check_period(report, request, where)
        if report.status != "pending":
            return report, clock
        step = clock.next()
        if step is None:
            raise _waited_too_long(where, request.max_wait, f"report {report_id} is still pending")
        pause, clock = step
        yield Wait(pause)


def _check_period(report: ReportInfo, request: EdgeImpulseUsageReport, where: str) -> None:
    """A report is used only for the period it covers: never saved under another period's name."""
    if report.period != request.period:
        raise UnexpectedResponse(
            f"{where}: report {report.id} covers {report.period.iso()['start']} to {report.period.iso()['end']}, "
            "not the period asked for; it is not used",
            provider=PROVIDER,
            status_code=200,
        )


def _waited_too_long(where: str, max_wait: float, what: str) -> ReportWaitExceeded:
    return ReportWaitExceeded(
        f"{where}: {what} after waiting {max_wait:g} s (max_wait); run again later: "
        "the next run picks the report up when it is finished",
        provider=PROVIDER,
        status_code=None,
    )
