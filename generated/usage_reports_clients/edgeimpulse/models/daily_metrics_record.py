from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="DailyMetricsRecord")


@_attrs_define
class DailyMetricsRecord:
    """
    Attributes:
        date (datetime.datetime): Date of the metrics record. Example: 2021-01-01T00:00:00Z.
        total_users (int): Total number of users, if the metrics record applies to a non-developer profile organization.
            For developer profile organizations, we default to 0.
             Example: 100.
        total_staff_users (int): Total number of staff users, if the metrics record applies to a non-developer profile
            organization.
            For developer profile organizations, we default to 0.
             Example: 10.
        total_projects (int): Total number of projects at the end of the metrics record date.
             Example: 50.
        total_current_contract_cpu_compute_time_seconds (int): Total CPU compute time since contract start date, or
            organization / user creation date, at
            the end of the metrics record date.
             Example: 100000.
        total_current_contract_gpu_compute_time_seconds (int): Total GPU compute time since contract start date, or
            organization / user creation date, at
            the end of the metrics record date.
             Example: 100000.
        total_current_contract_compute_time_seconds (int): Total compute time since contract start date, or organization
            / user creation date, at
            the end of the metrics record date.
            Compute time is calculated as CPU + 3*GPU compute time.
             Example: 100000.
        compute_time_calculated_since (datetime.datetime): Date from which the total compute time is calculated. This is
            the contract start date for billing
            organizations, or organization / user creation date.
             Example: 2021-01-01T00:00:00Z.
        total_storage_size_bytes (int): Total storage size in bytes at the end of the metrics record date.
             Example: 1000000000.
        users_added (int): Number of users added during the metrics record date.
             Example: 10.
        users_deleted (int): Number of users deleted during the metrics record date.
             Example: 5.
        projects_added (int): Number of projects added during the metrics record date.
             Example: 10.
        projects_deleted (int): Number of projects deleted during the metrics record date.
             Example: 5.
        cpu_compute_time_seconds (int): Total CPU compute time during the metrics record date.
             Example: 10000.
        gpu_compute_time_seconds (int): Total GPU compute time during the metrics record date.
             Example: 10000.
        compute_time_seconds (int): Total compute time during the metrics record date.
            Compute time is calculated as CPU + 3*GPU compute time.
             Example: 10000.
        storage_bytes_added (int): Total storage size in bytes added during the metrics record date.
             Example: 1000000000.
        storage_bytes_deleted (int): Total storage size in bytes deleted during the metrics record date.
             Example: 500000000.
        staff_users_added (int | Unset): Number of staff users added during the metrics record date.
             Example: 1.
        staff_users_deleted (int | Unset): Number of staff users deleted during the metrics record date.
             Example: 1.
    """

    date: datetime.datetime
    total_users: int
    total_staff_users: int
    total_projects: int
    total_current_contract_cpu_compute_time_seconds: int
    total_current_contract_gpu_compute_time_seconds: int
    total_current_contract_compute_time_seconds: int
    compute_time_calculated_since: datetime.datetime
    total_storage_size_bytes: int
    users_added: int
    users_deleted: int
    projects_added: int
    projects_deleted: int
    cpu_compute_time_seconds: int
    gpu_compute_time_seconds: int
    compute_time_seconds: int
    storage_bytes_added: int
    storage_bytes_deleted: int
    staff_users_added: int | Unset = UNSET
    staff_users_deleted: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        date = self.date.isoformat()

        total_users = self.total_users

        total_staff_users = self.total_staff_users

        total_projects = self.total_projects

        total_current_contract_cpu_compute_time_seconds = self.total_current_contract_cpu_compute_time_seconds

        total_current_contract_gpu_compute_time_seconds = self.total_current_contract_gpu_compute_time_seconds

        total_current_contract_compute_time_seconds = self.total_current_contract_compute_time_seconds

        compute_time_calculated_since = self.compute_time_calculated_since.isoformat()

        total_storage_size_bytes = self.total_storage_size_bytes

        users_added = self.users_added

        users_deleted = self.users_deleted

        projects_added = self.projects_added

        projects_deleted = self.projects_deleted

        cpu_compute_time_seconds = self.cpu_compute_time_seconds

        gpu_compute_time_seconds = self.gpu_compute_time_seconds

        compute_time_seconds = self.compute_time_seconds

        storage_bytes_added = self.storage_bytes_added

        storage_bytes_deleted = self.storage_bytes_deleted

        staff_users_added = self.staff_users_added

        staff_users_deleted = self.staff_users_deleted

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "date": date,
                "totalUsers": total_users,
                "totalStaffUsers": total_staff_users,
                "totalProjects": total_projects,
                "totalCurrentContractCpuComputeTimeSeconds": total_current_contract_cpu_compute_time_seconds,
                "totalCurrentContractGpuComputeTimeSeconds": total_current_contract_gpu_compute_time_seconds,
                "totalCurrentContractComputeTimeSeconds": total_current_contract_compute_time_seconds,
                "computeTimeCalculatedSince": compute_time_calculated_since,
                "totalStorageSizeBytes": total_storage_size_bytes,
                "usersAdded": users_added,
                "usersDeleted": users_deleted,
                "projectsAdded": projects_added,
                "projectsDeleted": projects_deleted,
                "cpuComputeTimeSeconds": cpu_compute_time_seconds,
                "gpuComputeTimeSeconds": gpu_compute_time_seconds,
                "computeTimeSeconds": compute_time_seconds,
                "storageBytesAdded": storage_bytes_added,
                "storageBytesDeleted": storage_bytes_deleted,
            }
        )
        if staff_users_added is not UNSET:
            field_dict["staffUsersAdded"] = staff_users_added
        if staff_users_deleted is not UNSET:
            field_dict["staffUsersDeleted"] = staff_users_deleted

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        date = datetime.datetime.fromisoformat(d.pop("date"))

        total_users = d.pop("totalUsers")

        total_staff_users = d.pop("totalStaffUsers")

        total_projects = d.pop("totalProjects")

        total_current_contract_cpu_compute_time_seconds = d.pop("totalCurrentContractCpuComputeTimeSeconds")

        total_current_contract_gpu_compute_time_seconds = d.pop("totalCurrentContractGpuComputeTimeSeconds")

        total_current_contract_compute_time_seconds = d.pop("totalCurrentContractComputeTimeSeconds")

        compute_time_calculated_since = datetime.datetime.fromisoformat(d.pop("computeTimeCalculatedSince"))

        total_storage_size_bytes = d.pop("totalStorageSizeBytes")

        users_added = d.pop("usersAdded")

        users_deleted = d.pop("usersDeleted")

        projects_added = d.pop("projectsAdded")

        projects_deleted = d.pop("projectsDeleted")

        cpu_compute_time_seconds = d.pop("cpuComputeTimeSeconds")

        gpu_compute_time_seconds = d.pop("gpuComputeTimeSeconds")

        compute_time_seconds = d.pop("computeTimeSeconds")

        storage_bytes_added = d.pop("storageBytesAdded")

        storage_bytes_deleted = d.pop("storageBytesDeleted")

        staff_users_added = d.pop("staffUsersAdded", UNSET)

        staff_users_deleted = d.pop("staffUsersDeleted", UNSET)

        daily_metrics_record = cls(
            date=date,
            total_users=total_users,
            total_staff_users=total_staff_users,
            total_projects=total_projects,
            total_current_contract_cpu_compute_time_seconds=total_current_contract_cpu_compute_time_seconds,
            total_current_contract_gpu_compute_time_seconds=total_current_contract_gpu_compute_time_seconds,
            total_current_contract_compute_time_seconds=total_current_contract_compute_time_seconds,
            compute_time_calculated_since=compute_time_calculated_since,
            total_storage_size_bytes=total_storage_size_bytes,
            users_added=users_added,
            users_deleted=users_deleted,
            projects_added=projects_added,
            projects_deleted=projects_deleted,
            cpu_compute_time_seconds=cpu_compute_time_seconds,
            gpu_compute_time_seconds=gpu_compute_time_seconds,
            compute_time_seconds=compute_time_seconds,
            storage_bytes_added=storage_bytes_added,
            storage_bytes_deleted=storage_bytes_deleted,
            staff_users_added=staff_users_added,
            staff_users_deleted=staff_users_deleted,
        )

        daily_metrics_record.additional_properties = d
        return daily_metrics_record

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
