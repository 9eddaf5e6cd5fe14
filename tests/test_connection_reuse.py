"""Connections are reused across the Edge Impulse redirect: one per host per concurrent slot over a batch.

Two loopback servers of the test's own count the connections they accept: an
API that answers every report with a 302 to the other, and a storage server
that serves the file. A 302 closed with its body unread takes its connection
with it (httpx's pool cannot reuse a connection in the middle of a message),
so without draining every report opens a new connection to the API (in
production a new TLS handshake each).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socket import socket
from typing import Any

import httpx
import pytest
from usage_reports import AsyncUsageReports, EdgeImpulse, EdgeImpulseUsageReport, UsageReports
from usage_reports._drivers import DRAIN_LIMIT

API_KEY = "ei_test_key"
REPORT = b"date,units\n2026-11-01,3\n"
#: What the 302 carries: nothing (as Edge Impulse sends), a short HTML note, the same chunked, or too much to read.
REDIRECT_BODIES = {
    "empty": b"",
    "small": b"<p>Found. Redirecting to the report.</p>",
    "chunked": b"<p>Found.</p>",
    "too-large": b"x" * (DRAIN_LIMIT + 1),
}


class CountingServer(ThreadingHTTPServer):
    """A loopback HTTP/1.1 server that counts the connections it accepts."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, handler: type[BaseHTTPRequestHandler], redirect_body: str = "empty") -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.accepted = 0
        self.requests = 0
        self.redirect_body = redirect_body
        self.storage_url = ""
        self._count = threading.Lock()

    def get_request(self) -> tuple[socket, Any]:
        connection = super().get_request()
        with self._count:
            self.accepted += 1
        return connection

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client closing a connection mid-body is what one test wants."""

    def served(self) -> None:
        with self._count:
            self.requests += 1

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: CountingServer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


class ApiHandler(_Handler):
    def do_GET(self) -> None:
        self.server.served()
        report = self.path.rstrip("/").split("/")[-2]
        kind = self.server.redirect_body
        body = REDIRECT_BODIES[kind]
        self.send_response(302)
        self.send_header("Location", f"{self.server.storage_url}/reports/{report}.csv?sig=abc")
        self.send_header("Content-Type", "text/html")
        if kind == "chunked":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)


class StorageHandler(_Handler):
    def do_GET(self) -> None:
        self.server.served()
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(len(REPORT)))
        self.end_headers()
        self.wfile.write(REPORT)


class Servers:
    def __init__(self, redirect_body: str) -> None:
        self.api = CountingServer(ApiHandler, redirect_body)
        self.storage = CountingServer(StorageHandler)
        self.api.storage_url = self.storage.url
        self._threads = [
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
            for server in (self.api, self.storage)
        ]
        for thread in self._threads:
            thread.start()

    def settings(self) -> EdgeImpulse:
        return EdgeImpulse(api_key=API_KEY, base_url=self.api.url)

    def close(self) -> None:
        for server in (self.api, self.storage):
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(5)


@pytest.fixture
def servers(request: pytest.FixtureRequest) -> Iterator[Servers]:
    running = Servers(getattr(request, "param", "empty"))
    try:
        yield running
    finally:
        running.close()


def _reports(count: int) -> list[EdgeImpulseUsageReport]:
    return [
        EdgeImpulseUsageReport(organization_id=1, inner_organization_id=2, report_id=i) for i in range(1, count + 1)
    ]


def _transport(name: str) -> httpx.AsyncBaseTransport | None:
    if name == "httpx":
        return None  # the library's default: httpx's own (httpcore)
    from usage_reports.aiohttp_transport import AiohttpTransport

    return AiohttpTransport()


async def _fan_out(servers: Servers, transport: str, reports: list[EdgeImpulseUsageReport], slots: int) -> list[bytes]:
    gate = asyncio.Semaphore(slots)
    async with AsyncUsageReports(
        edge_impulse=servers.settings(), environ={}, max_retries=0, transport=_transport(transport)
    ) as client:

        async def one(report: EdgeImpulseUsageReport) -> bytes:
            async with gate:
                fetched = await client.fetch(report)
                assert fetched.content is not None
                return fetched.content

        return await asyncio.gather(*(one(report) for report in reports))


async def _one_at_a_time(servers: Servers, reports: list[EdgeImpulseUsageReport]) -> list[bytes | None]:
    async with AsyncUsageReports(edge_impulse=servers.settings(), environ={}, max_retries=0) as client:
        return [(await client.fetch(report)).content for report in reports]


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("servers", ["empty", "small", "chunked"], indirect=True)
def test_sequential_fetches_through_the_302_keep_one_connection_per_host(servers: Servers, kind: str) -> None:
    reports = _reports(20)
    if kind == "sync":
        with UsageReports(edge_impulse=servers.settings(), environ={}, max_retries=0) as client:
            contents = [client.fetch(report).content for report in reports]
    else:
        contents = asyncio.run(_one_at_a_time(servers, reports))
    assert contents == [REPORT] * 20
    assert (servers.api.requests, servers.storage.requests) == (20, 20)
    assert (servers.api.accepted, servers.storage.accepted) == (1, 1)


#: 32 slots on two hosts: 64 connections, past httpx's default of 20 kept (which its pool counts over all connections).
@pytest.mark.parametrize("slots", [8, 32])
@pytest.mark.parametrize("transport", ["httpx", "aiohttp"])
@pytest.mark.parametrize("servers", ["empty", "small", "chunked"], indirect=True)
def test_async_batch_opens_at_most_one_connection_per_host_per_concurrent_slot(
    servers: Servers, transport: str, slots: int
) -> None:
    count = slots * 5
    contents = asyncio.run(_fan_out(servers, transport, _reports(count), slots))
    assert contents == [REPORT] * count
    assert (servers.api.requests, servers.storage.requests) == (count, count)
    assert 1 <= servers.api.accepted <= slots, servers.api.accepted
    assert 1 <= servers.storage.accepted <= slots, servers.storage.accepted


@pytest.mark.parametrize("servers", ["too-large"], indirect=True)
def test_a_redirect_body_beyond_the_drain_limit_is_not_read_and_its_connection_is_closed(servers: Servers) -> None:
    with UsageReports(edge_impulse=servers.settings(), environ={}, max_retries=0) as client:
        for report in _reports(3):
            assert client.fetch(report).content == REPORT
    assert servers.api.accepted == 3  # one per report: each 302 was closed unread
    assert servers.storage.accepted == 1
