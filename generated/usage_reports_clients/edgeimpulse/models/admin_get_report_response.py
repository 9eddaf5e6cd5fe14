from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.report import Report


T = TypeVar("T", bound="AdminGetReportResponse")


@_attrs_define
class AdminGetReportResponse:
    """
    Attributes:
        success (bool): Whether the operation succeeded
        report (Report):
        error (str | Unset): Optional error description (set if 'success' was false)
    """

    success: bool
    report: Report
    error: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        success = self.success

        report = self.report.to_dict()

        error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "success": success,
                "report": report,
            }
        )
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.report import Report  # noqa: PLC0415

        d = dict(src_dict)
        success = d.pop("success")

        report = Report.from_dict(d.pop("report"))

        error = d.pop("error", UNSET)

        admin_get_report_response = cls(
            success=success,
            report=report,
            error=error,
        )

        admin_get_report_response.additional_properties = d
        return admin_get_report_response

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
