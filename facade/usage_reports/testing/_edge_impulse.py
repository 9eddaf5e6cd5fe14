"""The simulated Edge Impulse white-label usage-report API, as the vendor's OpenAPI document has it.

All paths sit under the base URL's ``/v1``; W is
``/api/organizations/{organizationId}/whitelabel/organizations`` and R is
``W/{innerOrganizationId}/usage/reports``::

    GET    W                  the white label's inner organizations (tenants): limit, offset, search;
                              {"success", "organizations": [{id, name, created, privateProjectCount,
                              whitelabelId}], "total"}
    GET    R                  a tenant's reports, newest first: limit, offset; {"success", "reports", "totalCount"}
    POST   R?startDate&endDate  create a report (date-time query, no body): {"success", "id": JOB id};
                              the report is listed at once with that jobId, pending for a few polls
    GET    R/{reportId}       {"success", "report": {id, created, createdByUser, jobId, jobFinished,
                              jobFinishedSuccessful, reportStartDate, reportEndDate}}
    DELETE R/{reportId}       {"success": true}
    GET    W/{innerOrganizationId}/usage/computeTime?startDate&endDate
                              {"success", "cpuComputeTime", "gpuComputeTime" (seconds), "totalComputeTime"
                              (minutes, CPU + GPU, as the vendor documents it)} of the days in the period
    GET    W/{innerOrganizationId}  {"success", "billable", "entitlementLimits", "computeTimeCurrentContractSince",
                              "totalStorage", "cpuComputeTime"..., "dailyMetrics": the last 365 days}
    GET    R/{reportId}/download  302 to a signed storage URL (another host and port) serving the CSV

A page holds at most ``page_size`` items (default 2) whatever ``limit`` asks,
so clients must follow ``total``/``totalCount``. Every listing or get that
shows a pending report counts as one poll; after ``pending_polls`` polls
(default 2) its job has finished, successfully unless its tenant is failing.

Credentials: ``x-api-key``, the ``x-jwt-token`` header or the ``jwt`` cookie.
The sandbox API key and JWT belong to a white-label admin of organization 1;
:data:`SANDBOX_EDGE_IMPULSE_NON_ADMIN_API_KEY` is valid but belongs to no
white-label admin (403 JSON on every white-label endpoint); anything else is
401 JSON. Errors are ``{"success": false, "error": "..."}``.

The default world (:meth:`EdgeImpulseSimulator.reset_world`): white label 1
with tenants 2 to 6; tenant 3 holds a finished report for October 2026
(2026-10-01T00:00:00Z to 2026-11-01T00:00:00Z); every report job of tenant 6
fails. A download of a report id the world never issued (say report 3 of
tenant 2 of organization 7) is served as a finished report, whatever the
organization and tenant, so download-only tests need no set-up.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Final, Literal

from ._server import CHUNK_SIZE, Answer, RecordedRequest, SimulatorContext, method_not_allowed

__all__ = [
    "SANDBOX_EDGE_IMPULSE_API_KEY",
    "SANDBOX_EDGE_IMPULSE_JWT",
    "SANDBOX_EDGE_IMPULSE_NON_ADMIN_API_KEY",
    "EdgeImpulseSimulator",
    "ListingFault",
    "SimulatedReport",
    "SimulatedTenant",
    "daily_usage",
    "simulator",
    "total_minutes",
]

SANDBOX_EDGE_IMPULSE_API_KEY: Final = "ei-sandbox-key"
SANDBOX_EDGE_IMPULSE_JWT: Final = "ei-sandbox-jwt"
#: A valid API key whose user administers no white label: 403 on every white-label endpoint.
SANDBOX_EDGE_IMPULSE_NON_ADMIN_API_KEY: Final = "ei-sandbox-member-key"

DEFAULT_WHITELABEL_ID: Final = 1
DEFAULT_PAGE_SIZE: Final = 2
DEFAULT_PENDING_POLLS: Final = 2
DEFAULT_REPORT_SIZE: Final = 4096
FIRST_REPORT_ID: Final = 1001
FIRST_JOB_ID: Final = 12_873_488_001

_ID = r"([1-9][0-9]{0,17})"
_WHITELABEL = rf"/v1/api/organizations/{_ID}/whitelabel/organizations"
_ROUTES: Final = (
    ("tenants", re.compile(_WHITELABEL), ("GET",)),
    ("info", re.compile(rf"{_WHITELABEL}/{_ID}"), ("GET",)),
    ("compute_time", re.compile(rf"{_WHITELABEL}/{_ID}/usage/computeTime"), ("GET",)),
    ("reports", re.compile(rf"{_WHITELABEL}/{_ID}/usage/reports"), ("GET", "POST")),
    ("report", re.compile(rf"{_WHITELABEL}/{_ID}/usage/reports/{_ID}"), ("GET", "DELETE")),
    ("download", re.compile(rf"{_WHITELABEL}/{_ID}/usage/reports/{_ID}/download"), ("GET",)),
)
_STORAGE_REPORT: Final = re.compile(rf"/reports/{_ID}-{_ID}-{_ID}\.csv")
_INTEGER: Final = re.compile(r"-?[0-9]{1,18}")
_BOOLEAN: Final = {"true": True, "false": False}
_DATE_TIME: Final = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_ADMIN: Final = {"id": 1, "name": "Sandbox Admin", "username": "sandbox-admin"}
_NOT_FOUND: Final = {"success": False, "error": "Not found"}

ReportState = Literal["pending", "finished", "failed"]
#: A hostile listing: "same_page_forever" (offset ignored, a huge total), "ignores_offset" (offset ignored, the
#: right total), "total_too_low" (a total of 2 whatever the pages hold), "total_too_high" (the total plus 1000).
ListingFault = Literal["same_page_forever", "ignores_offset", "total_too_low", "total_too_high"]


# --- The report CSV --------------------------------------------------------------------

_CSV_HEADER: Final = b"date,organization_id,metric,value\n"
_METRICS: Final = (
    "compute_time_seconds",
    "storage_bytes",
    "dsp_jobs",
    "Gerätestunden",  # non-ASCII on purpose: reports carry UTF-8
    "données_traitées",
    "推論回数",
)
_PAD_MIN: Final = len(b"2026-01-01,0,padding,0\n")


def _block(report_id: int) -> tuple[bytes, list[int]]:
    """A ~64 KiB run of whole CSV rows for this report, and each row's length."""
    rows: list[bytes] = []
    total = 0
    index = 0
    while total < CHUNK_SIZE - 128:
        day = 1 + index // len(_METRICS) % 28
        metric = _METRICS[index % len(_METRICS)]
        org = 1000 + (report_id * 7 + index) % 97
        value = (report_id * 2_654_435_761 + index * 40_503) % 1_000_003
        row = f"2026-01-{day:02d},{org},{metric},{value}\n".encode()
        rows.append(row)
        total += len(row)
        index += 1
    return b"".join(rows), [len(row) for row in rows]


