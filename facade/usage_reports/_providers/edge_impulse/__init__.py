"""Edge Impulse white-label admin: the request and settings classes a user names.

The descriptor the registry reads (``_provider.PROVIDER``: the CLI command, the listings, the adapter, the
measured usage) is imported when the registry is first asked, not by naming a class here: the usual first line,
``from usage_reports import UsageReports, EdgeImpulseUsageReport``, loads the request's fields and
nothing of the engine or the contract (BENCHMARKS.md, B5).
"""

from __future__ import annotations

from ._model import (
    DEFAULT_MAX_WAIT,
    DEFAULT_POLL_INTERVAL,
    EdgeImpulse,
    EdgeImpulseComputeTime,
    EdgeImpulseUsageReport,
    ReportInfo,
    ReportsQuery,
    Tenant,
    TenantsQuery,
)

__all__ = [
    "DEFAULT_MAX_WAIT",
    "DEFAULT_POLL_INTERVAL",
    "EdgeImpulse",
    "EdgeImpulseComputeTime",
    "EdgeImpulseUsageReport",
    "ReportInfo",
    "ReportsQuery",
    "Tenant",
    "TenantsQuery",
]
