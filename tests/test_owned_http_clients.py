"""The httpx clients the library makes for itself keep no cookies (it never sends one; parsing them cost CPU)."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from facade_runner import sandbox_settings
from usage_reports import AsyncUsageReports, EdgeImpulseUsageReport, Statsig, StatsigUsageReport, UsageReports
from usage_reports._urls import origin
from usage_reports.testing import Reply, VendorSimulators

SET_COOKIE = (("Content-Type", "text/csv"), ("Set-Cookie", "session=s3cr3t; Path=/"))


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_the_library_s_own_client_keeps_no_cookie_a_server_sets(simulators: VendorSimulators, kind: str) -> None:
    simulators.queue("storage", Reply(headers=SET_COOKIE, body=b"a,b\n"), Reply(headers=SET_COOKIE, body=b"c,d\n"))
    report = EdgeImpulseUsageReport(1, 2, 3)
    if kind == "sync":
        with UsageReports(**sandbox_settings(simulators)) as client:
            contents = [client.fetch(report).content for _ in range(2)]
            kept = len(client._http.cookies.jar)
    else:

        async def go() -> tuple[list[bytes | None], int]:
            async with AsyncUsageReports(**sandbox_settings(simulators)) as client:
                fetched = [(await client.fetch(report)).content for _ in range(2)]
                return fetched, len(client._http.cookies.jar)

        contents, kept = asyncio.run(go())
    assert contents == [b"a,b\n", b"c,d\n"]
    assert kept == 0
    assert all(r.header("cookie") is None for r in simulators.requests)


def _given_transport_fetch(kind: str, settings: dict[str, Any], report: EdgeImpulseUsageReport) -> bytes | None:
    if kind == "sync":
        with UsageReports(**settings, transport=httpx.HTTPTransport()) as client:
            return client.fetch(report).content

    async def go() -> bytes | None:
        async with AsyncUsageReports(**settings, transport=httpx.AsyncHTTPTransport()) as client:
            return (await client.fetch(report)).content

    return asyncio.run(go())


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_client_given_a_transport_still_logs_httpx_s_line_per_request_with_the_path_hidden(
    simulators: VendorSimulators, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    simulators.queue("storage", Reply(headers=SET_COOKIE[:1], body=b"a,b\n"))
    with caplog.at_level(logging.INFO, logger="httpx"):
        content = _given_transport_fetch(kind, sandbox_settings(simulators), EdgeImpulseUsageReport(1, 2, 3))
    assert content == b"a,b\n"
    lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    api, storage = (origin(httpx.URL(url)) for url in (simulators.edge_impulse_url, simulators.storage_url))
    assert lines == [
        f'HTTP Request: GET {api}/[path hidden] "HTTP/1.1 302 Found"',
        f'HTTP Request: GET {storage}/[path hidden] "HTTP/1.1 200 OK"',
    ]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_closed_client_given_a_transport_refuses_to_send_as_httpx_does(
    simulators: VendorSimulators, kind: str
) -> None:
    report = EdgeImpulseUsageReport(1, 2, 3)
    if kind == "sync":
        client = UsageReports(**sandbox_settings(simulators), transport=httpx.HTTPTransport())
        client.close()
        with pytest.raises(RuntimeError, match="the client has been closed"):
            client.fetch(report)
    else:

        async def go() -> None:
            closed = AsyncUsageReports(**sandbox_settings(simulators), transport=httpx.AsyncHTTPTransport())
            await closed.aclose()
            await closed.fetch(report)

        with pytest.raises(RuntimeError, match="the client has been closed"):
            asyncio.run(go())
    assert simulators.requests == []


class _Proxy(BaseHTTPRequestHandler):
    """A forward proxy that answers every request itself, recording the target it was asked for."""

    protocol_version = "HTTP/1.1"
    targets: list[str]

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        self.targets.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", "4")
        self.end_headers()
        self.wfile.write(b"a,b\n")


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_the_library_s_own_client_sends_through_the_proxy_the_environment_names(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    targets: list[str] = []
    handler = type("Proxy", (_Proxy,), {"targets": targets})
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=proxy.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
    settings = Statsig(
        console_api_key="console-test", base_url="http://127.0.0.2:9", rate_limits=()
    )  # nothing there: only the proxy answers
    report = StatsigUsageReport(end=date(2026, 11, 1))
    try:
        if kind == "sync":
            with UsageReports(settings, environ={}, max_retries=0) as client:
                content = client.fetch(report).content
        else:

            async def go() -> bytes | None:
                async with AsyncUsageReports(settings, environ={}, max_retries=0) as client:
                    return (await client.fetch(report)).content

            content = asyncio.run(go())
    finally:
        proxy.shutdown()
        proxy.server_close()
        thread.join(5)
    assert content == b"a,b\n"
    assert [target.split("?")[0] for target in targets] == [
        "http://127.0.0.2:9/console/v1/project/usage_billing/report"
    ]