def _pad_row(length: int) -> bytes:
    return b"2026-01-01,0,padding," + b"0" * (length - _PAD_MIN + 1) + b"\n"


def iter_report(report_id: int, size: int) -> Iterator[bytes]:
    """The CSV of a report, exactly ``size`` bytes of whole rows, in chunks of at most 64 KiB, with flat memory."""
    if size < len(_CSV_HEADER) + _PAD_MIN:
        yield (_CSV_HEADER + _pad_row(max(size, _PAD_MIN)))[:size]
        return
    block, row_lengths = _block(report_id)
    remaining = size - len(_CSV_HEADER)
    full, rest = divmod(remaining, len(block))
    if full and 0 < rest < _PAD_MIN:
        full, rest = full - 1, rest + len(block)
    yield _CSV_HEADER
    for _ in range(full):
        yield block
    # The tail: whole rows while a padding row (or nothing) can still fill the rest.
    taken = 0
    for length in row_lengths:
        left = rest - taken - length
        if left != 0 and left < _PAD_MIN:
            break
        taken += length
        if left == 0:
            break
    tail = block[:taken]
    if rest > taken:
        tail += _pad_row(rest - taken)
    for start in range(0, len(tail), CHUNK_SIZE):
        yield tail[start : start + CHUNK_SIZE]


