"""One report transfer, as a sans-I/O generator shared by the sync and async clients.

The generator decides everything: which request to send, with which
credentials, whether to follow a redirect or a link, which error a status
means, whether and how long to wait before retrying, when the call's deadline
has passed. It yields the I/O it needs as small operations (Send, Receive,
ReadSmall, Sleep, Commit); the sync and async drivers in ``_drivers`` carry
them out and send the results back, or throw in the exception they met.

Whatever an operation raises comes back through one function, ``_translate``:
the one place where httpx's, zlib's and the operating system's exceptions
become this library's errors (the foreign one chained as ``__cause__``,
without its traceback). Every text a server wrote (reason phrase, error body,
Location, request id) is quoted through the Redactor: redacted and escaped.
Signed URLs and response bodies never sit in a local variable of a frame
that raises (a traceback rendered with its locals shows nothing secret).
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Callable, Generator
from typing import Any, TypeVar

import attrs
import httpx

from ._constants import (
    DEFAULT_DEADLINE,
    MAX_BODY_EXCERPT,
    MAX_FURTHER_REDIRECTS,
    MAX_SMALL_BODY,
    REQUEST_ID_HEADERS,
    USER_AGENT,
)
from ._contract import Accept, ApiRequest, Call, Flow, FollowLink, Wait
from ._decode import BodyRefused
from ._exceptions import (
    APIError,
    AuthenticationError,
    ConnectionFailed,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
    StorageError,
    Timeout,
    UnexpectedResponse,
    UsageReportsError,
)
from ._logging import logger
from ._models import UsageReport
from ._ratelimit import RateLimiter, Slot
from ._redact import Redactor, printable
from ._retry import is_retryable_status, parse_retry_after, retry_delay
from ._urls import SecretURL, insecure_reason, origin
from .destinations._sinks import Sink

#: Longest vendor message quoted in an error (the body excerpt has its own cap).
_MAX_MESSAGE = 500
#: Longest request id kept.
_MAX_REQUEST_ID = 128
#: A timeout this close to the deadline is the deadline's (clocks and timers differ by a hair).
_DEADLINE_SLACK = 0.01

# --- the operations a driver carries out ---------------------------------------------


def _request_repr(request: httpx.Request) -> str:
    return f"<{request.method} {origin(request.url)}/[hidden]>"  # the path and query may be a credential


@attrs.frozen
class Send:
    """Send the request (redirects off, body streamed); answer the response or raise httpx's error.

    ``expires`` (time.monotonic()) is the call's deadline: no I/O may outlast it.
    """

    request: httpx.Request = attrs.field(repr=_request_repr)
    expires: float = float("inf")


@attrs.frozen
class Receive:
    """Stream the response body, decoded with bounded memory, into the sink."""

    response: httpx.Response
    sink: Sink
    expires: float = float("inf")


@attrs.frozen
class ReadSmall:
    """Read at most ``limit`` decoded bytes of the body; answer them."""

    response: httpx.Response
    limit: int
    expires: float = float("inf")


@attrs.frozen
class Sleep:
    seconds: float


@attrs.frozen
class Commit:
    """Make the sink's bytes final (fsync and rename, for a file); only for a sink that ``needs_commit``."""

    sink: Sink


Operation = Send | Receive | ReadSmall | Sleep | Commit
Transfer = Generator[Operation, Any, UsageReport]
T = TypeVar("T")


@attrs.frozen
class Job:
    """Everything one transfer needs, resolved and validated before any I/O.

    ``deadline`` is the whole call's limit in seconds, across attempts,
    redirects, waits and bytes (like curl's ``--max-time``).
    """

    call: Call
    timeout: httpx.Timeout
    max_retries: int
    redact: Redactor
    sink: Sink
    limiter: RateLimiter | None = None
    deadline: float = DEFAULT_DEADLINE


