"""UsageReports and AsyncUsageReports: twins over one shared base.

The base validates, resolves settings and credentials, prepares the
destination and builds the transfer (all before any I/O); the twins only run
it with their driver.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, Self, TypeVar, cast

import httpx

from ._constants import DEFAULT_MAX_FETCH_SIZE, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
from ._deadline import deadline_seconds
from ._exceptions import InvalidRequest

# The engine, drivers, sinks, storage, limiter, log guard and the registry (which loads every vendor's home)
# are imported when first needed, so ``import usage_reports`` does not pay for what only the first client or
# call needs (BENCHMARKS.md, B5). What every call needs is imported once, by ``_core()``: an import statement
# in a method costs ~10 us per call even once its module is loaded (relative imports resolve the package in
# Python), 7 % of a fetch's own CPU (B3).
if TYPE_CHECKING:
    from ._contract import Flow, Provider, ProviderSettings, RateLimits, ReportRequest
    from ._drivers import Steps
    from ._engine import Job, Transfer
    from ._models import UsageReport
    from ._ratelimit import RateLimiter
    from ._redact import Redactor
    from .destinations._sinks import BinaryStream, MemorySink, ProgressCallback, Sink

    #: Where download() writes: a local path, an object-store URL, or a binary file object (streamed into).
    Destination = str | os.PathLike[str] | BinaryStream

TimeoutTypes = float | httpx.Timeout | None
T = TypeVar("T")


class _RunSync(Protocol):
    def __call__(self, transfer: Steps[T], client: httpx.Client, redact: Redactor) -> T: ...


class _RunAsync(Protocol):
    def __call__(self, transfer: Steps[T], client: httpx.AsyncClient, redact: Redactor) -> Awaitable[T]: ...


class _Core(NamedTuple):
    """What every call uses, imported by the first call."""

    job: type[Job]
    transfer: Callable[[Job], Transfer]
    flow: Callable[[Job, Flow[Any]], Steps[Any]]
    provider_for_request: Callable[[object], Provider]
    provider_named: Callable[[str], Provider | None]
    memory_sink: type[MemorySink]
    run_sync: _RunSync
    run_async: _RunAsync


@functools.cache
def _core() -> _Core:
    from ._drivers import run_async, run_sync
    from ._engine import Job, flow, transfer
    from ._providers import provider_for_request, provider_named
    from .destinations._sinks import MemorySink

    return _Core(Job, transfer, flow, provider_for_request, provider_named, MemorySink, run_sync, run_async)


def _timeout(value: TimeoutTypes) -> httpx.Timeout:
    if value is None:
        return DEFAULT_TIMEOUT
    if isinstance(value, httpx.Timeout):
        parts = (value.connect, value.read, value.write, value.pool)
        if any(part is None for part in parts):
            raise InvalidRequest("timeout: every part (connect, read, write, pool) must be bounded")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise InvalidRequest("timeout must be a positive number of seconds or an httpx.Timeout")
    return httpx.Timeout(float(value))


class _Shared:
    """What a client and its ``with_options`` copies share: settings, limiters, the HTTP client."""

    def __init__(self, given: dict[str, ProviderSettings], environ: Mapping[str, str]) -> None:
        self.given = given
        self.environ = environ
        self.resolved: dict[str, ProviderSettings] = {}
        self.limiters: dict[tuple[str, str, RateLimits], RateLimiter] = {}
        self.lock = threading.Lock()
        self.redact = self._redactor()

    def settings(self, provider: Provider) -> ProviderSettings:
        """The provider's settings, filled from the environment when first used (errors name the variable)."""
        with self.lock:
            settings = self.resolved.get(provider.name)
        if settings is None:
            base = self.given.get(provider.name) or provider.default_settings()
            settings = base.with_environment(self.environ)
            with self.lock:
                settings = self.resolved.setdefault(provider.name, settings)
                self.redact = self._redactor()
        return settings

    def limiter(self, provider: Provider, settings: ProviderSettings) -> RateLimiter | None:
        limits, key = provider.rate_limits(settings)
        if not limits:
            return None
        with self.lock:
            limiter = self.limiters.get((provider.name, key, limits))
            if limiter is None:
                from ._ratelimit import RateLimiter

                limiter = self.limiters[(provider.name, key, limits)] = RateLimiter(limits)
            return limiter

    def _redactor(self) -> Redactor:
        """Every credential this client could send: given, resolved, or waiting in a credential variable."""
        from ._providers import providers
        from ._redact import Redactor

        variables = (name for provider in providers() for name in provider.credential_variables)
        return Redactor(
            [
                *(secret for settings in self.given.values() for secret in settings.secrets()),
                *(secret for settings in self.resolved.values() for secret in settings.secrets()),
                *(self.environ.get(name) for name in variables),
            ]
        )


