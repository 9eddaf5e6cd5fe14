"""Small HTTP helpers the vendor adapters share (no vendor knowledge here)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any

import httpx

from .._constants import USER_AGENT


def media_type(response: httpx.Response) -> str:
    value: str = response.headers.get("content-type", "")
    return value.split(";", 1)[0].strip().lower()


def join_url(base_url: str, path: str) -> str:
    """The operation's path appended to the base URL (which replaces the spec's server URL)."""
    return base_url.rstrip("/") + path


#: Query keys that need no percent-encoding: ``key=value`` pairs of these and ints read as httpx would encode them.
_PLAIN_KEY = re.compile(r"[A-Za-z0-9._~-]+")
#: Methods httpx gives ``Content-Length: 0`` when they carry no body.
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


@functools.lru_cache(maxsize=1024)
def _plain_key(key: str) -> bool:
    return _PLAIN_KEY.fullmatch(key) is not None


def _query(params: dict[str, Any]) -> tuple[str, bool]:
    """The encoded query string, as httpx encodes ``params=``, and whether it is known to be canonical.

    Plain keys with int values are joined directly: such a query is canonical as it stands.
    """
    if all(type(value) is int and _plain_key(key) for key, value in params.items()):
        return "&".join(f"{key}={value}" for key, value in params.items()), True
    return str(httpx.QueryParams(params)), False  # what httpx.Request(params=...) encodes


#: A query httpx keeps as it is when it parses a URL (unreserved characters, its delimiters, percent-escapes).
_CANONICAL_QUERY = re.compile(r"(?:[A-Za-z0-9._~=&+-]|%[0-9A-F]{2})*")
#: httpx's limit on a URL's length (a longer one is refused as it is parsed).
_MAX_URL_LENGTH = 65536


@functools.lru_cache(maxsize=256)
def _parsed(target: str) -> httpx.URL:
    return httpx.URL(target)


def _with_query(url: httpx.URL, query: str) -> httpx.URL | None:
    """``url`` with a canonical ``query``, without parsing again; None where this httpx has no parsed form to copy.

    httpx parses a URL into an immutable named tuple of canonical parts; a canonical query is what its
    parse would keep as it is. ``_QUERY_WITHOUT_PARSING`` checks once that the copy equals the parse.
    """
    replace = getattr(getattr(url, "_uri_reference", None), "_replace", None)
    if replace is None:
        return None
    copy = httpx.URL.__new__(httpx.URL)
    copy._uri_reference = replace(query=query)
    return copy


def _check_query_without_parsing() -> bool:
    sample = "https://user@api.example.com:8443/v1/a%20b/report"
    query = "start=1759276800000&end=-1&q=a+b%2F%C3%A9&flag=true&empty="
    copied = _with_query(httpx.URL(sample), query)
    parsed = httpx.URL(f"{sample}?{query}")
    return copied is not None and copied == parsed and str(copied) == str(parsed) and copied.query == parsed.query


_QUERY_WITHOUT_PARSING = _check_query_without_parsing()


def _url(target: str, query: str | None, *, canonical: bool = False) -> httpx.URL:
    """``httpx.URL(target?query)``, the target parsed once for all its queries (target: no query, no fragment).

    ``canonical``: the query is known to be canonical (not checked again).
    """
    if query is None:
        return _parsed(target)
    if (
        _QUERY_WITHOUT_PARSING
        and len(target) + len(query) < _MAX_URL_LENGTH
        and (canonical or _CANONICAL_QUERY.fullmatch(query))
    ):
        url = _with_query(_parsed(target), query)
        if url is not None:
            return url
    return httpx.URL(f"{target}?{query}")


@functools.lru_cache(maxsize=256)
def _netloc(target: str) -> bytes | None:
    """The ``Host`` header httpx would add for a URL to ``target`` (None: the URL has no host)."""
    url = _parsed(target)
    return url.netloc if url.host else None


def make_request(
    kwargs: Mapping[str, object], base_url: str, headers: Mapping[str, str], timeout: httpx.Timeout
) -> httpx.Request:
    """An httpx request from a generated ``request_kwargs()`` result, the base URL and credential headers.

    The same request ``httpx.Request(method, url, params=..., headers=...)`` builds (tests pin it), for a
    third of the CPU: the base URL and path are parsed once per process, and each request's query, encoded
    once, is set on a copy of them (httpx would parse the whole URL and validate the query as a separate
    component); the headers are made once, with the ``Host`` (and, for a body-less POST, PUT or PATCH,
    ``Content-Length: 0``) that httpx adds in a second pass.
    """
    generated_headers = kwargs.get("headers")
    merged = {
        "User-Agent": USER_AGENT,
        **(dict(generated_headers) if isinstance(generated_headers, Mapping) else {}),
        **headers,
    }
    method = str(kwargs["method"]).upper()
    target = join_url(base_url, str(kwargs["url"]))
    params = kwargs.get("params")
    plain: dict[str, Any] | None = dict(params) if isinstance(params, Mapping) and params else None
    extensions = {"timeout": timeout.as_dict()}
    if "?" in target or "#" in target:  # a query or fragment of its own: httpx decides how params combine with it
        return httpx.Request(method, target, params=plain, headers=merged, extensions=extensions)
    if plain is None:
        url = _url(target, None)
    else:
        query, canonical = _query(plain)
        url = _url(target, query, canonical=canonical)
    automatic: list[tuple[bytes, bytes]] = []
    given = {key.lower() for key in merged}
    if "host" not in given and (netloc := _netloc(target)) is not None:
        automatic.append((b"Host", netloc))
    if method in _BODY_METHODS and not given & {"content-length", "transfer-encoding"}:
        automatic.append((b"Content-Length", b"0"))
    request = httpx.Request(
        method,
        url,
        headers=[*automatic, *merged.items()],  # made into Headers once, by the request
        stream=httpx.ByteStream(b""),
        extensions=extensions,
    )
    request.read()  # as httpx does for a request without a body: ``request.content`` is b""
    return request


def json_object(body: bytes) -> dict[str, object] | None:
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def json_text(body: bytes, *keys: str) -> str | None:
    """The first non-empty string among ``keys`` of a JSON object body."""
    data = json_object(body)
    if data is None:
        return None
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None
