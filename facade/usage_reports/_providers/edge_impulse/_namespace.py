"""``reports.edge_impulse``: the white-label admin's listings and report lifecycle, sync and async.

Every method runs one flow of ``_lifecycle`` through the client (same
settings, retries, rate limits, redaction and deadline as a download); the
twins differ only in ``await``. Results are this library's value objects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._contract import ProviderSettings
from ..._exceptions import InvalidRequest
from ..._periods import Period
from ._model import EdgeImpulse, ReportInfo, Tenant
from ._usage import ComputeTime, TenantInfo

if TYPE_CHECKING:
    from ..._client import AsyncUsageReports, UsageReports

NAME = "edge_impulse"


def _id(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRequest(f"{name} must be a positive int, got {value!r}")
    return value


def _period(value: object) -> Period:
    if not isinstance(value, Period):
        raise InvalidRequest(f"period must be a Period (e.g. Period.last_month()), not {type(value).__name__}")
    return value


def _settings(settings: ProviderSettings) -> EdgeImpulse:
    assert isinstance(settings, EdgeImpulse)
    return settings


class _Lifecycle:
    """``_lifecycle`` imported on first use: it loads the generated client, which ``import usage_reports`` does not."""

    def __getattr__(self, name: str) -> object:
        from . import _lifecycle

        return getattr(_lifecycle, name)


if TYPE_CHECKING:
    from . import _lifecycle as lifecycle
else:
    lifecycle = _Lifecycle()


class EdgeImpulseAPI:
    """Edge Impulse white-label admin operations (blocking)."""

    def __init__(self, client: UsageReports) -> None:
        self._client = client

    def inner_organizations(self, organization_id: int) -> list[Tenant]:
        """Every tenant (inner organization) of the white label, all pages read."""
        org = _id(organization_id, "organization_id")
        return self._client.run_flow(NAME, lambda s: lifecycle.list_tenants(_settings(s), org))

    def usage_reports(self, organization_id: int, inner_organization_id: int) -> list[ReportInfo]:
        """Every usage report of a tenant, all pages read."""
        org, inner = _id(organization_id, "organization_id"), _id(inner_organization_id, "inner_organization_id")
        return self._client.run_flow(NAME, lambda s: lifecycle.list_reports(_settings(s), org, inner))

    def usage_report(self, organization_id: int, inner_organization_id: int, report_id: int) -> ReportInfo:
        org, inner = _id(organization_id, "organization_id"), _id(inner_organization_id, "inner_organization_id")
        report = _id(report_id, "report_id")
        return self._client.run_flow(NAME, lambda s: lifecycle.get_report(_settings(s), org, inner, report))

    def create_usage_report(self, organization_id: int, inner_organization_id: int, period: Period) -> int:
        """Start building a report of the period; returns the JOB id (the report appears in the listing)."""
        org, inner = _id(organization_id, "organization_id"), _id(inner_organization_id, "inner_organization_id")
        if not isinstance(period, Period):
            raise InvalidRequest(f"period must be a Period, not {type(period).__name__}")
        return self._client.run_flow(NAME, lambda s: lifecycle.create_report(_settings(s), org, inner, period))

    def delete_usage_report(self, organization_id: int, inner_organization_id: int, report_id: int) -> None:
        org, inner = _id(organization_id, "organization_id"), _id(inner_organization_id, "inner_organization_id")
        report = _id(report_id, "report_id")
        self._client.run_flow(NAME, lambda s: lifecycle.delete_report(_settings(s), org, inner, report))

    def compute_time(self, organization_id: int, inner_organization_id: int, period: Period) -> ComputeTime:
        """A tenant's CPU and GPU seconds and total minutes over the period, exactly as Edge Impulse reports them."""
        org, inner = _id(organization_id, "organization_id"), _id(inner_organization_id, "inner_organization_id")
        span = _period(period)
        return self._client.run_flow(NAME, lambda s: lifecycle.compute_time(_settings(s), org, inner, span))

    def tenant(self, organization_id: int, inner_organization_id: int) -> TenantInfo:
        """A tenant's contract start, entitlement limits, storage and daily metrics (the last 365 days)."""
        org, inner = _id(organization_id, "organization_id"), _id(inner_organization_id, "inner_organization_id")
        return self._client.run_flow(NAME, lambda s: lifecycle.tenant_info(_settings(s), org, inner))


class AsyncEdgeImpulseAPI:
    """Edge Impulse white-label admin operations (asyncio)."""

    def __init__(self, client: AsyncUsageReports) -> None:
        self._client = client

    async def inner_organizations(self, organization_id: int) -> list[Tenant]:
        """Every tenant (inner organization) of the white label, all pages read."""
        org = _id(organization_id, "organization_id")
        return await self._client.run_flow(NAME, lambda s: lifecycle.list_tenants(_settings(s), org))

    async def usage_reports(self, organization_id: int, inner_organization_id: int) -> list[ReportInfo]:
        """Every usage report of a tenant, all pages read."""
        org, inner = _id(organization_id, "organization_id"), _id(inner_organization_id, "inner_organization_id")
        return await self._client.run_flow(NAME, lambda s: lifecycle.list_reports(_settings(s), org, inner))

    async def usage_report(self, organization_id: int, inner_organization_id: int, report_id: int) -> ReportInfo:
        org, inner = _id(organization_id, "organization_id"), _id(inner_organization_id, "inner_organization_id")
        report = _id(report_id, "report_id")
        return await self._client.run_flow(NAME, lambda s: lifecycle.get_report(_settings(s), org, inner, report))

    async def create_usage_report(self, organization_id: int, inner_organization_id: int, period: Period) -> int:
        """Start building a report of the period; returns the JOB id (the report appears in the listing)."""
        org, inner = _id(organization_id, "organization_id"), _id(inner_organization_id, "inner_organization_id")
        if not isinstance(period, Period):
            raise InvalidRequest(f"period must be a Period, not {type(period).__name__}")
        return await self._client.run_flow(NAME, lambda s: lifecycle.create_report(_settings(s), org, inner, period))

    async def delete_usage_report(self, organization_id: int, inner_organization_id: int, report_id: int) -> None:
        org, inner = _id(organization_id, "organization_id"), _id(inner_organization_id, "inner_organization_id")
        report = _id(report_id, "report_id")
        await self._client.run_flow(NAME, lambda s: lifecycle.delete_report(_settings(s), org, inner, report))

    async def compute_time(self, organization_id: int, inner_organization_id: int, period: Period) -> ComputeTime:
        """A tenant's CPU and GPU seconds and total minutes over the period, exactly as Edge Impulse reports them."""
        org, inner = _id(organization_id, "organization_id"), _id(inner_organization_id, "inner_organization_id")
        span = _period(period)
        return await self._client.run_flow(NAME, lambda s: lifecycle.compute_time(_settings(s), org, inner, span))

    async def tenant(self, organization_id: int, inner_organization_id: int) -> TenantInfo:
        """A tenant's contract start, entitlement limits, storage and daily metrics (the last 365 days)."""
        org, inner = _id(organization_id, "organization_id"), _id(inner_organization_id, "inner_organization_id")
        return await self._client.run_flow(NAME, lambda s: lifecycle.tenant_info(_settings(s), org, inner))
