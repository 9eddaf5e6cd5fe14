"""Edge Impulse white-label admin: a tenant's usage report, and the settings to reach it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import attrs

from ..._exceptions import InvalidRequest, MissingCredentials
from ..._validators import base_url, env_value, mask, naming_variables, optional_secret, positive_int


@attrs.frozen
class EdgeImpulseUsageReport:
    """An Edge Impulse white-label organization usage report (a CSV, reached through a 302)."""

    organization_id: int = attrs.field(validator=positive_int)
    inner_organization_id: int = attrs.field(validator=positive_int)
    report_id: int = attrs.field(validator=positive_int)

    provider: ClassVar[str] = "edge_impulse"

    @property
    def suggested_filename(self) -> str:
        return f"edge-impulse-usage-{self.organization_id}-{self.inner_organization_id}-{self.report_id}.csv"

    def parameters(self) -> dict[str, object]:
        return attrs.asdict(self)


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
        with naming_variables(
            "EdgeImpulse", {"api_key": self.ENV_API_KEY, "jwt": self.ENV_JWT, "base_url": self.ENV_BASE_URL}
        ):
            url = self.base_url or env_value(environ, self.ENV_BASE_URL)
            if self.api_key or self.jwt:
                return attrs.evolve(self, base_url=url)
            api_key, jwt = env_value(environ, self.ENV_API_KEY), env_value(environ, self.ENV_JWT)
            if api_key and jwt:
                raise InvalidRequest(
                    f"edge_impulse: both {self.ENV_API_KEY} and {self.ENV_JWT} are set; unset one "
                    "(or pass EdgeImpulse(api_key=...) or EdgeImpulse(jwt=...))"
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
                f"edge_impulse: no credential configured; set {self.ENV_API_KEY} (or {self.ENV_JWT}), "
                "or pass EdgeImpulse(api_key=...)",
            )
