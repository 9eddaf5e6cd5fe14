"""Per-provider settings: credentials and base URL, from arguments or the environment.

Secrets never show in a repr. A base URL replaces the spec's server URL and
must be https, or plain http on a loopback host (for sandboxes and tests).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs
import httpx

from ._constants import STATSIG_API_VERSION, STATSIG_RATE_LIMITS
from ._exceptions import InvalidRequest, MissingCredentials
from ._urls import insecure_reason


def _mask(value: str | None) -> str:
    return "None" if value is None else "'***'"


def _validate_base_url(instance: Any, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest(f"{type(instance).__name__}.base_url must be a non-empty URL string")
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InvalidRequest(f"{type(instance).__name__}.base_url is not a valid URL") from exc
    reason = insecure_reason(url)
    if reason is not None:
        raise InvalidRequest(f"{type(instance).__name__}.base_url {reason}")
    if url.query or url.fragment:
        raise InvalidRequest(f"{type(instance).__name__}.base_url must not have a query or fragment")


def _optional_secret(instance: Any, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip() or any(c in value for c in "\r\n")):
        raise InvalidRequest(f"{type(instance).__name__}.{attribute.name} must be a non-empty single-line string")


def _env(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


@attrs.frozen
class EdgeImpulse:
    """Edge Impulse (white-label admin). An API key is sent as ``x-api-key``; a JWT as ``x-jwt-token``."""

    api_key: str | None = attrs.field(default=None, repr=_mask, validator=_optional_secret)
    jwt: str | None = attrs.field(default=None, repr=_mask, validator=_optional_secret)
    base_url: str | None = attrs.field(default=None, validator=_validate_base_url)

    DEFAULT_BASE_URL: ClassVar[str] = "https://studio.edgeimpulse.com/v1"
    ENV_API_KEY: ClassVar[str] = "EDGE_IMPULSE_API_KEY"
    ENV_JWT: ClassVar[str] = "EDGE_IMPULSE_JWT"
    ENV_BASE_URL: ClassVar[str] = "EDGE_IMPULSE_BASE_URL"

    def with_environment(self, environ: Mapping[str, str]) -> EdgeImpulse:
        """Fill what was not given from the environment."""
        return EdgeImpulse(
            api_key=self.api_key or _env(environ, self.ENV_API_KEY),
            jwt=self.jwt or _env(environ, self.ENV_JWT),
            base_url=self.base_url or _env(environ, self.ENV_BASE_URL),
        )

    def secrets(self) -> tuple[str | None, ...]:
        return (self.api_key, self.jwt)

    def require_credentials(self) -> None:
        if not (self.api_key or self.jwt):
            raise MissingCredentials(
                "edge_impulse",
                self.ENV_API_KEY,
                f"edge_impulse: no credential configured; set {self.ENV_API_KEY} (or {self.ENV_JWT}), "
                "or pass EdgeImpulse(api_key=...)",
            )


@attrs.frozen
class Altostrat:
    """Altostrat Workspaces. The token is sent as ``Authorization: Bearer``."""

    token: str | None = attrs.field(default=None, repr=_mask, validator=_optional_secret)
    base_url: str | None = attrs.field(default=None, validator=_validate_base_url)

    DEFAULT_BASE_URL: ClassVar[str] = "https://v1.api.altostrat.io"
    ENV_TOKEN: ClassVar[str] = "ALTOSTRAT_TOKEN"  # noqa: S105 - a variable name, not a secret
    ENV_BASE_URL: ClassVar[str] = "ALTOSTRAT_BASE_URL"

    def with_environment(self, environ: Mapping[str, str]) -> Altostrat:
        return Altostrat(
            token=self.token or _env(environ, self.ENV_TOKEN),
            base_url=self.base_url or _env(environ, self.ENV_BASE_URL),
        )

    def secrets(self) -> tuple[str | None, ...]:
        return (self.token,)

    def require_credentials(self) -> None:
        if not self.token:
            raise MissingCredentials(
                "altostrat",
                self.ENV_TOKEN,
                f"altostrat: no credential configured; set {self.ENV_TOKEN} or pass Altostrat(token=...)",
            )


def _to_limits(value: Any) -> tuple[tuple[int, float], ...]:
    try:
        return tuple((int(count), float(seconds)) for count, seconds in value)
    except (TypeError, ValueError):
        raise InvalidRequest("Statsig.rate_limits must be (count, seconds) pairs, e.g. ((100, 10.0),)") from None


def _validate_limits(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    try:
        ok = all(int(count) >= 1 and float(seconds) > 0 for count, seconds in value)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InvalidRequest("Statsig.rate_limits must be (count, seconds) pairs, both positive; () disables the limit")


@attrs.frozen
class Statsig:
    """Statsig Console API. The Console key is sent as ``STATSIG-API-KEY``.

    ``rate_limits`` is the client-side limit per key, shared by every call of
    one client: ``((100, 10.0), (900, 900.0))`` by default, ``()`` for none.
    """

    console_api_key: str | None = attrs.field(default=None, repr=_mask, validator=_optional_secret)
    base_url: str | None = attrs.field(default=None, validator=_validate_base_url)
    rate_limits: tuple[tuple[int, float], ...] = attrs.field(
        default=STATSIG_RATE_LIMITS, converter=_to_limits, validator=_validate_limits
    )
    api_version: str = STATSIG_API_VERSION

    DEFAULT_BASE_URL: ClassVar[str] = "https://statsigapi.net"
    ENV_CONSOLE_API_KEY: ClassVar[str] = "STATSIG_CONSOLE_API_KEY"
    ENV_BASE_URL: ClassVar[str] = "STATSIG_BASE_URL"

    def with_environment(self, environ: Mapping[str, str]) -> Statsig:
        return attrs.evolve(
            self,
            console_api_key=self.console_api_key or _env(environ, self.ENV_CONSOLE_API_KEY),
            base_url=self.base_url or _env(environ, self.ENV_BASE_URL),
        )

    def secrets(self) -> tuple[str | None, ...]:
        return (self.console_api_key,)

    def require_credentials(self) -> None:
        if not self.console_api_key:
            raise MissingCredentials(
                "statsig",
                self.ENV_CONSOLE_API_KEY,
                f"statsig: no credential configured; set {self.ENV_CONSOLE_API_KEY} "
                "or pass Statsig(console_api_key=...)",
            )


ProviderSettings = EdgeImpulse | Altostrat | Statsig
