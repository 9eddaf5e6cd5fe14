from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.admin_get_organizations_response_organizations_item import (
        AdminGetOrganizationsResponseOrganizationsItem,
    )


T = TypeVar("T", bound="AdminGetOrganizationsResponse")


@_attrs_define
class AdminGetOrganizationsResponse:
    """
    Attributes:
        success (bool): Whether the operation succeeded
        total (int):
        organizations (list[AdminGetOrganizationsResponseOrganizationsItem]): Array with organizations
        error (str | Unset): Optional error description (set if 'success' was false)
    """

    success: bool
    total: int
    organizations: list[AdminGetOrganizationsResponseOrganizationsItem]
    error: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        success = self.success

        total = self.total

        organizations = []
        for organizations_item_data in self.organizations:
            organizations_item = organizations_item_data.to_dict()
            organizations.append(organizations_item)

        error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "success": success,
                "total": total,
                "organizations": organizations,
            }
        )
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.admin_get_organizations_response_organizations_item import (
            AdminGetOrganizationsResponseOrganizationsItem,  # noqa: PLC0415
        )

        d = dict(src_dict)
        success = d.pop("success")

        total = d.pop("total")

        organizations = []
        _organizations = d.pop("organizations")
        for organizations_item_data in _organizations:
            organizations_item = AdminGetOrganizationsResponseOrganizationsItem.from_dict(organizations_item_data)

            organizations.append(organizations_item)

        error = d.pop("error", UNSET)

        admin_get_organizations_response = cls(
            success=success,
            total=total,
            organizations=organizations,
            error=error,
        )

        admin_get_organizations_response.additional_properties = d
        return admin_get_organizations_response

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
