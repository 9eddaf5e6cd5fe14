"""Which URLs the library will talk to: https, or plain http on loopback only."""

from __future__ import annotations

import ipaddress

import httpx

LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def insecure_reason(url: httpx.URL) -> str | None:
    """Why this URL may not be used, or None when it is https or loopback http."""
    if url.scheme == "https":
        return None if url.host else "has no host"
    if url.scheme == "http":
        return None if is_loopback_host(url.host) else "is plain http to a non-loopback host (use https)"
    return f"has unsupported scheme {url.scheme!r}"


def origin(url: httpx.URL) -> str:
    """scheme://host[:port] only: what may be shown of a URL in logs and messages."""
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}"


class SecretURL:
    """A URL that is a credential in itself (a signed storage URL, a redirect target).

    Its repr and str show the origin only, so a traceback rendered with its
    frames' locals (``capture_locals=True``, error trackers) never shows the
    path or the signature. The URL itself is read through :attr:`url`, only
    where a request is built.
    """

    __slots__ = ("_url",)

    def __init__(self, url: httpx.URL) -> None:
        self._url = url

    @property
    def url(self) -> httpx.URL:
        return self._url

    def __repr__(self) -> str:
        return f"SecretURL('{origin(self._url)}/[hidden]')"

    __str__ = __repr__
