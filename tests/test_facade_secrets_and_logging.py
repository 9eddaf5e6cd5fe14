"""Behaviours 2 and 11: no secret or signed URL in any repr, message or log record."""

from __future__ import annotations

import logging
import traceback
from datetime import date

import pytest
from facade_runner import run, sandbox_settings
from usage_reports import (
    Altostrat,
    AuthenticationError,
    EdgeImpulse,
    EdgeImpulseUsageReport,
    Statsig,
    StatsigUsageReport,
    UsageReports,
)
from usage_reports._redact import Redactor
from usage_reports.testing import (
    SANDBOX_ALTOSTRAT_TOKEN,
    SANDBOX_EDGE_IMPULSE_API_KEY,
    SANDBOX_STATSIG_CONSOLE_KEY,
    Reply,
    VendorSimulators,
)

SECRETS = (SANDBOX_EDGE_IMPULSE_API_KEY, SANDBOX_ALTOSTRAT_TOKEN, SANDBOX_STATSIG_CONSOLE_KEY)


def test_settings_and_client_reprs_hide_credentials() -> None:
    texts = [
        repr(EdgeImpulse(api_key=SANDBOX_EDGE_IMPULSE_API_KEY)),
        repr(EdgeImpulse(jwt="jwt-secret-value")),
        repr(Altostrat(token=SANDBOX_ALTOSTRAT_TOKEN)),
        repr(Statsig(console_api_key=SANDBOX_STATSIG_CONSOLE_KEY)),
        str(Statsig(console_api_key=SANDBOX_STATSIG_CONSOLE_KEY)),
        repr(UsageReports(statsig=Statsig(console_api_key=SANDBOX_STATSIG_CONSOLE_KEY), environ={})),
    ]
    for text in texts:
        for secret in (*SECRETS, "jwt-secret-value"):
            assert secret not in text
    assert "'***'" in texts[0]


def test_key_echoed_in_statsig_401_is_redacted_everywhere(simulators: VendorSimulators, kind: str) -> None:
    wrong = "console-my-real-secret-key"
    kwargs = sandbox_settings(simulators, statsig=Statsig(console_api_key=wrong, base_url=simulators.statsig_url))
    with pytest.raises(AuthenticationError, match="HTTP 401") as info:
        run(kind, kwargs, "fetch", StatsigUsageReport(end=date(2026, 11, 1)))
    rendered = "".join(traceback.format_exception(info.value))
    assert "Key: [REDACTED]" in str(info.value)
    for text in (str(info.value), repr(info.value), info.value.message, rendered):
        assert wrong not in text


def test_key_of_a_per_call_settings_override_is_redacted_too(simulators: VendorSimulators, kind: str) -> None:
    wrong = "console-per-call-secret"
    with pytest.raises(AuthenticationError, match="HTTP 401") as info:
        run(
            kind,
            sandbox_settings(simulators),
            "fetch",
            StatsigUsageReport(end=date(2026, 11, 1)),
            settings=Statsig(console_api_key=wrong, base_url=simulators.statsig_url),
        )
    assert wrong not in str(info.value)


def test_debug_logs_of_a_redirected_download_hold_no_secret_and_no_signed_url(
    simulators: VendorSimulators, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    simulators.queue(
        "statsig",
        Reply(
            status=401,
            headers=(("Content-Type", "application/json"),),
            body=(b'{"status": 401, "message": "invalid key. Key: ' + SANDBOX_STATSIG_CONSOLE_KEY.encode() + b'"}'),
        ),
    )
    with caplog.at_level(logging.DEBUG):
        run(kind, sandbox_settings(simulators), "fetch", EdgeImpulseUsageReport(1, 2, 3))
        with pytest.raises(AuthenticationError, match=r"invalid key\. Key: \[REDACTED\]"):
            run(kind, sandbox_settings(simulators), "fetch", StatsigUsageReport(end=date(2026, 11, 1)))
    names = {record.name for record in caplog.records}
    assert {"usage_reports", "httpx"} <= names
    assert any(n.startswith("httpcore") for n in names)
    for record in caplog.records:
        text = record.getMessage()
        assert "X-Amz-Signature" not in text, text
        assert "/reports/" not in text, text  # the Location's path
        assert "?" not in text, text
        for secret in SECRETS:
            assert secret not in text, text


def test_library_records_carry_provider_status_attempt_and_duration(
    simulators: VendorSimulators, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="usage_reports"):
        run("sync", sandbox_settings(simulators), "fetch", EdgeImpulseUsageReport(1, 2, 3))
    done = [r for r in caplog.records if r.name == "usage_reports" and "done" in r.getMessage()]
    assert len(done) == 1
    record = done[0]
    assert record.__dict__["provider"] == "edge_impulse"
    assert record.__dict__["status"] == 200
    assert record.__dict__["attempt"] == 1
    assert record.__dict__["duration"] >= 0


def test_httpx_logs_outside_library_calls_are_left_alone(
    simulators: VendorSimulators, caplog: pytest.LogCaptureFixture
) -> None:
    import httpx

    UsageReports(environ={}).close()  # installs the guard
    with caplog.at_level(logging.INFO, logger="httpx"), httpx.Client() as plain:
        plain.get(simulators.statsig_url + "/console/v1/project/usage_billing/report?end=1")
    assert any("?end=1" in r.getMessage() for r in caplog.records if r.name == "httpx")


def test_redactor_removes_secrets_and_query_strings() -> None:
    redact = Redactor(["s3cr3t-key", None, ""])
    assert redact("Key: s3cr3t-key") == "Key: [REDACTED]"
    assert redact("see https://bucket.example/r.csv?X-Amz-Signature=abc&x=1 now") == (
        "see https://bucket.example/r.csv?[REDACTED] now"
    )


def test_per_call_settings_keep_the_clients_base_url(simulators: VendorSimulators) -> None:
    report = run(
        "sync",
        sandbox_settings(simulators),
        "fetch",
        StatsigUsageReport(end=date(2026, 11, 1)),
        settings=Statsig(console_api_key=SANDBOX_STATSIG_CONSOLE_KEY),
    )
    assert report.provider == "statsig"
    assert len(simulators.requests_to("statsig")) == 1
