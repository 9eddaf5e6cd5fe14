"""UsageReports and AsyncUsageReports: twins over one shared base.

The base validates, resolves settings and credentials, prepares the
destination and builds the transfer (all before any I/O); the twins only run
it with their driver.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Self

import attrs
import httpx

from ._constants import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
from ._drivers import NoCookies, run_async, run_sync
from ._engine import Job, Transfer, transfer
from ._exceptions import InvalidRequest
from ._logging import install_http_log_guard
from ._models import UsageReport
from ._providers import adapter_for
from ._ratelimit import RateLimiter
from ._redact import Redactor
from ._requests import ReportRequest
from ._settings import Altostrat, EdgeImpulse, ProviderSettings, Statsig
from ._sinks import FileSink, MemorySink, Sink, check_destination

TimeoutTypes = float | httpx.Timeout | None


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


class _BaseUsageReports:
    def __init__(
        self,
        edge_impulse: EdgeImpulse | None = None,
        altostrat: Altostrat | None = None,
        statsig: Statsig | None = None,
        *,
        timeout: TimeoutTypes = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        for name, value, kind in (
            ("edge_impulse", edge_impulse, EdgeImpulse),
            ("altostrat", altostrat, Altostrat),
            ("statsig", statsig, Statsig),
        ):
            if value is not None and not isinstance(value, kind):
                raise InvalidRequest(f"{name}= takes {kind.__name__}(...) settings, not {type(value).__name__}")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise InvalidRequest("max_retries must be an int >= 0")
        self._settings: dict[type, ProviderSettings] = {
            EdgeImpulse: (edge_impulse or EdgeImpulse()).with_environment(env),
            Altostrat: (altostrat or Altostrat()).with_environment(env),
            Statsig: (statsig or Statsig()).with_environment(env),
        }
        self.timeout = _timeout(timeout)
        self.max_retries = max_retries
        self._limiters: dict[tuple[str, str, tuple[tuple[int, float], ...]], RateLimiter] = {}
        self._limiters_lock = threading.Lock()
        self._redact = Redactor(self._redact_secrets())
        install_http_log_guard()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(timeout={self.timeout!r}, max_retries={self.max_retries})"

    def _limiter(self, settings: ProviderSettings) -> RateLimiter | None:
        if not isinstance(settings, Statsig) or not settings.rate_limits:
            return None
        key = (settings.base_url or "", settings.console_api_key or "", settings.rate_limits)
        with self._limiters_lock:
            limiter = self._limiters.get(key)
            if limiter is None:
                limiter = self._limiters[key] = RateLimiter(settings.rate_limits)
            return limiter

    def _transfer(
        self, request: ReportRequest, sink: Sink, settings: ProviderSettings | None
    ) -> tuple[Transfer, Redactor]:
        adapter = adapter_for(type(request))
        if adapter is None:
            raise InvalidRequest(
                "expected an EdgeImpulseUsageReport, AltostratUsagePdf or StatsigUsageReport, "
                f"not {type(request).__name__}"
            )
        configured = self._settings[_settings_type(adapter.provider)]
        if settings is not None:
            if not adapter.settings_of(settings):
                raise InvalidRequest(f"settings= for a {adapter.provider} request must be {type(configured).__name__}")
            # Another credential for this call; the base URL, unless given, stays the client's.
            configured = settings if settings.base_url else attrs.evolve(settings, base_url=configured.base_url)
        configured.require_credentials()
        redact = self._redact if settings is None else Redactor([*self._redact_secrets(), *settings.secrets()])
        job = Job(
            adapter=adapter,
            request=request,
            settings=configured,
            timeout=self.timeout,
            max_retries=self.max_retries,
            redact=redact,
            sink=sink,
            limiter=self._limiter(configured),
        )
        return transfer(job), redact

    def _redact_secrets(self) -> list[str | None]:
        return [secret for s in self._settings.values() for secret in s.secrets()]

    def _fetch(
        self, request: ReportRequest, settings: ProviderSettings | None, on_progress: Callable[[int], None] | None
    ) -> tuple[Transfer, Redactor]:
        return self._transfer(request, MemorySink(on_progress), settings)

    def _download(
        self,
        request: ReportRequest,
        path: str | os.PathLike[str],
        overwrite: bool,
        settings: ProviderSettings | None,
        on_progress: Callable[[int], None] | None,
    ) -> tuple[Transfer, Redactor]:
        if not isinstance(overwrite, bool):
            raise InvalidRequest("overwrite must be True or False")
        destination = check_destination(path, overwrite=overwrite)
        return self._transfer(request, FileSink(destination, overwrite=overwrite, on_progress=on_progress), settings)


def _owns_client(http_client: object, transport: object) -> bool:
    """Whether the library makes (and so closes) its own httpx client."""
    if http_client is not None and transport is not None:
        raise InvalidRequest("pass http_client= or transport=, not both")
    return http_client is None


def _settings_type(provider: str) -> type:
    return {"edge_impulse": EdgeImpulse, "altostrat": Altostrat, "statsig": Statsig}[provider]


class UsageReports(_BaseUsageReports):
    """Fetch or download usage reports from any of the three providers (blocking).

    Settings not given come from the environment. ``http_client`` (yours to
    close) or ``transport`` serve proxies and tests; requests are still built
    by this library, without your client's default headers, cookies or auth.
    """

    def __init__(
        self,
        edge_impulse: EdgeImpulse | None = None,
        altostrat: Altostrat | None = None,
        statsig: Statsig | None = None,
        *,
        timeout: TimeoutTypes = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(edge_impulse, altostrat, statsig, timeout=timeout, max_retries=max_retries, environ=environ)
        self._owns_client = _owns_client(http_client, transport)
        self._http = http_client or httpx.Client(
            transport=transport, timeout=self.timeout, follow_redirects=False, cookies=NoCookies()
        )

    def fetch(
        self,
        request: ReportRequest,
        *,
        settings: ProviderSettings | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> UsageReport:
        """The report's bytes in memory (``.content``); ``on_progress(bytes_so_far)`` is called per chunk."""
        work, redact = self._fetch(request, settings, on_progress)
        return run_sync(work, self._http, redact)

    def download(
        self,
        request: ReportRequest,
        path: str | os.PathLike[str],
        *,
        overwrite: bool = False,
        settings: ProviderSettings | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> UsageReport:
        """Stream the report to ``path`` atomically; an existing file is kept unless ``overwrite``.

        ``on_progress(bytes_so_far)`` is called per chunk received (with 0 when a retry starts over).
        """
        work, redact = self._download(request, path, overwrite, settings, on_progress)
        return run_sync(work, self._http, redact)

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
        edge_impulse: EdgeImpulse | None = None,
        altostrat: Altostrat | None = None,
        statsig: Statsig | None = None,
        *,
        timeout: TimeoutTypes = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(edge_impulse, altostrat, statsig, timeout=timeout, max_retries=max_retries, environ=environ)
        self._owns_client = _owns_client(http_client, transport)
        self._http = http_client or httpx.AsyncClient(
            transport=transport, timeout=self.timeout, follow_redirects=False, cookies=NoCookies()
        )

    async def fetch(
        self,
        request: ReportRequest,
        *,
        settings: ProviderSettings | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> UsageReport:
        """The report's bytes in memory (``.content``); ``on_progress(bytes_so_far)`` is called per chunk."""
        work, redact = self._fetch(request, settings, on_progress)
        return await run_async(work, self._http, redact)

    async def download(
        self,
        request: ReportRequest,
        path: str | os.PathLike[str],
        *,
        overwrite: bool = False,
        settings: ProviderSettings | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> UsageReport:
        """Stream the report to ``path`` atomically; an existing file is kept unless ``overwrite``.

        ``on_progress(bytes_so_far)`` is called per chunk received (with 0 when a retry starts over).
        """
        work, redact = self._download(request, path, overwrite, settings, on_progress)
        return await run_async(work, self._http, redact)

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
