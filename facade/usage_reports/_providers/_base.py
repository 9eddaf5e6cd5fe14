"""The adapter protocol and the small helpers adapters share."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol

import attrs
import httpx

from .._constants import USER_AGENT
from .._settings import ProviderSettings


@attrs.frozen
class Accept:
    """This response is the report: stream its body."""

    media_type: str
    prefix: bytes | None = None  # bytes the body must start with (a file signature)


@attrs.frozen
class FollowLink:
    """This response is JSON pointing at the report: read it and fetch the link, credential-free."""


class Adapter(Protocol):
    provider: str
    operation: str
    #: Whether the API's own answer may be a redirect to the file (Edge Impulse's 302).
    redirects_to_file: bool

    def settings_of(self, settings: ProviderSettings) -> bool:
        """Whether these settings belong to this adapter's provider."""
        ...

    def build(self, request: Any, settings: Any, timeout: httpx.Timeout) -> httpx.Request:
        """The first request, with credentials, from the generated client's request builder."""
        ...

    def accept(self, response: httpx.Response, *, from_api: bool) -> Accept | FollowLink | str:
        """For a 200: stream it, follow its link, or a reason to refuse it."""
        ...

    def link(self, body: bytes) -> str:
        """The file URL inside a FollowLink body; raise ValueError when there is none."""
        ...

    def error_message(self, body: bytes) -> str | None:
        """The vendor's own message from an error body, if it has one."""
        ...


def media_type(response: httpx.Response) -> str:
    value: str = response.headers.get("content-type", "")
    return value.split(";", 1)[0].strip().lower()


def join_url(base_url: str, path: str) -> str:
    """The operation's path appended to the base URL (which replaces the spec's server URL)."""
    return base_url.rstrip("/") + path


def make_request(
    kwargs: Mapping[str, Any], base_url: str, headers: Mapping[str, str], timeout: httpx.Timeout
) -> httpx.Request:
    merged = {"User-Agent": USER_AGENT, **dict(kwargs.get("headers") or {}), **headers}
    return httpx.Request(
        str(kwargs["method"]).upper(),
        join_url(base_url, str(kwargs["url"])),
        params=kwargs.get("params") or None,
        headers=merged,
        extensions={"timeout": timeout.as_dict()},
    )


def json_object(body: bytes) -> dict[str, Any] | None:
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
