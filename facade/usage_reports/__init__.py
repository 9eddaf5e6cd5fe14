"""usage_reports: one typed interface over three vendors' usage-report downloads.

    from datetime import date
    from usage_reports import UsageReports, StatsigUsageReport

    with UsageReports() as reports:            # credentials from the environment
        report = reports.download(StatsigUsageReport(end=date(2026, 11, 1)), "usage.csv")
        print(report.path, report.size, report.sha256)

Every error is a ``UsageReportsError``; the whole tree is drawn in the docstring
of ``usage_reports._exceptions``.
"""

from ._client import AsyncUsageReports, UsageReports
from ._constants import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RETRIES,
    DEFAULT_POOL_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_TIMEOUT,
    DEFAULT_WRITE_TIMEOUT,
    MAX_RETRY_AFTER,
    STATSIG_RATE_LIMITS,
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
    ServerError,
    StorageError,
    Timeout,
    UnexpectedResponse,
    UsageReportsError,
)
from ._models import UsageReport
from ._requests import AltostratUsagePdf, EdgeImpulseUsageReport, ReportRequest, StatsigUsageReport
from ._settings import Altostrat, EdgeImpulse, ProviderSettings, Statsig
from ._version import __version__

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
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
    "ConnectionFailed",
    "EdgeImpulse",
    "EdgeImpulseUsageReport",
    "InvalidRequest",
    "MissingCredentials",
    "NotFound",
    "PermissionDenied",
    "ProviderSettings",
    "RateLimited",
    "ReportRequest",
    "ServerError",
    "Statsig",
    "StatsigUsageReport",
    "StorageError",
    "Timeout",
    "UnexpectedResponse",
    "UsageReport",
    "UsageReports",
    "UsageReportsError",
    "__version__",
]
