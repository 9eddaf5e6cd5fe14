"""One report transfer, as a sans-I/O generator shared by the sync and async clients.

The generator decides everything: which request to send, with which
credentials, whether to follow a redirect or a link, which error a status
means, whether and how long to wait before retrying. It yields the I/O it
needs as small operations (Send, Receive, ReadSmall, Sleep, Commit); the sync
and async drivers in ``_drivers`` carry them out and send the results back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator
from typing import Any

import attrs
import httpx

from ._constants import MAX_FURTHER_REDIRECTS, MAX_SMALL_BODY, USER_AGENT
from ._exceptions import (
    APIError,
    AuthenticationError,
    ConnectionFailed,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
    Timeout,
    UnexpectedResponse,
    UsageReportsError,
)
from ._logging import logger
from ._models import UsageReport
from ._providers import Accept, Adapter, FollowLink
from ._ratelimit import RateLimiter, Slot
from ._redact import Redactor
from ._requests import ReportRequest
from ._retry import is_retryable_status, parse_retry_after, retry_delay
from ._settings import ProviderSettings
from ._sinks import FileSink, MemorySink, Sink
from ._storage import RemoteSink
from ._urls import insecure_reason

# --- the operations a driver carries out ---------------------------------------------


@attrs.frozen
class Send:
    """Send the request (redirects off, body streamed); answer the response or raise httpx's error."""

    request: httpx.Request


@attrs.frozen
class Receive:
    """Stream the response body into the sink."""

    response: httpx.Response
    sink: Sink


@attrs.frozen
class ReadSmall:
    """Read at most ``limit`` bytes of the body; answer them."""

    response: httpx.Response
    limit: int


@attrs.frozen
class Sleep:
    seconds: float


@attrs.frozen
class Commit:
    """Make the sink's bytes final (fsync and rename, for a file; upload, for an object store)."""

    sink: Sink


Operation = Send | Receive | ReadSmall | Sleep | Commit
Transfer = Generator[Operation, Any, UsageReport]


@attrs.frozen
class Job:
    """Everything one transfer needs, resolved and validated before any I/O."""

    adapter: Adapter
    request: ReportRequest
    settings: ProviderSettings
    timeout: httpx.Timeout
    max_retries: int
    redact: Redactor
    sink: Sink
    limiter: RateLimiter | None = None


