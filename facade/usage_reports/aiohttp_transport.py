"""An httpx transport over aiohttp: the fast async path (``pip install 'usage-reports[aiohttp]'``).

    from usage_reports.aiohttp_transport import AiohttpTransport

    async with AsyncUsageReports(transport=AiohttpTransport()) as reports:
        ...

httpx's own async transport (httpcore) costs several milliseconds of CPU per
request once a few dozen requests are in flight (its connection pool scans
every connection on every request and response); aiohttp's costs a fraction
of one. Nothing else changes: the library still builds every request, follows
redirects itself and reads responses through httpx's API.

What this transport guarantees, like httpx's own:

- only the request's own headers are sent (aiohttp adds no Accept,
  Accept-Encoding or User-Agent of its own), and the URL goes out byte for
  byte as given (a signed storage URL is not re-quoted);
- no cookie jar: a cookie a server sets is never sent back;
- no ``.netrc`` credentials; proxies only from ``HTTP_PROXY``/``HTTPS_PROXY``/
  ``ALL_PROXY``/``NO_PROXY`` when ``trust_env`` (the default, as in httpx), and
  certificates from ``SSL_CERT_FILE``/``SSL_CERT_DIR`` the way httpx reads them (when the transport
  is made; transports with the same settings share one context, as aiohttp's sessions do);
- httpx's exceptions: a refused connection is ``httpx.ConnectError``, a body
  cut short ``httpx.RemoteProtocolError``, each timeout its httpx twin
  (connect, read, pool);
- the connect, read and pool parts of each request's timeout are applied
  (aiohttp has no write timeout: requests here carry no body to speak of).

It serves one event loop: create it (or the client holding it) inside the
loop that uses it, and close it there (``async with`` does).
"""

from __future__ import annotations

import asyncio
import functools
import os
import ssl
import urllib.request
from collections.abc import AsyncIterator, Iterable

import aiohttp
import httpx
import yarl

__all__ = ["AiohttpTransport"]

_HTTP11 = {"http_version": b"HTTP/1.1"}


#: What aiohttp and asyncio raise while sending or reading (TimeoutError is an OSError).
_FOREIGN = (aiohttp.ClientError, OSError)


def _httpx_error(exc: BaseException, *, connecting: bool) -> httpx.HTTPError | None:
    """The httpx exception callers already handle for one of aiohttp's or asyncio's (None: not one of them)."""
    if isinstance(exc, httpx.HTTPError):
        return None
    if isinstance(exc, aiohttp.ConnectionTimeoutError):  # no connection within connect (or pool) time
        return httpx.ConnectTimeout(str(exc) or "timed out while connecting")
    if isinstance(exc, aiohttp.SocketTimeoutError):
        return httpx.ReadTimeout(str(exc) or "timed out while reading")
    if isinstance(exc, aiohttp.ServerTimeoutError | TimeoutError):
        timeout: type[httpx.TimeoutException] = httpx.PoolTimeout if connecting else httpx.ReadTimeout
        return timeout(str(exc) or "timed out")
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError | aiohttp.ClientResponseError):
        return httpx.RemoteProtocolError(str(exc) or type(exc).__name__)
    if isinstance(exc, aiohttp.ClientConnectorError):  # the connection could not be made
        return httpx.ConnectError(str(exc) or type(exc).__name__)
    if isinstance(exc, aiohttp.ClientConnectionError | OSError):  # it was made, and broke (a reset, say)
        return httpx.ReadError(str(exc) or type(exc).__name__)
    if isinstance(exc, aiohttp.InvalidURL):
        return httpx.UnsupportedProtocol(str(exc))
    return None


