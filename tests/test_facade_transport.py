"""Behaviours 3 and 4: credentials go only where they belong; each vendor's answer is checked."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import pytest
from facade_runner import run, sandbox_settings
from spec_validation import assert_matches_spec
from usage_reports import (
    AltostratUsagePdf,
    EdgeImpulse,
    EdgeImpulseUsageReport,
    StatsigUsageReport,
    UnexpectedResponse,
)
from usage_reports.testing import (
    SANDBOX_ALTOSTRAT_TOKEN,
    SANDBOX_EDGE_IMPULSE_API_KEY,
    SANDBOX_EDGE_IMPULSE_JWT,
    SANDBOX_STATSIG_CONSOLE_KEY,
    Reply,
    VendorSimulators,
)

CREDENTIAL_HEADERS = ("x-api-key", "x-jwt-token", "authorization", "statsig-api-key", "cookie")
SECRETS = (SANDBOX_EDGE_IMPULSE_API_KEY, SANDBOX_EDGE_IMPULSE_JWT, SANDBOX_ALTOSTRAT_TOKEN, SANDBOX_STATSIG_CONSOLE_KEY)


def assert_credential_free(sim: VendorSimulators, server: str) -> None:
    hops = sim.requests_to(server)
    assert hops, f"no request reached {server}"
    for hop in hops:
        for name in CREDENTIAL_HEADERS:
            assert hop.header(name) is None, f"{name} reached {server}"
        assert not any(secret in value for _, value in hop.headers for secret in SECRETS)


def test_edge_impulse_follows_the_302_to_another_host_without_credentials(
    simulators: VendorSimulators, kind: str
) -> None:
    report = run(kind, sandbox_settings(simulators), "fetch", EdgeImpulseUsageReport(1, 2, 3))
    assert report.content == simulators.report_bytes(3)
    assert report.sha256 == hashlib.sha256(simulators.report_bytes(3)).hexdigest()
    api = simulators.requests_to("edge_impulse")
    assert len(api) == 1
    assert api[0].header("x-api-key") == SANDBOX_EDGE_IMPULSE_API_KEY
    assert_matches_spec(api[0], "edgeimpulse")
    assert_credential_free(simulators, "storage")
    assert simulators.requests_to("storage")[0].host.startswith("localhost:")


def test_edge_impulse_jwt_is_sent_as_header_and_not_forwarded(simulators: VendorSimulators, kind: str) -> None:
    settings = sandbox_settings(
        simulators, edge_impulse=EdgeImpulse(jwt=SANDBOX_EDGE_IMPULSE_JWT, base_url=simulators.edge_impulse_url)
    )
    run(kind, settings, "fetch", EdgeImpulseUsageReport(1, 2, 3))
    assert simulators.requests_to("edge_impulse")[0].header("x-jwt-token") == SANDBOX_EDGE_IMPULSE_JWT
    assert_matches_spec(simulators.requests_to("edge_impulse")[0], "edgeimpulse")
    assert_credential_free(simulators, "storage")


def test_relative_location_is_fetched_without_credentials_even_on_the_same_host(
    simulators: VendorSimulators, kind: str
) -> None:
    simulators.queue(
        "edge_impulse",
        Reply(status=302, headers=(("Location", "/files/report.csv?sig=abc"),)),
        Reply(status=200, headers=(("Content-Type", "text/csv"),), body=b"a,b\n1,2\n"),
    )
    report = run(kind, sandbox_settings(simulators), "fetch", EdgeImpulseUsageReport(1, 2, 3))
    assert report.content == b"a,b\n1,2\n"
    first, second = simulators.requests_to("edge_impulse")
    assert first.header("x-api-key") == SANDBOX_EDGE_IMPULSE_API_KEY
    assert second.target == "/files/report.csv?sig=abc"
    assert second.header("x-api-key") is None
    assert second.header("cookie") is None


def test_up_to_five_further_redirects_are_followed_credential_free(simulators: VendorSimulators, kind: str) -> None:
    hop = simulators.storage_url + "/hop"
    simulators.queue("storage", *[Reply(status=307, headers=(("Location", hop),)) for _ in range(5)])
    simulators.queue("edge_impulse", Reply(status=302, headers=(("Location", hop),)))
    simulators.queue("storage", Reply(status=200, headers=(("Content-Type", "text/csv"),), body=b"x\n"))
    assert run(kind, sandbox_settings(simulators), "fetch", EdgeImpulseUsageReport(1, 2, 3)).content == b"x\n"
    assert len(simulators.requests_to("storage")) == 6
    assert_credential_free(simulators, "storage")


def test_a_sixth_further_redirect_is_refused(simulators: VendorSimulators, kind: str) -> None:
    hop = simulators.storage_url + "/hop"
    simulators.queue("edge_impulse", Reply(status=302, headers=(("Location", hop),)))
    simulators.queue("storage", *[Reply(status=302, headers=(("Location", hop),)) for _ in range(6)])
    with pytest.raises(UnexpectedResponse, match="more than 5 redirects"):
        run(kind, sandbox_settings(simulators), "fetch", EdgeImpulseUsageReport(1, 2, 3))
    assert len(simulators.requests_to("storage")) == 6


@pytest.mark.parametrize(
    "location", ["http://storage.example.com/r.csv?sig=1", "ftp://127.0.0.1/r.csv", "file:///etc/passwd"]
)
def test_insecure_redirect_targets_are_refused_before_any_request(
    simulators: VendorSimulators, kind: str, location: str
) -> None:
    simulators.queue("edge_impulse", Reply(status=302, headers=(("Location", location),)))
    with pytest.raises(UnexpectedResponse, match="refused the report file URL") as info:
        run(kind, sandbox_settings(simulators), "fetch", EdgeImpulseUsageReport(1, 2, 3))
    assert "sig=1" not in str(info.value)
    assert len(simulators.requests) == 1


def test_https_to_http_downgrade_is_refused_even_to_loopback() -> None:
    import httpx
    from usage_reports._engine import Send, _AttemptFailed, _follow, _target

    class _Job:
        class call:
            provider = "edge_impulse"

        timeout = httpx.Timeout(1.0)

    previous = Send(httpx.Request("GET", "https://studio.edgeimpulse.com/v1/api/x"))
    answer = httpx.Response(302)
    with pytest.raises(_AttemptFailed, match="downgrade"):
        _follow(_Job(), previous, _target(previous, "http://127.0.0.1:9/report.csv"), answer)  # type: ignore[arg-type]
    following = _follow(_Job(), previous, _target(previous, "https://bucket.example/r.csv?s=1"), answer)  # type: ignore[arg-type]
    assert following.request.headers.get("x-api-key") is None


def test_a_200_straight_from_edge_impulse_is_accepted(simulators: VendorSimulators, kind: str) -> None:
    simulators.queue("edge_impulse", Reply(status=200, headers=(("Content-Type", "text/csv"),), body=b"direct\n"))
    assert run(kind, sandbox_settings(simulators), "fetch", EdgeImpulseUsageReport(1, 2, 3)).content == b"direct\n"


def test_statsig_sends_key_and_api_version_and_returns_csv_bytes_exactly(
    simulators: VendorSimulators, kind: str
) -> None:
    body = b'Date,Event Type,Name,Sources,Daily Billable Events,Project\n2026-10-01,gate,caf\xe9,"server,client",3,p\n\xff\xfe\n'
    simulators.queue("statsig", Reply(status=200, headers=(("Content-Type", "text/csv"),), body=body))
    report = run(
        kind, sandbox_settings(simulators), "fetch", StatsigUsageReport(end=date(2026, 11, 1), start=date(2026, 10, 1))
    )
    assert report.content == body
    assert report.media_type == "text/csv"
    sent = simulators.requests_to("statsig")[0]
    assert sent.header("STATSIG-API-KEY") == SANDBOX_STATSIG_CONSOLE_KEY
    assert sent.header("STATSIG-API-VERSION") == "20240601"
    assert_matches_spec(sent, "statsig")


def test_statsig_json_link_variant_is_followed_without_the_key(kind: str) -> None:
    with VendorSimulators(statsig_json_variant=True) as sim:
        report = run(
            kind, sandbox_settings(sim), "fetch", StatsigUsageReport(end=date(2026, 11, 1), start=date(2026, 10, 1))
        )
        assert report.content is not None
        assert report.content.startswith(b"Date,Event Type,Name,Sources")
        assert_credential_free(sim, "storage")


def test_statsig_json_without_a_link_is_an_unexpected_response(simulators: VendorSimulators, kind: str) -> None:
    simulators.queue(
        "statsig", Reply(status=200, headers=(("Content-Type", "application/json"),), body=b'{"data": []}')
    )
    with pytest.raises(UnexpectedResponse, match=r"data\[\]\.url"):
        run(kind, sandbox_settings(simulators), "fetch", StatsigUsageReport(end=date(2026, 11, 1)))


def test_altostrat_pdf_bytes_come_back_exactly_with_the_bearer_token(simulators: VendorSimulators, kind: str) -> None:
    report = run(kind, sandbox_settings(simulators), "fetch", AltostratUsagePdf("ws_a1b2c3d4e5f6g7h8"))
    assert report.content is not None
    assert report.content.startswith(b"%PDF-")
    assert report.media_type == "application/pdf"
    sent = simulators.requests_to("altostrat")[0]
    assert sent.header("authorization") == f"Bearer {SANDBOX_ALTOSTRAT_TOKEN}"
    assert_matches_spec(sent, "altostrat")


@pytest.mark.parametrize(
    ("headers", "body", "hint"),
    [
        ((("Content-Type", "text/html"),), b"<html>login</html>", "expected application/pdf"),
        ((("Content-Type", "application/pdf"),), b"<html>not a pdf</html>", "does not start with"),
        ((), b"%PDF-1.7\n", "no media type"),
    ],
)
def test_altostrat_answer_that_is_not_a_pdf_is_refused(
    simulators: VendorSimulators, kind: str, headers: Any, body: bytes, hint: str
) -> None:
    simulators.queue("altostrat", Reply(status=200, headers=headers, body=body))
    with pytest.raises(UnexpectedResponse, match=hint):
        run(kind, sandbox_settings(simulators), "fetch", AltostratUsagePdf("ws_a1"))


def test_edge_impulse_html_page_instead_of_csv_is_refused(simulators: VendorSimulators, kind: str) -> None:
    simulators.queue("storage", Reply(status=200, headers=(("Content-Type", "text/html"),), body=b"<html></html>"))
    with pytest.raises(UnexpectedResponse, match="expected a CSV"):
        run(kind, sandbox_settings(simulators), "fetch", EdgeImpulseUsageReport(1, 2, 3))


def test_gzip_encoded_report_is_decoded_and_its_length_checked_on_the_wire(
    simulators: VendorSimulators, kind: str
) -> None:
    import gzip

    csv = b"Date,Event Type,Name,Sources,Daily Billable Events,Project\n" * 200
    packed = gzip.compress(csv)
    simulators.queue(
        "statsig",
        Reply(status=200, headers=(("Content-Type", "text/csv"), ("Content-Encoding", "gzip")), body=packed),
    )
    report = run(kind, sandbox_settings(simulators), "fetch", StatsigUsageReport(end=date(2026, 11, 1)))
    assert report.content == csv
    assert report.size == len(csv)
