"""Find or create, then wait, then download: an Edge Impulse report named by its period, over loopback.

The simulator models the vendor's lifecycle as the vendored spec describes it
(pages of 2, a created report pending for a few polls, a tenant whose jobs
fail, a key that is no white-label admin); every API request is validated
against specs/edgeimpulse.yaml when the ``simulators`` fixture tears down.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from urllib.parse import parse_qs

import pytest
from facade_runner import run, sandbox_settings
from usage_reports import (
    AsyncUsageReports,
    EdgeImpulse,
    EdgeImpulseUsageReport,
    Period,
    PermissionDenied,
    ReportJobFailed,
    ReportWaitExceeded,
    UsageReports,
)
from usage_reports.testing import SANDBOX_EDGE_IMPULSE_NON_ADMIN_API_KEY, EdgeImpulseSimulator, VendorSimulators

OCTOBER = Period.month(2026, 10)


def _quick(inner: int, period: Period = OCTOBER) -> EdgeImpulseUsageReport:
    """A request by period that polls every 10 ms (the simulator's jobs take polls, not time)."""
    return EdgeImpulseUsageReport(1, inner, period=period, poll_interval=0.01, max_wait=30.0)


def _ei(sims: VendorSimulators) -> EdgeImpulseSimulator:
    return sims.vendor("edge_impulse", EdgeImpulseSimulator)


def _methods(sims: VendorSimulators) -> list[str]:
    return [f"{r.method} {r.path.rsplit('/usage/', 1)[-1]}" for r in sims.requests_to("edge_impulse")]


def test_a_finished_report_of_the_same_period_is_reused(simulators: VendorSimulators, kind: str) -> None:
    existing = [r for r in _ei(simulators).reports(3) if r.start == OCTOBER.start]
    assert len(existing) == 1
    report = run(kind, sandbox_settings(simulators), "fetch", _quick(3))
    assert report.details == {"report_id": existing[0].id, "report": "reused"}
    assert report.content == _ei(simulators).report_bytes(existing[0].id)
    assert report.suggested_filename == "edge-impulse-usage-1-3-2026-10.csv"
    assert _ei(simulators).creations() == 0
    assert not [m for m in _methods(simulators) if m.startswith("POST")]


def test_a_pending_report_of_the_period_is_waited_for_not_created_again(
    simulators: VendorSimulators, kind: str
) -> None:
    pending = _ei(simulators).add_report(4, OCTOBER.start, OCTOBER.end, state="pending", pending_polls=3)
    report = run(kind, sandbox_settings(simulators), "fetch", _quick(4))
    assert report.details == {"report_id": pending.id, "report": "awaited"}
    assert _ei(simulators).creations() == 0
    polls = [m for m in _methods(simulators) if m == f"GET reports/{pending.id}"]
    assert len(polls) >= 2


def test_no_report_means_create_find_by_job_and_poll_until_finished(simulators: VendorSimulators, kind: str) -> None:
    report = run(kind, sandbox_settings(simulators), "fetch", _quick(2))
    created = _ei(simulators).reports(2)
    assert len(created) == 1
    assert (created[0].start, created[0].end, created[0].state) == (OCTOBER.start, OCTOBER.end, "finished")
    assert report.details == {"report_id": created[0].id, "report": "created"}
    assert report.content == _ei(simulators).report_bytes(created[0].id)
    assert _ei(simulators).creations(2) == 1
    post = next(r for r in simulators.requests_to("edge_impulse") if r.method == "POST")
    assert parse_qs(post.query) == {
        "startDate": ["2026-10-01T00:00:00+00:00"],
        "endDate": ["2026-11-01T00:00:00+00:00"],
    }
    assert post.header("x-api-key") is not None


def test_a_report_this_run_created_that_fails_is_one_clear_error_never_retried(
    simulators: VendorSimulators, kind: str
) -> None:
    with pytest.raises(ReportJobFailed, match=r"edge_impulse: tenant 6 of organization 1, period 2026-10: the report"):
        run(
            kind,
            sandbox_settings(simulators, max_retries=3),
            "fetch",
            _quick(6),
        )
    assert _ei(simulators).creations(6) == 1
    assert not [r for r in simulators.requests_to("edge_impulse") if r.path.endswith("/download")]


def test_an_earlier_failed_report_of_the_period_is_ignored_and_a_fresh_one_created(
    simulators: VendorSimulators, kind: str
) -> None:
    failed = _ei(simulators).add_report(5, OCTOBER.start, OCTOBER.end, state="failed")
    report = run(kind, sandbox_settings(simulators), "fetch", _quick(5))
    assert report.details["report"] == "created"
    assert report.details["report_id"] != failed.id
    assert _ei(simulators).creations(5) == 1


def test_every_page_of_the_listing_is_read(simulators: VendorSimulators, kind: str) -> None:
    sim = _ei(simulators)
    for month in range(1, 10):  # nine other months first: the October report sits on the fifth page of two
        period = Period.month(2025, month)
        sim.add_report(2, period.start, period.end, created=datetime(2025, month + 1, 2, tzinfo=UTC))
    october = sim.add_report(2, OCTOBER.start, OCTOBER.end, created=datetime(2024, 1, 1, tzinfo=UTC))
    report = run(kind, sandbox_settings(simulators), "fetch", _quick(2))
    assert report.details == {"report_id": october.id, "report": "reused"}
    listings = [r for r in simulators.requests_to("edge_impulse") if r.method == "GET" and r.path.endswith("/reports")]
    # ten reports fill five pages of two; the sixth, empty, ends the listing (a total alone is never trusted)
    assert [parse_qs(r.query)["offset"] for r in listings] == [["0"], ["2"], ["4"], ["6"], ["8"], ["10"]]


def test_waiting_longer_than_max_wait_is_a_clear_error(simulators: VendorSimulators, kind: str) -> None:
    _ei(simulators).pending_polls = 10_000
    request = EdgeImpulseUsageReport(1, 2, period=OCTOBER, max_wait=0.3, poll_interval=0.02)
    with pytest.raises(
        ReportWaitExceeded, match=r"tenant 2 of organization 1, period 2026-10: report \d+ is still pending"
    ):
        run(kind, sandbox_settings(simulators), "fetch", request)
    assert _ei(simulators).creations(2) == 1


def test_a_key_that_is_no_white_label_admin_gets_a_clear_403(simulators: VendorSimulators, kind: str) -> None:
    settings = EdgeImpulse(api_key=SANDBOX_EDGE_IMPULSE_NON_ADMIN_API_KEY, base_url=simulators.edge_impulse_url)
    with pytest.raises(PermissionDenied, match="is the credential a white-label admin of organization 1") as info:
        run(
            kind,
            sandbox_settings(simulators, edge_impulse=settings),
            "fetch",
            EdgeImpulseUsageReport(1, 2, period=OCTOBER),
        )
    assert info.value.status_code == 403
    assert SANDBOX_EDGE_IMPULSE_NON_ADMIN_API_KEY not in str(info.value)


def test_the_edge_impulse_namespace_lists_tenants_and_reports_sync_and_async(simulators: VendorSimulators) -> None:
    with UsageReports(**sandbox_settings(simulators)) as reports:
        tenants = reports.edge_impulse.inner_organizations(1)
        listed = reports.edge_impulse.usage_reports(1, 3)
        job = reports.edge_impulse.create_usage_report(1, 4, Period.month(2026, 9))
        one = reports.edge_impulse.usage_report(1, 4, next(r.id for r in _ei(simulators).reports(4)))

    async def go() -> list[int]:
        async with AsyncUsageReports(**sandbox_settings(simulators)) as areports:
            return [t.id for t in await areports.edge_impulse.inner_organizations(1)]

    assert [t.id for t in tenants] == [2, 3, 4, 5, 6]  # three pages of two
    assert asyncio.run(go()) == [2, 3, 4, 5, 6]
    assert [(r.period, r.status) for r in listed] == [(OCTOBER, "finished")]
    assert job == _ei(simulators).reports(4)[0].job_id
    assert one.period == Period.month(2026, 9)
    assert type(tenants[0]).__module__.startswith("usage_reports._providers")  # no generated model leaks out
