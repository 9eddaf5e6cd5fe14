"""Field checks shared by every provider's request and settings classes.

A value object that exists is valid: bad input raises InvalidRequest (also a
ValueError) naming the class and field, before anything is sent. Each check
is a conversion (``_fields``) whose text names no field; ``_fields.check_fields``
prefixes ``Class.field``, and :func:`env_value` prefixes the environment
variable the value came from, at the moment the value is read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx

from ._exceptions import InvalidRequest
from ._fields import FieldError, kind_of
from ._urls import insecure_reason


def secret_value(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or any(c in value for c in "\r\n"):
        raise FieldError("must be a non-empty single-line string")
    return value


def base_url_value(value: object) -> str:
    """https, or plain http on a loopback host (sandboxes and tests); no query or fragment."""
    if not isinstance(value, str) or not value.strip():
        raise FieldError("must be a non-empty URL string")
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError) as exc:
        raise FieldError("is not a valid URL") from exc
    reason = insecure_reason(url)
    if reason is not None:
        raise FieldError(reason)
    if url.query or url.fragment:
        raise FieldError("must not have a query or fragment")
    return value


def env_value(environ: Mapping[str, str], name: str, convert: Callable[[str], object] | None = None) -> str | None:
    """A variable's value, stripped; None when unset or blank. ``convert`` checks it, naming the variable."""
    value = environ.get(name, "").strip()
    if value and convert is not None:
        try:
            convert(value)
        except FieldError as exc:
            raise InvalidRequest(f"the environment variable {name} {exc}") from None
    return value or None


__all__ = [
    "base_url_value",
    "env_value",
    "kind_of",
    "secret_value",
]
