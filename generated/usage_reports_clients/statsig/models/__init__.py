"""Contains all the data models used in inputs/outputs"""

from .get_console_v1_project_usage_billing_report_response_400 import GetConsoleV1ProjectUsageBillingReportResponse400
from .get_console_v1_project_usage_billing_report_response_400_status import (
    GetConsoleV1ProjectUsageBillingReportResponse400Status,
)
from .get_console_v1_project_usage_billing_report_response_401 import GetConsoleV1ProjectUsageBillingReportResponse401
from .get_console_v1_project_usage_billing_report_response_401_status import (
    GetConsoleV1ProjectUsageBillingReportResponse401Status,
)

__all__ = (
    "GetConsoleV1ProjectUsageBillingReportResponse400",
    "GetConsoleV1ProjectUsageBillingReportResponse400Status",
    "GetConsoleV1ProjectUsageBillingReportResponse401",
    "GetConsoleV1ProjectUsageBillingReportResponse401Status",
)
