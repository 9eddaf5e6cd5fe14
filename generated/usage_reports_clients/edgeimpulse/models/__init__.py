"""Contains all the data models used in inputs/outputs"""

from .admin_get_organization_compute_time_usage_response import AdminGetOrganizationComputeTimeUsageResponse
from .admin_get_organizations_response import AdminGetOrganizationsResponse
from .admin_get_organizations_response_organizations_item import AdminGetOrganizationsResponseOrganizationsItem
from .admin_get_report_response import AdminGetReportResponse
from .admin_get_reports_response import AdminGetReportsResponse
from .admin_organization_info_response import AdminOrganizationInfoResponse
from .daily_metrics_record import DailyMetricsRecord
from .entitlement_limits import EntitlementLimits
from .generic_api_response import GenericApiResponse
from .organization_compute_time_usage import OrganizationComputeTimeUsage
from .report import Report
from .report_created_by_user import ReportCreatedByUser
from .start_job_response import StartJobResponse

__all__ = (
    "AdminGetOrganizationComputeTimeUsageResponse",
    "AdminGetOrganizationsResponse",
    "AdminGetOrganizationsResponseOrganizationsItem",
    "AdminGetReportResponse",
    "AdminGetReportsResponse",
    "AdminOrganizationInfoResponse",
    "DailyMetricsRecord",
    "EntitlementLimits",
    "GenericApiResponse",
    "OrganizationComputeTimeUsage",
    "Report",
    "ReportCreatedByUser",
    "StartJobResponse",
)
