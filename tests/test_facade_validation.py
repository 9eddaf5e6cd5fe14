"""Behaviour 1 and 2: bad input and missing credentials fail before any I/O, with a useful message."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from facade_runner import run, sandbox_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spec_validation import assert_matches_spec
from usage_reports import (
    Altostrat,
    AltostratUsagePdf,
    EdgeImpulse,
    EdgeImpulseUsageReport,
    InvalidRequest,
    MissingCredentials,
    Period,
    Statsig,
    StatsigUsageReport,
    UsageReports,
    UsageReportsError,
)
from usage_reports.testing import VendorSimulators


@pytest.mark.parametrize("value", [0, -1, True, False, 1.5, "3", None])
def test_edge_impulse_ids_must_be_positive_ints_and_not_bool(value: Any) -> None:
    with pytest.raises(InvalidRequest, match="organization_id must be a positive int"):
        EdgeImpulseUsageReport(value, 1, 1)
    if value is not None:  # no report_id is allowed: a period names the report instead
        with pytest.raises(InvalidRequest, match="report_id must be a positive int"):
            EdgeImpulseUsageReport(1, 1, value)


def test_edge_impulse_request_takes_exactly_one_of_report_id_and_period() -> None:
    with pytest.raises(InvalidRequest, match="exactly one of report_id and period"):
        EdgeImpulseUsageReport(1, 2)
    with pytest.raises(InvalidRequest, match="exactly one of report_id and period"):
        EdgeImpulseUsageReport(1, 2, 3, period=Period.month(2026, 10))
    assert EdgeImpulseUsageReport(1, 2, period=Period.month(2026, 10)).suggested_filename == (
        "edge-impulse-usage-1-2-2026-10.csv"
    )


@pytest.mark.parametrize(
    ("workspace_id", "hint"),
    [
        ("", "must not be empty"),
        (".", "must not be '.'"),
        ("..", "must not be '..'"),
        ("ws a", "whitespace or control"),
        ("ws\ta", "whitespace or control"),
        ("ws\x00a", "whitespace or control"),
        ("ws\u200ba", "whitespace or control"),
        ("w" * 201, "at most 200"),
        (123, "must be a string"),
    ],
)
def test_workspace_id_is_refused_when_it_could_change_the_path(workspace_id: Any, hint: str) -> None:
    with pytest.raises(InvalidRequest, match=hint):
        AltostratUsagePdf(workspace_id)


def test_workspace_id_of_200_characters_is_accepted() -> None:
    assert AltostratUsagePdf("w" * 200).workspace_id == "w" * 200


def test_invalid_request_is_also_a_value_error() -> None:
    with pytest.raises(ValueError, match="positive int"):
        EdgeImpulseUsageReport(0, 1, 1)


@pytest.mark.parametrize(
    ("kwargs", "hint"),
    [
        ({"end": datetime(2026, 11, 1)}, "naive datetime"),
        ({"end": 1_700_000_000}, "looks like seconds"),
        ({"end": 0}, "end must be after 1970-01-01"),
        ({"end": -5}, "end must be after 1970-01-01"),
        ({"end": "abc"}, "must be a datetime, a date or an int"),
        ({"end": True}, "not bool"),
        ({"end": date(2026, 11, 1), "start": date(2026, 11, 1)}, "start must be before end"),
        ({"end": date(2026, 10, 1), "start": date(2026, 11, 1)}, "start must be before end"),
        ({"end": date(2026, 11, 1), "start": datetime(2026, 10, 1)}, "naive datetime"),
    ],
)
def test_statsig_period_is_refused_with_a_hint(kwargs: dict[str, Any], hint: str) -> None:
    with pytest.raises(InvalidRequest, match=hint):
        StatsigUsageReport(**kwargs)


def test_statsig_dates_mean_utc_midnight_and_aware_datetimes_keep_their_instant() -> None:
    request = StatsigUsageReport(
        end=date(2026, 11, 1), start=datetime(2026, 10, 1, 2, tzinfo=timezone(timedelta(hours=2)))
    )
    assert request.end_ms == int(datetime(2026, 11, 1, tzinfo=UTC).timestamp() * 1000)
    assert request.start_ms == int(datetime(2026, 10, 1, tzinfo=UTC).timestamp() * 1000)
    assert StatsigUsageReport(end=1_790_000_000_000).end_ms == 1_790_000_000_000


@pytest.mark.parametrize(
    ("provider", "request_obj", "env_var"),
    [
        ("edge_impulse", EdgeImpulseUsageReport(1, 2, 3), "EDGE_IMPULSE_API_KEY"),
        ("altostrat", AltostratUsagePdf("ws_a1"), "ALTOSTRAT_TOKEN"),
        ("statsig", StatsigUsageReport(end=date(2026, 11, 1)), "STATSIG_CONSOLE_API_KEY"),
    ],
)
def test_missing_credential_names_the_variable_and_sends_nothing(
    simulators: VendorSimulators, kind: str, provider: str, request_obj: Any, env_var: str
) -> None:
    bare = {
        "edge_impulse": EdgeImpulse(base_url=simulators.edge_impulse_url),
        "altostrat": Altostrat(base_url=simulators.altostrat_url),
        "statsig": Statsig(base_url=simulators.statsig_url),
    }
    kwargs = sandbox_settings(simulators, **{provider: bare[provider]})
    with pytest.raises(MissingCredentials, match=env_var) as info:
        run(kind, kwargs, "fetch", request_obj)
    assert info.value.env_var == env_var
    assert simulators.requests == []


def test_settings_come_from_the_environment(simulators: VendorSimulators, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATSIG_CONSOLE_API_KEY", "console-sandbox-key")
    monkeypatch.setenv("STATSIG_BASE_URL", simulators.statsig_url)
    with UsageReports(max_retries=0) as client:
        report = client.fetch(StatsigUsageReport(end=date(2026, 11, 1), start=date(2026, 10, 30)))
    assert report.provider == "statsig"
    assert simulators.requests_to("statsig")[0].header("STATSIG-API-KEY") == "console-sandbox-key"


@pytest.mark.parametrize(
    "base_url", ["http://studio.edgeimpulse.com/v1", "ftp://127.0.0.1/", "http://10.0.0.1:8080", "not a url", ""]
)
def test_base_url_must_be_https_or_loopback(base_url: str) -> None:
    with pytest.raises(InvalidRequest, match="base_url"):
        EdgeImpulse(api_key="k-1234", base_url=base_url)


@pytest.mark.parametrize(
    "base_url", ["https://example.test/v1", "http://127.0.0.1:1/v1", "http://[::1]:8/", "http://localhost"]
)
def test_https_and_loopback_base_urls_are_accepted(base_url: str) -> None:
    assert EdgeImpulse(api_key="k-1234", base_url=base_url).base_url == base_url


def test_environment_base_url_is_checked_when_its_provider_is_first_used(simulators: VendorSimulators) -> None:
    environ = {"ALTOSTRAT_BASE_URL": "http://altostrat.example", "ALTOSTRAT_TOKEN": "alto-sandbox-token"}
    kwargs = sandbox_settings(simulators, altostrat=None, environ=environ)
    with UsageReports(**kwargs) as client:  # an unrelated provider's bad variable does not matter here
        report = client.fetch(StatsigUsageReport(end=date(2026, 11, 1), start=date(2026, 10, 30)))
        assert report.provider == "statsig"
        with pytest.raises(InvalidRequest, match=r"the environment variable ALTOSTRAT_BASE_URL .*plain http"):
            client.fetch(AltostratUsagePdf("ws_a1"))
    assert [r.server for r in simulators.requests] == ["statsig"]


def test_existing_destination_is_refused_before_any_request(
    simulators: VendorSimulators, tmp_path: Path, kind: str
) -> None:
    target = tmp_path / "usage.pdf"
    target.write_bytes(b"keep me")
    with pytest.raises(InvalidRequest, match="already exists"):
        run(kind, sandbox_settings(simulators), "download", AltostratUsagePdf("ws_a1"), target)
    assert target.read_bytes() == b"keep me"
    assert simulators.requests == []


def test_missing_destination_folder_is_refused_before_any_request(
    simulators: VendorSimulators, tmp_path: Path, kind: str
) -> None:
    with pytest.raises(InvalidRequest, match="does not exist"):
        run(kind, sandbox_settings(simulators), "download", AltostratUsagePdf("ws_a1"), tmp_path / "no" / "x.pdf")
    assert simulators.requests == []


def test_a_request_of_another_type_is_refused(simulators: VendorSimulators) -> None:
    with pytest.raises(
        InvalidRequest,
        match=r"expected a report request \(EdgeImpulseUsageReport, EdgeImpulseComputeTime, AltostratUsagePdf, "
        r"StatsigUsageReport\), not str",
    ):
        run("sync", sandbox_settings(simulators), "fetch", "statsig")


# --- property: valid requests build spec-valid HTTP requests; invalid ones send nothing -----------------

_SIM: VendorSimulators | None = None


@pytest.fixture(scope="module")
def shared_simulators() -> Any:
    global _SIM
    with VendorSimulators() as sim:
        _SIM = sim
        yield sim
    _SIM = None


_ids = st.integers(min_value=1, max_value=2**31)
_workspace = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp")),
    min_size=1,
    max_size=200,
).filter(lambda s: s not in {".", ".."} and not any(c.isspace() for c in s))
_ms = st.integers(min_value=10**11, max_value=4_102_444_800_000)


@st.composite
def _statsig(draw: st.DrawFn) -> StatsigUsageReport:
    end = draw(_ms)
    start = draw(st.none() | st.integers(min_value=10**11, max_value=end - 1)) if end > 10**11 else None
    as_datetime = draw(st.booleans())
    if as_datetime:
        end_value: Any = datetime.fromtimestamp(end / 1000, tz=UTC)
        return StatsigUsageReport(end=end_value, start=start)
    return StatsigUsageReport(end=end, start=start)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    request_obj=st.one_of(
        st.builds(EdgeImpulseUsageReport, _ids, _ids, _ids),
        st.builds(AltostratUsagePdf, _workspace),
        _statsig(),
    )
)
def test_every_valid_request_builds_a_spec_valid_http_request(
    shared_simulators: VendorSimulators, request_obj: Any
) -> None:
    shared_simulators.reset()
    spec = {"edge_impulse": "edgeimpulse", "altostrat": "altostrat", "statsig": "statsig"}[request_obj.provider]
    # The simulators may refuse unknown ids; what is checked is the request that was sent.
    with contextlib.suppress(UsageReportsError):
        run("sync", sandbox_settings(shared_simulators), "fetch", request_obj)
    first = shared_simulators.requests[0]
    assert first.server == request_obj.provider
    assert_matches_spec(first, spec)


@settings(max_examples=80, deadline=None)
@given(
    args=st.one_of(
        st.tuples(st.just("ei"), st.one_of(st.integers(max_value=0), st.booleans(), st.floats(), st.text())),
        st.tuples(
            st.just("alto"),
            st.one_of(
                st.just(""), st.just("."), st.just(".."), st.text(min_size=201), st.text().map(lambda s: s + " x")
            ),
        ),
        st.tuples(
            st.just("statsig"), st.one_of(st.integers(max_value=10**11 - 1), st.datetimes(), st.text(), st.none())
        ),
    )
)
def test_every_invalid_request_raises_invalid_request_and_sends_nothing(args: tuple[str, Any]) -> None:
    kind, value = args
    build: Callable[[], object] = {
        "ei": lambda: EdgeImpulseUsageReport(1, value, 1),
        "alto": lambda: AltostratUsagePdf(value),
        "statsig": lambda: StatsigUsageReport(end=value),
    }[kind]
    with pytest.raises(InvalidRequest):
        build()


def test_http_client_and_transport_are_exclusive() -> None:
    import httpx

    with httpx.Client() as http, pytest.raises(InvalidRequest, match="not both"):
        UsageReports(http_client=http, transport=httpx.MockTransport(lambda r: httpx.Response(200)), environ={})


def test_a_custom_transport_carries_the_requests() -> None:
    """Unit level: a mock transport sees the request the library built (the loopback tests cover the rest)."""
    import httpx

    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, headers={"Content-Type": "text/csv"}, content=b"a,b\n")

    settings = Statsig(console_api_key="console-unit-key", base_url="https://statsig.test")
    with UsageReports(statsig=settings, transport=httpx.MockTransport(answer), environ={}) as client:
        report = client.fetch(StatsigUsageReport(end=date(2026, 11, 1)))
    assert report.content == b"a,b\n"
    assert seen[0].url.host == "statsig.test"
    assert seen[0].headers["STATSIG-API-KEY"] == "console-unit-key"
