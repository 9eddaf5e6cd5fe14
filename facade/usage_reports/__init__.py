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
from ._contract import ProviderSettings, ReportRequest
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
from ._models import UsageReport
from ._periods import Period
from ._providers._clients import AsyncUsageReports, UsageReports
from ._providers.altostrat import Altostrat, AltostratUsagePdf
from ._providers.edge_impulse import EdgeImpulse, EdgeImpulseUsageReport
from ._providers.statsig import STATSIG_RATE_LIMITS, Statsig, StatsigUsageReport
from ._version import __version__

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
    "ConnectionFailed",
    "EdgeImpulse",
    "EdgeImpulseUsageReport",
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
    "Timeout",
    "UnexpectedResponse",
    "UsageReport",
    "UsageReports",
    "UsageReportsError",
    "__version__",
]
