"""``ChargeTable``: the usage priced by the user's rate card, in FOCUS 1.2 columns.

One charge row per priced usage row (a metric in ``not_billed`` has none):

- ``ConsumedQuantity``/``ConsumedUnit`` and ``PricingQuantity``/``PricingUnit``: the usage's quantity and unit;
- ``ListUnitPrice = ContractedUnitPrice``: the rate card's price (a tenant's override first);
- ``ListCost = ContractedCost = EffectiveCost = BilledCost``: quantity x price, DECIMAL(38, 12)
  (rounded half away from zero at the 12th digit after the point when the product has more), never a float;
- ``ChargePeriodStart/End``: the day (at the period's offset) for a daily row, the run's period for a total;
  ``BillingPeriodStart/End``: the run's period; timestamps in UTC;
- ``BillingAccountId/Name``: the account; ``SubAccountId/Name``: the tenant (its id, its name in that run);
- ``ProviderName = InvoiceIssuerName``: the rate card's ``invoice_issuer`` (FOCUS wants BilledCost 0 where the
  provider is not the issuer), else the vendor; ``PublisherName``: the vendor;
- ``ServiceName``, ``ServiceCategory``, ``ServiceSubcategory``: what the vendor's home declares;
- ``SkuId`` = ``provider:metric``, ``SkuPriceId`` = that, the currency and the tenant of an override,
  ``SkuMeter`` the metric's description, ``SkuPriceDetails`` a JSON object with the metric and the unit;
- ``ChargeCategory`` Usage, ``ChargeFrequency`` Usage-Based, ``PricingCategory`` Standard, ``ChargeClass``,
  ``InvoiceId`` and ``CommitmentDiscountStatus`` null;
- the usage's own columns as ``x_Provider``, ``x_Metric``, ``x_Day``, ``x_SourcePath``, ``x_SourceSha256``, and
  each dimension as ``x_<key>`` (e.g. ``x_event_type``), beside ``x_Dimensions`` (the JSON object).
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .._measures import MeasuredUsage
from .._providers import provider_named
from ._errors import UnpricedMetric
from ._frame import Frame
from ._read import MONEY, QUANTITY, insert_rows

if TYPE_CHECKING:
    import duckdb

    from ._rates import RateCard


class UsageSource(Protocol):
    """What pricing reads of a usage table (``_table.UsageTable``; named here, so the two modules form no circle)."""

    @property
    def connection(self) -> duckdb.DuckDBPyConnection: ...

    @property
    def dimension_keys(self) -> list[str]: ...

    @property
    def _workdir(self) -> Path: ...


#: FOCUS 1.2 columns written, in order (the x_ columns follow).
FOCUS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("BilledCost", MONEY),
    ("BillingAccountId", "VARCHAR"),
    ("BillingAccountName", "VARCHAR"),
    ("BillingCurrency", "VARCHAR"),
    ("BillingPeriodEnd", "TIMESTAMPTZ"),
    ("BillingPeriodStart", "TIMESTAMPTZ"),
    ("ChargeCategory", "VARCHAR"),
    ("ChargeClass", "VARCHAR"),
    ("ChargeDescription", "VARCHAR"),
    ("ChargeFrequency", "VARCHAR"),
    ("ChargePeriodEnd", "TIMESTAMPTZ"),
    ("ChargePeriodStart", "TIMESTAMPTZ"),
    ("CommitmentDiscountStatus", "VARCHAR"),
    ("ConsumedQuantity", QUANTITY),
    ("ConsumedUnit", "VARCHAR"),
    ("ContractedCost", MONEY),
    ("ContractedUnitPrice", MONEY),
    ("EffectiveCost", MONEY),
    ("InvoiceId", "VARCHAR"),
    ("InvoiceIssuerName", "VARCHAR"),
    ("ListCost", MONEY),
    ("ListUnitPrice", MONEY),
    ("PricingCategory", "VARCHAR"),
    ("PricingQuantity", QUANTITY),
    ("PricingUnit", "VARCHAR"),
    ("ProviderName", "VARCHAR"),
    ("PublisherName", "VARCHAR"),
    ("ServiceCategory", "VARCHAR"),
    ("ServiceName", "VARCHAR"),
    ("ServiceSubcategory", "VARCHAR"),
    ("SkuId", "VARCHAR"),
    ("SkuMeter", "VARCHAR"),
    ("SkuPriceDetails", "VARCHAR"),
    ("SkuPriceId", "VARCHAR"),
    ("SubAccountId", "VARCHAR"),
    ("SubAccountName", "VARCHAR"),
)
#: The usage's own columns kept beside FOCUS's.
USAGE_EXTRAS: tuple[tuple[str, str], ...] = (
    ("x_Provider", "VARCHAR"),
    ("x_Metric", "VARCHAR"),
    ("x_Day", "DATE"),
    ("x_Dimensions", "VARCHAR"),
    ("x_SourcePath", "VARCHAR"),
    ("x_SourceSha256", "VARCHAR"),
)
_UNITS = {"seconds": "Seconds", "minutes": "Minutes", "events": "Events"}
_IDENTIFIER = re.compile(r"[^A-Za-z0-9_]+")
_serial = itertools.count(1)


class ChargeTable(Frame):
    """The charges: FOCUS 1.2 columns, then ``x_`` columns; the same writers as the usage table."""

    def __init__(self, usage: UsageSource, query: str, rate_card: RateCard) -> None:
        super().__init__(usage.connection, query, usage._workdir, owner=usage)
        self.rate_card = rate_card


def _literal(text: str | None) -> str:
    return "NULL" if text is None else "'" + text.replace("'", "''") + "'"


def build_charges(usage: UsageSource, rate_card: RateCard) -> ChargeTable:
    con = usage.connection
    n = next(_serial)
    present = con.execute("SELECT DISTINCT provider, tenant_id, metric, unit FROM usage ORDER BY ALL").fetchall()
    prices: list[tuple[str, str | None, str, str, str, str]] = []
    unpriced: list[str] = []
    services: dict[str, tuple[str, MeasuredUsage]] = {}
    for provider, tenant_id, metric, _unit in present:
        descriptor = provider_named(provider)
        service = getattr(descriptor, "usage", None)
        if descriptor is None or not isinstance(service, MeasuredUsage):
            unpriced.append(f"{provider} {metric}")
            continue
        services[provider] = (descriptor.title, service)
        if not rate_card.is_billed(provider, metric):
            continue
        price = rate_card.price(provider, tenant_id, metric)
        if price is None:
            whom = f" (tenant {tenant_id})" if tenant_id is not None else ""
            unpriced.append(f"[{provider}] {metric}{whom}")
            continue
        override = rate_card.tenant_prices.get(provider, {}).get(tenant_id or "", {}).get(metric) is not None
        sku = f"{provider}:{metric}"
        price_id = f"{sku}:{rate_card.currency}" + (f":tenant:{tenant_id}" if override else "")
        prices.append((provider, tenant_id, metric, format(price, "f"), sku, price_id))
    if unpriced:
        raise UnpricedMetric(
            f"{rate_card.source}: no price for {', '.join(dict.fromkeys(unpriced))}: give one, or list the metric "
            "in the provider's not_billed; nothing was priced"
        )
    con.execute(
        f"CREATE OR REPLACE TABLE prices_{n} (provider VARCHAR, tenant_id VARCHAR, metric VARCHAR, price {MONEY}, "
        "sku VARCHAR, price_id VARCHAR)"
    )
    if prices:
        insert_rows(con, f"prices_{n}", prices)
    con.execute(
        f"CREATE OR REPLACE TABLE services_{n} (provider VARCHAR, publisher VARCHAR, service_name VARCHAR, "
        "category VARCHAR, subcategory VARCHAR, metric VARCHAR, meter VARCHAR)"
    )
    rows = [
        (provider, title, s.service_name, s.service_category, s.service_subcategory, m.name, m.description)
        for provider, (title, s) in services.items()
        for m in s.metrics()
    ]
    if rows:
        insert_rows(con, f"services_{n}", rows)
    keys = usage.dimension_keys
    dimension_columns = []
    taken = {name for name, _ in FOCUS_COLUMNS + USAGE_EXTRAS}
    for key in keys:
        name = "x_" + _IDENTIFIER.sub("_", key)
        if name in taken:
            continue
        taken.add(name)
        dimension_columns.append(f'json_extract_string(u.dimensions, {_literal(key)}) AS "{name}"')
    issuer = _literal(rate_card.invoice_issuer)
    currency = _literal(rate_card.currency)
    units = (
        "CASE u.unit "
        + " ".join(f"WHEN {_literal(k)} THEN {_literal(v)}" for k, v in _UNITS.items())
        + " ELSE u.unit END"
    )
    offset = "replace(coalesce(regexp_extract(coalesce(u.period_start, u.period_end), '(Z|[+-]\\d{2}:\\d{2})$'), 'Z'), 'Z', '+00:00')"
    day_start = f"CAST(strftime(u.day, '%Y-%m-%d') || ' 00:00:00' || {offset} AS TIMESTAMPTZ)"
    charge_start = f"CASE WHEN u.day IS NULL THEN CAST(u.period_start AS TIMESTAMPTZ) ELSE {day_start} END"
    charge_end = f"CASE WHEN u.day IS NULL THEN CAST(u.period_end AS TIMESTAMPTZ) ELSE {day_start} + INTERVAL 1 DAY END"
    # quantity x price, exact until rounded once at the 12th digit: the whole part times the price is exact in
    # DECIMAL(38, 12); only the fraction's product (below the price) has more digits. One product of
    # DECIMAL(38, 18) by DECIMAL(38, 12) would overflow from a cost of 10^8.
    whole = "CAST(trunc(u.quantity) AS DECIMAL(38, 0))"
    cost = f"(CAST({whole} * p.price AS {MONEY}) + CAST((u.quantity - {whole}) * p.price AS {MONEY}))"
    tenant = "coalesce(u.tenant_name, u.tenant_id)"
    select = f"""
        SELECT
            {cost} AS BilledCost,
            u.account_id AS BillingAccountId,
            u.account_id AS BillingAccountName,
            {currency} AS BillingCurrency,
            coalesce(CAST(u.period_end AS TIMESTAMPTZ), {charge_end}) AS BillingPeriodEnd,
            coalesce(CAST(u.period_start AS TIMESTAMPTZ), {charge_start}) AS BillingPeriodStart,
            'Usage' AS ChargeCategory,
            CAST(NULL AS VARCHAR) AS ChargeClass,
            s.meter || ' of ' || coalesce('tenant ' || {tenant}, 'account ' || u.account_id)
                || CASE WHEN u.day IS NULL THEN '' ELSE ' on ' || strftime(u.day, '%Y-%m-%d') END AS ChargeDescription,
            'Usage-Based' AS ChargeFrequency,
            {charge_end} AS ChargePeriodEnd,
            {charge_start} AS ChargePeriodStart,
            CAST(NULL AS VARCHAR) AS CommitmentDiscountStatus,
            u.quantity AS ConsumedQuantity,
            {units} AS ConsumedUnit,
            {cost} AS ContractedCost,
            p.price AS ContractedUnitPrice,
            {cost} AS EffectiveCost,
            CAST(NULL AS VARCHAR) AS InvoiceId,
            coalesce({issuer}, s.publisher) AS InvoiceIssuerName,
            {cost} AS ListCost,
            p.price AS ListUnitPrice,
            'Standard' AS PricingCategory,
            u.quantity AS PricingQuantity,
            {units} AS PricingUnit,
            coalesce({issuer}, s.publisher) AS ProviderName,
            s.publisher AS PublisherName,
            s.category AS ServiceCategory,
            s.service_name AS ServiceName,
            s.subcategory AS ServiceSubcategory,
            p.sku AS SkuId,
            s.meter AS SkuMeter,
            json_object('x_Metric', u.metric, 'x_Unit', u.unit)::VARCHAR AS SkuPriceDetails,
            p.price_id AS SkuPriceId,
            u.tenant_id AS SubAccountId,
            {tenant} AS SubAccountName,
            u.provider AS x_Provider,
            u.metric AS x_Metric,
            u.day AS x_Day,
            u.dimensions AS x_Dimensions,
            u.source_path AS x_SourcePath,
            u.source_sha256 AS x_SourceSha256
            {"".join(", " + c for c in dimension_columns)}
        FROM usage u
        JOIN services_{n} s ON s.provider = u.provider AND s.metric = u.metric
        JOIN prices_{n} p ON p.provider = u.provider AND p.metric = u.metric
            AND coalesce(p.tenant_id, '') = coalesce(u.tenant_id, '')  -- an equality: a hash join
    """  # noqa: S608 - every value interpolated is quoted by _literal or comes from our declarations
    # a query, not a copy: each writer streams it from the usage table (a year of tenants is never held twice)
    return ChargeTable(usage, select, rate_card)
