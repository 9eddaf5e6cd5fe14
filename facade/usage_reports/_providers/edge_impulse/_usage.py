"""Edge Impulse's structured usage of a tenant, as this library's value objects (no generated type leaks out).

Numbers are kept exactly as the vendor reported them (``Decimal`` from the JSON text, never
recomputed): ``total_minutes`` is the vendor's own "CPU + GPU minutes", and a daily
``compute_time_seconds`` the vendor's "CPU + 3*GPU"; the library reports both as they are.
A field the vendor left out is ``None``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from ..._periods import Period


@attrs.frozen
class ComputeTime:
    """A tenant's compute time over a period (``whitelabelAdminGetOrganizationComputeTimeUsage``)."""

    organization_id: int
    inner_organization_id: int
    period: Period
    cpu_seconds: Decimal | None
    gpu_seconds: Decimal | None
    total_minutes: Decimal | None


@attrs.frozen
class EntitlementLimits:
    """What the tenant's contract allows (every field optional in the vendor's document)."""

    total_storage_bytes: Decimal | None = None
    compute_time_per_year_seconds: Decimal | None = None
    gpu_compute_time_per_year_seconds: Decimal | None = None
    number_of_projects: int | None = None
    number_of_users: int | None = None


@attrs.frozen
class DailyMetrics:
    """One day of a tenant's metrics, as the vendor lists them (the last 365 days)."""

    date: datetime
    cpu_compute_time_seconds: int
    gpu_compute_time_seconds: int
    compute_time_seconds: int
    total_storage_size_bytes: int
    total_users: int
    total_projects: int


@attrs.frozen
class TenantInfo:
    """A tenant's contract, limits and daily metrics (``whitelabelAdminGetOrganizationInfo``)."""

    organization_id: int
    inner_organization_id: int
    billable: bool | None
    entitlement_limits: EntitlementLimits | None
    compute_time_current_contract_since: datetime | None
    total_storage_bytes: Decimal | None
    cpu_seconds: Decimal | None
    gpu_seconds: Decimal | None
    total_minutes: Decimal | None
    daily_metrics: tuple[DailyMetrics, ...] = ()