# --- The white label's world ---------------------------------------------------------------


@dataclass(frozen=True)
class SimulatedTenant:
    """An inner organization of the white label."""

    id: int
    name: str
    created: datetime
    private_project_count: int = 0


@dataclass(frozen=True)
class SimulatedReport:
    """A usage report as the simulator holds it (a snapshot: changing it changes nothing)."""

    id: int
    job_id: int
    tenant_id: int
    created: datetime
    start: datetime
    end: datetime
    polls_left: int
    """How many more listings or gets show it pending."""
    fails: bool
    """Whether its job ends unsuccessfully."""
    deleted: bool = False

    @property
    def state(self) -> ReportState:
        if self.polls_left > 0:
            return "pending"
        return "failed" if self.fails else "finished"


_DEFAULT_TENANTS: Final = (
    (2, "Acme Sensors"),
    (3, "Zürich Robotics AG"),
    (4, "Kraków Vision Lab"),
    (5, "São Paulo Agritech"),
    (6, "Øresund Wearables"),
)
_DEFAULT_FAILING: Final = frozenset({6})
_OCTOBER_2026: Final = (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
_WORLD_CREATED: Final = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


_CONTRACT_SINCE: Final = datetime(2026, 3, 15, tzinfo=UTC)  # contracts need not start on the 1st
_STORAGE_BYTES: Final = 1_250_000_000


def daily_usage(tenant_id: int, day: date) -> tuple[int, int]:
    """The simulated CPU and GPU seconds a tenant used on a day (deterministic; even tenants use GPUs)."""
    ordinal = day.toordinal()
    cpu = 60 + (tenant_id * 7919 + ordinal * 104_729) % 3600
    gpu = (tenant_id * 31 + ordinal * 17) % 600 if tenant_id % 2 == 0 else 0
    return cpu, gpu


def total_minutes(cpu_seconds: int, gpu_seconds: int) -> float:
    """``totalComputeTime`` as the vendor documents it: CPU + GPU, in minutes."""
    return round((cpu_seconds + gpu_seconds) / 60, 6)


def _iso(moment: datetime) -> str:
    """RFC 3339 with milliseconds, ``Z`` for UTC (as a JavaScript backend prints dates)."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_date_time(text: str) -> datetime | None:
    """An RFC 3339 date-time, offset required (a leap second reads as :59); None when invalid.

    A naive time (what ``datetime.isoformat()`` gives without a zone) is no
    RFC 3339 date-time: the real API would have to guess its zone, so it is refused.
    """
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    fraction, offset = match.group(7) or "", match.group(8)
    zone: timezone = UTC
    if offset not in ("Z", "z"):
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        if hours > 23 or minutes > 59:
            return None
        delta = timedelta(hours=hours, minutes=minutes)
        zone = timezone(-delta if offset[0] == "-" else delta)
    try:
        return datetime(year, month, day, hour, minute, min(second, 59), int(fraction[:6].ljust(6, "0")), tzinfo=zone)
    except ValueError:
        return None


class EdgeImpulseSimulator:
    """Edge Impulse's white-label usage reports: listing, lifecycle and the 302 download.

    The knobs (all safe to change while the servers run):

    - ``whitelabel_id``: the organization the sandbox credentials administer (default 1);
    - ``page_size``: the most items a listing page holds, whatever ``limit`` asks (default 2);
    - ``pending_polls``: how many listings or gets show a newly created report pending (default 2);
    - :meth:`add_tenant`, :meth:`remove_tenant`, :meth:`set_failing`, :meth:`add_report`,
      :meth:`clear_world`, :meth:`reset_world` shape the world;
    - :meth:`set_report_size` and ``default_report_size`` size the served CSVs.

    Inspect it with :meth:`tenants`, :meth:`reports`, :meth:`report` and :meth:`creations`.
    """

    name: Final = "edge_impulse"
    spec: Final = "edgeimpulse"
    base_path: Final = "/v1"
    credential_headers: Final = frozenset({"x-api-key", "x-jwt-token"})
    credential_cookies: Final = frozenset({"jwt"})

    def __init__(self, *, report_size: int = DEFAULT_REPORT_SIZE, default_world: bool = True) -> None:
        if report_size < 0:
            raise ValueError("report_size must not be negative")
        self.default_report_size = report_size
        """The CSV size of every report without a size of its own (bytes)."""
        self.whitelabel_id = DEFAULT_WHITELABEL_ID
        self.page_size = DEFAULT_PAGE_SIZE
        self.pending_polls = DEFAULT_PENDING_POLLS
        self.listing_fault: ListingFault | None = None
        """How the tenant and report listings misbehave (None: they page as the spec says); see ListingFault."""
        self.success_false: dict[str, str] = {}
        """Answers 200 ``{"success": false, "error": TEXT}`` instead, keyed by "tenants", "reports" or "create"."""
        self.created_period_shift = timedelta(0)
        """Created reports cover the asked period moved by this much (a vendor answering for the wrong period)."""
        self._lock = threading.Lock()
        self._report_sizes: dict[int, int] = {}
        self._tenants: dict[int, SimulatedTenant] = {}
        self._failing: set[int] = set()
        self._reports: dict[int, SimulatedReport] = {}
        self._creations: dict[int, int] = {}
        self._report_ids = itertools.count(FIRST_REPORT_ID)
        self._job_ids = itertools.count(FIRST_JOB_ID)
        if default_world:
            self.reset_world()

    # --- shaping the world

    def reset_world(self) -> None:
        """Back to the default world (see the module docstring): the October report is report 1001 again."""
        self.clear_world()
        for tenant_id, name in _DEFAULT_TENANTS:
            self.add_tenant(tenant_id, name, private_project_count=tenant_id - 1)
        for tenant_id in _DEFAULT_FAILING:
            self.set_failing(tenant_id)
        self.add_report(3, *_OCTOBER_2026, created=datetime(2026, 11, 2, 6, 0, tzinfo=UTC))

    def clear_world(self) -> None:
        """No tenants, no reports, no failing tenants, no creations counted; knobs and ids back to their start."""
        with self._lock:
            self._report_ids = itertools.count(FIRST_REPORT_ID)
            self._job_ids = itertools.count(FIRST_JOB_ID)
            self.whitelabel_id = DEFAULT_WHITELABEL_ID
            self.page_size = DEFAULT_PAGE_SIZE
            self.pending_polls = DEFAULT_PENDING_POLLS
            self.listing_fault = None
            self.success_false = {}
            self.created_period_shift = timedelta(0)
            self._tenants.clear()
            self._failing.clear()
            self._reports.clear()
            self._creations.clear()

    def add_tenant(self, tenant_id: int, name: str | None = None, *, private_project_count: int = 0) -> None:
        """Add (or rename) an inner organization of the white label."""
        if tenant_id < 1:
            raise ValueError("a tenant id is a positive int")
        tenant = SimulatedTenant(tenant_id, name or f"Tenant {tenant_id}", _WORLD_CREATED, private_project_count)
        with self._lock:
            self._tenants[tenant_id] = tenant

    def remove_tenant(self, tenant_id: int) -> None:
        """Forget a tenant and its reports."""
        with self._lock:
            self._tenants.pop(tenant_id, None)
            self._failing.discard(tenant_id)
            for report in [report for report in self._reports.values() if report.tenant_id == tenant_id]:
                del self._reports[report.id]

    def set_failing(self, tenant_id: int, failing: bool = True) -> None:
        """Make every report job created from now on for this tenant fail (or succeed again)."""
        with self._lock:
            self._require_tenant(tenant_id)
            if failing:
                self._failing.add(tenant_id)
            else:
                self._failing.discard(tenant_id)

    def add_report(
        self,
        tenant_id: int,
        start: datetime,
        end: datetime,
        *,
        state: ReportState = "finished",
        pending_polls: int | None = None,
        created: datetime | None = None,
    ) -> SimulatedReport:
        """Put a report in a tenant's listing as if someone had created it in Studio.

        ``state="pending"`` keeps it pending for ``pending_polls`` polls (default
        the ``pending_polls`` knob), then it finishes successfully.
        """
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be aware datetimes")
        polls = (self.pending_polls if pending_polls is None else pending_polls) if state == "pending" else 0
        with self._lock:
            self._require_tenant(tenant_id)
            report = SimulatedReport(
                id=next(self._report_ids),
                job_id=next(self._job_ids),
                tenant_id=tenant_id,
                created=created or datetime.now(UTC),
                start=start,
                end=end,
                polls_left=max(polls, 1) if state == "pending" else 0,
                fails=state == "failed",
            )
            self._reports[report.id] = report
            return report

    # --- inspection

    def tenants(self) -> list[SimulatedTenant]:
        """The white label's tenants, by id."""
        with self._lock:
            return sorted(self._tenants.values(), key=lambda tenant: tenant.id)

    def failing_tenants(self) -> frozenset[int]:
        with self._lock:
            return frozenset(self._failing)

    def reports(self, tenant_id: int | None = None, *, include_deleted: bool = False) -> list[SimulatedReport]:
        """Every report (of one tenant), oldest first; reading them counts as no poll."""
        with self._lock:
            return [
                report
                for report in sorted(self._reports.values(), key=lambda report: report.id)
                if (tenant_id is None or report.tenant_id == tenant_id) and (include_deleted or not report.deleted)
            ]

    def report(self, report_id: int) -> SimulatedReport:
        """One report by id (KeyError when the world never issued it)."""
        with self._lock:
            return self._reports[report_id]

    def creations(self, tenant_id: int | None = None) -> int:
        """How many create requests were accepted (for one tenant, or in all)."""
        with self._lock:
            if tenant_id is None:
                return sum(self._creations.values())
            return self._creations.get(tenant_id, 0)

    # --- report sizes

    def set_report_size(self, report_id: int, size: int) -> None:
        """Serve this report's CSV at exactly ``size`` bytes."""
        if size < 0:
            raise ValueError("size must not be negative")
        with self._lock:
            self._report_sizes[report_id] = size

    def report_size(self, report_id: int) -> int:
        with self._lock:
            return self._report_sizes.get(report_id, self.default_report_size)

    def report_bytes(self, report_id: int) -> bytes:
        """The exact bytes storage serves for a report (meant for small sizes)."""
        return b"".join(iter_report(report_id, self.report_size(report_id)))

    # --- SimulatedVendor

    def handle(self, request: RecordedRequest, context: SimulatorContext) -> Answer:
        for route, pattern, methods in _ROUTES:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            if refused := method_not_allowed(request, *methods):
                return refused
            organization_id, *ids = (int(group) for group in match.groups())
            if route == "download":
                return self._download(request, context, organization_id, ids[0], ids[1])
            if refused := self._authorize(request, organization_id):
                return refused
            if route == "tenants":
                return self._list_tenants(request)
            with self._lock:
                if ids[0] not in self._tenants:
                    return Answer.json(404, {"success": False, "error": f"Organization {ids[0]} not found"})
                if route == "compute_time":
                    return self._compute_time(request, ids[0])
                if route == "info":
                    return self._info(ids[0])
                if route == "reports" and request.method == "POST":
                    return self._create(request, ids[0])
                if route == "reports":
                    return self._list_reports(request, ids[0])
                return self._one_report(request, ids[0], ids[1])
        return Answer.json(404, _NOT_FOUND)

    def storage(self, request: RecordedRequest, context: SimulatorContext) -> Answer | None:
        match = _STORAGE_REPORT.fullmatch(request.path)
        if match is None:
            return None
        report_id = int(match.group(3))
        size = self.report_size(report_id)
        return Answer.stream(200, "text/csv", iter_report(report_id, size), size)

    # --- the answers

    def _authorize(self, request: RecordedRequest, organization_id: int) -> Answer | None:
        key = request.header("x-api-key")
        jwt = request.header("x-jwt-token") or request.cookies().get("jwt")
        if key == SANDBOX_EDGE_IMPULSE_NON_ADMIN_API_KEY:
            return Answer.json(403, {"success": False, "error": "This API is only available to white label admins"})
        if key != SANDBOX_EDGE_IMPULSE_API_KEY and jwt != SANDBOX_EDGE_IMPULSE_JWT:
            return Answer.json(401, {"success": False, "error": "Invalid or missing API key or JWT token"})
        if organization_id != self.whitelabel_id:
            error = f"You are not a white label admin of organization {organization_id}"
            return Answer.json(403, {"success": False, "error": error})
        return None

    def _list_tenants(self, request: RecordedRequest) -> Answer:
        params = request.params()
        page = _page(params)
        if not _valid_integer(params, "active"):
            return _bad_request("active must be an integer")
        if params.get("includeDeleted", ["false"])[0] not in _BOOLEAN:
            return _bad_request("includeDeleted must be true or false")
        if page is None:
            return _bad_request("limit and offset must be integers")
        search = params.get("search", [""])[0].strip().lower()
        with self._lock:
            tenants = sorted(self._tenants.values(), key=lambda tenant: tenant.id)
            whitelabel_id = self.whitelabel_id
            page_size = self.page_size
        if search:
            tenants = [tenant for tenant in tenants if search in f"{tenant.id} {tenant.name}".lower()]
        if refused := self._refused("tenants"):
            return refused
        offset, limit = page
        offset, total = self._faulty(offset, len(tenants))
        shown = tenants[offset : offset + min(limit or page_size, page_size)]
        organizations = [
            {
                "id": tenant.id,
                "name": tenant.name,
                "created": _iso(tenant.created),
                "privateProjectCount": tenant.private_project_count,
                "whitelabelId": whitelabel_id,
            }
            for tenant in shown
        ]
        return Answer.json(200, {"success": True, "organizations": organizations, "total": total})

    def _list_reports(self, request: RecordedRequest, tenant_id: int) -> Answer:
        """Under the lock."""
        page = _page(request.params())
        if page is None:
            return _bad_request("limit and offset must be integers")
        if refused := self._refused("reports"):
            return refused
        offset, limit = page
        listed = sorted(
            (report for report in self._reports.values() if report.tenant_id == tenant_id and not report.deleted),
            key=lambda report: report.id,
            reverse=True,
        )
        offset, total = self._faulty(offset, len(listed))
        shown = listed[offset : offset + min(limit or self.page_size, self.page_size)]
        reports = [self._observe(report) for report in shown]
        return Answer.json(200, {"success": True, "reports": reports, "totalCount": total})

    def _faulty(self, offset: int, count: int) -> tuple[int, int]:
        """The offset served and the total stated, as ``listing_fault`` has them."""
        fault = self.listing_fault
        if fault == "same_page_forever":
            return 0, 1_000_000
        if fault == "ignores_offset":
            return 0, count
        if fault == "total_too_low":
            return offset, min(count, 2)
        if fault == "total_too_high":
            return offset, count + 1000
        return offset, count

    def _refused(self, route: str) -> Answer | None:
        error = self.success_false.get(route)
        return None if error is None else Answer.json(200, {"success": False, "error": error})

    def _create(self, request: RecordedRequest, tenant_id: int) -> Answer:
        """Under the lock."""
        params = request.params()
        period = [parse_date_time(params.get(name, [""])[0]) for name in ("startDate", "endDate")]
        start, end = period
        if start is None or end is None:
            return _bad_request("startDate and endDate are required RFC 3339 date-times with an offset")
        if refused := self._refused("create"):
            return refused
        start, end = start + self.created_period_shift, end + self.created_period_shift
        report = SimulatedReport(
            id=next(self._report_ids),
            job_id=next(self._job_ids),
            tenant_id=tenant_id,
            created=datetime.now(UTC),
            start=start,
            end=end,
            polls_left=max(self.pending_polls, 0),
            fails=tenant_id in self._failing,
        )
        self._reports[report.id] = report
        self._creations[tenant_id] = self._creations.get(tenant_id, 0) + 1
        return Answer.json(200, {"success": True, "id": report.job_id})

    def _one_report(self, request: RecordedRequest, tenant_id: int, report_id: int) -> Answer:
        """Under the lock."""
        report = self._reports.get(report_id)
        if report is None or report.tenant_id != tenant_id or report.deleted:
            return Answer.json(404, {"success": False, "error": f"Report {report_id} not found"})
        if request.method == "DELETE":
            self._reports[report_id] = replace(report, deleted=True)
            return Answer.json(200, {"success": True})
        return Answer.json(200, {"success": True, "report": self._observe(report)})

    def _observe(self, report: SimulatedReport) -> dict[str, object]:
        """The report as the API shows it; showing it pending counts as one poll. Under the lock."""
        state = report.state
        if report.polls_left > 0:
            self._reports[report.id] = replace(report, polls_left=report.polls_left - 1)
        return {
            "id": report.id,
            "created": _iso(report.created),
            "createdByUser": _ADMIN,
            "jobId": report.job_id,
            "jobFinished": state != "pending",
            "jobFinishedSuccessful": state == "finished",
            "reportStartDate": _iso(report.start),
            "reportEndDate": _iso(report.end),
        }

    def _download(
        self, request: RecordedRequest, context: SimulatorContext, organization_id: int, tenant_id: int, report_id: int
    ) -> Answer:
        with self._lock:
            report = self._reports.get(report_id)
            whitelabel_id = self.whitelabel_id
        # A report the world never issued downloads for any organization and tenant (no set-up needed).
        if refused := self._authorize(request, whitelabel_id if report is None else organization_id):
            return refused
        if report is not None:
            if report.tenant_id != tenant_id or report.deleted:
                return Answer.json(404, {"success": False, "error": f"Report {report_id} not found"})
            if report.state == "pending":
                return _bad_request("The report job has not finished yet")
            if report.state == "failed":
                return _bad_request("The report job failed")
        location = context.signed_url(f"/reports/{organization_id}-{tenant_id}-{report_id}.csv")
        return Answer.empty(302, ("Location", location))

    def _compute_time(self, request: RecordedRequest, tenant_id: int) -> Answer:
        """Under the lock."""
        params = request.params()
        start, end = (parse_date_time(params.get(name, [""])[0]) for name in ("startDate", "endDate"))
        if start is None or end is None:
            return _bad_request("startDate and endDate are required RFC 3339 date-times with an offset")
        cpu, gpu = self.compute_seconds(tenant_id, start, end)
        return Answer.json(
            200,
            {
                "success": True,
                "cpuComputeTime": cpu,
                "gpuComputeTime": gpu,
                "totalComputeTime": total_minutes(cpu, gpu),
            },
        )

    def _info(self, tenant_id: int) -> Answer:
        """Under the lock: the tenant's contract, limits and its last 365 days (up to yesterday, UTC)."""
        today = datetime.now(UTC).date()
        since = _CONTRACT_SINCE
        days = [today - timedelta(days=back) for back in range(365, 0, -1)]
        metrics = []
        totals = [0, 0]
        for day in days:
            cpu, gpu = daily_usage(tenant_id, day)
            if day >= since.date():
                totals = [totals[0] + cpu, totals[1] + gpu]
            metrics.append(
                {
                    "date": _iso(datetime(day.year, day.month, day.day, tzinfo=UTC)),
                    "totalUsers": 3 + tenant_id,
                    "totalStaffUsers": 1,
                    "totalProjects": 2 * tenant_id,
                    "totalCurrentContractCpuComputeTimeSeconds": totals[0],
                    "totalCurrentContractGpuComputeTimeSeconds": totals[1],
                    "totalCurrentContractComputeTimeSeconds": totals[0] + 3 * totals[1],
                    "computeTimeCalculatedSince": _iso(since),
                    "totalStorageSizeBytes": _STORAGE_BYTES * tenant_id,
                    "usersAdded": 0,
                    "usersDeleted": 0,
                    "projectsAdded": 0,
                    "projectsDeleted": 0,
                    "cpuComputeTimeSeconds": cpu,
                    "gpuComputeTimeSeconds": gpu,
                    "computeTimeSeconds": cpu + 3 * gpu,  # the vendor's own formula for this field
                    "storageBytesAdded": 0,
                    "storageBytesDeleted": 0,
                }
            )
        cpu, gpu = self.compute_seconds(tenant_id, since, datetime.now(UTC))
        return Answer.json(
            200,
            {
                "success": True,
                "cpuComputeTime": cpu,
                "gpuComputeTime": gpu,
                "totalComputeTime": total_minutes(cpu, gpu),
                "billable": True,
                "entitlementLimits": {
                    "totalStorage": _STORAGE_BYTES * 100,
                    "computeTimePerYear": 3_600_000,
                    "gpuComputeTimePerYear": 360_000,
                    "numberOfProjects": 50,
                    "numberOfUsers": 25,
                },
                "computeTimeCurrentContractSince": _iso(since),
                "totalStorage": _STORAGE_BYTES * tenant_id,
                "dailyMetrics": metrics,
            },
        )

    @staticmethod
    def compute_seconds(tenant_id: int, start: datetime, end: datetime) -> tuple[int, int]:
        """CPU and GPU seconds of a tenant in [start, end): the days whose UTC midnight falls in it (see daily_usage)."""
        first = start.astimezone(UTC).date()
        if datetime(first.year, first.month, first.day, tzinfo=UTC) < start:
            first += timedelta(days=1)
        cpu = gpu = 0
        day = first
        while datetime(day.year, day.month, day.day, tzinfo=UTC) < end:
            c, g = daily_usage(tenant_id, day)
            cpu, gpu = cpu + c, gpu + g
            day += timedelta(days=1)
        return cpu, gpu

    def _require_tenant(self, tenant_id: int) -> None:
        """Under the lock."""
        if tenant_id not in self._tenants:
            raise ValueError(f"no tenant {tenant_id}: add_tenant() first")


def _bad_request(error: str) -> Answer:
    return Answer.json(400, {"success": False, "error": error})


def _valid_integer(params: Mapping[str, list[str]], name: str) -> bool:
    values = params.get(name)
    return values is None or _INTEGER.fullmatch(values[0]) is not None


def _page(params: Mapping[str, list[str]]) -> tuple[int, int] | None:
    """(offset, limit) with a negative offset read as 0 and limit 0 (or less) as "no limit"; None when malformed."""
    if not _valid_integer(params, "limit") or not _valid_integer(params, "offset"):
        return None
    offset = max(int(params.get("offset", ["0"])[0]), 0)
    limit = max(int(params.get("limit", ["0"])[0]), 0)
    return offset, limit


def simulator(*, report_size: int = DEFAULT_REPORT_SIZE, default_world: bool = True) -> EdgeImpulseSimulator:
    """A fresh simulated Edge Impulse with the default world (or an empty one)."""
    return EdgeImpulseSimulator(report_size=report_size, default_world=default_world)
