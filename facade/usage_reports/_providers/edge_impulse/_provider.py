"""Edge Impulse white-label admin: everything the library knows of Edge Impulse, declared in one descriptor.

The request's fields (``_model``) carry their own help, names and checks; the CLI and the config derive
from them. The listings are data: their parameters, a flow producing rows, and the columns to show.
"""

from __future__ import annotations

from typing import ClassVar

from ..._contract import Adapter, Flow, Listing, ReportRequest, VendorProvider
from ._measured import USAGE
from ._model import (
    EdgeImpulse,
    EdgeImpulseComputeTime,
    EdgeImpulseUsageReport,
    ReportInfo,
    ReportsQuery,
    Tenant,
    TenantsQuery,
)


def _adapter() -> Adapter[EdgeImpulseUsageReport, EdgeImpulse]:
    from ._adapter import EdgeImpulseAdapter  # loads the generated client on first use

    return EdgeImpulseAdapter()


def _compute_time_adapter() -> Adapter[EdgeImpulseComputeTime, EdgeImpulse]:
    from ._adapter import EdgeImpulseComputeTimeAdapter

    return EdgeImpulseComputeTimeAdapter()


def _ei(settings: object) -> EdgeImpulse:
    assert isinstance(settings, EdgeImpulse)
    return settings


def _tenant_rows(settings: object, query: object) -> Flow[list[dict[str, object]]]:
    from ._lifecycle import list_tenants

    assert isinstance(query, TenantsQuery)
    tenants: list[Tenant] = yield from list_tenants(_ei(settings), query.organization_id)
    return [{"id": t.id, "name": t.name, "created": t.created.isoformat()} for t in tenants]


def _report_rows(settings: object, query: object) -> Flow[list[dict[str, object]]]:
    from ._lifecycle import list_reports

    assert isinstance(query, ReportsQuery)
    reports: list[ReportInfo] = yield from list_reports(
        _ei(settings), query.organization_id, query.inner_organization_id
    )
    return [
        {
            "id": r.id,
            "period": r.period.label,
            "start": r.period.start.isoformat(),
            "end": r.period.end.isoformat(),
            "status": r.status,
            "job_id": r.job_id,
            "created": r.created.isoformat(),
        }
        for r in reports
    ]


class EdgeImpulseProvider(VendorProvider[EdgeImpulseUsageReport, EdgeImpulse]):
    name = "edge_impulse"
    title = "Edge Impulse"
    usage = USAGE  # the numbers its files hold (usage_reports.usage reads them)
    command = "edge-impulse"
    summary = "one Edge Impulse white-label tenant's usage report for a period (CSV)"
    credential_variables = (EdgeImpulse.ENV_API_KEY, EdgeImpulse.ENV_JWT)
    credential_kinds = ("api_key", "jwt")
    examples: ClassVar[tuple[tuple[str, str], ...]] = (
        (
            "last month's report of tenant 2 (reused if it exists, else created and waited for)",
            "usage-reports edge-impulse --organization-id 1 --inner-organization-id 2 --period last-month",
        ),
        (
            "one existing report, by id, into the folder reports/ (created if missing)",
            "usage-reports edge-impulse --organization-id 1 --inner-organization-id 2 --report-id 3 -o reports/",
        ),
        (
            "October 2026 in Berlin time, streamed to another program",
            "usage-reports edge-impulse --organization-id 1 --inner-organization-id 2 --period 2026-10 "
            "--timezone Europe/Berlin -o - | gzip > october.csv.gz",
        ),
    )
    listings: ClassVar[tuple[Listing, ...]] = (
        Listing(
            "edge-impulse-tenants",
            "list a white label's tenants (inner organizations)",
            TenantsQuery,
            _tenant_rows,
            ("id", "name", "created"),
            (
                (
                    "every tenant of white-label organization 1, as a table",
                    "usage-reports edge-impulse-tenants --organization-id 1",
                ),
                ("the same as JSON, for a script", "usage-reports edge-impulse-tenants --organization-id 1 --json"),
            ),
        ),
        Listing(
            "edge-impulse-reports",
            "list a tenant's usage reports and their status",
            ReportsQuery,
            _report_rows,
            ("id", "period", "start", "end", "status", "job_id", "created"),  # a period's zone shows in start/end
            (
                (
                    "tenant 2's usage reports, their periods and status",
                    "usage-reports edge-impulse-reports --organization-id 1 --inner-organization-id 2",
                ),
                (
                    "the same as JSON",
                    "usage-reports edge-impulse-reports --organization-id 1 --inner-organization-id 2 --json",
                ),
            ),
        ),
    )

    def __init__(self) -> None:
        super().__init__(
            EdgeImpulseUsageReport, EdgeImpulse, _adapter, others={EdgeImpulseComputeTime: _compute_time_adapter}
        )

    def companions(self, request: object) -> tuple[ReportRequest, ...]:
        """A report of a period comes with the tenant's compute time of that period (unless ``compute_time`` is off)."""
        if isinstance(request, EdgeImpulseUsageReport) and request.period is not None and request.compute_time:
            return (
                EdgeImpulseComputeTime(request.organization_id, request.inner_organization_id, period=request.period),
            )
        return ()

    def names(self, settings: object, requests: list[object]) -> Flow[list[str | None]] | None:
        """Each request's tenant name, from the tenant listing (read once per white label, at run time)."""
        organizations = sorted(
            {r.organization_id for r in requests if isinstance(r, EdgeImpulseUsageReport | EdgeImpulseComputeTime)}
        )
        if not organizations:
            return None
        return self._names(_ei(settings), organizations, requests)

    def _names(self, settings: EdgeImpulse, organizations: list[int], requests: list[object]) -> Flow[list[str | None]]:
        from ._lifecycle import list_tenants

        known: dict[tuple[int, int], str] = {}
        for organization_id in organizations:
            tenants: list[Tenant] = yield from list_tenants(settings, organization_id)
            known.update(((organization_id, t.id), t.name) for t in tenants)
        return [
            known.get((r.organization_id, r.inner_organization_id))
            if isinstance(r, EdgeImpulseUsageReport | EdgeImpulseComputeTime)
            else None
            for r in requests
        ]

    def with_credential(self, settings: object, kind: str, value: str) -> EdgeImpulse:
        base = self.settings_of(settings).base_url
        if kind == "jwt":
            return EdgeImpulse(jwt=value, base_url=base)
        return EdgeImpulse(api_key=value, base_url=base)


PROVIDER = EdgeImpulseProvider()

__all__ = ["PROVIDER"]