def _given_settings(
    positional: tuple[ProviderSettings, ...], named: Mapping[str, object]
) -> dict[str, ProviderSettings]:
    from ._providers import provider_for_settings, provider_named, providers

    given: dict[str, ProviderSettings] = {}
    for settings in positional:
        provider = provider_for_settings(settings)
        if provider.name in given:
            raise InvalidRequest(f"{provider.name} settings given twice")
        given[provider.name] = settings
    for name, value in named.items():
        named_provider = provider_named(name)
        if named_provider is None:
            known = ", ".join(p.name for p in providers())
            raise InvalidRequest(f"unexpected keyword argument {name}=: neither an option nor a provider ({known})")
        if value is None:
            continue
        if not isinstance(value, named_provider.settings_type):
            raise InvalidRequest(
                f"{name}= takes {named_provider.settings_type.__name__}(...) settings, not {type(value).__name__}"
            )
        if name in given:
            raise InvalidRequest(f"{name} settings given twice")
        given[name] = value
    return given


def _max_retries(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidRequest("max_retries must be an int >= 0")
    return value


class _BaseUsageReports:
    """Settings are resolved per provider when first used, so an unrelated provider's bad variable never matters."""

    _shared: _Shared
    timeout: httpx.Timeout
    max_retries: int
    deadline: float
    max_fetch_size: int

    def _setup(
        self,
        settings: tuple[ProviderSettings, ...],
        named: Mapping[str, object],
        timeout: TimeoutTypes,
        max_retries: int,
        environ: Mapping[str, str] | None,
        deadline: float | None,
        max_fetch_size: int,
    ) -> None:
        from ._logging import install_http_log_guard
        from .destinations._sinks import fetch_size_cap

        self._shared = _Shared(_given_settings(settings, named), os.environ if environ is None else environ)
        self.timeout = _timeout(timeout)
        self.max_retries = _max_retries(max_retries)
        self.deadline = deadline_seconds(deadline)
        self.max_fetch_size = fetch_size_cap(max_fetch_size)
        install_http_log_guard()

    def _copy_options(self, copy: Self, timeout: TimeoutTypes, max_retries: int | None, deadline: float | None) -> Self:
        copy._shared = self._shared
        copy.timeout = self.timeout if timeout is None else _timeout(timeout)
        copy.max_retries = self.max_retries if max_retries is None else _max_retries(max_retries)
        copy.deadline = self.deadline if deadline is None else deadline_seconds(deadline)
        copy.max_fetch_size = self.max_fetch_size
        return copy

    def __repr__(self) -> str:
        return f"{type(self).__name__}(timeout={self.timeout!r}, max_retries={self.max_retries})"

    def _transfer(
        self, request: ReportRequest, sink: Sink, settings: ProviderSettings | None
    ) -> tuple[Transfer, Redactor]:
        core = _core()
        provider = core.provider_for_request(request)
        configured = self._shared.settings(provider)
        redact = self._shared.redact
        if settings is not None:
            if not provider.owns_settings(settings):
                raise InvalidRequest(
                    f"settings= for a {provider.name} request must be {provider.settings_type.__name__}(...), "
                    f"not {type(settings).__name__}"
                )
            # Another credential for this call; the base URL, unless given, stays the client's.
            # (Every provider's settings are value objects, frozen dataclasses, with a base_url field; mypy cannot
            # see that through the ProviderSettings protocol.)
            import dataclasses

            configured = (
                settings if settings.base_url else dataclasses.replace(settings, base_url=configured.base_url)  # type: ignore[type-var]
            )
            redact = redact.with_secrets(settings.secrets())
        configured.require_credentials()
        job = core.job(
            call=provider.prepare(request, configured),
            timeout=self.timeout,
            max_retries=self.max_retries,
            redact=redact,
            sink=sink,
            limiter=self._shared.limiter(provider, configured),
            deadline=self.deadline,
        )
        return core.transfer(job), redact

    def _flow(
        self, provider_name: str, make: Callable[[ProviderSettings], Flow[T]], settings: ProviderSettings | None = None
    ) -> tuple[Steps[T], Redactor]:
        """A provider flow (vendor-only operations: listings, lifecycle) with this client's settings and limits."""
        core = _core()
        provider = core.provider_named(provider_name)
        if provider is None:
            raise InvalidRequest(f"no provider named {provider_name!r} is registered")
        configured = settings if settings is not None else self._shared.settings(provider)
        configured.require_credentials()
        redact = self._shared.redact if settings is None else self._shared.redact.with_secrets(settings.secrets())
        job = core.job(
            call=provider.api_call(configured),
            timeout=self.timeout,
            max_retries=self.max_retries,
            redact=redact,
            sink=core.memory_sink(),
            limiter=self._shared.limiter(provider, configured),
            deadline=self.deadline,
        )
        return core.flow(job, make(configured)), redact

    def _fetch(
        self, request: ReportRequest, settings: ProviderSettings | None, on_progress: ProgressCallback | None
    ) -> tuple[Transfer, Redactor]:
        return self._transfer(request, _core().memory_sink(on_progress, max_size=self.max_fetch_size), settings)

    def _download(
        self,
        request: ReportRequest,
        path: Destination,
        overwrite: bool,
        settings: ProviderSettings | None,
        on_progress: ProgressCallback | None,
    ) -> tuple[Transfer, Redactor]:
        if not isinstance(overwrite, bool):
            raise InvalidRequest("overwrite must be True or False")
        from .destinations._sinks import FileSink, StreamSink, check_destination, is_stream
        from .destinations._storage import ObjectLocation, RemoteSink, resolve

        if is_stream(path):  # a file object (stdout for the CLI's -o -): each chunk written as it arrives
            return self._transfer(request, StreamSink(cast("BinaryStream", path), on_progress=on_progress), settings)
        target = resolve(cast("str | os.PathLike[str]", path))
        if isinstance(target, ObjectLocation):  # an object store: checked over the network, after the request
            sink = RemoteSink(target, overwrite=overwrite, on_progress=on_progress)
            work = self._transfer(request, sink, settings)
            sink.check()
            return work
        destination = check_destination(target, overwrite=overwrite)
        return self._transfer(request, FileSink(destination, overwrite=overwrite, on_progress=on_progress), settings)


def _owns_client(http_client: object, transport: object) -> bool:
    """Whether the library makes (and so closes) its own httpx client."""
    if http_client is not None and transport is not None:
        raise InvalidRequest("pass http_client= or transport=, not both")
    return http_client is None


class UsageReports(_BaseUsageReports):
    """Fetch or download usage reports from any registered provider (blocking).

    Provider settings are given positionally (``UsageReports(settings, ...)``)
    or by provider name (``UsageReports(name=settings)``); what is not given
    comes from the environment when that provider is first used. ``http_client`` (yours to
    close) or ``transport`` serve proxies and tests; requests are still built
    by this library, without your client's default headers, cookies or auth.
    """

    def __init__(
        self,
        *settings: ProviderSettings,
        timeout: TimeoutTypes = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        environ: Mapping[str, str] | None = None,
        deadline: float | None = None,
        max_fetch_size: int = DEFAULT_MAX_FETCH_SIZE,
        **provider_settings: ProviderSettings | None,
    ) -> None:
        self._setup(settings, provider_settings, timeout, max_retries, environ, deadline, max_fetch_size)
        self._owns_client = _owns_client(http_client, transport)
        from ._drivers import OWNED_LIMITS, OwnedClient

        self._http = http_client or OwnedClient(
            transport=transport, timeout=self.timeout, follow_redirects=False, limits=OWNED_LIMITS
        )

    def fetch(
        self,
        request: ReportRequest,
        *,
        settings: ProviderSettings | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> UsageReport:
        """The report's bytes in memory (``.content``); ``on_progress(bytes_so_far)`` is called per chunk.

        ``bytes_so_far`` is an int; its ``.total`` is the size the server announced, or None.
        """
        work, redact = self._fetch(request, settings, on_progress)
        return _core().run_sync(work, self._http, redact)

    def download(
        self,
        request: ReportRequest,
        path: Destination,
        *,
        overwrite: bool = False,
        settings: ProviderSettings | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> UsageReport:
        """Stream the report to ``path`` atomically; an existing file is kept unless ``overwrite``.

        ``path`` may be an object-store URL (``s3://bucket/key``, ``gs://``, ``az://``; see README), or a
        binary file object (``sys.stdout.buffer``): each chunk is written to it as it arrives, with no
        atomicity (if the call raises, part of the report may have been written; a retry does not write
        the same bytes twice). ``on_progress(bytes_so_far)`` is called per chunk received (with 0 when a
        retry starts over); ``bytes_so_far.total`` is the size the server announced, or None.
        """
        work, redact = self._download(request, path, overwrite, settings, on_progress)
        return _core().run_sync(work, self._http, redact)

    def run_flow(
        self, provider: str, make: Callable[[ProviderSettings], Flow[T]], *, settings: ProviderSettings | None = None
    ) -> T:
        """Run a provider's flow of API calls; vendor namespaces (``reports.<vendor>.…``) are built on this."""
        steps, redact = self._flow(provider, make, settings)
        return _core().run_sync(steps, self._http, redact)

    def with_options(
        self, *, timeout: TimeoutTypes = None, max_retries: int | None = None, deadline: float | None = None
    ) -> UsageReports:
        """A client sharing this one's connections, settings and rate limits, with other options.

        ``reports.with_options(timeout=600, max_retries=5, deadline=3600).download(...)``; closing the copy
        closes nothing.
        """
        copy = object.__new__(type(self))
        copy._http, copy._owns_client = self._http, False
        return self._copy_options(copy, timeout, max_retries, deadline)

    def close(self) -> None:
        if self._owns_client:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncUsageReports(_BaseUsageReports):
    """The asyncio twin of UsageReports: same settings, same methods, awaitable."""

    def __init__(
        self,
        *settings: ProviderSettings,
        timeout: TimeoutTypes = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        environ: Mapping[str, str] | None = None,
        deadline: float | None = None,
        max_fetch_size: int = DEFAULT_MAX_FETCH_SIZE,
        **provider_settings: ProviderSettings | None,
    ) -> None:
        self._setup(settings, provider_settings, timeout, max_retries, environ, deadline, max_fetch_size)
        self._owns_client = _owns_client(http_client, transport)
        from ._drivers import OWNED_LIMITS, OwnedAsyncClient

        self._http = http_client or OwnedAsyncClient(
            transport=transport, timeout=self.timeout, follow_redirects=False, limits=OWNED_LIMITS
        )

    async def fetch(
        self,
        request: ReportRequest,
        *,
        settings: ProviderSettings | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> UsageReport:
        """The report's bytes in memory (``.content``); ``on_progress(bytes_so_far)`` is called per chunk.

        ``bytes_so_far`` is an int; its ``.total`` is the size the server announced, or None.
        """
        work, redact = self._fetch(request, settings, on_progress)
        return await _core().run_async(work, self._http, redact)

    async def download(
        self,
        request: ReportRequest,
        path: Destination,
        *,
        overwrite: bool = False,
        settings: ProviderSettings | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> UsageReport:
        """Stream the report to ``path`` atomically; an existing file is kept unless ``overwrite``.

        ``path`` may be an object-store URL (``s3://bucket/key``, ``gs://``, ``az://``; see README), or a
        binary file object (``sys.stdout.buffer``): each chunk is written to it as it arrives, with no
        atomicity (if the call raises, part of the report may have been written; a retry does not write
        the same bytes twice). ``on_progress(bytes_so_far)`` is called per chunk received (with 0 when a
        retry starts over); ``bytes_so_far.total`` is the size the server announced, or None.
        """
        from .destinations._storage import is_remote

        if is_remote(path):  # checking the store is network I/O: not on the event loop
            import asyncio  # loaded already by whoever awaits this; sync users never pay for it

            work, redact = await asyncio.to_thread(self._download, request, path, overwrite, settings, on_progress)
        else:
            work, redact = self._download(request, path, overwrite, settings, on_progress)
        return await _core().run_async(work, self._http, redact)

    async def run_flow(
        self, provider: str, make: Callable[[ProviderSettings], Flow[T]], *, settings: ProviderSettings | None = None
    ) -> T:
        """Run a provider's flow of API calls; vendor namespaces (``reports.<vendor>.…``) are built on this."""
        steps, redact = self._flow(provider, make, settings)
        return await _core().run_async(steps, self._http, redact)

    def with_options(
        self, *, timeout: TimeoutTypes = None, max_retries: int | None = None, deadline: float | None = None
    ) -> AsyncUsageReports:
        """A client sharing this one's connections, settings and rate limits, with other options.

        ``reports.with_options(timeout=600, max_retries=5, deadline=3600).download(...)``; closing the copy
        closes nothing.
        """
        copy = object.__new__(type(self))
        copy._http, copy._owns_client = self._http, False
        return self._copy_options(copy, timeout, max_retries, deadline)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


__all__ = ["AsyncUsageReports", "UsageReports"]
