"""A vendor that pages badly, says success=false with a 200, or answers for another period: nothing is lost.

The simulator's ``listing_fault``, ``success_false`` and ``created_period_shift`` make
Edge Impulse misbehave the way real paged APIs do. The listing is read until an empty or
short page, a repeated page is caught at once, and a total its pages contradict fails the
listing in one line: never a silently shorter list of tenants, never a wait until the deadline.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from facade_runner import run, sandbox_settings
from usage_reports import (
    EdgeImpulseUsageReport,
    Period,
    ServerError,
    UnexpectedResponse,
    UsageReports,
)
from usage_reports.testing import EdgeImpulseSimulator, Reply, VendorSimulators

OCTOBER = Period.month(2026, 10)
ALL_TENANTS = [2, 3, 4, 5, 6]


def _ei(sims: VendorSimulators) -> EdgeImpulseSimulator:
    return sims.vendor("edge_impulse", EdgeImpulseSimulator)


def _listings(sims: VendorSimulators) -> int:
    return sum(1 for r in sims.requests_to("edge_impulse") if r.path.endswith("/whitelabel/organizations"))


def test_a_listing_that_serves_the_same_page_forever_fails_at_the_second_page(simulators: VendorSimulators) -> None:
    _ei(simulators).listing_fault = "same_page_forever"
    with UsageReports(**sandbox_settings(simulators)) as reports, pytest.raises(UnexpectedResponse) as caught:
        reports.edge_impulse.inner_organizations(1)
    message = str(caught.value)
    assert "cannot be trusted" in message
    assert "repeats tenants already listed" in message
    assert "\n" not in message
    assert _listings(simulators) == 2  # not one request per page until the deadline


def test_a_listing_that_ignores_offset_is_refused_not_cut_short(simulators: VendorSimulators) -> None:
    _ei(simulators).listing_fault = "ignores_offset"
    with UsageReports(**sandbox_settings(simulators)) as reports, pytest.raises(UnexpectedResponse, match="offset"):
        reports.edge_impulse.inner_organizations(1)


def test_a_total_lower_than_the_pages_hold_loses_no_tenant(simulators: VendorSimulators) -> None:
    _ei(simulators).listing_fault = "total_too_low"
    with UsageReports(**sandbox_settings(simulators)) as reports:
        tenants = reports.edge_impulse.inner_organizations(1)
    assert [t.id for t in tenants] == ALL_TENANTS


def test_a_total_the_pages_never_reach_fails_the_listing(simulators: VendorSimulators) -> None:
    _ei(simulators).listing_fault = "total_too_high"
    with UsageReports(**sandbox_settings(simulators)) as reports, pytest.raises(UnexpectedResponse) as caught:
        reports.edge_impulse.inner_organizations(1)
    assert "pages ended after 5 tenants but it counts 1005" in str(caught.value)


def test_the_reports_listing_of_a_tenant_is_held_to_the_same_rules(simulators: VendorSimulators) -> None:
    sim = _ei(simulators)
    for month in range(1, 4):
        period = Period.month(2025, month)
        sim.add_report(2, period.start, period.end)
    sim.listing_fault = "ignores_offset"
    with pytest.raises(UnexpectedResponse, match="repeats reports already listed"):
        run("sync", sandbox_settings(simulators), "fetch", EdgeImpulseUsageReport(1, 2, period=OCTOBER))
    assert sim.creations() == 0  # no report is created on the word of a listing that cannot be trusted


@pytest.mark.parametrize("route", ["tenants", "create"])
def test_a_success_false_answer_shows_the_vendors_own_error_redacted_and_escaped(
    simulators: VendorSimulators, route: str
) -> None:
    settings = sandbox_settings(simulators)
    key = settings["edge_impulse"].api_key
    _ei(simulators).success_false[route] = f"quota exceeded for key {key}\x1b[2J\r\nreally"
    with UsageReports(**settings) as reports:
        call: Callable[[], object] = {
            "tenants": lambda: reports.edge_impulse.inner_organizations(1),
            "create": lambda: reports.edge_impulse.create_usage_report(1, 2, OCTOBER),
        }[route]
        with pytest.raises(UnexpectedResponse) as caught:
            call()
    message = str(caught.value)
    assert "success=false: quota exceeded for key [REDACTED]\\x1b[2J\\r\\nreally" in message
    assert key not in message
    assert "KeyError" not in message


def test_a_report_created_for_another_period_is_never_saved_as_the_asked_one(simulators: VendorSimulators) -> None:
    from datetime import timedelta

    _ei(simulators).created_period_shift = timedelta(days=1)
    request = EdgeImpulseUsageReport(1, 2, period=OCTOBER, poll_interval=0.01, max_wait=30.0)
    with pytest.raises(UnexpectedResponse, match="not the period asked for"):
        run("sync", sandbox_settings(simulators), "fetch", request)
    assert not [r for r in simulators.requests_to("edge_impulse") if r.path.endswith("/download")]


@pytest.mark.raw_requests  # the scripted 503 answers a request the spec allows; the check is on its count
@pytest.mark.parametrize("operation", ["create", "delete"])
def test_a_5xx_on_create_or_delete_is_not_retried(simulators: VendorSimulators, operation: str) -> None:
    report = _ei(simulators).add_report(2, OCTOBER.start, OCTOBER.end)
    simulators.queue("edge_impulse", Reply(status=503, body=b'{"success": false, "error": "busy"}'))
    with UsageReports(**sandbox_settings(simulators, max_retries=3)) as reports:
        call: Callable[[], object] = {
            "create": lambda: reports.edge_impulse.create_usage_report(1, 2, OCTOBER),
            "delete": lambda: reports.edge_impulse.delete_usage_report(1, 2, report.id),
        }[operation]
        with pytest.raises(ServerError):
            call()
    method = "POST" if operation == "create" else "DELETE"
    assert [r.method for r in simulators.requests_to("edge_impulse")] == [method]  # exactly one: no duplicate job
    assert _ei(simulators).creations() == 0
