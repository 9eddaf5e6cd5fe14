"""Carry out a transfer's operations: once with blocking I/O, once with asyncio.

Stepping the transfer (send a result in, throw an error in, collect the
report) is shared in ``_Run``; only the I/O of each operation differs between
``run_sync`` and ``run_async``. Every decision is in ``_engine``.
"""

from __future__ import annotations

import time
from http.cookiejar import Cookie, CookieJar
from typing import Any

import httpx

from ._engine import Commit, Operation, ReadSmall, Receive, Send, Sleep, Transfer
from ._logging import guarded
from ._models import UsageReport
from ._redact import Redactor


class _Run:
    """One transfer being driven: the next operation, its result or error, the open responses."""

    def __init__(self, transfer: Transfer) -> None:
        self.transfer = transfer
        self.result: Any = None
        self.error: Exception | None = None
        self.report: UsageReport | None = None
        self.responses: list[httpx.Response] = []

    def next(self) -> Operation | None:
        """Hand the last result (or error) to the engine; None once it returned its report."""
        try:
            operation = self.transfer.throw(self.error) if self.error is not None else self.transfer.send(self.result)
        except StopIteration as stop:
            self.report = stop.value
            return None
        self.result, self.error = None, None
        return operation

    def finished(self) -> UsageReport:
        assert self.report is not None
        return self.report


def run_sync(transfer: Transfer, client: httpx.Client, redact: Redactor) -> UsageReport:
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


async def run_async(transfer: Transfer, client: httpx.AsyncClient, redact: Redactor) -> UsageReport:
    run = _Run(transfer)
    try:
        with guarded(redact):
            while (operation := run.next()) is not None:
                try:
                    run.result = await _do_async(operation, client, run.responses)
                except Exception as exc:  # handed to the engine, which decides
                    run.error = exc
            return run.finished()
    finally:
        transfer.close()
        for response in run.responses:
            await response.aclose()


def _do_sync(operation: Operation, client: httpx.Client, responses: list[httpx.Response]) -> Any:
    if isinstance(operation, Send):
        while responses:  # the engine is done with earlier responses once it sends again
            _release_sync(responses.pop())
        response = client.send(operation.request, stream=True, follow_redirects=False, auth=None)
        responses.append(response)
        return response
    if isinstance(operation, Receive):
        for chunk in operation.response.iter_bytes():
            operation.sink.write(chunk)
    elif isinstance(operation, ReadSmall):
        body = bytearray()
        for chunk in operation.response.iter_bytes():
            body += chunk
            if len(body) >= operation.limit:
                break
        return bytes(body[: operation.limit])
    elif isinstance(operation, Sleep):
        time.sleep(operation.seconds)
    elif isinstance(operation, Commit):
        operation.sink.commit()
    return None


async def _do_async(operation: Operation, client: httpx.AsyncClient, responses: list[httpx.Response]) -> Any:
    import asyncio  # already loaded by whoever awaits this; sync users never pay for it

    if isinstance(operation, Send):
        while responses:  # the engine is done with earlier responses once it sends again
            await _release_async(responses.pop())
        response = await client.send(operation.request, stream=True, follow_redirects=False, auth=None)
        responses.append(response)
        return response
    if isinstance(operation, Receive):
        async for chunk in operation.response.aiter_bytes():
            operation.sink.write(chunk)
    elif isinstance(operation, ReadSmall):
        body = bytearray()
        async for chunk in operation.response.aiter_bytes():
            body += chunk
            if len(body) >= operation.limit:
                break
        return bytes(body[: operation.limit])
    elif isinstance(operation, Sleep):
        await asyncio.sleep(operation.seconds)
    elif isinstance(operation, Commit):
        await asyncio.to_thread(operation.sink.commit)  # fsync must not stall the event loop
    return None


# --- handing connections back --------------------------------------------------------
#
# A response closed before its body was read takes its connection with it: httpx's
# pool cannot reuse a connection in the middle of a message. The Edge Impulse 302
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
