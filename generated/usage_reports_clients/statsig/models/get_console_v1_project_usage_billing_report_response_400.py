from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.get_console_v1_project_usage_billing_report_response_400_status import (
    GetConsoleV1ProjectUsageBillingReportResponse400Status,
)

T = TypeVar("T", bound="GetConsoleV1ProjectUsageBillingReportResponse400")


@_attrs_define
class GetConsoleV1ProjectUsageBillingReportResponse400:
    """
    Attributes:
        status (GetConsoleV1ProjectUsageBillingReportResponse400Status):
        message (str):
    """

    status: GetConsoleV1ProjectUsageBillingReportResponse400Status
    message: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status.value

        message = self.message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "message": message,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = GetConsoleV1ProjectUsageBillingReportResponse400Status(d.pop("status"))

        message = d.pop("message")

        get_console_v1_project_usage_billing_report_response_400 = cls(
            status=status,
            message=message,
        )

        get_console_v1_project_usage_billing_report_response_400.additional_properties = d
        return get_console_v1_project_usage_billing_report_response_400

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
