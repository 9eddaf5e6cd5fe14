"""Behaviours 5, 6 and 8: errors chosen by status code, retries with backoff, bounded timeouts."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from facade_runner import run, sandbox_settings
from usage_reports import (
    DEFAULT_TIMEOUT,
    AltostratUsagePdf,
    APIError,
    AuthenticationError,
    ConnectionFailed,
    EdgeImpulseUsageReport,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
    StatsigUsageReport,
    Timeout,
    UnexpectedResponse,
    UsageReports,
    UsageReportsError,
)
from usage_reports.testing import Reply, VendorSimulators

STATSIG = StatsigUsageReport(end=date(2026, 11, 1), start=date(2026, 10, 31))
JSON = (("Content-Type", "application/json"),)


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("usage_reports._retry.INITIAL_RETRY_DELAY", 0.01)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, UnexpectedResponse),
        (401, AuthenticationError),
        (403, PermissionDenied),
        (404, NotFound),
        (418, UnexpectedResponse),
        (429, RateLimited),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (299, UnexpectedResponse),
    ],
)
def test_error_class_is_chosen_by_status_code(
    simulators: VendorSimulators, kind: str, status: int, error: type[APIError]
) -> None:
    simulators.queue("statsig", Reply(status=status, headers=JSON, body=b'{"status": 1, "message": "vendor says no"}'))
    with pytest.raises(error, match=f"HTTP {status}") as info:
        run(kind, sandbox_settings(simulators), "fetch", STATSIG)
    assert type(info.value) is error
    assert info.value.provider == "statsig"
    assert info.value.status_code == status
    assert "vendor says no" in str(info.value)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, b"<html><body>Bad gateway</body></html>"),
        (401, b'{"status": 401}'),
        (400, b'{"status": "weird", "message": 5}'),
        (401, b"\xff\xfe not json"),
        (404, b""),
    ],
)
def test_malformed_error_bodies_never_escape_as_parsing_errors(
    simulators: VendorSimulators, kind: str, status: int, body: bytes
) -> None:
    simulators.queue("statsig", Reply(status=status, headers=JSON, body=body))
    with pytest.raises(UsageReportsError, match=f"HTTP {status}") as info:
        run(kind, sandbox_settings(simulators), "fetch", STATSIG)
    assert isinstance(info.value, APIError)
    assert info.value.status_code == status


def test_edge_impulse_error_message_is_taken_from_its_json(simulators: VendorSimulators, kind: str) -> None:
    simulators.queue(
        "edge_impulse", Reply(status=403, headers=JSON, body=b'{"success": false, "error": "Not a white label admin"}')
    )
    with pytest.raises(PermissionDenied, match="Not a white label admin"):
        run(kind, sandbox_settings(simulators), "fetch", EdgeImpulseUsageReport(1, 2, 3))


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried_until_success(simulators: VendorSimulators, kind: str, status: int) -> None:
    simulators.queue("altostrat", Reply(status=status), Reply(status=status))
    report = run(kind, sandbox_settings(simulators, max_retries=2), "fetch", AltostratUsagePdf("ws_a1"))
    assert report.content is not None
    assert report.content.startswith(b"%PDF-")
    assert len(simulators.requests_to("altostrat")) == 3


def test_retries_stop_after_max_retries_with_the_last_error(simulators: VendorSimulators, kind: str) -> None:
    simulators.queue("altostrat", *[Reply(status=503) for _ in range(5)])
    with pytest.raises(ServerError, match="HTTP 503") as info:
        run(kind, sandbox_settings(simulators, max_retries=2), "fetch", AltostratUsagePdf("ws_a1"))
    assert len(simulators.requests_to("altostrat")) == 3
    assert info.value.status_code == 503


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_not_retried(simulators: VendorSimulators, kind: str, status: int) -> None:
    simulators.queue("altostrat", *[Reply(status=status) for _ in range(3)])
    with pytest.raises(APIError, match=f"HTTP {status}"):
        run(kind, sandbox_settings(simulators, max_retries=2), "fetch", AltostratUsagePdf("ws_a1"))
    assert len(simulators.requests_to("altostrat")) == 1


def test_default_is_two_retries(simulators: VendorSimulators) -> None:
    simulators.queue("altostrat", *[Reply(status=500) for _ in range(4)])
    kwargs = sandbox_settings(simulators)
    del kwargs["max_retries"]
    with pytest.raises(ServerError, match="HTTP 500"):
        run("sync", kwargs, "fetch", AltostratUsagePdf("ws_a1"))
    assert len(simulators.requests_to("altostrat")) == 3


def test_retry_after_seconds_is_honoured(simulators: VendorSimulators, kind: str) -> None:
    simulators.queue("statsig", Reply(status=429, headers=(("Retry-After", "0.6"),)))
    started = time.monotonic()
    run(kind, sandbox_settings(simulators, max_retries=1), "fetch", STATSIG)
    assert time.monotonic() - started >= 0.6
    assert len(simulators.requests_to("statsig")) == 2


def test_retry_after_http_date_is_honoured(simulators: VendorSimulators, kind: str) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
    simulators.queue("statsig", Reply(status=503, headers=(("Retry-After", when),)))
    started = time.monotonic()
    run(kind, sandbox_settings(simulators, max_retries=1), "fetch", STATSIG)
    assert time.monotonic() - started >= 0.9  # the header has one-second resolution
    assert len(simulators.requests_to("statsig")) == 2


def test_retry_after_beyond_sixty_seconds_raises_rate_limited_at_once(simulators: VendorSimulators, kind: str) -> None:
    simulators.queue("statsig", Reply(status=429, headers=(("Retry-After", "120"),)))
    started = time.monotonic()
    with pytest.raises(RateLimited, match="HTTP 429") as info:
        run(kind, sandbox_settings(simulators, max_retries=2), "fetch", STATSIG)
    assert info.value.retry_after == 120
    assert time.monotonic() - started < 5
    assert len(simulators.requests_to("statsig")) == 1


def test_dropped_connection_is_retried(simulators: VendorSimulators, kind: str) -> None:
    simulators.queue("altostrat", Reply(drop_connection=True))
    report = run(kind, sandbox_settings(simulators, max_retries=1), "fetch", AltostratUsagePdf("ws_a1"))
    assert report.size > 0
    assert len(simulators.requests_to("altostrat")) == 2


def test_refused_connection_is_connection_failed_with_cause(kind: str) -> None:
    with VendorSimulators() as sim:
        kwargs = sandbox_settings(sim, max_retries=1)
    with pytest.raises(ConnectionFailed, match="connection failed on the api request") as info:
        run(kind, kwargs, "fetch", AltostratUsagePdf("ws_a1"))
    assert not isinstance(info.value, Timeout)
    assert isinstance(info.value.__cause__, httpx.TransportError)


def test_read_timeout_is_retried_then_raised_as_timeout(simulators: VendorSimulators, kind: str) -> None:
    simulators.queue("altostrat", Reply(delay=1.0), Reply(delay=1.0))
    with pytest.raises(Timeout, match=r"timed out \(ReadTimeout\) on the api request") as info:
        run(kind, sandbox_settings(simulators, max_retries=1, timeout=0.3), "fetch", AltostratUsagePdf("ws_a1"))
    assert isinstance(info.value.__cause__, httpx.TimeoutException)
    assert len(simulators.requests_to("altostrat")) == 2


def test_truncated_body_is_retried_and_then_reported(simulators: VendorSimulators, kind: str) -> None:
    short = Reply(
        status=200, headers=(("Content-Type", "application/pdf"),), body=b"%PDF-1.7 short", declared_length=1000
    )
    simulators.queue("altostrat", short, short)
    with pytest.raises(UnexpectedResponse, match="truncated"):
        run(kind, sandbox_settings(simulators, max_retries=1), "fetch", AltostratUsagePdf("ws_a1"))
    assert len(simulators.requests_to("altostrat")) == 2


def test_timeouts_are_bounded_by_default() -> None:
    client = UsageReports(environ={})
    assert client.timeout == DEFAULT_TIMEOUT
    assert None not in (client.timeout.connect, client.timeout.read, client.timeout.write, client.timeout.pool)
    client.close()


@pytest.mark.parametrize("timeout", [httpx.Timeout(None), httpx.Timeout(5.0, read=None), 0, -1, "10"])
def test_unbounded_or_nonsense_timeouts_are_refused(timeout: Any) -> None:
    with pytest.raises(InvalidRequest, match="timeout"):
        UsageReports(timeout=timeout, environ={})
