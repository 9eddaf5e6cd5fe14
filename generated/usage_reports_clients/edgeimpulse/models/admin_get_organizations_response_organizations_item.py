from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.entitlement_limits import EntitlementLimits


T = TypeVar("T", bound="AdminGetOrganizationsResponseOrganizationsItem")


@_attrs_define
class AdminGetOrganizationsResponseOrganizationsItem:
    """
    Attributes:
        id (int):  Example: 1.
        name (str):  Example: Edge Impulse Inc..
        created (datetime.datetime):  Example: 2019-08-31T17:32:28Z.
        private_project_count (int):
        logo (str | Unset):
        readme (str | Unset):
        experiments (list[str] | Unset):
        domain (str | Unset):
        whitelabel_id (int | Unset):
        billable (bool | Unset):
        entitlement_limits (EntitlementLimits | Unset):
    """

    id: int
    name: str
    created: datetime.datetime
    private_project_count: int
    logo: str | Unset = UNSET
    readme: str | Unset = UNSET
    experiments: list[str] | Unset = UNSET
    domain: str | Unset = UNSET
    whitelabel_id: int | Unset = UNSET
    billable: bool | Unset = UNSET
    entitlement_limits: EntitlementLimits | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        created = self.created.isoformat()

        private_project_count = self.private_project_count

        logo = self.logo

        readme = self.readme

        experiments: list[str] | Unset = UNSET
        if not isinstance(self.experiments, Unset):
            experiments = self.experiments

        domain = self.domain

        whitelabel_id = self.whitelabel_id

        billable = self.billable

        entitlement_limits: dict[str, Any] | Unset = UNSET
        if not isinstance(self.entitlement_limits, Unset):
            entitlement_limits = self.entitlement_limits.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "created": created,
                "privateProjectCount": private_project_count,
            }
        )
        if logo is not UNSET:
            field_dict["logo"] = logo
        if readme is not UNSET:
            field_dict["readme"] = readme
        if experiments is not UNSET:
            field_dict["experiments"] = experiments
        if domain is not UNSET:
            field_dict["domain"] = domain
        if whitelabel_id is not UNSET:
            field_dict["whitelabelId"] = whitelabel_id
        if billable is not UNSET:
            field_dict["billable"] = billable
        if entitlement_limits is not UNSET:
            field_dict["entitlementLimits"] = entitlement_limits

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.entitlement_limits import EntitlementLimits  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        created = datetime.datetime.fromisoformat(d.pop("created"))

        private_project_count = d.pop("privateProjectCount")

        logo = d.pop("logo", UNSET)

        readme = d.pop("readme", UNSET)

        experiments = cast(list[str], d.pop("experiments", UNSET))

        domain = d.pop("domain", UNSET)

        whitelabel_id = d.pop("whitelabelId", UNSET)

        billable = d.pop("billable", UNSET)

        _entitlement_limits = d.pop("entitlementLimits", UNSET)
        entitlement_limits: EntitlementLimits | Unset
        if isinstance(_entitlement_limits, Unset):
            entitlement_limits = UNSET
        else:
            entitlement_limits = EntitlementLimits.from_dict(_entitlement_limits)

        admin_get_organizations_response_organizations_item = cls(
            id=id,
            name=name,
            created=created,
            private_project_count=private_project_count,
            logo=logo,
            readme=readme,
            experiments=experiments,
            domain=domain,
            whitelabel_id=whitelabel_id,
            billable=billable,
            entitlement_limits=entitlement_limits,
        )

        admin_get_organizations_response_organizations_item.additional_properties = d
        return admin_get_organizations_response_organizations_item

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
