from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="EntitlementLimits")


@_attrs_define
class EntitlementLimits:
    """
    Attributes:
        total_storage (float | Unset): Storage entitlement, in bytes
        compute_time_per_year (float | Unset): Total compute time entitlement (CPU + GPU), in seconds
        gpu_compute_time_per_year (float | Unset): GPU compute time entitlement, in seconds
        number_of_projects (int | Unset): Number of projects allowed for this organization
        number_of_users (int | Unset): Number of users allowed for this organization
    """

    total_storage: float | Unset = UNSET
    compute_time_per_year: float | Unset = UNSET
    gpu_compute_time_per_year: float | Unset = UNSET
    number_of_projects: int | Unset = UNSET
    number_of_users: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        total_storage = self.total_storage

        compute_time_per_year = self.compute_time_per_year

        gpu_compute_time_per_year = self.gpu_compute_time_per_year

        number_of_projects = self.number_of_projects

        number_of_users = self.number_of_users

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if total_storage is not UNSET:
            field_dict["totalStorage"] = total_storage
        if compute_time_per_year is not UNSET:
            field_dict["computeTimePerYear"] = compute_time_per_year
        if gpu_compute_time_per_year is not UNSET:
            field_dict["gpuComputeTimePerYear"] = gpu_compute_time_per_year
        if number_of_projects is not UNSET:
            field_dict["numberOfProjects"] = number_of_projects
        if number_of_users is not UNSET:
            field_dict["numberOfUsers"] = number_of_users

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        total_storage = d.pop("totalStorage", UNSET)

        compute_time_per_year = d.pop("computeTimePerYear", UNSET)

        gpu_compute_time_per_year = d.pop("gpuComputeTimePerYear", UNSET)

        number_of_projects = d.pop("numberOfProjects", UNSET)

        number_of_users = d.pop("numberOfUsers", UNSET)

        entitlement_limits = cls(
            total_storage=total_storage,
            compute_time_per_year=compute_time_per_year,
            gpu_compute_time_per_year=gpu_compute_time_per_year,
            number_of_projects=number_of_projects,
            number_of_users=number_of_users,
        )

        entitlement_limits.additional_properties = d
        return entitlement_limits

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
