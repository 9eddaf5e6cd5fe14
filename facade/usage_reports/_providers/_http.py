"""Small HTTP helpers the vendor adapters share (no vendor knowledge here)."""

from __future__ import annotations

import json
from collections.abc import Mapping

import httpx

from .._constants import USER_AGENT


def media_type(response: httpx.Response) -> str:
    value: str = response.headers.get("content-type", "")
    return value.split(";", 1)[0].strip().lower()


def join_url(base_url: str, path: str) -> str:
    """The operation's path appended to the base URL (which replaces the spec's server URL)."""
    return base_url.rstrip("/") + path


def make_request(
    kwargs: Mapping[str, object], base_url: str, headers: Mapping[str, str], timeout: httpx.Timeout
) -> httpx.Request:
    """An httpx request from a generated ``request_kwargs()`` result, the base URL and credential headers."""
    generated_headers = kwargs.get("headers")
    merged = {
        "User-Agent": USER_AGENT,
        **(dict(generated_headers) if isinstance(generated_headers, Mapping) else {}),
        **headers,
    }
    params = kwargs.get("params")
    return httpx.Request(
        str(kwargs["method"]).upper(),
        join_url(base_url, str(kwargs["url"])),
        params=dict(params) if isinstance(params, Mapping) and params else None,
        headers=merged,
        extensions={"timeout": timeout.as_dict()},
    )


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