@functools.lru_cache(maxsize=4)
def _verifying_context(trust_env: bool, cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """httpx's verifying context; made once per certificate settings (``SSL_CERT_FILE``/``SSL_CERT_DIR``
    as httpx reads them), since loading the CA bundle costs ~45 ms of CPU per client."""
    return httpx.create_ssl_context(True, trust_env=trust_env)


def _bypassed(host: str, no_proxy: str) -> bool:
    """Whether NO_PROXY (``*``, or host and domain names, a leading dot optional) exempts ``host``."""
    host = host.lower()
    for entry in no_proxy.split(","):
        name = entry.strip().lower().lstrip(".")
        if name == "*" or (name and (host == name or host.endswith("." + name))):
            return True
    return False


class _OwnHeadersOnly(aiohttp.ClientRequest):
    """A request that carries its own headers only: aiohttp adds no Accept, Accept-Encoding or User-Agent.

    (Done here rather than with the session's ``skip_auto_headers``, which makes aiohttp build and merge
    a header set on every request.) The Host comes from the URL, as before.
    """

    def update_auto_headers(self, skip_auto_headers: Iterable[str] | None) -> None:
        """Add none, as httpx's own transport adds none."""


class _Body(httpx.AsyncByteStream):
    """The response body as it arrives, in the chunks it arrives in (its own iterator: no generator per body)."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        try:
            chunk = await self._response.content.readany()
        except _FOREIGN as exc:
            error = _httpx_error(exc, connecting=False)
            if error is None:
                raise
            raise error from exc
        if not chunk:
            raise StopAsyncIteration
        return chunk

    async def aclose(self) -> None:
        # A body read to its end hands the connection back to the pool; one cut off closes it.
        self._response.release()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An ``httpx.AsyncBaseTransport`` that sends through one ``aiohttp.ClientSession``.

    ``limits`` caps the connections (``max_connections``, all hosts together) and
    how long an idle one is kept (``keepalive_expiry``), as for httpx's own transport.
    ``verify`` is True (system or ``SSL_CERT_FILE`` certificates), False, a CA
    bundle path or an ``ssl.SSLContext``.
    """

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | str | bool = True,
        trust_env: bool = True,
        limits: httpx.Limits = httpx.Limits(max_connections=100, keepalive_expiry=5.0),  # noqa: B008 - immutable
    ) -> None:
        # Made here, as httpx.AsyncClient does, not on the first request (it reads the CA bundle: ~45 ms).
        if isinstance(verify, ssl.SSLContext):
            self._ssl = verify
        elif verify is True:  # shared by every transport with the same certificate settings, as aiohttp does
            environ = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")) if trust_env else (None, None)
            self._ssl = _verifying_context(trust_env, *environ)
        else:
            self._ssl = httpx.create_ssl_context(verify, trust_env=trust_env)
        self._limits = limits
        self._proxies = urllib.request.getproxies_environment() if trust_env else {}
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[float | None, float | None, float | None], aiohttp.ClientTimeout] = {}
        self._closed = False

    def _open_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("the AiohttpTransport is closed")
        connector = aiohttp.TCPConnector(
            limit=self._limits.max_connections or 0,
            keepalive_timeout=self._limits.keepalive_expiry,
            ssl=self._ssl,
        )
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,  # would also read ~/.netrc; proxies come from self._proxies
            auto_decompress=False,  # httpx decodes, and counts the bytes on the wire
            request_class=_OwnHeadersOnly,
            timeout=aiohttp.ClientTimeout(total=None),
        )

    def _timeout(self, request: httpx.Request) -> aiohttp.ClientTimeout:
        parts = request.extensions.get("timeout") or {}
        key = (parts.get("connect"), parts.get("read"), parts.get("pool"))
        timeout = self._timeouts.get(key)
        if timeout is None:
            connect, read, pool = key
            # aiohttp's `connect` covers waiting for a free connection and making one; `sock_connect` the latter.
            whole = None if pool is None or connect is None else pool + connect
            timeout = self._timeouts[key] = aiohttp.ClientTimeout(
                total=None, connect=whole, sock_connect=connect, sock_read=read
            )
        return timeout

    def _proxy(self, url: httpx.URL) -> str | None:
        if not self._proxies:
            return None
        proxy = self._proxies.get(url.scheme) or self._proxies.get("all")
        if proxy is None or _bypassed(url.host, self._proxies.get("no", "")):
            return None
        return proxy

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._session is None:
            self._session = self._open_session()
        body = await request.aread()
        try:
            response = await self._session.request(
                request.method,
                yarl.URL(str(request.url), encoded=True),
                headers=request.headers.multi_items(),
                data=body or None,
                allow_redirects=False,
                timeout=self._timeout(request),
                proxy=self._proxy(request.url),
            )
        except _FOREIGN as exc:
            error = _httpx_error(exc, connecting=True)
            if error is None:
                raise
            if isinstance(error, httpx.RequestError):
                error.request = request  # as httpx's own transports do: the error names its host
            raise error from exc
        extensions: dict[str, object] = dict(_HTTP11)
        if response.reason:
            extensions["reason_phrase"] = response.reason.encode("latin-1", errors="replace")
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_Body(response),
            request=request,
            extensions=extensions,
        )

    async def aclose(self) -> None:
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()
            await asyncio.sleep(0)  # let aiohttp's transports finish closing before the loop may end
