"""Edge Impulse white-label admin: a tenant's usage report, and the settings to reach it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar, Final, Literal

import attrs

from ..._exceptions import InvalidRequest, MissingCredentials
from ..._periods import Period
from ..._validators import base_url, env_value, mask, naming_variables, optional_secret, positive_int

#: How long a report being built is waited for, in all, by default (seconds).
DEFAULT_MAX_WAIT: Final = 600.0
#: The first pause between two polls of a pending report (then 1.5x, up to 30 s).
DEFAULT_POLL_INTERVAL: Final = 2.0


def _optional_positive_int(instance: object, attribute: attrs.Attribute[int | None], value: object) -> None:
    if value is not None:
        positive_int(instance, attribute, value)  # type: ignore[arg-type]


def _positive_seconds(instance: object, attribute: attrs.Attribute[float], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < float("inf"):
        raise InvalidRequest(f"{type(instance).__name__}.{attribute.name} must be a positive number of seconds")


def _period(instance: object, attribute: attrs.Attribute[Period | None], value: object) -> None:
    if value is not None and not isinstance(value, Period):
        raise InvalidRequest(
            f"{type(instance).__name__}.period must be a Period (e.g. Period.last_month()), not {type(value).__name__}"
        )


@attrs.frozen
class EdgeImpulseUsageReport:
    """A white-label tenant's usage report (a CSV, reached through a 302): by ``report_id``, or by ``period``.

    With a period, the report is found or created, and waited for (at most
    ``max_wait`` seconds, polling from every ``poll_interval`` seconds).
    """

    organization_id: int = attrs.field(validator=positive_int)
    inner_organization_id: int = attrs.field(validator=positive_int)
    report_id: int | None = attrs.field(default=None, validator=_optional_positive_int)
    period: Period | None = attrs.field(default=None, kw_only=True, validator=_period)
    max_wait: float = attrs.field(default=DEFAULT_MAX_WAIT, kw_only=True, validator=_positive_seconds)
    poll_interval: float = attrs.field(default=DEFAULT_POLL_INTERVAL, kw_only=True, validator=_positive_seconds)

    provider: ClassVar[str] = "edge_impulse"

    def __attrs_post_init__(self) -> None:
        if (self.report_id is None) == (self.period is None):
            raise InvalidRequest(f"{type(self).__name__}: give exactly one of report_id and period")

    @property
    def suggested_filename(self) -> str:
        which = self.period.label if self.period is not None else str(self.report_id)
        return f"edge-impulse-usage-{self.organization_id}-{self.inner_organization_id}-{which}.csv"

    def parameters(self) -> dict[str, object]:
        parameters: dict[str, object] = {
            "organization_id": self.organization_id,
            "inner_organization_id": self.inner_organization_id,
        }
        if self.report_id is not None:
            parameters["report_id"] = self.report_id
        if self.period is not None:
            parameters["period"] = self.period.iso()
        return parameters


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