class _Retryable(Exception):
    """An attempt failed; the error to raise if no retry is left."""

    def __init__(self, error: UsageReportsError, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retryable = retryable
        self.retry_after = retry_after


_STATUS_ERRORS: dict[int, type[APIError]] = {401: AuthenticationError, 403: PermissionDenied, 404: NotFound}


def error_for_status(
    provider: str, status: int, message: str, *, retry_after: float | None = None, hop: str = "api"
) -> APIError:
    """The error class for a status code: chosen by the code only, never by the message."""
    where = "" if hop == "api" else " (report file download)"
    text = f"{provider}: HTTP {status}{where}: {message}"
    if status == 429:
        return RateLimited(text, provider=provider, status_code=status, retry_after=retry_after)
    if status in _STATUS_ERRORS:
        return _STATUS_ERRORS[status](text, provider=provider, status_code=status)
    if 500 <= status <= 599:
        return ServerError(text, provider=provider, status_code=status)
    return UnexpectedResponse(text, provider=provider, status_code=status)


def _reason(response: httpx.Response) -> str:
    return response.reason_phrase or "no reason given"


def _credential_free(url: httpx.URL, timeout: httpx.Timeout) -> httpx.Request:
    """A GET carrying no credential of any vendor: no auth header, no cookie, only what any browser sends."""
    return httpx.Request(
        "GET",
        url,
        headers={"User-Agent": USER_AGENT, "Accept": "*/*"},
        extensions={"timeout": timeout.as_dict()},
    )


def transfer(job: Job) -> Transfer:
    """Run attempts until one succeeds or a failure may not be retried."""
    retries = 0
    try:
        while True:
            started = time.monotonic()
            try:
                return (yield from _attempt(job, attempt=retries + 1))
            except _Retryable as failure:
                delay = retry_delay(
                    retries_done=retries,
                    max_retries=job.max_retries,
                    retryable=failure.retryable,
                    retry_after=failure.retry_after,
                )
                _log(
                    logging.WARNING if delay is not None else logging.INFO,
                    job,
                    "failed",
                    attempt=retries + 1,
                    duration=time.monotonic() - started,
                    error=type(failure.error).__name__,
                    status=getattr(failure.error, "status_code", None),
                    retry_in=delay,
                )
                if delay is None:
                    raise failure.error from failure.__cause__
                retries += 1
                yield Sleep(delay)
    except BaseException:
        job.sink.abort()
        raise


def _take_slot(job: Job, limiter: RateLimiter, attempt: int) -> Generator[Operation, Any, Slot]:
    """Wait for the rate limiter's slot (looking again while it is full of requests in flight)."""
    while True:
        slot, wait = limiter.reserve()
        if slot is not None and wait <= 0:
            return slot
        if slot is not None:
            _log(logging.DEBUG, job, "rate limit wait", attempt=attempt, wait=round(wait, 3))
        try:
            yield Sleep(wait)
        except BaseException:
            if slot is not None:
                limiter.settle(slot)
            raise
        if slot is not None:
            return slot


def _attempt(job: Job, *, attempt: int) -> Transfer:
    limiter = job.limiter
    slot = None if limiter is None else (yield from _take_slot(job, limiter, attempt))
    try:
        return (yield from _hops(job, attempt, slot))
    finally:
        if slot is not None and limiter is not None:
            limiter.settle(slot)  # idempotent; here for failures before the first answer


def _hops(job: Job, attempt: int, slot: Slot | None) -> Transfer:
    adapter, redact, provider = job.adapter, job.redact, job.adapter.provider
    request = adapter.build(job.request, job.settings, job.timeout)
    from_api = True
    further_redirects = 0
    job.sink.reset()
    while True:
        hop = "api" if from_api else "file"
        started = time.monotonic()
        try:
            response: httpx.Response = yield Send(request)
        except httpx.TimeoutException as exc:
            error: UsageReportsError = Timeout(
                f"{provider}: timed out ({type(exc).__name__}) on the {hop} request", provider=provider
            )
            raise _Retryable(error, retryable=True) from exc
        except httpx.TransportError as exc:
            error = ConnectionFailed(
                redact(f"{provider}: connection failed on the {hop} request: {type(exc).__name__}: {exc}"),
                provider=provider,
            )
            raise _Retryable(error, retryable=True) from exc
        if slot is not None and job.limiter is not None:
            job.limiter.settle(slot)  # the vendor has seen the request by now
        status = response.status_code
        _log(
            logging.DEBUG, job, "response", attempt=attempt, hop=hop, status=status, duration=time.monotonic() - started
        )

        if status in (301, 302, 303, 307, 308) and (adapter.redirects_to_file or not from_api):
            if not from_api:
                further_redirects += 1
                if further_redirects > MAX_FURTHER_REDIRECTS:
                    raise _Retryable(
                        UnexpectedResponse(
                            f"{provider}: more than {MAX_FURTHER_REDIRECTS} redirects after the first one",
                            provider=provider,
                            status_code=status,
                        ),
                        retryable=False,
                    )
            request = _follow(job, request, response.headers.get("location"), status)
            from_api = False
            continue

        if status == 200:
            decision = adapter.accept(response, from_api=from_api)
            if isinstance(decision, FollowLink):
                body = yield from _read_small(response)
                try:
                    link = adapter.link(body)
                except ValueError as exc:
                    raise _Retryable(
                        UnexpectedResponse(f"{provider}: malformed answer: {exc}", provider=provider, status_code=200),
                        retryable=False,
                    ) from None
                request = _follow(job, request, link, status)
                from_api = False
                continue
            if isinstance(decision, str):
                raise _Retryable(
                    UnexpectedResponse(f"{provider}: {decision}", provider=provider, status_code=status),
                    retryable=False,
                )
            return (yield from _receive(job, response, decision, attempt, hop, started))

        body = yield from _read_small(response)
        message = adapter.error_message(body) if from_api else None
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        error = error_for_status(
            provider,
            status,
            redact(message) if message else _reason(response),
            retry_after=retry_after,
            hop=hop,
        )
        raise _Retryable(error, retryable=is_retryable_status(status), retry_after=retry_after)


def _follow(job: Job, previous: httpx.Request, location: str | None, status: int) -> httpx.Request:
    """The next, credential-free request; refuses a downgrade or an insecure target."""
    provider = job.adapter.provider
    if not location:
        raise _Retryable(
            UnexpectedResponse(f"{provider}: HTTP {status} without a Location", provider=provider, status_code=status),
            retryable=False,
        )
    try:
        target = previous.url.join(location.strip())
    except (httpx.InvalidURL, ValueError, TypeError):
        raise _Retryable(
            UnexpectedResponse(f"{provider}: unreadable redirect target", provider=provider, status_code=status),
            retryable=False,
        ) from None
    if previous.url.scheme == "https" and target.scheme == "http":
        reason = "is an https-to-http downgrade"
    else:
        reason = insecure_reason(target) or ""
    if reason:
        raise _Retryable(
            UnexpectedResponse(
                f"{provider}: refused the report file URL: it {reason}", provider=provider, status_code=status
            ),
            retryable=False,
        )
    return _credential_free(target, job.timeout)


def _read_small(response: httpx.Response) -> Generator[Operation, Any, bytes]:
    try:
        body: bytes = yield ReadSmall(response, MAX_SMALL_BODY)
    except httpx.HTTPError:
        return b""
    return body


def _receive(
    job: Job, response: httpx.Response, accept: Accept, attempt: int, hop: str, started: float
) -> Generator[Operation, Any, UsageReport]:
    provider, sink = job.adapter.provider, job.sink
    declared = response.headers.get("content-length")
    try:
        yield Receive(response, sink)
    except httpx.TimeoutException as exc:
        raise _Retryable(
            Timeout(f"{provider}: timed out while receiving the report", provider=provider), retryable=True
        ) from exc
    except httpx.TransportError as exc:
        raise _Retryable(
            UnexpectedResponse(
                f"{provider}: truncated body: the connection closed after {sink.size} bytes"
                + (f" of {declared}" if declared else ""),
                provider=provider,
                status_code=response.status_code,
            ),
            retryable=True,
        ) from exc
    received = _bytes_on_the_wire(response, sink)
    if declared is not None and declared.isdigit() and received is not None and received != int(declared):
        raise _Retryable(
            UnexpectedResponse(
                f"{provider}: truncated body: received {received} of {declared} bytes",
                provider=provider,
                status_code=response.status_code,
            ),
            retryable=True,
        )
    if accept.prefix is not None and not sink.head.startswith(accept.prefix):
        raise _Retryable(
            UnexpectedResponse(
                f"{provider}: the body is not a {accept.media_type} file (it does not start with {accept.prefix!r})",
                provider=provider,
                status_code=response.status_code,
            ),
            retryable=False,
        )
    if isinstance(sink, FileSink | RemoteSink):  # memory needs no commit, and async would pay a thread hop for it
        yield Commit(sink)
    _log(
        logging.INFO,
        job,
        "done",
        attempt=attempt,
        hop=hop,
        status=200,
        size=sink.size,
        duration=time.monotonic() - started,
    )
    request = job.request
    return UsageReport(
        provider=provider,
        request=request,
        media_type=accept.media_type,
        size=sink.size,
        sha256=sink.sha256,
        suggested_filename=request.suggested_filename,
        content=sink.content() if isinstance(sink, MemorySink) else None,
        path=sink.destination if isinstance(sink, FileSink) else None,
        url=sink.url if isinstance(sink, RemoteSink) else None,
    )


def _bytes_on_the_wire(response: httpx.Response, sink: Sink) -> int | None:
    """The body's size as Content-Length counts it (None when it cannot be known)."""
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        return sink.size  # nothing decoded: what the sink got is what was sent
    return response.num_bytes_downloaded or None  # 0 when a transport handed over a pre-read body


def _log(level: int, job: Job, event: str, **fields: object) -> None:
    """One record: provider, operation and numbers; never a URL, a header or a body."""
    if not logger.isEnabledFor(level):
        return
    details = " ".join(
        f"{key}={value:.3f}" if isinstance(value, float) else f"{key}={value}"
        for key, value in fields.items()
        if value is not None
    )
    logger.log(
        level,
        "%s %s %s %s",
        job.adapter.provider,
        job.adapter.operation,
        event,
        details,
        extra={"provider": job.adapter.provider, "operation": job.adapter.operation, **fields},
    )
