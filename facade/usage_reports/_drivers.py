"""Carry out a transfer's operations: once with blocking I/O, once with asyncio.

Stepping the transfer (send a result in, throw an error in, collect the
report) is shared in ``_Run``; only the I/O of each operation differs between
``run_sync`` and ``run_async``. Every decision is in ``_engine``; so is the
translation of every exception an operation raises.

Bodies are read raw and decoded here with bounded memory (``_decode``); no
network operation outlasts the call's deadline (``Send.expires``): the async
driver runs a call's operations under one ``asyncio.timeout`` set to it, the
sync one bounds every socket read and write through ``_deadline`` and looks at
the clock between chunks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Iterable
from http.cookiejar import Cookie, CookieJar
from typing import Any, Generic, TypeVar

import httpx

from ._deadline import running_until
from ._deadline import trace as deadline_trace
from ._decode import BodyDecoder
from ._engine import Commit, Operation, ReadSmall, Receive, Send, Sleep
from ._logging import guarded
from ._redact import Redactor
from .destinations._sinks import Sink

T = TypeVar("T")
#: What a driver runs: a transfer (ending in a UsageReport) or a provider flow (ending in its value).
Steps = Generator[Operation, Any, T]


class _Run(Generic[T]):
    """One transfer being driven: the next operation, its result or error, the open responses."""

    def __init__(self, transfer: Steps[T]) -> None:
        self.transfer = transfer
        self.result: Any = None
        self.error: Exception | None = None
        self.report: T | None = None
        self.done = False
        self.responses: list[httpx.Response] = []

    def next(self) -> Operation | None:
        """Hand the last result (or error) to the engine; None once it returned its report."""
        try:
            operation = self.transfer.throw(self.error) if self.error is not None else self.transfer.send(self.result)
        except StopIteration as stop:
            self.report, self.done = stop.value, True
            return None
        self.result, self.error = None, None
        return operation

    def finished(self) -> T:
        assert self.done
        return self.report  # type: ignore[return-value]  # T may be None itself


class _DeadlinePassed(TimeoutError):
    """Raised between chunks once the deadline has passed; the engine reports it as Timeout."""


def _decoder(response: httpx.Response) -> BodyDecoder:
    return BodyDecoder(response.headers.get("content-encoding", ""))


def _check(expires: float) -> None:
    if time.monotonic() >= expires:
        raise _DeadlinePassed("the call's deadline passed")


def _deliver(decoder: BodyDecoder, raw: bytes, sink: Sink) -> None:
    for piece in decoder.feed(raw):
        sink.write(piece)


def _collect(decoder: BodyDecoder, raw: bytes, body: bytearray, limit: int) -> bool:
    """Add the decoded pieces of ``raw`` to ``body``; True once it holds ``limit`` bytes."""
    for piece in decoder.feed(raw):
        body += piece
        if len(body) >= limit:
            return True
    return False


def _preread(response: httpx.Response) -> bytes | None:
    """The body a transport handed over already read (and decoded by httpx), or None for a stream."""
    return response.content if response.is_stream_consumed else None


def run_sync(transfer: Steps[T], client: httpx.Client, redact: Redactor) -> T:
    run = _Run(transfer)
    try:
        with guarded(redact):
            while (operation := run.next()) is not None:
                try:
                    run.result = _do_sync(operation, client, run.responses)
                except Exception as exc:  # handed to the engine, which decides
                    run.error = exc
            return run.finished()
    finally:
        transfer.close()
        for response in run.responses:
            response.close()


async def run_async(transfer: Steps[T], client: httpx.AsyncClient, redact: Redactor) -> T:
    """Carry out the operations until the engine is done, all within the call's deadline (one timer, not one each).

    Every operation that does network I/O carries the call's deadline (``expires``, the same for a whole
    call), and the timer is set to it. A sleep and a commit run without it: the engine yields a sleep only
    when it ends before the deadline (a timer firing in its last moment would reach the engine where it
    expects none), and a rename under way is finished (see ``_commit_async``). A deadline passing cancels
    the network operation under way, and the engine hears TimeoutError at it.
    """
    import asyncio  # already loaded by whoever awaits this; sync users never pay for it

    run = _Run(transfer)
    loop = asyncio.get_running_loop()
    try:
        with guarded(redact):
            operation = run.next()
            while operation is not None:
                bound = None  # the deadline (time.monotonic()) the timer is set to
                try:
                    async with asyncio.timeout(None) as deadline:
                        while operation is not None:
                            expires = getattr(operation, "expires", None)
                            if expires is not None and expires != bound:
                                bound = expires
                                deadline.reschedule(loop.time() + (expires - time.monotonic()))
                            if isinstance(operation, Sleep | Commit):  # the engine's to bound (see above)
                                deadline.reschedule(None)
                                bound = None
                            try:
                                run.result = await _do_async(operation, client, run.responses)
                            except Exception as exc:  # handed to the engine, which decides
                                run.error = exc
                            operation = run.next()
                except TimeoutError:
                    if not deadline.expired():
                        raise  # not the deadline's: the engine's own (a bug to surface as it is)
                    run.error = TimeoutError()  # the deadline passed during an operation: the engine hears it there
                    operation = run.next()
            return run.finished()
    finally:
        transfer.close()
        for response in run.responses:
            await response.aclose()


def _do_sync(operation: Operation, client: httpx.Client, responses: list[httpx.Response]) -> Any:
    if isinstance(operation, Send):
        operation.request.extensions["trace"] = deadline_trace  # bounds every read of the streams it opens
        with running_until(operation.expires):
            while responses:  # the engine is done with earlier responses once it sends again
                _release_sync(responses.pop())
            response = _send_sync(client, operation.request)
        responses.append(response)
        return response
    if isinstance(operation, Receive):
        with running_until(operation.expires):
            _receive_sync(operation)
    elif isinstance(operation, ReadSmall):
        with running_until(operation.expires):
            return _read_small_sync(operation)
    elif isinstance(operation, Sleep):
        time.sleep(operation.seconds)
    elif isinstance(operation, Commit):
        operation.sink.commit()
    return None


def _send_sync(client: httpx.Client, request: httpx.Request) -> httpx.Response:
    if isinstance(client, OwnedClient) and client.direct is not None:
        _check_open(client)
        request.extensions.setdefault("timeout", client.timeout.as_dict())
        return _sent(request, client.direct.handle_request(request))
    return client.send(request, stream=True, follow_redirects=False, auth=None)


async def _send_async(client: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    if isinstance(client, OwnedAsyncClient) and client.direct is not None:
        _check_open(client)
        request.extensions.setdefault("timeout", client.timeout.as_dict())
        return _sent(request, await client.direct.handle_async_request(request))
    return await client.send(request, stream=True, follow_redirects=False, auth=None)


def _receive_sync(operation: Receive) -> None:
    response, sink, decoder = operation.response, operation.sink, BodyDecoder()
    chunks: Iterable[bytes]
    if (body := _preread(response)) is not None:
        chunks = (body,)
    else:
        decoder, chunks = _decoder(response), response.iter_raw()
    for raw in chunks:
        _deliver(decoder, raw, sink)
        _check(operation.expires)
    for piece in decoder.flush():
        sink.write(piece)


def _read_small_sync(operation: ReadSmall) -> bytes:
    response, limit, body = operation.response, operation.limit, bytearray()
    if (pre := _preread(response)) is not None:
        return pre[:limit]
    decoder = _decoder(response)
    for raw in response.iter_raw():
        if _collect(decoder, raw, body, limit):
            return bytes(body[:limit])
        _check(operation.expires)
    for piece in decoder.flush():
        body += piece
    return bytes(body[:limit])


async def _do_async(operation: Operation, client: httpx.AsyncClient, responses: list[httpx.Response]) -> Any:
    """One operation, inside the deadline ``run_async`` keeps."""
    import asyncio  # already loaded by whoever awaits this; sync users never pay for it

    if isinstance(operation, Send):
        while responses:  # the engine is done with earlier responses once it sends again
            await _release_async(responses.pop())
        response = await _send_async(client, operation.request)
        responses.append(response)
        return response
    if isinstance(operation, Receive):
        await _receive_async(operation)
    elif isinstance(operation, ReadSmall):
        return await _read_small_async(operation)
    elif isinstance(operation, Sleep):
        await asyncio.sleep(operation.seconds)
    elif isinstance(operation, Commit):
        await _commit_async(operation.sink)
    return None


async def _receive_async(operation: Receive) -> None:
    response, sink = operation.response, operation.sink
    if (body := _preread(response)) is not None:
        if body:
            sink.write(body)
        return
    decoder = _decoder(response)
    async for raw in response.aiter_raw():
        _deliver(decoder, raw, sink)
    for piece in decoder.flush():
        sink.write(piece)


async def _read_small_async(operation: ReadSmall) -> bytes:
    response, limit, body = operation.response, operation.limit, bytearray()
    if (pre := _preread(response)) is not None:
        return pre[:limit]
    decoder = _decoder(response)
    async for raw in response.aiter_raw():
        if _collect(decoder, raw, body, limit):
            return bytes(body[:limit])
    for piece in decoder.flush():
        body += piece
    return bytes(body[:limit])


async def _commit_async(sink: Sink) -> None:
    """fsync and rename in a thread (they must not stall the event loop), finished even if cancelled meanwhile.

    A cancellation cannot stop the thread: waiting for it keeps the engine's
    clean-up from racing a rename still under way.
    """
    import asyncio

    done = asyncio.ensure_future(asyncio.to_thread(sink.commit))
    try:
        await asyncio.shield(done)
    except asyncio.CancelledError:
        if sink.abortable_commit:  # an upload: abort() stops it before its next part, and it cleans up itself
            sink.abort()
            raise
        while not done.done():
            try:
                await asyncio.wait({done})
            except asyncio.CancelledError:
                continue
        if not done.cancelled():
            done.exception()  # retrieved: the cancellation is what the caller hears about
        raise


# --- handing connections back --------------------------------------------------------
#
# A response closed before its body was read takes its connection with it: httpx's
# pool cannot reuse a connection in the middle of a message. An API's redirect to the file
# is such a response (its body, empty, is never wanted), so every report would open
# a new connection (a new TLS handshake) to the API. Reading a small unread body
# to its end first hands the connection back. Bounded: a body declared or found
# larger than this is not read, and its connection is closed as before.

#: Unread bodies up to this size are read to their end before closing, so the connection is kept.
DRAIN_LIMIT = 64 * 1024


def _worth_draining(response: httpx.Response) -> bool:
    if response.is_closed or response.is_stream_consumed:
        return False  # read already (the connection went back) or failed midway (it cannot)
    declared = response.headers.get("content-length", "")
    return not (declared.isdigit() and int(declared) > DRAIN_LIMIT)


def _release_sync(response: httpx.Response) -> None:
    try:
        if _worth_draining(response):
            read = 0
            for chunk in response.iter_raw():
                read += len(chunk)
                if read > DRAIN_LIMIT:
                    break
    except httpx.HTTPError:
        pass  # the connection is closed below, as it would have been without draining
    finally:
        response.close()


async def _release_async(response: httpx.Response) -> None:
    try:
        if _worth_draining(response):
            read = 0
            async for chunk in response.aiter_raw():
                read += len(chunk)
                if read > DRAIN_LIMIT:
                    break
    except httpx.HTTPError:
        pass  # the connection is closed below, as it would have been without draining
    finally:
        await response.aclose()


# --- the clients the library makes for itself -----------------------------------------

#: The pool of the library's own clients: every connection it may open is kept for reuse. (httpx keeps at most
#: 20 idle connections over all hosts: at 16 reports at a time through a redirect, two hosts, it closed
#: connections it would need a moment later and opened 36 for 16 slots.) Keeping them costs no CPU per request
#: only because the pool's pass is linear (``_pool``): httpcore's own is quadratic in the connections kept.
OWNED_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100, keepalive_expiry=5.0)


class NoCookies(CookieJar):
    """A cookie jar that keeps nothing: for the httpx clients the library makes (and so owns).

    The library builds every request itself and never sends a cookie, so the
    jar httpx fills from each response's Set-Cookie is never read; parsing
    into it cost ~5 % of the client's CPU per request (B3).
    """

    def set_cookie(self, cookie: Cookie) -> None:
        """Keep nothing."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        """Parse nothing."""


class _NoCookies(httpx.Cookies):
    """httpx's cookies over a jar that keeps nothing, skipping the urllib request and response httpx wraps
    every response in for its jar (~15 % of the library's own CPU per request, with no I/O)."""

    def __init__(self) -> None:
        super().__init__(NoCookies())

    def extract_cookies(self, response: httpx.Response) -> None:
        """Parse nothing."""

    def set_cookie_header(self, request: httpx.Request) -> None:
        """Send nothing."""


# An owned client given a transport sends straight through it. httpx would send every request through that
# transport too (it mounts no proxy beside a given transport, and the library passes no ``mounts``), but
# first through its auth, redirect and event-hook layers, none of which the library uses: it sends with
# auth=None and follow_redirects=False, and sets no hook. Those layers also build the redirect request of
# every 3xx it is not going to follow. Skipping them is ~10 % of the client's CPU per request over
# AiohttpTransport (B3). httpx's one log line per request is kept, word for word.

_HTTPX_LOG = logging.getLogger("httpx")


def _check_open(client: httpx.Client | httpx.AsyncClient) -> None:
    if client.is_closed:
        raise RuntimeError("Cannot send a request, as the client has been closed.")  # httpx's words


def _sent(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """The transport's response, as httpx's client hands it over (bound to its request, logged)."""
    response.request = request
    if _HTTPX_LOG.isEnabledFor(logging.INFO):
        _HTTPX_LOG.info(
            'HTTP Request: %s %s "%s %d %s"',
            request.method,
            request.url,
            response.http_version,
            response.status_code,
            response.reason_phrase,
        )
    return response


class OwnedClient(httpx.Client):
    """The blocking httpx client the library makes for itself: it keeps no cookies (see ``NoCookies``)."""

    def __init__(self, *, transport: httpx.BaseTransport | None = None, **options: Any) -> None:
        super().__init__(transport=transport, **options)
        #: The transport given, sent to directly (see above); None: httpx's own, with its proxy mounts.
        self.direct = transport
        if transport is None:
            from ._pool import fast_pools

            fast_pools(self)  # httpcore's pool with a linear pass (see _pool)

    @property
    def cookies(self) -> httpx.Cookies:
        return _NO_COOKIES

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        """Keep none (httpx's constructor hands over an empty jar)."""


class OwnedAsyncClient(httpx.AsyncClient):
    """The async httpx client the library makes for itself: it keeps no cookies (see ``NoCookies``)."""

    def __init__(self, *, transport: httpx.AsyncBaseTransport | None = None, **options: Any) -> None:
        super().__init__(transport=transport, **options)
        #: The transport given, sent to directly (see above); None: httpx's own, with its proxy mounts.
        self.direct = transport
        if transport is None:
            from ._pool import fast_pools

            fast_pools(self)  # httpcore's pool with a linear pass (see _pool)

    @property
    def cookies(self) -> httpx.Cookies:
        return _NO_COOKIES

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        """Keep none (httpx's constructor hands over an empty jar)."""


#: Shared by every owned client: it holds nothing.
_NO_COOKIES = _NoCookies()
