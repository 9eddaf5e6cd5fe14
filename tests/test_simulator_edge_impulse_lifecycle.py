"""The simulated Edge Impulse white-label usage-report lifecycle, over real HTTP.

Every request these tests send, and every documented answer, is validated
against the vendored specs/edgeimpulse.yaml.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from spec_validation import assert_matches_spec, assert_response_matches_spec
from usage_reports.testing import (
    SANDBOX_EDGE_IMPULSE_API_KEY,
    SANDBOX_EDGE_IMPULSE_JWT,
    SANDBOX_EDGE_IMPULSE_NON_ADMIN_API_KEY,
    EdgeImpulseSimulator,
    VendorSimulators,
)

# Some tests send off-spec requests on purpose; Studio checks requests and answers of the others itself.
pytestmark = pytest.mark.raw_requests

W = "/api/organizations/{org}/whitelabel/organizations"
R = W + "/{tenant}/usage/reports"
OCTOBER = ("2026-10-01T00:00:00.000Z", "2026-11-01T00:00:00.000Z")
NOVEMBER = {"startDate": "2026-11-01T00:00:00Z", "endDate": "2026-12-01T00:00:00Z"}
REPORT_FIELDS = {
    "id",
    "created",
    "createdByUser",
    "jobId",
    "jobFinished",
    "jobFinishedSuccessful",
    "reportStartDate",
    "reportEndDate",
}


class Studio:
    """A white-label admin's HTTP calls to the simulated Edge Impulse, each one checked against the spec."""

    def __init__(self, sims: VendorSimulators, client: httpx.Client) -> None:
        self.sims = sims
        self.client = client

    def call(
        self,
        method: str,
        path: str,
        params: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        response = self.client.request(
            method,
            self.sims.edge_impulse_url + path,
            params={name: str(value) for name, value in (params or {}).items()},
            headers={"x-api-key": SANDBOX_EDGE_IMPULSE_API_KEY} if headers is None else headers,
        )
        recorded = self.sims.requests_to("edge_impulse")[-1]
        assert_matches_spec(recorded, "edgeimpulse")
        if response.status_code in (200, 302):  # the spec describes no other answer
            assert_response_matches_spec(
                recorded, response.status_code, response.headers, response.content, "edgeimpulse"
            )
        return response

    def ok(self, method: str, path: str, **params: object) -> Any:
        response = self.call(method, path, params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["success"] is True
        return body

    def tenants(self, **params: object) -> Any:
        return self.ok("GET", W.format(org=1), **params)

    def reports(self, tenant: int, **params: object) -> Any:
        return self.ok("GET", R.format(org=1, tenant=tenant), **params)

    def create(self, tenant: int, start: str = NOVEMBER["startDate"], end: str = NOVEMBER["endDate"]) -> int:
        job_id: int = self.ok("POST", R.format(org=1, tenant=tenant), startDate=start, endDate=end)["id"]
        return job_id

    def report(self, tenant: int, report_id: int) -> Any:
        return self.ok("GET", R.format(org=1, tenant=tenant) + f"/{report_id}")["report"]

    def find(self, tenant: int, job_id: int) -> Any:
        """The report with this job id, from the first page (where a new report is: newest first)."""
        (found,) = [report for report in self.reports(tenant)["reports"] if report["jobId"] == job_id]
        return found

    def download(self, tenant: int, report_id: int) -> httpx.Response:
        return self.call("GET", R.format(org=1, tenant=tenant) + f"/{report_id}/download")


@pytest.fixture
def studio(simulators: VendorSimulators, http_client: httpx.Client) -> Studio:
    return Studio(simulators, http_client)


@pytest.fixture
def edge_impulse(simulators: VendorSimulators) -> EdgeImpulseSimulator:
    return simulators.edge_impulse


def all_pages(fetch: Any, items: str, total: str) -> tuple[list[list[int]], int]:
    """Follow limit/offset to the end: the ids of each page, and the total the API announced."""
    pages: list[list[int]] = []
    offset = 0
    while True:
        body = fetch(limit=2, offset=offset)
        ids = [item["id"] for item in body[items]]
        if not ids:
            return pages, body[total]
        pages.append(ids)
        offset += len(ids)


# --- listings ------------------------------------------------------------------------------


def test_the_white_labels_tenants_come_in_pages_of_two_with_the_total(studio: Studio) -> None:
    pages, total = all_pages(studio.tenants, "organizations", "total")
    assert pages == [[2, 3], [4, 5], [6]]
    assert total == 5
    first = studio.tenants()["organizations"][0]
    assert first["name"] == "Acme Sensors"
    assert first["whitelabelId"] == 1
    assert first["created"].endswith("Z")
    assert isinstance(first["privateProjectCount"], int)


@pytest.mark.parametrize(("limit", "expected"), [(100, [2, 3]), (1, [2]), (0, [2, 3]), (-4, [2, 3])])
def test_a_page_never_holds_more_than_the_page_size(studio: Studio, limit: int, expected: list[int]) -> None:
    assert [tenant["id"] for tenant in studio.tenants(limit=limit)["organizations"]] == expected


def test_page_size_is_a_knob_and_offset_past_the_end_is_an_empty_page(
    studio: Studio, edge_impulse: EdgeImpulseSimulator
) -> None:
    edge_impulse.page_size = 10
    assert [tenant["id"] for tenant in studio.tenants(limit=50)["organizations"]] == [2, 3, 4, 5, 6]
    assert studio.tenants(offset=99) == {"success": True, "organizations": [], "total": 5}


def test_search_narrows_the_tenants_and_the_total(studio: Studio) -> None:
    body = studio.tenants(search="zürich")
    assert [tenant["name"] for tenant in body["organizations"]] == ["Zürich Robotics AG"]
    assert body["total"] == 1


def test_a_tenants_reports_come_newest_first_in_pages_with_the_total_count(
    studio: Studio, edge_impulse: EdgeImpulseSimulator
) -> None:
    added = [
        edge_impulse.add_report(4, datetime(2025, month, 1, tzinfo=UTC), datetime(2025, month + 1, 1, tzinfo=UTC)).id
        for month in range(1, 6)
    ]
    pages, total = all_pages(lambda **page: studio.reports(4, **page), "reports", "totalCount")
    assert total == 5
    assert pages == [added[::-1][0:2], added[::-1][2:4], added[::-1][4:5]]


def test_the_default_world_holds_a_finished_october_report_for_tenant_3(studio: Studio) -> None:
    body = studio.reports(3)
    assert body["totalCount"] == 1
    (report,) = body["reports"]
    assert set(report) == REPORT_FIELDS
    assert (report["reportStartDate"], report["reportEndDate"]) == OCTOBER
    assert report["jobFinished"] is True
    assert report["jobFinishedSuccessful"] is True
    assert studio.download(3, report["id"]).status_code == 302


# --- the lifecycle -------------------------------------------------------------------------


def test_a_created_report_is_listed_by_its_job_id_pending_for_two_polls_then_finished(
    studio: Studio, edge_impulse: EdgeImpulseSimulator
) -> None:
    job_id = studio.create(2)
    first = studio.find(2, job_id)  # poll 1
    report_id = first["id"]
    assert report_id != job_id, "the create answer is a job id, not a report id"
    assert (first["jobFinished"], first["jobFinishedSuccessful"]) == (False, False)
    assert (first["reportStartDate"], first["reportEndDate"]) == (
        "2026-11-01T00:00:00.000Z",
        "2026-12-01T00:00:00.000Z",
    )
    assert studio.download(2, report_id).status_code == 400, "not ready yet"
    assert studio.report(2, report_id)["jobFinished"] is False  # poll 2
    finished = studio.report(2, report_id)
    assert (finished["jobFinished"], finished["jobFinishedSuccessful"]) == (True, True)
    assert set(finished) == REPORT_FIELDS
    assert finished["jobId"] == job_id
    assert studio.download(2, report_id).status_code == 302
    assert edge_impulse.creations(2) == edge_impulse.creations() == 1


@pytest.mark.parametrize("polls", [0, 1, 4])
def test_pending_polls_is_a_knob(studio: Studio, edge_impulse: EdgeImpulseSimulator, polls: int) -> None:
    edge_impulse.pending_polls = polls
    listed = studio.find(5, studio.create(5))  # the first poll
    assert listed["jobFinished"] is (polls == 0)
    seen = [studio.report(5, listed["id"])["jobFinished"] for _ in range(5)]
    still_pending = max(polls - 1, 0)
    assert seen == [False] * still_pending + [True] * (5 - still_pending)


def test_the_failing_tenants_report_job_finishes_unsuccessfully(
    studio: Studio, edge_impulse: EdgeImpulseSimulator
) -> None:
    assert edge_impulse.failing_tenants() == {6}
    report_id = studio.find(6, studio.create(6))["id"]
    studio.report(6, report_id)
    failed = studio.report(6, report_id)
    assert (failed["jobFinished"], failed["jobFinishedSuccessful"]) == (True, False)
    response = studio.download(6, report_id)
    assert response.status_code == 400
    assert response.json() == {"success": False, "error": "The report job failed"}


def test_set_failing_makes_any_tenant_fail_and_can_be_undone(
    studio: Studio, edge_impulse: EdgeImpulseSimulator
) -> None:
    edge_impulse.pending_polls = 0
    edge_impulse.set_failing(2)
    assert studio.find(2, studio.create(2))["jobFinishedSuccessful"] is False
    edge_impulse.set_failing(2, False)
    assert studio.find(2, studio.create(2))["jobFinishedSuccessful"] is True
    with pytest.raises(ValueError, match="no tenant 99: add_tenant"):
        edge_impulse.set_failing(99)


def test_a_jwt_is_a_white_label_admin_too(studio: Studio, http_client: httpx.Client) -> None:
    response = studio.call("GET", W.format(org=1), headers={"x-jwt-token": SANDBOX_EDGE_IMPULSE_JWT})
    assert response.status_code == 200


def test_a_report_can_be_deleted_and_is_then_gone(studio: Studio) -> None:
    report_id = studio.reports(3)["reports"][0]["id"]
    assert studio.ok("DELETE", R.format(org=1, tenant=3) + f"/{report_id}") == {"success": True}
    assert studio.reports(3) == {"success": True, "reports": [], "totalCount": 0}
    assert studio.call("GET", R.format(org=1, tenant=3) + f"/{report_id}").status_code == 404
    assert studio.download(3, report_id).status_code == 404


def test_offsets_are_kept_in_the_reported_period(studio: Studio) -> None:
    report = studio.find(4, studio.create(4, "2026-09-01T00:00:00+02:00", "2026-10-01T00:00:00+02:00"))
    assert report["reportStartDate"] == "2026-09-01T00:00:00.000+02:00"


# --- refusals ------------------------------------------------------------------------------

WHITE_LABEL_CALLS = [
    ("GET", W.format(org=1), {}),
    ("GET", R.format(org=1, tenant=2), {}),
    ("POST", R.format(org=1, tenant=2), NOVEMBER),
    ("GET", R.format(org=1, tenant=3) + "/1001", {}),
    ("DELETE", R.format(org=1, tenant=3) + "/1001", {}),
    ("GET", R.format(org=1, tenant=3) + "/1001/download", {}),
]
CALL_IDS = ["list-tenants", "list-reports", "create", "get", "delete", "download"]


@pytest.mark.parametrize(("method", "path", "params"), WHITE_LABEL_CALLS, ids=CALL_IDS)
def test_a_key_that_is_no_white_label_admin_gets_403_json_everywhere(
    studio: Studio, edge_impulse: EdgeImpulseSimulator, method: str, path: str, params: dict[str, str]
) -> None:
    response = studio.call(method, path, params, headers={"x-api-key": SANDBOX_EDGE_IMPULSE_NON_ADMIN_API_KEY})
    assert response.status_code == 403
    assert response.json() == {"success": False, "error": "This API is only available to white label admins"}
    assert edge_impulse.creations() == 0
    assert len(edge_impulse.reports(3)) == 1


@pytest.mark.parametrize(("method", "path", "params"), WHITE_LABEL_CALLS, ids=CALL_IDS)
def test_a_wrong_key_gets_401_json_everywhere(studio: Studio, method: str, path: str, params: dict[str, str]) -> None:
    response = studio.call(method, path, params, headers={"x-api-key": "ei-wrong"})
    assert response.status_code == 401
    assert response.json()["success"] is False


@pytest.mark.parametrize(("method", "path", "params"), WHITE_LABEL_CALLS[:5], ids=CALL_IDS[:5])
def test_another_organization_than_the_white_label_is_403(
    studio: Studio, method: str, path: str, params: dict[str, str]
) -> None:
    response = studio.call(method, path.replace("/organizations/1/", "/organizations/7/"), params)
    assert response.status_code == 403
    assert response.json() == {"success": False, "error": "You are not a white label admin of organization 7"}


def test_an_unknown_tenant_or_another_tenants_report_is_404(studio: Studio) -> None:
    assert studio.call("GET", R.format(org=1, tenant=99)).json() == {
        "success": False,
        "error": "Organization 99 not found",
    }
    assert studio.call("POST", R.format(org=1, tenant=99), NOVEMBER).status_code == 404
    assert studio.call("GET", R.format(org=1, tenant=2) + "/1001").status_code == 404
    assert studio.download(2, 1001).status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"startDate": NOVEMBER["startDate"]},
        {"startDate": "November", "endDate": NOVEMBER["endDate"]},
        {"startDate": "2026-11-01T00:00:00", "endDate": "2026-12-01T00:00:00"},
        {"startDate": "2026-02-30T00:00:00Z", "endDate": NOVEMBER["endDate"]},
    ],
    ids=["no-dates", "no-end", "not-a-date", "naive-times", "no-such-day"],
)
def test_a_create_without_two_date_times_is_400(
    simulators: VendorSimulators, http_client: httpx.Client, params: dict[str, str]
) -> None:
    response = http_client.post(
        simulators.edge_impulse_url + R.format(org=1, tenant=2),
        params=params,
        headers={"x-api-key": SANDBOX_EDGE_IMPULSE_API_KEY},
    )
    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "error": "startDate and endDate are required RFC 3339 date-times with an offset",
    }
    assert simulators.edge_impulse.creations() == 0


