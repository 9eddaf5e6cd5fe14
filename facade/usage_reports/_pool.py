"""httpcore's connection pool with a linear assignment pass: for the httpx clients the library makes (and so owns).

httpcore (1.0.9, the latest release) runs ``_assign_requests_to_connections`` on every request and on every
response closed. That pass is quadratic in the pooled connections and probes every idle one with a syscall:

- its keep-alive check ``len([c.is_idle() for c in self._connections]) > max_keepalive`` is evaluated once per
  idle connection, over every connection (and counts them all, not the idle ones: encode/httpcore#1000, #1035);
- ``has_expired()`` on every idle connection asks anyio for the socket's ``is_readable`` extra, which builds a
  dict of lambdas and runs ``getpeername()`` and ``poll()``: ~15 us per connection per pass.

With the 32 connections of 32 slots that was ~1,000 ``is_idle()`` calls and ~16 probes per pass, two passes per
request: 1.5-2 ms of CPU per request, most of a client's time in a fan-out (BENCHMARKS.md, B3 default). Plain
httpx suffers it less only because its pool closes connections beyond 20, so it keeps fewer (and opens new
ones instead; against a vendor, each a TLS handshake).

The pass here does the same job in one walk over the connections, with the same public connection methods:

- closed connections are dropped (one a request holds, once it lets go of it); an idle connection is checked for expiry (keep-alive timeout passed, or the
  server hung up) **before it is handed to a request**, as httpcore does, and the other idle connections are
  swept for expiry at most every ``SWEEP_INTERVAL`` (a dead idle connection is closed that much later, never
  used);
- idle connections beyond ``max_keepalive_connections`` (counting idle ones) are closed, oldest first;
- each idle HTTP/1.1 connection is handed to one queued request (httpcore may hand the same one to several,
  which then wake, fail and queue again), and a connection handed to a request that has not started on it yet
  is never closed as idle (encode/httpcore#1110).

The pools httpx builds are switched to this class when the client is built (``fast_pools``), only when they are
the exact httpcore classes this was written against; anything else (a proxy's pool, another httpcore version
without these attributes) keeps httpcore's own pass.
"""

from __future__ import annotations

import time
from typing import Any

import httpcore
import httpx

#: How often idle connections not about to be used are checked for expiry (seconds).
SWEEP_INTERVAL = 1.0

#: What the pass reads of httpcore's pool; a pool without all of it keeps httpcore's own pass.
_POOL_ATTRIBUTES = ("_connections", "_requests", "_max_connections", "_max_keepalive_connections", "_http2")


def _assign(pool: Any) -> list[Any]:
    """httpcore's ``_assign_requests_to_connections``, linear (see the module's docstring): the connections to close."""
    closing: list[Any] = []
    now = time.monotonic()
    sweep = now >= pool._usage_reports_sweep_at
    if sweep:
        pool._usage_reports_sweep_at = now + SWEEP_INTERVAL
    requests = pool._requests
    # Connections handed to a request: in use, or about to be (an HTTP/1.1 one stays idle until its request starts).
    taken = {id(request.connection) for request in requests if request.connection is not None}
    kept: list[Any] = []
    idle: list[Any] = []
    for connection in pool._connections:
        if id(connection) in taken:  # its request drops it if it closed (it queues again, and is then not taken)
            kept.append(connection)
            continue
        if connection.is_closed():
            continue
        if connection.is_idle():
            if sweep and connection.has_expired():
                closing.append(connection)
                continue
            idle.append(connection)
        kept.append(connection)
    surplus = len(idle) - pool._max_keepalive_connections
    if surplus > 0:
        for connection in idle[:surplus]:
            kept.remove(connection)
            closing.append(connection)
        idle = idle[surplus:]
    pool._connections = kept

    queued = [request for request in requests if request.connection is None]
    for request in queued:
        origin = request.request.url.origin
        connection = None
        index = 0
        while index < len(idle):
            candidate = idle[index]
            if not (candidate.can_handle_request(origin) and candidate.is_available()):
                index += 1
                continue
            del idle[index]
            if candidate.has_expired():  # the keep-alive timeout passed, or the server hung up: never used
                kept.remove(candidate)
                closing.append(candidate)
                continue
            connection = candidate
            break
        if connection is None:
            if len(kept) >= pool._max_connections:
                if not idle:
                    continue  # stays queued until a connection is released
                spare = idle.pop(0)  # room made by closing an idle connection to another origin
                kept.remove(spare)
                closing.append(spare)
            connection = pool.create_connection(origin)
            kept.append(connection)
        request.assign_to_connection(connection)
    return closing


class AsyncPool(httpcore.AsyncConnectionPool):
    """``httpcore.AsyncConnectionPool`` with the linear pass."""

    _usage_reports_sweep_at = 0.0

    def _assign_requests_to_connections(self) -> list[httpcore.AsyncConnectionInterface]:
        return _assign(self)


class SyncPool(httpcore.ConnectionPool):
    """``httpcore.ConnectionPool`` with the linear pass."""

    _usage_reports_sweep_at = 0.0

    def _assign_requests_to_connections(self) -> list[httpcore.ConnectionInterface]:
        return _assign(self)


_FASTER = {httpcore.AsyncConnectionPool: AsyncPool, httpcore.ConnectionPool: SyncPool}


def fast_pools(client: httpx.Client | httpx.AsyncClient) -> int:
    """Switch the plain httpcore pools of httpx's own transports in ``client`` to the linear pass; how many."""
    transports = [getattr(client, "_transport", None), *getattr(client, "_mounts", {}).values()]
    switched = 0
    for transport in transports:
        if type(transport) not in (httpx.HTTPTransport, httpx.AsyncHTTPTransport):
            continue
        pool: Any = getattr(transport, "_pool", None)
        faster = _FASTER.get(type(pool))
        if faster is None or not all(hasattr(pool, name) for name in _POOL_ATTRIBUTES):
            continue
        if not pool._http2:  # an HTTP/2 connection serves several requests at once: httpcore's pass knows that
            pool.__class__ = faster
            switched += 1
    return switched
