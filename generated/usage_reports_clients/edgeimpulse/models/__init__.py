"""Contains all the data models used in inputs/outputs"""

from .admin_get_organizations_response import AdminGetOrganizationsResponse
from .admin_get_organizations_response_organizations_item import AdminGetOrganizationsResponseOrganizationsItem
from .admin_get_report_response import AdminGetReportResponse
from .admin_get_reports_response import AdminGetReportsResponse
from .entitlement_limits import EntitlementLimits
from .generic_api_response import GenericApiResponse
from .report import Report
from .report_created_by_user import ReportCreatedByUser
from .start_job_response import StartJobResponse

__all__ = (
    "AdminGetOrganizationsResponse",
    "AdminGetOrganizationsResponseOrganizationsItem",
    "AdminGetReportResponse",
    "AdminGetReportsResponse",
    "EntitlementLimits",
    "GenericApiResponse",
    "Report",
    "ReportCreatedByUser",
    "StartJobResponse",
)
