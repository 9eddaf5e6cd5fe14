"""A call's total deadline, enforced on every socket read and write of blocking I/O.

A read timeout restarts with every byte, so a server trickling one byte a
second (in its headers or its body) would keep a call going forever. The
async driver bounds each operation with ``asyncio.timeout``; a blocking read
cannot be interrupted, so for the sync driver each read and write is given
at most the time left: the deadline of the running call sits in a context
variable, and every network stream the library's requests open (httpcore's
``trace`` extension reports each new one, TCP and TLS) checks it. A stream
the library did not open (a pooled connection of your own ``http_client=``)
is bounded per read by the timeout only, and between chunks by the driver.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Callable, Iterator
from typing import Any

from ._constants import DEFAULT_DEADLINE
from ._exceptions import InvalidRequest

_expires: contextvars.ContextVar[float | None] = contextvars.ContextVar("usage_reports_deadline", default=None)
_GUARDED = "_usage_reports_deadline_guard"
_NEW_STREAM_EVENTS = frozenset(
    {
        "connection.connect_tcp.complete",
        "connection.connect_unix_socket.complete",
        "connection.start_tls.complete",
    }
)


def deadline_seconds(value: float | None) -> float:
    """A validated ``deadline=`` (seconds for the whole call); None means DEFAULT_DEADLINE."""
    if value is None:
        return DEFAULT_DEADLINE
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < float("inf"):
        raise InvalidRequest("deadline must be a positive, finite number of seconds (the whole call's limit)")
    return float(value)


@contextlib.contextmanager
def running_until(expires: float) -> Iterator[None]:
    """Blocking I/O of the current thread (or context) gives up at ``expires`` (time.monotonic())."""
    token = _expires.set(expires)
    try:
        yield
    finally:
        _expires.reset(token)


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    expires = _expires.get()
    if expires is None:
        return timeout
    left = expires - time.monotonic()
    if left <= 0:
        raise error("the call's deadline passed")
    return left if timeout is None else min(timeout, left)


def _guard(stream: Any) -> None:
    if getattr(stream, _GUARDED, False):
        return
    import httpcore  # loaded already: httpcore is what reports the new stream (not imported with the package)

    read: Callable[..., bytes] = stream.read
    write: Callable[..., None] = stream.write

    def bounded_read(max_bytes: int, timeout: float | None = None) -> bytes:
        return read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def bounded_write(buffer: bytes, timeout: float | None = None) -> None:
        write(buffer, _left(timeout, httpcore.WriteTimeout))

    try:
        stream.read = bounded_read
        stream.write = bounded_write
        setattr(stream, _GUARDED, True)
    except AttributeError:  # a network backend whose streams take no attributes: per-read timeouts only
        pass


def trace(event: str, info: dict[str, Any]) -> None:
    """httpcore's sync ``trace`` extension: guard each network stream as it is opened."""
    if event in _NEW_STREAM_EVENTS:
        stream = info.get("return_value")
        if stream is not None:
            _guard(stream)
