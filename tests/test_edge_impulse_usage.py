"""Edge Impulse's structured usage on the client's namespace: compute time per period, and a tenant's info.

Over loopback against the simulator; every request is checked against the vendored
specs/edgeimpulse.yaml when the ``simulators`` fixture tears down. The numbers are the
vendor's, exactly as its JSON has them (Decimal from the text), never recomputed.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from facade_runner import sandbox_settings
from usage_reports import (
    AsyncUsageReports,
    ComputeTime,
    InvalidRequest,
    NotFound,
    Period,
    TenantInfo,
    UnexpectedResponse,
    UsageReports,
)
from usage_reports.testing import EdgeImpulseSimulator, VendorSimulators
from usage_reports.testing._edge_impulse import daily_usage, total_minutes

OCTOBER = Period.month(2026, 10)


def _ei(sims: VendorSimulators) -> EdgeImpulseSimulator:
    return sims.vendor("edge_impulse", EdgeImpulseSimulator)


def _october_seconds(tenant: int) -> tuple[int, int]:
    days = [date(2026, 10, 1) + timedelta(days=n) for n in range(31)]
    return sum(daily_usage(tenant, d)[0] for d in days), sum(daily_usage(tenant, d)[1] for d in days)


def test_compute_time_of_a_period_is_the_vendors_numbers_sync_and_async(simulators: VendorSimulators) -> None:
    with UsageReports(**sandbox_settings(simulators)) as reports:
        got = reports.edge_impulse.compute_time(1, 4, OCTOBER)

    async def go() -> object:
        async with AsyncUsageReports(**sandbox_settings(simulators)) as areports:
            return await areports.edge_impulse.compute_time(1, 4, OCTOBER)

    cpu, gpu = _october_seconds(4)
    assert gpu > 0  # tenant 4 uses GPUs: the two numbers differ
    assert (got.cpu_seconds, got.gpu_seconds) == (Decimal(cpu), Decimal(gpu))
    assert got.total_minutes == Decimal(repr(total_minutes(cpu, gpu)))  # the JSON text, not a float's expansion
    assert (got.organization_id, got.inner_organization_id, got.period) == (1, 4, OCTOBER)
    assert asyncio.run(go()) == got
    assert isinstance(got, ComputeTime)
    sent = [r for r in simulators.requests_to("edge_impulse") if r.path.endswith("/usage/computeTime")]
    assert len(sent) == 2
    assert parse_qs(sent[0].query) == {
        "startDate": ["2026-10-01T00:00:00+00:00"],
        "endDate": ["2026-11-01T00:00:00+00:00"],
    }


def test_compute_time_follows_the_periods_time_zone(simulators: VendorSimulators) -> None:
    berlin = Period.month(2026, 10, tz="Europe/Berlin")
    with UsageReports(**sandbox_settings(simulators)) as reports:
        got = reports.edge_impulse.compute_time(1, 2, berlin)
    sent = next(r for r in simulators.requests_to("edge_impulse") if r.path.endswith("/usage/computeTime"))
    assert parse_qs(sent.query)["startDate"] == ["2026-10-01T00:00:00+02:00"]
    expected = EdgeImpulseSimulator.compute_seconds(2, berlin.start, berlin.end)
    assert (got.cpu_seconds, got.gpu_seconds) == tuple(Decimal(n) for n in expected)


def test_tenant_info_has_contract_limits_and_365_daily_metrics(simulators: VendorSimulators) -> None:
    with UsageReports(**sandbox_settings(simulators)) as reports:
        info = reports.edge_impulse.tenant(1, 2)
    assert isinstance(info, TenantInfo)
    assert info.billable is True
    assert info.compute_time_current_contract_since == datetime(2026, 3, 15, tzinfo=UTC)
    assert info.entitlement_limits is not None
    assert info.entitlement_limits.number_of_projects == 50
    assert len(info.daily_metrics) == 365
    first = info.daily_metrics[0]
    cpu, gpu = daily_usage(2, first.date.date())
    assert (first.cpu_compute_time_seconds, first.gpu_compute_time_seconds) == (cpu, gpu)
    assert first.compute_time_seconds == cpu + 3 * gpu  # the vendor's own field, reported as it is
    assert type(info).__module__.startswith("usage_reports._providers")  # no generated model leaks out


def test_an_unknown_tenant_is_not_found_naming_nothing_secret(simulators: VendorSimulators) -> None:
    with UsageReports(**sandbox_settings(simulators)) as reports, pytest.raises(NotFound) as caught:
        reports.edge_impulse.compute_time(1, 99, OCTOBER)
    assert "ei-sandbox" not in str(caught.value)


@pytest.mark.parametrize(("args", "named"), [((0, 2, OCTOBER), "organization_id"), ((1, 2, "2026-10"), "period")])
def test_bad_arguments_are_refused_before_anything_is_sent(
    simulators: VendorSimulators, args: tuple[object, ...], named: str
) -> None:
    with UsageReports(**sandbox_settings(simulators)) as reports, pytest.raises(InvalidRequest, match=named):
        reports.edge_impulse.compute_time(*args)  # type: ignore[arg-type]
    assert simulators.requests_to("edge_impulse") == []


def test_a_success_false_answer_surfaces_the_vendors_error(simulators: VendorSimulators) -> None:
    from usage_reports._providers.edge_impulse import _lifecycle

    flow = _lifecycle.compute_time(
        sandbox_settings(simulators)["edge_impulse"], 1, 2, OCTOBER
    )  # a sans-I/O flow: drive it by hand
    next(flow)
    with pytest.raises(UnexpectedResponse, match="success=false: no compute data"):
        flow.send(json.dumps({"success": False, "error": "no compute data"}).encode())
