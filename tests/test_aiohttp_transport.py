"""usage_reports.aiohttp_transport: the same requests, answers and errors as httpx's own transport.

Each test sends through AsyncUsageReports(transport=AiohttpTransport()) to the
loopback simulators; where the behaviour is parity, the same call through the
default transport is the reference.
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from facade_runner import sandbox_settings
from usage_reports import (
    AltostratUsagePdf,
    AsyncUsageReports,
    ConnectionFailed,
    EdgeImpulseUsageReport,
    StatsigUsageReport,
    Timeout,
    UnexpectedResponse,
    UsageReport,
)
from usage_reports.aiohttp_transport import AiohttpTransport, _bypassed
from usage_reports.testing import Reply, VendorSimulators

STATSIG = StatsigUsageReport(end=date(2026, 11, 1), start=date(2026, 10, 25))
CSV = (("Content-Type", "text/csv"),)


def call(sim: VendorSimulators, method: str, *args: Any, transport: str = "aiohttp", **settings: Any) -> UsageReport:
    async def go() -> UsageReport:
        chosen = AiohttpTransport() if transport == "aiohttp" else None
        async with AsyncUsageReports(**sandbox_settings(sim, transport=chosen, **settings)) as client:
            result: UsageReport = await getattr(client, method)(*args)
            return result

    return asyncio.run(go())


@pytest.mark.parametrize(
    "request_",
    [EdgeImpulseUsageReport(1, 2, 3), AltostratUsagePdf("ws_a1"), STATSIG],
    ids=["edge_impulse", "altostrat", "statsig"],
)
def test_every_provider_fetches_the_same_bytes_as_through_httpx(simulators: VendorSimulators, request_: Any) -> None:
    fast = call(simulators, "fetch", request_)
    reference = call(simulators, "fetch", request_, transport="httpx")
    assert fast.content == reference.content
    assert fast.sha256 == reference.sha256
    assert fast.size == reference.size > 0


def test_download_writes_the_file_with_its_sha256(simulators: VendorSimulators, tmp_path: Path) -> None:
    destination = tmp_path / "report.csv"
    report = call(simulators, "download", EdgeImpulseUsageReport(1, 2, 3), destination)
    assert destination.read_bytes() == simulators.report_bytes(3)
    assert report.sha256 == hashlib.sha256(simulators.report_bytes(3)).hexdigest()


def test_both_hops_carry_exactly_the_headers_httpx_sends(simulators: VendorSimulators) -> None:
    """No Accept-Encoding or aiohttp User-Agent added; the credential on the API hop only."""

    def sent() -> list[list[tuple[str, str]]]:
        hops = [sorted((k.lower(), v) for k, v in r.headers if k.lower() != "host") for r in simulators.requests]
        simulators.reset()
        return hops

    call(simulators, "fetch", EdgeImpulseUsageReport(1, 2, 3), transport="httpx")
    reference = sent()
    call(simulators, "fetch", EdgeImpulseUsageReport(1, 2, 3))
    assert sent() == reference
    assert len(reference) == 2
    assert "x-api-key" in dict(reference[0])
    assert "x-api-key" not in dict(reference[1])


def test_a_request_without_accept_or_user_agent_goes_out_with_its_own_headers_only(
    simulators: VendorSimulators,
) -> None:
    """aiohttp adds Accept, Accept-Encoding and User-Agent to a request without them; httpx adds none."""

    async def send(transport: httpx.AsyncBaseTransport | None) -> list[tuple[str, str]]:
        simulators.reset()
        async with httpx.AsyncClient(transport=transport) as client:
            request = httpx.Request("GET", simulators.statsig_url + "/console/v1/anything", headers={"X-Own": "1"})
            await (await client.send(request)).aread()
        return sorted((name.lower(), value) for name, value in simulators.requests[0].headers)

    reference = asyncio.run(send(None))
    assert [name for name, _ in reference] == ["host", "x-own"]
    assert asyncio.run(send(AiohttpTransport())) == reference


def test_a_signed_url_goes_out_byte_for_byte(simulators: VendorSimulators) -> None:
    location = "/files/a%2fb.csv?X-Sig=x%2b%7E~&e=%20"  # what a re-quoting client would rewrite
    simulators.queue(
        "edge_impulse", Reply(status=302, headers=(("Location", location),)), Reply(headers=CSV, body=b"a,b\n")
    )
    assert call(simulators, "fetch", EdgeImpulseUsageReport(1, 2, 3)).content == b"a,b\n"
    assert simulators.requests_to("edge_impulse")[1].target == location


def test_a_cookie_set_by_a_server_is_never_sent_back(simulators: VendorSimulators) -> None:
    """Storage is on `localhost`, a name a cookie jar would keep cookies for (it refuses them for bare IPs)."""
    cookie = ("Set-Cookie", "session=s3cr3t; Path=/")
    simulators.queue("storage", Reply(headers=(*CSV, cookie), body=b"a,b\n"))

    async def go() -> None:
        async with AsyncUsageReports(**sandbox_settings(simulators, transport=AiohttpTransport())) as client:
            for _ in range(3):
                await client.fetch(EdgeImpulseUsageReport(1, 2, 3))

    asyncio.run(go())
    hops = [(r.server, r.header("cookie")) for r in simulators.requests]
    assert hops == [("edge_impulse", None), ("storage", None)] * 3


def test_a_refused_connection_is_connection_failed(simulators: VendorSimulators) -> None:
    with VendorSimulators() as gone:
        settings = sandbox_settings(gone)
    with pytest.raises(
        ConnectionFailed,
        match=r"connection failed on the api request to 127\.0\.0\.1:\d+ \(base_url=http://127\.0\.0\.1:\d+\): ConnectError",
    ) as info:
        call(simulators, "fetch", AltostratUsagePdf("ws_a1"), altostrat=settings["altostrat"])
    assert isinstance(info.value.__cause__, httpx.ConnectError)


def test_a_dropped_connection_is_retried(simulators: VendorSimulators) -> None:
    simulators.queue("altostrat", Reply(drop_connection=True))
    assert call(simulators, "fetch", AltostratUsagePdf("ws_a1"), max_retries=1).size > 0
    assert len(simulators.requests_to("altostrat")) == 2


def test_a_slow_answer_is_a_read_timeout(simulators: VendorSimulators) -> None:
    simulators.queue("altostrat", Reply(delay=1.0))
    with pytest.raises(Timeout, match="timed out \\(ReadTimeout\\) on the api request") as info:
        call(simulators, "fetch", AltostratUsagePdf("ws_a1"), timeout=0.3)
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)


def test_a_truncated_body_is_reported_as_truncated(simulators: VendorSimulators) -> None:
    short = Reply(headers=(("Content-Type", "application/pdf"),), body=b"%PDF-1.7 short", declared_length=1000)
    simulators.queue("altostrat", short)
    with pytest.raises(UnexpectedResponse, match="truncated body") as info:
        call(simulators, "fetch", AltostratUsagePdf("ws_a1"))
    assert isinstance(info.value.__cause__, httpx.RemoteProtocolError)


@pytest.mark.parametrize(
    ("host", "no_proxy", "bypassed"),
    [
        ("api.statsig.com", "", False),
        ("api.statsig.com", "*", True),
        ("api.statsig.com", "statsig.com", True),
        ("api.statsig.com", " .statsig.com ,example.org", True),
        ("API.Statsig.com", "api.statsig.com", True),
        ("notstatsig.com", "statsig.com", False),
        ("statsig.com.evil.org", "statsig.com", False),
    ],
)
def test_no_proxy_exempts_hosts_and_their_subdomains_only(host: str, no_proxy: str, bypassed: bool) -> None:
    assert _bypassed(host, no_proxy) is bypassed


def test_proxies_come_from_the_environment_only_when_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "localhost")
    trusting, not_trusting = AiohttpTransport(), AiohttpTransport(trust_env=False)
    assert trusting._proxy(httpx.URL("https://api.statsig.com/x")) == "http://proxy.internal:3128"
    assert trusting._proxy(httpx.URL("https://localhost/x")) is None
    assert trusting._proxy(httpx.URL("http://api.statsig.com/x")) is None
    assert not_trusting._proxy(httpx.URL("https://api.statsig.com/x")) is None


def test_the_ca_bundle_is_loaded_once_per_certificate_settings_and_read_again_when_they_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Loading the CA bundle costs ~45 ms of CPU: transports with the same settings share one context."""
    import certifi

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    first, second = AiohttpTransport(), AiohttpTransport()
    assert first._ssl is second._ssl
    assert first._ssl.verify_mode == ssl.CERT_REQUIRED
    assert first._ssl.get_ca_certs()  # verifying, with the bundle loaded
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    from_the_environment = AiohttpTransport()
    assert from_the_environment._ssl is not first._ssl
    assert AiohttpTransport(trust_env=False)._ssl is not from_the_environment._ssl
    assert AiohttpTransport(verify=False)._ssl.verify_mode == ssl.CERT_NONE
