"""A test-only fourth provider, Acme Metering, declared the way a vendor's home declares one.

It touches no generic module: one descriptor (settings, request, adapter)
registered with ``register()``, and its simulator registered with
``usage_reports.testing.register_simulator``. It writes NO argparse and NO
config code: its request's fields are declared once (``_fields.field``), and
its CLI options (``--account-id``) and config keys (``account_id``) are derived
from them. Its spec is tests/fixtures/fourth_provider/acme.yaml; the requests
are built by hand here, where a real vendor's adapter uses its generated client.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar, Final
from urllib.parse import parse_qs

import httpx
from usage_reports import MissingCredentials, Period
from usage_reports._contract import Accept, Adapter, Decision, VendorProvider
from usage_reports._fields import checked, field, positive_int, value_object
from usage_reports._periods import period_value
from usage_reports._validators import base_url_value, env_value, secret_value
from usage_reports.testing import Answer, RecordedRequest, SimulatorContext

SPEC: Final = Path(__file__).resolve().parent / "fixtures" / "fourth_provider" / "acme.yaml"
SANDBOX_ACME_KEY: Final = "acme-sandbox-key"


@value_object
class AcmeUsage:
    """An Acme account's usage for a period, as a CSV."""

    account_id: int = field(help="the Acme account", convert=positive_int, metavar="N", example="7")
    period: Period = field(kw_only=True, period=True, help="the period of the usage", convert=period_value)

    provider: ClassVar[str] = "acme"

    @property
    def suggested_filename(self) -> str:
        return f"acme-usage-{self.account_id}-{self.period.label}.csv"

    def parameters(self) -> dict[str, object]:
        return {"account_id": self.account_id, "period": self.period.iso()}


@value_object
class Acme:
    """Acme Metering: the key is sent as ``X-Acme-Key``."""

    key: str | None = checked(secret_value, default=None, secret=True)
    base_url: str | None = checked(base_url_value, default=None)

    ENV_KEY: ClassVar[str] = "ACME_KEY"
    ENV_BASE_URL: ClassVar[str] = "ACME_BASE_URL"

    def with_environment(self, environ: Mapping[str, str]) -> Acme:
        return Acme(
            self.key or env_value(environ, self.ENV_KEY), self.base_url or env_value(environ, self.ENV_BASE_URL)
        )

    def secrets(self) -> tuple[str | None, ...]:
        return (self.key,)

    def require_credentials(self) -> None:
        if not self.key:
            raise MissingCredentials("acme", self.ENV_KEY, f"acme: no credential configured; set {self.ENV_KEY}")


class AcmeAdapter(Adapter[AcmeUsage, Acme]):
    operation = "getAccountUsage"

    def build(self, request: AcmeUsage, settings: Acme, timeout: httpx.Timeout) -> httpx.Request:
        settings.require_credentials()
        base = (settings.base_url or "https://api.acme-metering.test/v2").rstrip("/")
        return httpx.Request(
            "GET",
            f"{base}/accounts/{request.account_id}/usage.csv",
            params={"from": request.period.start.isoformat(), "to": request.period.end.isoformat()},
            headers={"X-Acme-Key": settings.key or "", "Accept": "text/csv"},
            extensions={"timeout": timeout.as_dict()},
        )

    def accept(self, response: httpx.Response, *, from_api: bool) -> Decision:
        kind = response.headers.get("content-type", "").split(";")[0].strip()
        return Accept(kind) if kind == "text/csv" else f"expected text/csv, got {kind or 'no media type'}"

    def error_message(self, body: bytes) -> str | None:
        try:
            detail = json.loads(body).get("detail")
        except (ValueError, AttributeError):
            return None
        return detail if isinstance(detail, str) else None


class AcmeSimulator:
    """GET /v2/accounts/{id}/usage.csv?from&to with X-Acme-Key: a CSV row per account and period."""

    name = "acme"
    spec = str(SPEC)
    base_path = "/v2"
    credential_headers = frozenset({"x-acme-key"})
    credential_cookies: frozenset[str] = frozenset()

    def handle(self, request: RecordedRequest, context: SimulatorContext) -> Answer:
        parts = request.path.split("/")
        if len(parts) != 5 or parts[:3] != ["", "v2", "accounts"] or parts[4] != "usage.csv":
            return Answer.json(404, {"detail": "not found"})
        if request.header("X-Acme-Key") != SANDBOX_ACME_KEY:
            return Answer.json(401, {"detail": "bad key"})
        query = parse_qs(request.query)
        body = f"account,from,to,units\n{parts[3]},{query['from'][0]},{query['to'][0]},42\n".encode()
        return Answer.content(200, "text/csv", body)

    def storage(self, request: RecordedRequest, context: SimulatorContext) -> Answer | None:
        return None


class AcmeProvider(VendorProvider[AcmeUsage, Acme]):
    name = "acme"
    title = "Acme Metering"
    command = "acme"
    summary = "one Acme account's usage for a period (CSV)"
    credential_variables = (Acme.ENV_KEY,)

    def __init__(self) -> None:
        super().__init__(AcmeUsage, Acme, AcmeAdapter)

    def with_credential(self, settings: object, kind: str, value: str) -> Acme:
        return dataclasses.replace(self.settings_of(settings), key=value)


ACME = AcmeProvider()
