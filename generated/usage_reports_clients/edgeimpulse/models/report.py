from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.report_created_by_user import ReportCreatedByUser


T = TypeVar("T", bound="Report")


@_attrs_define
class Report:
    """
    Attributes:
        id (int):
        created (datetime.datetime):
        job_id (int):
        job_finished (bool):
        job_finished_successful (bool):
        report_start_date (datetime.datetime):
        report_end_date (datetime.datetime):
        created_by_user (ReportCreatedByUser | Unset):
        download_link (str | Unset):
    """

    id: int
    created: datetime.datetime
    job_id: int
    job_finished: bool
    job_finished_successful: bool
    report_start_date: datetime.datetime
    report_end_date: datetime.datetime
    created_by_user: ReportCreatedByUser | Unset = UNSET
    download_link: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        created = self.created.isoformat()

        job_id = self.job_id

        job_finished = self.job_finished

        job_finished_successful = self.job_finished_successful

        report_start_date = self.report_start_date.isoformat()

        report_end_date = self.report_end_date.isoformat()

        created_by_user: dict[str, Any] | Unset = UNSET
        if not isinstance(self.created_by_user, Unset):
            created_by_user = self.created_by_user.to_dict()

        download_link = self.download_link

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "created": created,
                "jobId": job_id,
                "jobFinished": job_finished,
                "jobFinishedSuccessful": job_finished_successful,
                "reportStartDate": report_start_date,
                "reportEndDate": report_end_date,
            }
        )
        if created_by_user is not UNSET:
            field_dict["createdByUser"] = created_by_user
        if download_link is not UNSET:
            field_dict["downloadLink"] = download_link

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.report_created_by_user import ReportCreatedByUser  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        created = datetime.datetime.fromisoformat(d.pop("created"))

        job_id = d.pop("jobId")

        job_finished = d.pop("jobFinished")

        job_finished_successful = d.pop("jobFinishedSuccessful")

        report_start_date = datetime.datetime.fromisoformat(d.pop("reportStartDate"))

        report_end_date = datetime.datetime.fromisoformat(d.pop("reportEndDate"))

        _created_by_user = d.pop("createdByUser", UNSET)
        created_by_user: ReportCreatedByUser | Unset
        if isinstance(_created_by_user, Unset):
            created_by_user = UNSET
        else:
            created_by_user = ReportCreatedByUser.from_dict(_created_by_user)

        download_link = d.pop("downloadLink", UNSET)

        report = cls(
            id=id,
            created=created,
            job_id=job_id,
            job_finished=job_finished,
            job_finished_successful=job_finished_successful,
            report_start_date=report_start_date,
            report_end_date=report_end_date,
            created_by_user=created_by_user,
            download_link=download_link,
        )

        report.additional_properties = d
        return report

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
