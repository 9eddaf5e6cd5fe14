from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.report import Report


T = TypeVar("T", bound="AdminGetReportsResponse")


@_attrs_define
class AdminGetReportsResponse:
    """
    Attributes:
        success (bool): Whether the operation succeeded
        reports (list[Report]): List of organization usage reports.
        total_count (int):
        error (str | Unset): Optional error description (set if 'success' was false)
    """

    success: bool
    reports: list[Report]
    total_count: int
    error: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        success = self.success

        reports = []
        for reports_item_data in self.reports:
            reports_item = reports_item_data.to_dict()
            reports.append(reports_item)

        total_count = self.total_count

        error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "success": success,
                "reports": reports,
                "totalCount": total_count,
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

        reports = []
        _reports = d.pop("reports")
        for reports_item_data in _reports:
            reports_item = Report.from_dict(reports_item_data)

            reports.append(reports_item)

        total_count = d.pop("totalCount")

        error = d.pop("error", UNSET)

        admin_get_reports_response = cls(
            success=success,
            reports=reports,
            total_count=total_count,
            error=error,
        )

        admin_get_reports_response.additional_properties = d
        return admin_get_reports_response

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
