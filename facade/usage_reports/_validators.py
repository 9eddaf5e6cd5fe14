"""Field checks shared by every provider's request and settings classes.

A value object that exists is valid: bad input raises InvalidRequest (also a
ValueError) naming the class and field, before anything is sent. Each check
is a conversion (``_fields``) whose text names no field; the attrs validators
below prefix ``Class.field``, and :func:`env_value` prefixes the environment
variable the value came from, at the moment the value is read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
import httpx

from ._exceptions import InvalidRequest
from ._fields import FieldError, kind_of
from ._fields import positive_int as positive_int_value
from ._urls import insecure_reason


def mask(value: str | None) -> str:
    """The repr of a secret field."""
    return "None" if value is None else "'***'"


def _validator(convert: Callable[[Any], object]) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def validate(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and attribute.default is None:
            return
        try:
            convert(value)
        except FieldError as exc:
            raise InvalidRequest(f"{type(instance).__name__}.{attribute.name} {exc}") from None

    return validate


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


#: attrs validators: InvalidRequest naming ``Class.field``.
positive_int = _validator(positive_int_value)
base_url = _validator(base_url_value)
optional_secret = _validator(secret_value)


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
    "base_url",
    "base_url_value",
    "env_value",
    "kind_of",
    "mask",
    "optional_secret",
    "positive_int",
    "secret_value",
]
