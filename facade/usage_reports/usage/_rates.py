"""``RateCard``: the user's prices, the only source of a price, a currency or an issuer.

    currency = "EUR"
    invoice_issuer = "Acme White Label GmbH"   # who bills the tenants (default: the vendor)
    [PROVIDER]                     # a provider with measured usage, by its registry name
    METRIC = 0.00025               # price per unit of the metric (per second, per event...)
    not_billed = ["OTHER_METRIC"]  # measured, deliberately not charged
    [PROVIDER.tenants.7]           # optional per-tenant overrides
    METRIC = 0.0002

Numbers are read as exact decimals (never through a float), at most 12
digits after the point, and must be positive: a metric not charged is listed
in ``not_billed``, never priced at zero. Every key is checked against what
the provider measures; an error names the file and the key.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from .._measures import MeasuredUsage
from .._providers import provider_named, providers
from ._errors import RateCardError
from ._read import MONEY_SCALE, exact_decimal

_CURRENCY = re.compile(r"^[A-Z]{3}$")
_TOP_KEYS: Final = ("currency", "invoice_issuer")


@dataclass(frozen=True)
class RateCard:
    """Prices per provider and metric (``prices``), per tenant overrides, metrics not billed, the currency."""

    currency: str
    prices: Mapping[str, Mapping[str, Decimal]]
    tenant_prices: Mapping[str, Mapping[str, Mapping[str, Decimal]]] = field(default_factory=dict)
    not_billed: Mapping[str, frozenset[str]] = field(default_factory=dict)
    invoice_issuer: str | None = None
    source: str = "rate card"

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> RateCard:
        """Read a TOML rate card; RateCardError naming the file and the key when it cannot be used."""
        where = os.fspath(path)
        try:
            with Path(where).expanduser().open("rb") as file:
                document = tomllib.load(file, parse_float=Decimal)
        except FileNotFoundError:
            raise RateCardError(f"{where}: no such file") from None
        except OSError as exc:
            raise RateCardError(f"{where}: unreadable ({exc.strerror or type(exc).__name__})") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise RateCardError(f"{where}: not TOML ({exc})") from None
        return cls.from_dict(document, source=where)

    @classmethod
    def from_dict(cls, document: Mapping[str, Any], *, source: str = "rate card") -> RateCard:
        """A rate card from its parsed TOML (floats as Decimal: ``tomllib.load(f, parse_float=Decimal)``)."""
        currency = document.get("currency")
        if currency is None:
            raise RateCardError(
                f'{source}: currency: missing; add the ISO 4217 code of your prices, e.g. currency = "EUR"'
            )
        if not isinstance(currency, str) or not _CURRENCY.match(currency):
            raise RateCardError(f'{source}: currency: expected an ISO 4217 code such as "EUR", got {currency!r}')
        issuer = document.get("invoice_issuer")
        if issuer is not None and (not isinstance(issuer, str) or not issuer.strip()):
            raise RateCardError(f"{source}: invoice_issuer: expected a non-empty string, got {issuer!r}")
        prices: dict[str, dict[str, Decimal]] = {}
        tenants: dict[str, dict[str, dict[str, Decimal]]] = {}
        not_billed: dict[str, frozenset[str]] = {}
        for key, value in document.items():
            if key in _TOP_KEYS:
                continue
            descriptor = provider_named(key)
            service = getattr(descriptor, "usage", None)
            if not isinstance(value, dict) or not isinstance(service, MeasuredUsage):
                measured = [p.name for p in providers() if isinstance(getattr(p, "usage", None), MeasuredUsage)]
                raise RateCardError(
                    f"{source}: {key}: unknown key; expected currency, invoice_issuer or a table for a provider "
                    f"with measured usage ({', '.join(measured)})"
                )
            metrics = {m.name for m in service.metrics()}
            prices[key], not_billed[key] = _provider_table(value, metrics, f"{source}: [{key}]")
            overrides = value.get("tenants", {})
            if not isinstance(overrides, dict):
                raise RateCardError(f"{source}: [{key}] tenants: expected tables of per-tenant prices")
            tenants[key] = {}
            for tenant, table in overrides.items():
                where = f"{source}: [{key}.tenants.{tenant}]"
                if not isinstance(table, dict):
                    raise RateCardError(f"{where}: expected a table of prices")
                tenants[key][str(tenant)] = {
                    metric: _price(price, metric, metrics, where) for metric, price in table.items()
                }
        return cls(currency, prices, tenants, not_billed, issuer.strip() if issuer else None, source)

    def price(self, provider: str, tenant_id: str | None, metric: str) -> Decimal | None:
        """The price of one unit of ``metric`` for a tenant (its override, else the provider's), or None."""
        override = self.tenant_prices.get(provider, {}).get(tenant_id or "", {}).get(metric)
        return override if override is not None else self.prices.get(provider, {}).get(metric)

    def is_billed(self, provider: str, metric: str) -> bool:
        return metric not in self.not_billed.get(provider, frozenset())


def _provider_table(
    table: Mapping[str, Any], metrics: set[str], where: str
) -> tuple[dict[str, Decimal], frozenset[str]]:
    prices: dict[str, Decimal] = {}
    skipped: frozenset[str] = frozenset()
    for key, value in table.items():
        if key == "tenants":
            continue
        if key == "not_billed":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise RateCardError(f"{where} not_billed: expected a list of metric names, got {value!r}")
            unknown = [v for v in value if v not in metrics]
            if unknown:
                raise RateCardError(
                    f"{where} not_billed: unknown metric {', '.join(map(repr, unknown))}; expected {_names(metrics)}"
                )
            skipped = frozenset(value)
            continue
        prices[key] = _price(value, key, metrics, where)
    both = sorted(skipped & set(prices))
    if both:
        raise RateCardError(f"{where} {both[0]}: both priced and listed in not_billed; choose one")
    return prices, skipped


def _price(value: object, key: str, metrics: set[str], where: str) -> Decimal:
    if key not in metrics:
        raise RateCardError(f"{where} {key}: unknown metric; expected {_names(metrics)}, not_billed or tenants")
    number = (
        exact_decimal(format(value, "f"), MONEY_SCALE)
        if isinstance(value, Decimal | int) and not isinstance(value, bool)
        else None
    )
    if number is None:
        raise RateCardError(
            f"{where} {key}: expected a price, a number with at most 12 digits after the point, got {value!r}"
        )
    if number <= 0:
        raise RateCardError(f"{where} {key}: a price must be positive (list a metric not charged in not_billed)")
    return number


def _names(metrics: set[str]) -> str:
    return ", ".join(sorted(metrics))
