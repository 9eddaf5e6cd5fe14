"""Validate requests the simulators recorded against the vendored OpenAPI documents.

openapi-core checks the operation (path and method), every path, query and
header parameter (type and constraints such as Statsig's ``end > 0``) and the
security requirement. Two adjustments, made on a copy of each spec and never
on the file:

- ``servers`` keeps only the vendored server's base *path* (``/v1`` for Edge
  Impulse, ``/`` otherwise). A relative server URL makes openapi-core match the
  request path alone, so the loopback host and port do not matter while the
  base path still must be right. No operation path is re-typed here.
- Security requirements that use a scheme openapi-core cannot check (OAuth2,
  OpenID Connect) are dropped: openapi-core lets them pass unconditionally
  (with only a warning), which would make every request "authenticated".
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_spec_validator.readers import read_from_filename
from usage_reports.testing import RecordedRequest
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPECS = Path(__file__).resolve().parent.parent / "specs"
CHECKABLE_SCHEMES = frozenset({"apiKey", "http"})


def spec_path(name: str) -> Path:
    """``specs/{name}.yaml``, checked to exist."""
    path = SPECS / f"{name}.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"no vendored spec {path}")
    return path


def _checkable(requirements: list[dict[str, Any]], schemes: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    kept = [req for req in requirements if all(schemes[name]["type"] in CHECKABLE_SCHEMES for name in req)]
    if requirements and not kept:
        raise ValueError("no security requirement left that openapi-core can check")
    return kept


def _document(source: str | Path) -> Path:
    """A vendored spec by name (``"statsig"``), or any OpenAPI document by path."""
    return source if isinstance(source, Path) else spec_path(source)


def _label(source: str | Path) -> str:
    return f"specs/{source}.yaml" if isinstance(source, str) else str(source)


def loopback_spec_dict(source: str | Path) -> dict[str, Any]:
    """A copy of the spec whose server is its base path only, and whose security is all checkable."""
    name = str(source)
    document, _ = read_from_filename(str(_document(source)))
    spec: dict[str, Any] = copy.deepcopy(dict(document))
    base_paths = {urlsplit(server["url"]).path.rstrip("/") or "/" for server in spec.get("servers", [{"url": "/"}])}
    if len(base_paths) != 1:
        raise ValueError(f"{name}: servers disagree on the base path: {sorted(base_paths)}")
    spec["servers"] = [{"url": base_paths.pop()}]
    schemes = spec.get("components", {}).get("securitySchemes", {})
    if "security" in spec:
        spec["security"] = _checkable(spec["security"], schemes)
    for item in spec["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "security" in operation:
                operation["security"] = _checkable(operation["security"], schemes)
    return spec


@functools.cache
def loopback_spec(source: str | Path) -> OpenAPI:
    """The parsed (and cached) loopback copy of ``specs/{name}.yaml`` (or of the document at a path)."""
    return OpenAPI.from_dict(loopback_spec_dict(source))


@dataclass
class _Request:
    """openapi-core's Request protocol over a RecordedRequest (GET requests carry no body)."""

    host_url: str
    path: str
    method: str
    parameters: RequestParameters
    body: bytes | None = None
    content_type: str = ""


def as_openapi_request(recorded: RecordedRequest) -> _Request:
    return _Request(
        host_url=f"http://{recorded.host}",
        path=recorded.path,
        method=recorded.method.lower(),
        parameters=RequestParameters(
            query=ImmutableMultiDict(parse_qsl(recorded.query, keep_blank_values=True)),
            header=Headers(list(recorded.headers)),
            cookie=ImmutableMultiDict(list(recorded.cookies().items())),
        ),
    )


def assert_matches_spec(recorded: RecordedRequest, spec_name: str | Path) -> None:
    """Fail with every validation error when the request is not one the vendor's spec allows."""
    errors = list(loopback_spec(spec_name).iter_request_errors(as_openapi_request(recorded)))
    if errors:
        details = "\n".join(f"  - {type(error).__name__}: {_describe(error)}" for error in errors)
        raise AssertionError(f"{recorded.method} {recorded.target} does not match {_label(spec_name)}:\n{details}")


@dataclass
class _Response:
    """openapi-core's Response protocol over a status, headers and body."""

    status_code: int
    headers: Headers
    data: bytes
    content_type: str


def assert_response_matches_spec(
    recorded: RecordedRequest, status: int, headers: Mapping[str, str], body: bytes, spec_name: str | Path
) -> None:
    """Fail with every validation error when the answer to ``recorded`` is not one the spec documents."""
    response = _Response(status, Headers(list(headers.items())), body, headers.get("content-type", ""))
    errors = list(loopback_spec(spec_name).iter_response_errors(as_openapi_request(recorded), response))
    if errors:
        details = "\n".join(f"  - {type(error).__name__}: {_describe(error)}" for error in errors)
        raise AssertionError(
            f"the {status} answer to {recorded.method} {recorded.target} does not match {_label(spec_name)}:\n{details}"
        )


def _describe(error: BaseException) -> str:
    causes = [str(error)]
    cause = error.__cause__
    while cause is not None:
        causes.append(str(cause))
        causes.extend(str(schema_error.message) for schema_error in getattr(cause, "schema_errors", ()))
        cause = cause.__cause__
    return "; ".join(dict.fromkeys(causes))
