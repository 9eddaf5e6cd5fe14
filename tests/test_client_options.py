"""Client construction: settings by position or provider name, lazily resolved; with_options(); one credential."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from usage_reports import (
    EdgeImpulse,
    EdgeImpulseUsageReport,
    InvalidRequest,
    Statsig,
    StatsigUsageReport,
    UsageReports,
)
from usage_reports.testing import SANDBOX_EDGE_IMPULSE_API_KEY, SANDBOX_STATSIG_CONSOLE_KEY, VendorSimulators

OCTOBER = StatsigUsageReport(end=date(2026, 11, 1), start=date(2026, 10, 1))


def test_settings_may_be_given_by_position_or_by_provider_name(simulators: VendorSimulators) -> None:
    settings = Statsig(console_api_key=SANDBOX_STATSIG_CONSOLE_KEY, base_url=simulators.statsig_url)
    for client in (UsageReports(settings, environ={}), UsageReports(statsig=settings, environ={})):
        with client:
            assert client.fetch(OCTOBER).size > 0
    assert len(simulators.requests_to("statsig")) == 2


def test_the_same_provider_given_twice_or_an_unknown_keyword_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="statsig settings given twice"):
        UsageReports(Statsig(), statsig=Statsig(), environ={})
    with pytest.raises(
        InvalidRequest, match=r"unexpected keyword argument max_retry=: neither an option nor a provider"
    ):
        UsageReports(max_retry=3, environ={})  # type: ignore[arg-type]
    with pytest.raises(InvalidRequest, match=r"statsig= takes Statsig\(...\) settings, not EdgeImpulse"):
        UsageReports(statsig=EdgeImpulse(), environ={})


def test_both_edge_impulse_credential_variables_set_is_an_error_naming_both(simulators: VendorSimulators) -> None:
    environ = {
        "EDGE_IMPULSE_API_KEY": SANDBOX_EDGE_IMPULSE_API_KEY,
        "EDGE_IMPULSE_JWT": "ei-sandbox-jwt",
        "EDGE_IMPULSE_BASE_URL": simulators.edge_impulse_url,
    }
    with (
        UsageReports(environ=environ) as client,
        pytest.raises(InvalidRequest, match="both EDGE_IMPULSE_API_KEY and EDGE_IMPULSE_JWT are set; unset one"),
    ):
        client.fetch(EdgeImpulseUsageReport(1, 2, 3))
    assert simulators.requests == []


def test_a_credential_given_in_code_wins_over_both_variables(simulators: VendorSimulators) -> None:
    environ = {"EDGE_IMPULSE_API_KEY": "ignored-key", "EDGE_IMPULSE_JWT": "ignored-jwt"}
    settings = EdgeImpulse(api_key=SANDBOX_EDGE_IMPULSE_API_KEY, base_url=simulators.edge_impulse_url)
    with UsageReports(settings, environ=environ) as client:
        assert client.fetch(EdgeImpulseUsageReport(1, 2, 3)).size > 0
    assert simulators.requests_to("edge_impulse")[0].header("x-api-key") == SANDBOX_EDGE_IMPULSE_API_KEY
    with pytest.raises(InvalidRequest, match="give api_key or jwt, not both"):
        EdgeImpulse(api_key="key-1", jwt="jwt-1")


def test_with_options_overrides_per_call_and_shares_the_connection_pool(simulators: VendorSimulators) -> None:
    settings = Statsig(console_api_key=SANDBOX_STATSIG_CONSOLE_KEY, base_url=simulators.statsig_url)
    with UsageReports(settings, max_retries=0, timeout=5, environ={}) as client:
        patient = client.with_options(max_retries=4, timeout=httpx.Timeout(30.0), deadline=120)
        assert (patient.max_retries, patient.timeout.read, patient.deadline) == (4, 30.0, 120)
        assert (client.max_retries, client.timeout.read) == (0, 5.0)
        assert patient._http is client._http
        patient.close()  # the copy owns nothing: the client keeps working
        assert client.fetch(OCTOBER).size > 0
        with pytest.raises(InvalidRequest, match="max_retries must be an int >= 0"):
            client.with_options(max_retries=-1)
