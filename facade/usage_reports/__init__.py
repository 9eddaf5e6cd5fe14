"""usage_reports: one typed interface over several vendors' usage-report downloads.

    from datetime import date
    from usage_reports import UsageReports, StatsigUsageReport

    with UsageReports() as reports:            # credentials from the environment
        report = reports.download(StatsigUsageReport(end=date(2026, 11, 1)), "usage.csv")
        print(report.path, report.size, report.sha256)

Every error is a ``UsageReportsError``; the whole tree is drawn in the docstring
of ``usage_reports._exceptions``. Simulators for your own tests are in
``usage_reports.testing``.
"""

import importlib as _importlib
from typing import TYPE_CHECKING

from ._constants import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_DEADLINE,
    DEFAULT_MAX_FETCH_SIZE,
    DEFAULT_MAX_RETRIES,
    DEFAULT_POOL_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_TIMEOUT,
    DEFAULT_WRITE_TIMEOUT,
    MAX_RETRY_AFTER,
)
from ._exceptions import (
    APIError,
    AuthenticationError,
    ConnectionFailed,
    InvalidRequest,
    MissingCredentials,
    NotFound,
    PermissionDenied,
    RateLimited,
    ReportJobFailed,
    ReportWaitExceeded,
    ServerError,
    StorageError,
    Timeout,
    UnexpectedResponse,
    UsageReportsError,
)
from ._providers._clients import AsyncUsageReports, UsageReports
from ._version import __version__

if TYPE_CHECKING:
    from ._contract import ProviderSettings, ReportRequest
    from ._models import UsageReport
    from ._periods import Period
    from ._providers.altostrat import Altostrat, AltostratUsagePdf
    from ._providers.edge_impulse import EdgeImpulse, EdgeImpulseComputeTime, EdgeImpulseUsageReport
    from ._providers.edge_impulse._usage import ComputeTime, DailyMetrics, EntitlementLimits, TenantInfo
    from ._providers.statsig import STATSIG_RATE_LIMITS, Statsig, StatsigUsageReport

#: Public names imported when first named (``from usage_reports import Period`` or ``usage_reports.Period``):
#: the value classes need attrs, and a vendor's names import that vendor's home. ``import usage_reports``
#: alone loads httpx, the exceptions and the clients' classes (BENCHMARKS.md, B5).
_LAZY = {
    "ProviderSettings": "._contract",
    "ReportRequest": "._contract",
    "UsageReport": "._models",
    "Period": "._periods",
    "Altostrat": "._providers.altostrat",
    "AltostratUsagePdf": "._providers.altostrat",
    "ComputeTime": "._providers.edge_impulse._usage",
    "DailyMetrics": "._providers.edge_impulse._usage",
    "EntitlementLimits": "._providers.edge_impulse._usage",
    "TenantInfo": "._providers.edge_impulse._usage",
    "EdgeImpulse": "._providers.edge_impulse",
    "EdgeImpulseComputeTime": "._providers.edge_impulse",
    "EdgeImpulseUsageReport": "._providers.edge_impulse",
    "STATSIG_RATE_LIMITS": "._providers.statsig",
    "Statsig": "._providers.statsig",
    "StatsigUsageReport": "._providers.statsig",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value: object = getattr(_importlib.import_module(module, __name__), name)
    globals()[name] = value  # the next lookup is an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_FETCH_SIZE",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_POOL_TIMEOUT",
    "DEFAULT_READ_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "DEFAULT_WRITE_TIMEOUT",
    "MAX_RETRY_AFTER",
    "STATSIG_RATE_LIMITS",
    "APIError",
    "Altostrat",
    "AltostratUsagePdf",
    "AsyncUsageReports",
    "AuthenticationError",
    "ComputeTime",
    "ConnectionFailed",
    "DailyMetrics",
    "EdgeImpulse",
    "EdgeImpulseComputeTime",
    "EdgeImpulseUsageReport",
    "EntitlementLimits",
    "InvalidRequest",
    "MissingCredentials",
    "NotFound",
    "Period",
    "PermissionDenied",
    "ProviderSettings",
    "RateLimited",
    "ReportJobFailed",
    "ReportRequest",
    "ReportWaitExceeded",
    "ServerError",
    "Statsig",
    "StatsigUsageReport",
    "StorageError",
    "TenantInfo",
    "Timeout",
    "UnexpectedResponse",
    "UsageReport",
    "UsageReports",
    "UsageReportsError",
    "__version__",
]
