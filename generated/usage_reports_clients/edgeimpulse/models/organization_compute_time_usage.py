from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="OrganizationComputeTimeUsage")


@_attrs_define
class OrganizationComputeTimeUsage:
    """
    Attributes:
        cpu_compute_time (float | Unset): CPU compute time in seconds of all jobs in the organization (including
            organizational project jobs).
        gpu_compute_time (float | Unset): GPU compute time in seconds of all jobs in the organization (including
            organizational project jobs).
        total_compute_time (float | Unset): Total compute time is the amount of computation time spent in jobs, in
            minutes used by an organization over the given period, calculated as CPU + GPU minutes.
    """

    cpu_compute_time: float | Unset = UNSET
    gpu_compute_time: float | Unset = UNSET
    total_compute_time: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cpu_compute_time = self.cpu_compute_time

        gpu_compute_time = self.gpu_compute_time

        total_compute_time = self.total_compute_time

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if cpu_compute_time is not UNSET:
            field_dict["cpuComputeTime"] = cpu_compute_time
        if gpu_compute_time is not UNSET:
            field_dict["gpuComputeTime"] = gpu_compute_time
        if total_compute_time is not UNSET:
            field_dict["totalComputeTime"] = total_compute_time

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        cpu_compute_time = d.pop("cpuComputeTime", UNSET)

        gpu_compute_time = d.pop("gpuComputeTime", UNSET)

        total_compute_time = d.pop("totalComputeTime", UNSET)

        organization_compute_time_usage = cls(
            cpu_compute_time=cpu_compute_time,
            gpu_compute_time=gpu_compute_time,
            total_compute_time=total_compute_time,
        )

        organization_compute_time_usage.additional_properties = d
        return organization_compute_time_usage

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