class _AttemptFailed(Exception):
    """An attempt failed with ``error``; ``retryable`` says whether another attempt may follow.

    ``cause`` is the foreign exception behind it, if any, chained when ``error`` is raised.
    """

    def __init__(
        self,
        error: UsageReportsError,
        *,
        retryable: bool,
        retry_after: float | None = None,
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.retryable = retryable
        self.retry_after = retry_after
        self.cause = cause


_STATUS_ERRORS: dict[int, type[APIError]] = {401: AuthenticationError, 403: PermissionDenied, 404: NotFound}


def error_for_status(
    provider: str,
    status: int,
    message: str,
    *,
    retry_after: float | None = None,
    hop: str = "api",
    request_id: str | None = None,
    body_excerpt: str | None = None,
) -> APIError:
    """The error class for a status code: chosen by the code only, never by the message.

    ``message``, ``request_id`` and ``body_excerpt`` must already be quoted (redacted and escaped).
    """
    where = "" if hop == "api" else " (report file download)"
    text = f"{provider}: HTTP {status}{where}: {message}" + (f" (request id {request_id})" if request_id else "")
    if status == 429:
        return RateLimited(
            text,
            provider=provider,
            status_code=status,
            retry_after=retry_after,
            request_id=request_id,
            body_excerpt=body_excerpt,
        )
    kind = _STATUS_ERRORS.get(status) or (ServerError if 500 <= status <= 599 else UnexpectedResponse)
    return kind(text, provider=provider, status_code=status, request_id=request_id, body_excerpt=body_excerpt)


def _credential_free(url: SecretURL, timeout: httpx.Timeout, expires: float) -> Send:
    """A GET carrying no credential of any vendor: no auth header, no cookie, only what any browser sends."""
    return Send(
        httpx.Request(
            "GET",
            url.url,
            headers={"User-Agent": USER_AGENT, "Accept": "*/*"},
            extensions={"timeout": timeout.as_dict()},
        ),
        expires,
    )


def transfer(job: Job) -> Transfer:
    """Resolve the request first when its provider needs API calls for that (a flow), then download it.

    Attempts run until one succeeds, a failure may not be retried, or the deadline leaves no room.
    """
    expires = time.monotonic() + job.deadline
    try:
        flow = job.call.resolve()
        if flow is not None:
            job = attrs.evolve(job, call=(yield from run_flow(job, flow, expires)))
        return (yield from _retrying(job, expires, lambda attempt: _attempt(job, attempt=attempt, expires=expires)))
    except BaseException:
        job.sink.abort()
        raise


def flow(job: Job, steps: Flow[T]) -> Generator[Operation, Any, T]:
    """A provider flow on its own (listing, creating, polling: no download), within the call's deadline."""
    return (yield from run_flow(job, steps, time.monotonic() + job.deadline))


def run_flow(job: Job, flow: Flow[T], expires: float) -> Generator[Operation, Any, T]:
    """Drive a provider's flow: each ApiRequest is sent with retries, limits and error mapping; Wait sleeps.

    A failed API call is thrown into the flow, which may handle it (or let it through).
    """
    answer: bytes | None = None
    error: UsageReportsError | None = None
    try:
        while True:
            try:
                step = flow.throw(error) if error is not None else flow.send(answer)
            except StopIteration as stop:
                result: T = stop.value
                return result
            answer, error = None, None
            if isinstance(step, Wait):
                if time.monotonic() + step.seconds >= expires:
                    raise _deadline_passed(job, "wait for the vendor", passed=False).error
                if step.polls:
                    job.sink.waiting(step.polls, step.waited)
                yield Sleep(step.seconds)
                continue
            try:
                answer = yield from _retrying(job, expires, functools.partial(_api_attempt, job, step, expires))
            except UsageReportsError as exc:
                error = exc
    finally:
        flow.close()


def _retrying(
    job: Job, expires: float, attempt: Callable[[int], Generator[Operation, Any, T]]
) -> Generator[Operation, Any, T]:
    """Run attempts until one succeeds, a failure may not be retried, or the deadline leaves no room."""
    retries = 0
    while True:
        started = time.monotonic()
        try:
            return (yield from attempt(retries + 1))
        except _AttemptFailed as failure:
            delay = retry_delay(
                retries_done=retries,
                max_retries=job.max_retries,
                retryable=failure.retryable,
                retry_after=failure.retry_after,
            )
            out_of_time = delay is not None and time.monotonic() + delay >= expires
            _log(
                logging.WARNING if delay is not None and not out_of_time else logging.INFO,
                job,
                "failed",
                attempt=retries + 1,
                duration=time.monotonic() - started,
                error=type(failure.error).__name__,
                status=getattr(failure.error, "status_code", None),
                retry_in=None if out_of_time else delay,
                deadline_left=round(expires - time.monotonic(), 3) if out_of_time else None,
            )
            if delay is None or out_of_time:
                raise failure.error from failure.cause
            retries += 1
            yield Sleep(delay)


def _api_attempt(job: Job, step: ApiRequest, expires: float, attempt: int) -> Generator[Operation, Any, bytes]:
    """One API call of a flow: the body of a 2xx answer, or the error its status means."""
    limiter = job.limiter
    slot = None if limiter is None else (yield from _take_slot(job, limiter, attempt, expires))
    try:
        started = time.monotonic()
        send = Send(step.build(job.timeout), expires)
        response: httpx.Response = _scrubbed(job, (yield from _io(job, send, step="send", hop="api", expires=expires)))
        if slot is not None and limiter is not None:
            limiter.settle(slot)
        status = response.status_code
        if logger.isEnabledFor(logging.DEBUG):  # the fields are built only for a record that is kept
            _log(
                logging.DEBUG, job, step.operation, attempt=attempt, status=status, duration=time.monotonic() - started
            )
        if 200 <= status <= 299:
            return (yield from _read_small(job, response, "api", expires))
        failure = yield from _status_failure(job, response, "api", expires, operation=step.operation)
        if not step.idempotent:
            failure.retryable = failure.retryable and status == 429
        raise failure
    finally:
        if slot is not None and limiter is not None:
            limiter.settle(slot)


def _deadline_passed(job: Job, doing: str, *, passed: bool = True) -> _AttemptFailed:
    """The Timeout for the deadline: it passed while ``doing``, or (``passed=False``) leaves no time for it."""
    provider = job.call.provider
    what = f"passed {doing}" if passed else f"leaves no time to {doing}"
    return _AttemptFailed(
        Timeout(f"{provider}: the call's deadline of {job.deadline:g} s {what} (deadline=)", provider=provider),
        retryable=False,
    )


def _take_slot(job: Job, limiter: RateLimiter, attempt: int, expires: float) -> Generator[Operation, Any, Slot]:
    """Wait for the rate limiter's slot (looking again while it is full of requests in flight)."""
    while True:
        slot, wait = limiter.reserve()
        if slot is not None and wait <= 0:
            return slot
        if time.monotonic() + wait >= expires:
            if slot is not None:
                limiter.settle(slot)
            raise _deadline_passed(job, "wait for the rate limit", passed=False)
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


def _attempt(job: Job, *, attempt: int, expires: float) -> Transfer:
    limiter = job.limiter
    slot = None if limiter is None else (yield from _take_slot(job, limiter, attempt, expires))
    try:
        return (yield from _hops(job, attempt, slot, expires))
    finally:
        if slot is not None and limiter is not None:
            limiter.settle(slot)  # idempotent; here for failures before the first answer


# --- one place for foreign exceptions ---------------------------------------------------


def _detached(exc: BaseException) -> BaseException:
    """``exc`` and the exceptions chained to it, without their tracebacks (whose frames hold request URLs)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.__traceback__ = None
        current = current.__cause__ or current.__context__
    return exc


def _translate(
    job: Job, exc: Exception, *, step: str, hop: str, expires: float, response: httpx.Response | None
) -> _AttemptFailed | None:
    """The library's error for what an operation raised (None: not ours to translate, a bug to surface as is).

    ``step`` is "send", "receive", "read" or "commit". A translated foreign
    exception is kept as the cause, without the tracebacks of its chain.
    """
    failure = _classify(job, exc, step=step, hop=hop, expires=expires, response=response)
    if failure is not None and failure.cause is not None:
        _detached(failure.cause)
    return failure


def _to_host(job: Job, exc: Exception) -> str:
    """ " to HOST[:PORT]" of the failed request (never its path, query or credentials), and the base URL override
    in effect when the host is the overridden one: " (ACME_BASE_URL is set: http://...)"."""
    try:
        url = exc.request.url if isinstance(exc, httpx.RequestError) else None
    except RuntimeError:  # an httpx error raised without its request
        url = None
    if url is None or not url.host:
        return ""
    host = f"[{url.host}]" if ":" in url.host else url.host
    shown = f" to {printable(host)}" + (f":{url.port}" if url.port is not None else "")
    settings = getattr(job.call, "settings", None)
    base_url = getattr(settings, "base_url", None)
    if not isinstance(base_url, str):
        return shown
    try:
        base = httpx.URL(base_url)
    except httpx.InvalidURL:
        return shown
    if base.host != url.host or base.port != url.port:
        return shown
    overridden = f"{base.scheme}://{host}" + (f":{base.port}" if base.port is not None else "") + base.path.rstrip("/")
    variable = getattr(type(settings), "ENV_BASE_URL", None)
    if isinstance(variable, str) and os.environ.get(variable, "").strip().rstrip("/") == base_url.rstrip("/"):
        return f"{shown} ({variable} is set: {printable(overridden)})"
    return f"{shown} (base_url={printable(overridden)})"


def _classify(
    job: Job, exc: Exception, *, step: str, hop: str, expires: float, response: httpx.Response | None
) -> _AttemptFailed | None:
    provider, quote = job.call.provider, job.redact.quote
    status = response.status_code if response is not None else None
    if isinstance(exc, UsageReportsError):
        return _AttemptFailed(exc, retryable=False)
    cause = exc
    doing = {
        "send": f"on the {hop} request",
        "receive": "while receiving the report",
        "read": f"while reading the {hop} answer",
        "commit": "while writing the report",
    }[step]
    if isinstance(exc, httpx.TimeoutException | TimeoutError) and time.monotonic() >= expires - _DEADLINE_SLACK:
        failure = _deadline_passed(job, doing)
        failure.cause = cause
        return failure
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return _AttemptFailed(
            Timeout(f"{provider}: timed out ({type(exc).__name__}) {doing}", provider=provider),
            retryable=True,
            cause=cause,
        )
    if isinstance(exc, BodyRefused):
        return _AttemptFailed(
            UnexpectedResponse(f"{provider}: {quote(str(exc))}", provider=provider, status_code=status),
            retryable=False,
            cause=None,
        )
    if isinstance(exc, httpx.DecodingError):
        return _AttemptFailed(
            UnexpectedResponse(
                f"{provider}: the body could not be decoded ({quote(str(exc), limit=_MAX_MESSAGE)})",
                provider=provider,
                status_code=status,
            ),
            retryable=False,
            cause=cause,
        )
    # httpx builds the next request of every redirect, even one it will not follow, and fails on a
    # Location it cannot use (javascript:, data:, a broken URL) before the engine sees the response.
    if isinstance(exc, httpx.InvalidURL) or (
        isinstance(exc, httpx.RemoteProtocolError) and "location" in str(exc).lower()
    ):
        return _AttemptFailed(
            UnexpectedResponse(
                f"{provider}: the {hop} answer redirects to a Location that is not a usable URL",
                provider=provider,
                status_code=status,
            ),
            retryable=False,
            cause=cause,
        )
    if isinstance(exc, httpx.TransportError) and step == "receive" and response is not None:
        declared = response.headers.get("content-length")
        return _AttemptFailed(
            UnexpectedResponse(
                f"{provider}: truncated body: the connection closed after {job.sink.size} bytes"
                + (f" of {quote(declared, limit=32)}" if declared else ""),
                provider=provider,
                status_code=status,
            ),
            retryable=True,
            cause=cause,
        )
    if isinstance(exc, httpx.RequestError):
        return _AttemptFailed(
            ConnectionFailed(
                f"{provider}: connection failed {doing}{_to_host(job, exc)}: {type(exc).__name__}: "
                f"{quote(str(exc), limit=_MAX_MESSAGE)}",
                provider=provider,
            ),
            retryable=True,
            cause=cause,
        )
    if isinstance(exc, OSError) and step == "send":  # a custom transport's own socket error
        return _AttemptFailed(
            ConnectionFailed(
                f"{provider}: connection failed {doing}{_to_host(job, exc)}: "
                f"{printable(exc.strerror or type(exc).__name__)}",
                provider=provider,
            ),
            retryable=True,
            cause=cause,
        )
    if isinstance(exc, OSError) and step in ("receive", "commit"):
        where = job.sink.path
        return _AttemptFailed(
            StorageError(
                f"{printable(str(where)) + ': ' if where else ''}cannot write the report: "
                f"{printable(exc.strerror or type(exc).__name__)}; nothing was left behind",
                filename=None if where is None else str(where),
                errno=exc.errno,
            ),
            retryable=False,
            cause=cause,
        )
    return None


def _io(
    job: Job, operation: Operation, *, step: str, hop: str, expires: float, response: httpx.Response | None = None
) -> Generator[Operation, Any, Any]:
    """Yield one operation; what it raises comes back as the library's error (or, if foreign and unknown, as is)."""
    if step != "commit" and time.monotonic() >= expires:
        raise _deadline_passed(job, "before the next step")
    try:
        return (yield operation)
    except Exception as exc:
        failure = _translate(job, exc, step=step, hop=hop, expires=expires, response=response)
        if failure is None:
            raise
    raise failure  # outside the except clause: the foreign exception is the cause, not the context


# --- one attempt: requests, redirects and answers ---------------------------------------


def _hops(job: Job, attempt: int, slot: Slot | None, expires: float) -> Transfer:
    call = job.call
    send = Send(call.build(job.timeout), expires)
    from_api = True
    further_redirects = 0
    job.sink.reset()
    while True:
        hop = "api" if from_api else "file"
        started = time.monotonic()
        response: httpx.Response = _scrubbed(job, (yield from _io(job, send, step="send", hop=hop, expires=expires)))
        if slot is not None and job.limiter is not None:
            job.limiter.settle(slot)  # the vendor has seen the request by now
        status = response.status_code
        if logger.isEnabledFor(logging.DEBUG):  # the fields are built only for a record that is kept
            _log(
                logging.DEBUG,
                job,
                "response",
                attempt=attempt,
                hop=hop,
                status=status,
                duration=time.monotonic() - started,
            )

        if status in (301, 302, 303, 307, 308) and (call.redirects_to_file or not from_api):
            if not from_api:
                further_redirects += 1
                if further_redirects > MAX_FURTHER_REDIRECTS:
                    raise _AttemptFailed(
                        _unexpected(job, response, f"more than {MAX_FURTHER_REDIRECTS} redirects after the first one"),
                        retryable=False,
                    )
            send = _follow(job, send, _target(send, response.headers.get("location")), response)
            from_api = False
            continue

        if status == 200:
            decision = call.accept(response, from_api=from_api)
            if isinstance(decision, FollowLink):
                link = yield from _read_link(job, send, response, expires)
                if isinstance(link, _AttemptFailed):
                    raise link
                send = _follow(job, send, link, response)
                from_api = False
                continue
            if isinstance(decision, str):
                raise _AttemptFailed(_unexpected(job, response, job.redact.quote(decision)), retryable=False)
            return (yield from _receive(job, response, decision, attempt, hop, started, expires))

        raise (yield from _status_failure(job, response, hop, expires))


def _scrubbed(job: Job, response: httpx.Response) -> httpx.Response:
    """The response with its reason phrase quoted: it is server text, and it shows in the response's repr."""
    raw = response.extensions.get("reason_phrase")
    if isinstance(raw, bytes) and raw:
        response.extensions["reason_phrase"] = job.redact.quote(raw, limit=200).encode("ascii", "backslashreplace")
    return response


def _unexpected(job: Job, response: httpx.Response, text: str) -> UnexpectedResponse:
    provider = job.call.provider
    request_id = _request_id(job, response)
    return UnexpectedResponse(
        f"{provider}: {text}" + (f" (request id {request_id})" if request_id else ""),
        provider=provider,
        status_code=response.status_code,
        request_id=request_id,
    )


def _request_id(job: Job, response: httpx.Response) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value = response.headers.get(name, "").strip()
        if value:
            return job.redact.quote(value, limit=_MAX_REQUEST_ID)
    return None


def _status_failure(
    job: Job, response: httpx.Response, hop: str, expires: float, *, operation: str | None = None
) -> Generator[Operation, Any, _AttemptFailed]:
    """The error for a status that is not the report; returned, not raised, so the body dies with this frame."""
    body = yield from _read_small(job, response, hop, expires)
    message = job.call.error_message(body) if hop == "api" else None
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    quote = job.redact.quote
    error = error_for_status(
        job.call.provider,
        response.status_code,
        (f"{operation}: " if operation else "")
        + (
            quote(message, limit=_MAX_MESSAGE)
            if message
            else quote(response.reason_phrase or "no reason given", limit=200)
        ),
        retry_after=retry_after,
        hop=hop,
        request_id=_request_id(job, response),
        body_excerpt=quote(body, limit=MAX_BODY_EXCERPT) or None,
    )
    return _AttemptFailed(error, retryable=is_retryable_status(response.status_code), retry_after=retry_after)


def _target(send: Send, location: str | None) -> SecretURL | str:
    """Where a Location (or a link) points, resolved against the request; or why it cannot be used."""
    if not location or not location.strip():
        return "without a Location"
    try:
        return SecretURL(send.request.url.join(location.strip()))
    except (httpx.InvalidURL, ValueError, TypeError):
        return "to an unreadable URL"


def _follow(job: Job, previous: Send, target: SecretURL | str, response: httpx.Response) -> Send:
    """The next, credential-free request; refuses a missing, unreadable, insecure or downgrading target."""
    if isinstance(target, str):
        raise _AttemptFailed(_unexpected(job, response, f"HTTP {response.status_code} {target}"), retryable=False)
    if previous.request.url.scheme == "https" and target.url.scheme == "http":
        reason = "is an https-to-http downgrade"
    else:
        reason = insecure_reason(target.url) or ""
    if reason:
        raise _AttemptFailed(
            _unexpected(job, response, f"refused the report file URL: it {printable(reason)}"), retryable=False
        )
    return _credential_free(target, job.timeout, previous.expires)


def _read_link(
    job: Job, send: Send, response: httpx.Response, expires: float
) -> Generator[Operation, Any, SecretURL | _AttemptFailed]:
    """The report's URL from a JSON answer; a failure is returned, not raised, so the body dies with this frame."""
    body = yield from _read_small(job, response, "api", expires)
    try:
        target = _target(send, job.call.link(body))
    except ValueError as exc:
        reason = str(exc)
    else:
        if isinstance(target, SecretURL):
            return target
        reason = f"the link points {target}"
    return _AttemptFailed(_unexpected(job, response, f"malformed answer: {job.redact.quote(reason)}"), retryable=False)


def _read_small(job: Job, response: httpx.Response, hop: str, expires: float) -> Generator[Operation, Any, bytes]:
    """At most MAX_SMALL_BODY bytes of a body that is not the report; b"" when it cannot be read.

    An error body that cannot be read does not change the error its status
    means, so only the deadline's Timeout gets out of here.
    """
    try:
        body: bytes = yield from _io(
            job, ReadSmall(response, MAX_SMALL_BODY, expires), step="read", hop=hop, expires=expires, response=response
        )
    except _AttemptFailed as failure:
        if isinstance(failure.error, Timeout) and time.monotonic() >= expires - _DEADLINE_SLACK:
            raise
        return b""
    return body


def _receive(
    job: Job, response: httpx.Response, accept: Accept, attempt: int, hop: str, started: float, expires: float
) -> Generator[Operation, Any, UsageReport]:
    provider, sink = job.call.provider, job.sink
    declared = response.headers.get("content-length")
    identity = _identity(response)
    too_large = sink.capacity is not None and identity and declared is not None and declared.isdigit()
    if too_large and sink.capacity is not None and int(declared or 0) > sink.capacity:
        raise _AttemptFailed(
            _unexpected(
                job,
                response,
                f"the report is {declared} bytes, more than max_fetch_size ({sink.capacity}); use download()",
            ),
            retryable=False,
        )
    if accept.check is not None:
        sink.head_size = accept.check_limit + 1  # the whole body, to check it before it is kept
    sink.expect(int(declared) if identity and declared is not None and declared.isdigit() else None)  # progress
    yield from _io(job, Receive(response, sink, expires), step="receive", hop=hop, expires=expires, response=response)
    received = _bytes_on_the_wire(response, sink, identity=identity)
    if declared is not None and declared.isdigit() and received is not None and received != int(declared):
        raise _AttemptFailed(
            _unexpected(job, response, f"truncated body: received {received} of {declared} bytes"), retryable=True
        )
    if sink.size == 0:
        raise _AttemptFailed(_unexpected(job, response, "the answer is empty (0 bytes): not a report"), retryable=False)
    if accept.prefix is not None and not sink.head.startswith(accept.prefix):
        raise _AttemptFailed(
            _unexpected(
                job,
                response,
                f"the body is not a {printable(accept.media_type)} file (it does not start with {accept.prefix!r})",
            ),
            retryable=False,
        )
    if accept.check is not None:
        reason = (
            f"the answer is larger than {accept.check_limit} bytes"
            if sink.size > accept.check_limit
            else accept.check(sink.head)
        )
        if reason is not None:
            raise _AttemptFailed(_unexpected(job, response, job.redact.quote(reason)), retryable=False)
    if sink.needs_commit:
        yield from _io(job, Commit(sink), step="commit", hop=hop, expires=expires, response=response)
    if logger.isEnabledFor(logging.INFO):  # the fields are built only for a record that is kept
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
    request = job.call.request
    return UsageReport(
        provider=provider,
        request=request,
        media_type=accept.media_type,
        size=sink.size,
        sha256=sink.sha256,
        suggested_filename=request.suggested_filename,
        content=sink.content(),
        path=sink.path,
        url=sink.url,
        details=dict(job.call.details),
    )


def _identity(response: httpx.Response) -> bool:
    """Whether the body is sent as it is (no Content-Encoding to decode)."""
    return response.headers.get("content-encoding", "").strip().lower() in ("", "identity")


def _bytes_on_the_wire(response: httpx.Response, sink: Sink, *, identity: bool) -> int | None:
    """The body's size as Content-Length counts it (None when it cannot be known)."""
    if identity:
        return sink.size  # nothing decoded: what the sink got is what was sent
    return response.num_bytes_downloaded or None  # 0 when a transport handed over a pre-read body


def _log(level: int, job: Job, event: str, **fields: object) -> None:
    """One record: provider, operation, event and numbers; never a URL, a header or a body.

    The record carries them as attributes too (``event``, ``provider``, ``operation``, each number,
    and all numbers in ``log_fields``) for JSON logs; the entry a batch is working on (its label)
    comes from the logging context the batch set (``_logging.logging_context``).
    """
    if not logger.isEnabledFor(level):
        return
    shown = {key: value for key, value in fields.items() if value is not None}
    details = " ".join(
        f"{key}={value:.3f}" if isinstance(value, float) else f"{key}={value}" for key, value in shown.items()
    )
    logger.log(
        level,
        "%s %s %s %s",
        job.call.provider,
        job.call.operation,
        event,
        details,
        extra={
            "provider": job.call.provider,
            "operation": job.call.operation,
            "event": event,
            "log_fields": shown,
            **fields,
        },
    )
