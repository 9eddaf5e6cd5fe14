"""The library's own httpx clients run httpcore's pool with a linear assignment pass (``usage_reports._pool``).

Real sockets for what a server can do to a pooled connection (hang up while it is idle, be slow, be one of
many); the pass itself is unit logic, checked on stand-in connections for what no server can arrange on cue
(a connection handed to a request that has not started on it yet).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socket import socket
from typing import Any

import httpcore
import httpx
import pytest
from usage_reports._drivers import OWNED_LIMITS, OwnedAsyncClient, OwnedClient
from usage_reports._pool import AsyncPool, SyncPool, _assign


class Server(ThreadingHTTPServer):
    """Answers ``GET /`` with ``ok``, keeping the connection (or hanging up after answering, if ``hang_up``)."""

    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.accepted = 0
        self.hang_up = False
        self.hung_up = threading.Event()
        self.gate: threading.Barrier | None = None
        self._count = threading.Lock()

    def get_request(self) -> tuple[socket, Any]:
        connection = super().get_request()
        with self._count:
            self.accepted += 1
        return connection

    def shutdown_request(self, request: Any) -> None:
        super().shutdown_request(request)
        self.hung_up.set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        if self.server.gate is not None:
            self.server.gate.wait(10)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
        if self.server.hang_up:  # no "Connection: close": the client learns it from the socket alone
            self.close_connection = True


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server()
    thread = threading.Thread(target=running.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield running
    finally:
        running.shutdown()
        running.server_close()
        thread.join(5)


def test_the_library_s_own_clients_run_the_linear_pass_and_a_proxy_s_pool_keeps_httpcore_s() -> None:
    with OwnedClient(limits=OWNED_LIMITS) as client:
        assert type(client._transport._pool) is SyncPool  # type: ignore[attr-defined]
    owned = OwnedAsyncClient(limits=OWNED_LIMITS)
    assert type(owned._transport._pool) is AsyncPool  # type: ignore[attr-defined]
    asyncio.run(owned.aclose())
    with OwnedClient(proxy="http://127.0.0.1:9") as proxied:  # mounted for every URL
        pools = [type(mounted._pool) for mounted in proxied._mounts.values()]  # type: ignore[union-attr]
        assert pools == [httpcore.HTTPProxy]
    with httpx.Client() as theirs:  # a client the user makes is left alone
        assert type(theirs._transport._pool) is httpcore.ConnectionPool  # type: ignore[attr-defined]


def test_an_idle_connection_the_server_hung_up_is_not_used_again_sync(server: Server) -> None:
    server.hang_up = True
    with OwnedClient(limits=OWNED_LIMITS) as client:
        assert client.get(server.url).text == "ok"
        assert server.hung_up.wait(10)
        time.sleep(0.05)  # the FIN is on its way over loopback; the probe is what must catch it, not a timeout
        assert client.get(server.url).text == "ok"  # no retry layer here: a dead connection would raise
    assert server.accepted == 2


def test_an_idle_connection_the_server_hung_up_is_not_used_again_async(server: Server) -> None:
    server.hang_up = True

    async def go() -> list[str]:
        async with OwnedAsyncClient(limits=OWNED_LIMITS) as client:
            first = (await client.get(server.url)).text
            assert await asyncio.to_thread(server.hung_up.wait, 10)
            await asyncio.sleep(0.05)
            return [first, (await client.get(server.url)).text]

    assert asyncio.run(go()) == ["ok", "ok"]
    assert server.accepted == 2


def test_an_idle_connection_past_its_keep_alive_expiry_is_not_used_again(server: Server) -> None:
    limits = httpx.Limits(max_connections=10, max_keepalive_connections=10, keepalive_expiry=0.05)
    with OwnedClient(limits=limits) as client:
        assert client.get(server.url).text == "ok"
        time.sleep(0.1)
        assert client.get(server.url).text == "ok"
        assert client.get(server.url).text == "ok"  # at once: the second connection is reused
    assert server.accepted == 2


def test_requests_beyond_the_pool_s_connections_wait_for_one_and_each_goes_out_once(server: Server) -> None:
    limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)

    async def go() -> list[str]:
        async with OwnedAsyncClient(limits=limits) as client:
            replies = await asyncio.gather(*(client.get(server.url) for _ in range(12)))
            return [reply.text for reply in replies]

    assert asyncio.run(go()) == ["ok"] * 12
    assert server.accepted == 2


def test_concurrent_requests_keep_one_connection_each_until_the_keep_alive_cap(server: Server) -> None:
    server.gate = threading.Barrier(6)  # six requests in flight at once: six connections
    limits = httpx.Limits(max_connections=10, max_keepalive_connections=4)

    async def go() -> int:
        async with OwnedAsyncClient(limits=limits) as client:
            await asyncio.gather(*(client.get(server.url) for _ in range(6)))
            return len(client._transport._pool.connections)  # type: ignore[attr-defined]

    assert asyncio.run(go()) == 4  # six idle after the burst: two closed, the oldest
    assert server.accepted == 6


# --- the pass on stand-ins -------------------------------------------------------------------------------

A, B = httpcore.URL("http://a/").origin, httpcore.URL("http://b/").origin


@dataclass(eq=False)
class Connection:
    origin: Any
    idle: bool = True
    closed: bool = False
    expired: bool = False
    probed: int = 0

    def can_handle_request(self, origin: Any) -> bool:
        return bool(origin == self.origin)

    def is_available(self) -> bool:
        return self.idle

    def is_idle(self) -> bool:
        return self.idle

    def is_closed(self) -> bool:
        return self.closed

    def has_expired(self) -> bool:
        self.probed += 1
        return self.expired


@dataclass(eq=False)
class Request:
    origin: Any
    connection: Connection | None = None

    @property
    def request(self) -> Any:
        return httpcore.Request("GET", f"{self.origin.scheme.decode()}://{self.origin.host.decode()}/")

    def assign_to_connection(self, connection: Connection) -> None:
        self.connection = connection


@dataclass
class Pool:
    _connections: list[Connection]
    _requests: list[Request]
    _max_connections: int = 10
    _max_keepalive_connections: int = 10
    _usage_reports_sweep_at: float = field(default_factory=lambda: time.monotonic() + 60)  # no sweep unless asked
    created: list[Connection] = field(default_factory=list)

    def create_connection(self, origin: Any) -> Connection:
        self.created.append(Connection(origin, idle=False))
        return self.created[-1]


def test_the_keep_alive_cap_counts_idle_connections_only() -> None:
    busy = [Connection(A, idle=False), Connection(A, idle=False)]
    idle = [Connection(A), Connection(A)]
    pool = Pool(busy + idle, [Request(A, busy[0]), Request(A, busy[1])], _max_keepalive_connections=2)
    assert _assign(pool) == []  # httpcore's pass counts all four, and closes both idle ones
    assert pool._connections == busy + idle


def test_idle_connections_beyond_the_cap_are_closed_oldest_first() -> None:
    idle = [Connection(A), Connection(A), Connection(A)]
    pool = Pool(list(idle), [], _max_keepalive_connections=1)
    assert _assign(pool) == idle[:2]
    assert pool._connections == idle[2:]


def test_a_connection_handed_to_a_request_not_started_on_it_is_neither_closed_nor_handed_again() -> None:
    promised = Connection(A)  # idle until its request starts
    waiting = Request(A, promised)
    queued = Request(A)
    pool = Pool([promised], [waiting, queued], _max_keepalive_connections=0)
    assert _assign(pool) == []
    assert waiting.connection is promised
    assert queued.connection is pool.created[0]  # a new one, not the promised one
    assert pool._connections == [promised, pool.created[0]]


def test_each_idle_connection_goes_to_one_queued_request_after_a_probe() -> None:
    idle = Connection(A)
    first, second = Request(A), Request(A)
    pool = Pool([idle], [first, second])
    assert _assign(pool) == []
    assert first.connection is idle
    assert idle.probed == 1
    assert second.connection is pool.created[0]


def test_an_expired_idle_connection_is_closed_instead_of_handed_out() -> None:
    dead, alive = Connection(A, expired=True), Connection(A)
    request = Request(A)
    pool = Pool([dead, alive], [request])
    assert _assign(pool) == [dead]
    assert request.connection is alive
    assert pool._connections == [alive]


def test_idle_connections_not_about_to_be_used_are_swept_for_expiry_at_most_every_interval() -> None:
    dead, other = Connection(A, expired=True), Connection(B)
    pool = Pool([dead, other], [])
    assert _assign(pool) == []  # no sweep due: no probe of connections nobody asked for
    assert dead.probed == other.probed == 0
    pool._usage_reports_sweep_at = 0.0
    assert _assign(pool) == [dead]
    assert pool._connections == [other]
    assert pool._usage_reports_sweep_at > time.monotonic()


def test_at_the_connection_limit_a_request_waits_or_takes_the_room_of_an_idle_connection_elsewhere() -> None:
    busy = Connection(A, idle=False)
    waiting = Request(A)
    pool = Pool([busy], [Request(A, busy), waiting], _max_connections=1)
    assert _assign(pool) == []
    assert waiting.connection is None  # stays queued until a connection is released
    elsewhere, queued = Connection(B), Request(A)
    pool = Pool([elsewhere], [queued], _max_connections=1)
    assert _assign(pool) == [elsewhere]
    assert queued.connection is pool.created[0]
    assert pool._connections == [pool.created[0]]


def test_closed_connections_are_dropped() -> None:
    gone, kept = Connection(A, closed=True), Connection(A)
    pool = Pool([gone, kept], [])
    assert _assign(pool) == []
    assert pool._connections == [kept]
