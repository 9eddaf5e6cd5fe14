"""Edge Impulse white-label admin: the settings to reach it, and the values its listings return."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar, Literal

from ..._exceptions import InvalidRequest, MissingCredentials
from ..._fields import checked, value_object
from ..._periods import Period
from ..._validators import base_url_value, env_value, secret_value


@value_object
class EdgeImpulse:
    """Edge Impulse (white-label admin). An API key is sent as ``x-api-key``; a JWT as ``x-jwt-token``.

    One credential, never two: both given, or both environment variables set
    with neither given, is an error rather than a silent choice.
    """

    api_key: str | None = checked(secret_value, default=None, secret=True)
    jwt: str | None = checked(secret_value, default=None, secret=True)
    base_url: str | None = checked(base_url_value, default=None)

    DEFAULT_BASE_URL: ClassVar[str] = "https://studio.edgeimpulse.com/v1"
    ENV_API_KEY: ClassVar[str] = "EDGE_IMPULSE_API_KEY"
    ENV_JWT: ClassVar[str] = "EDGE_IMPULSE_JWT"
    ENV_BASE_URL: ClassVar[str] = "EDGE_IMPULSE_BASE_URL"

    def __post_init__(self) -> None:
        if self.api_key is not None and self.jwt is not None:
            raise InvalidRequest("EdgeImpulse: give api_key or jwt, not both")

    def with_environment(self, environ: Mapping[str, str]) -> EdgeImpulse:
        """Fill what was not given from the environment; a credential given here wins over both variables."""
        url = self.base_url or env_value(environ, self.ENV_BASE_URL, base_url_value)
        if self.api_key or self.jwt:
            return dataclasses.replace(self, base_url=url)
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


@value_object
class Tenant:
    """An inner organization of a white label."""

    id: int
    name: str
    created: datetime


@value_object
class ReportInfo:
    """One usage report of a tenant, as the listing shows it."""

    id: int
    job_id: int
    created: datetime
    period: Period
    status: ReportStatus
