"""Edge Impulse white-label admin: the settings to reach it, and the values its listings return."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar, Literal

import attrs

from ..._exceptions import InvalidRequest, MissingCredentials
from ..._periods import Period
from ..._validators import base_url, base_url_value, env_value, mask, optional_secret, secret_value


def _one_credential(instance: EdgeImpulse, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and instance.api_key is not None:
        raise InvalidRequest("EdgeImpulse: give api_key or jwt, not both")


@attrs.frozen
class EdgeImpulse:
    """Edge Impulse (white-label admin). An API key is sent as ``x-api-key``; a JWT as ``x-jwt-token``.

    One credential, never two: both given, or both environment variables set
    with neither given, is an error rather than a silent choice.
    """

    api_key: str | None = attrs.field(default=None, repr=mask, validator=optional_secret)
    jwt: str | None = attrs.field(default=None, repr=mask, validator=[optional_secret, _one_credential])
    base_url: str | None = attrs.field(default=None, validator=base_url)

    DEFAULT_BASE_URL: ClassVar[str] = "https://studio.edgeimpulse.com/v1"
    ENV_API_KEY: ClassVar[str] = "EDGE_IMPULSE_API_KEY"
    ENV_JWT: ClassVar[str] = "EDGE_IMPULSE_JWT"
    ENV_BASE_URL: ClassVar[str] = "EDGE_IMPULSE_BASE_URL"

    def with_environment(self, environ: Mapping[str, str]) -> EdgeImpulse:
        """Fill what was not given from the environment; a credential given here wins over both variables."""
        url = self.base_url or env_value(environ, self.ENV_BASE_URL, base_url_value)
        if self.api_key or self.jwt:
            return attrs.evolve(self, base_url=url)
        api_key = env_value(environ, self.ENV_API_KEY, secret_value)
        jwt = env_value(environ, self.ENV_JWT, secret_value)
        if api_key and jwt:
            raise InvalidRequest(
                f"edge_impulse: both {self.ENV_API_KEY} and {self.ENV_JWT} are set; unset one "
                "(or give the credential explicitly)"
            )
        return EdgeImpulse(api_key=api_key, jwt=jwt, base_url=url)

    def secrets(self) -> tuple[str | None, ...]:
        return (self.api_key, self.jwt)

    def auth_headers(self) -> dict[str, str]:
        self.require_credentials()
        return {"x-api-key": self.api_key} if self.api_key else {"x-jwt-token": self.jwt or ""}

    def require_credentials(self) -> None:
        if not (self.api_key or self.jwt):
            raise MissingCredentials(
                "edge_impulse",
                self.ENV_API_KEY,
                f"edge_impulse: no credential configured; set {self.ENV_API_KEY} (or {self.ENV_JWT})",
                code_hint="or pass EdgeImpulse(api_key=...)",
            )


ReportStatus = Literal["pending", "failed", "finished"]


@attrs.frozen
class Tenant:
    """An inner organization of a white label."""

    id: int
    name: str
    created: datetime


@attrs.frozen
class ReportInfo:
    """One usage report of a tenant, as the listing shows it."""

    id: int
    job_id: int
    created: datetime
    period: Period
    status: ReportStatus