@pytest.mark.parametrize("params", [{"limit": "two"}, {"offset": "1.5"}, {"includeDeleted": "maybe"}])
def test_malformed_listing_parameters_are_400(
    simulators: VendorSimulators, http_client: httpx.Client, params: dict[str, str]
) -> None:
    response = http_client.get(
        simulators.edge_impulse_url + W.format(org=1),
        params=params,
        headers={"x-api-key": SANDBOX_EDGE_IMPULSE_API_KEY},
    )
    assert response.status_code == 400
    assert response.json()["success"] is False


# --- shaping the world from a test ---------------------------------------------------------


def test_the_world_is_scriptable_and_resettable(studio: Studio, edge_impulse: EdgeImpulseSimulator) -> None:
    edge_impulse.clear_world()
    assert studio.tenants() == {"success": True, "organizations": [], "total": 0}
    for tenant_id in range(10, 15):
        edge_impulse.add_tenant(tenant_id)
    pending = edge_impulse.add_report(
        12, datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC), state="pending", pending_polls=1
    )
    failed = edge_impulse.add_report(
        13, datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC), state="failed"
    )
    pages, total = all_pages(studio.tenants, "organizations", "total")
    assert (pages, total) == ([[10, 11], [12, 13], [14]], 5)
    assert studio.report(12, pending.id)["jobFinished"] is False
    assert studio.report(12, pending.id)["jobFinished"] is True
    assert studio.report(13, failed.id)["jobFinishedSuccessful"] is False
    assert edge_impulse.report(pending.id).state == "finished"
    edge_impulse.remove_tenant(12)
    assert edge_impulse.reports(12) == []
    studio.create(10)
    assert edge_impulse.creations(10) == 1
    edge_impulse.reset_world()
    assert [tenant.id for tenant in edge_impulse.tenants()] == [2, 3, 4, 5, 6]
    assert [(report.id, report.tenant_id) for report in edge_impulse.reports()] == [(1001, 3)]
    assert edge_impulse.creations() == 0


def test_the_world_refuses_naive_periods_and_unknown_tenants(edge_impulse: EdgeImpulseSimulator) -> None:
    with pytest.raises(ValueError, match="aware datetimes"):
        edge_impulse.add_report(2, datetime(2026, 10, 1), datetime(2026, 11, 1))
    with pytest.raises(ValueError, match="no tenant 42"):
        edge_impulse.add_report(42, datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    with pytest.raises(KeyError, match="7"):
        edge_impulse.report(7)
