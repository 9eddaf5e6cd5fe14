"""Field validators shared by every provider's request and settings classes.

A value object that exists is valid: bad input raises InvalidRequest (also a
ValueError) naming the class and field, before anything is sent.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping

import attrs
import httpx

from ._exceptions import InvalidRequest
from ._urls import insecure_reason


def mask(value: str | None) -> str:
    """The repr of a secret field."""
    return "None" if value is None else "'***'"


def positive_int(instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest(
            f"{type(instance).__name__}.{attribute.name} must be a positive int, not {type(value).__name__}"
        )
    if value < 1:
        raise InvalidRequest(f"{type(instance).__name__}.{attribute.name} must be a positive int, got {value}")


def base_url(instance: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    """https, or plain http on a loopback host (sandboxes and tests); no query or fragment."""
    if value is None:
        return
    name = f"{type(instance).__name__}.{attribute.name}"
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest(f"{name} must be a non-empty URL string")
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InvalidRequest(f"{name} is not a valid URL") from exc
    reason = insecure_reason(url)
    if reason is not None:
        raise InvalidRequest(f"{name} {reason}")
    if url.query or url.fragment:
        raise InvalidRequest(f"{name} must not have a query or fragment")


def optional_secret(instance: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip() or any(c in value for c in "\r\n")):
        raise InvalidRequest(f"{type(instance).__name__}.{attribute.name} must be a non-empty single-line string")


def env_value(environ: Mapping[str, str], name: str) -> str | None:
    """A variable's value, stripped; None when unset or blank."""
    value = environ.get(name, "").strip()
    return value or None


@contextlib.contextmanager
def naming_variables(owner: str, variables: Mapping[str, str]) -> Iterator[None]:
    """Around settings built from the environment: an error names the variable, not the Python field."""
    try:
        yield
    except InvalidRequest as exc:
        text = str(exc)
        for field, variable in variables.items():
            text = text.replace(f"{owner}.{field}", f"the environment variable {variable}")
        raise InvalidRequest(text) from None


def kind_of(value: object) -> str:
    """How a config or request value's type reads in a message: "a string", "an array"..."""
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)
