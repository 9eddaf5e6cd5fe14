"""Charges: usage priced by the user's rate card into FOCUS 1.2 columns; the rate card's refusals.

The FOCUS project's own validator runs in `nox -s focus` (it needs Python 3.12);
here the column set and the types it does not check (decimals, strings, UTC
timestamps) are pinned independently.
"""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
from usage_reports.usage import RateCard, RateCardError, UnpricedMetric, UsageTable
from usage_runs import RATES, RunFolder, statsig_row

#: FOCUS 1.2's columns for these charges: the mandatory ones, and those its applicability criteria
#: USAGE_MEASUREMENT_SUPPORTED, SUB_ACCOUNT_SUPPORTED, UNIT_PRICING_SUPPORTED, ACCOUNT_NAMING_SUPPORTED require.
FOCUS_DECIMALS = {
    "BilledCost", "ConsumedQuantity", "ContractedCost", "ContractedUnitPrice", "EffectiveCost", "ListCost",
    "ListUnitPrice", "PricingQuantity",
}  # fmt: skip
FOCUS_TIMESTAMPS = {"BillingPeriodEnd", "BillingPeriodStart", "ChargePeriodEnd", "ChargePeriodStart"}
FOCUS_STRINGS = {
    "BillingAccountId", "BillingAccountName", "BillingCurrency", "ChargeCategory", "ChargeClass",
    "ChargeDescription", "ChargeFrequency", "CommitmentDiscountStatus", "ConsumedUnit", "InvoiceId",
    "InvoiceIssuerName", "PricingCategory", "PricingUnit", "ProviderName", "PublisherName", "ServiceCategory",
    "ServiceName", "ServiceSubcategory", "SkuId", "SkuMeter", "SkuPriceDetails", "SkuPriceId", "SubAccountId",
    "SubAccountName",
}  # fmt: skip


def _card(text: str, tmp_path: Path) -> RateCard:
    path = tmp_path / "rates.toml"
    path.write_text(text, encoding="utf-8")
    return RateCard.load(path)


def _sample(tmp_path: Path) -> RunFolder:
    run = RunFolder(tmp_path / "2026-10", offset="+01:00")
    run.compute_time(organization_id=1, tenant_id=7, tenant_name="Acme", cpu="3600.5", gpu="120.25", total="62")
    run.compute_time(organization_id=1, tenant_id=8, tenant_name="Beta", cpu="10", gpu="3", total="0.2")
    run.statsig_csv("web", [statsig_row("2026-10-01", 21, project="P1"), statsig_row("2026-10-02", 7, project="P1")])
    run.write()
    return run


def _charges(run: RunFolder, card: RateCard, dest: Path) -> list[dict[str, object]]:
    with UsageTable.from_folders([run.folder]) as table:
        charges = table.charges(card)
        charges.to_parquet(dest)
        return list(charges.rows())


def test_each_cost_is_quantity_times_price_as_an_exact_decimal(tmp_path: Path) -> None:
    run = _sample(tmp_path)
    card = _card(RATES, tmp_path)
    rows = _charges(run, card, tmp_path / "charges.parquet")
    prices = tomllib.loads(RATES, parse_float=Decimal)
    expected = {
        ("7", "cpu_compute_time"): Decimal("3600.5") * prices["edge_impulse"]["tenants"]["7"]["cpu_compute_time"],
        ("7", "gpu_compute_time"): Decimal("120.25") * prices["edge_impulse"]["gpu_compute_time"],
        ("8", "cpu_compute_time"): Decimal("10") * prices["edge_impulse"]["cpu_compute_time"],
        ("8", "gpu_compute_time"): Decimal("3") * prices["edge_impulse"]["gpu_compute_time"],
    }
    found = {(r["SubAccountId"], r["x_Metric"]): r for r in rows if r["x_Provider"] == "edge_impulse"}
    assert set(found) == set(expected)  # total_compute_time is not_billed: no row
    for key, cost in expected.items():
        row = found[key]
        assert isinstance(row["BilledCost"], Decimal)
        assert row["BilledCost"] == row["EffectiveCost"] == row["ListCost"] == row["ContractedCost"] == cost
        assert row["ConsumedQuantity"] == row["PricingQuantity"]
        assert row["ListUnitPrice"] == row["ContractedUnitPrice"]
    statsig = [r for r in rows if r["x_Provider"] == "statsig"]
    assert [r["BilledCost"] for r in statsig] == [21 * prices["statsig"]["billable_events"], 7 * Decimal("0.00002")]
    assert found[("7", "cpu_compute_time")]["SkuPriceId"] == "edge_impulse:cpu_compute_time:EUR:tenant:7"
    assert found[("8", "cpu_compute_time")]["SkuPriceId"] == "edge_impulse:cpu_compute_time:EUR"


def test_prices_are_read_as_decimals_never_through_a_float(tmp_path: Path) -> None:
    run = RunFolder(tmp_path / "2026-10")
    run.statsig_csv("web", [statsig_row("2026-10-01", 3)])
    run.write()
    card = _card('currency = "USD"\n[statsig]\nbillable_events = 0.1\n', tmp_path)
    rows = _charges(run, card, tmp_path / "c.parquet")
    assert rows[0]["BilledCost"] == Decimal("0.3")  # 3 * 0.1 in binary floating point is 0.30000000000000004
    assert card.prices["statsig"]["billable_events"] == Decimal("0.1")


def test_a_large_quantity_with_18_decimals_is_priced_without_overflow_rounded_once_at_12_digits(
    tmp_path: Path,
) -> None:
    run = RunFolder(tmp_path / "2026-10")
    quantity = "987654321098.123456789012345678"
    run.compute_time(organization_id=1, tenant_id=7, tenant_name=None, cpu=quantity, gpu="1", total="1")
    run.write()
    card = _card(
        'currency = "EUR"\n[edge_impulse]\ncpu_compute_time = 123.000000000007\ngpu_compute_time = 1\n'
        'not_billed = ["total_compute_time"]\n',
        tmp_path,
    )
    rows = _charges(run, card, tmp_path / "c.parquet")
    cpu = next(r for r in rows if r["x_Metric"] == "cpu_compute_time")
    exact = Decimal(quantity) * Decimal("123.000000000007")
    assert cpu["ConsumedQuantity"] == Decimal(quantity)
    assert cpu["BilledCost"] == exact.quantize(Decimal("1e-12"), rounding=ROUND_HALF_UP)
    assert Decimal(str(cpu["BilledCost"])) > 10**14


def test_the_charges_have_focus_columns_with_decimal_costs_utc_timestamps_and_strings(tmp_path: Path) -> None:
    run = _sample(tmp_path)
    _charges(run, _card(RATES, tmp_path), tmp_path / "charges.parquet")
    parquet = duckdb.read_parquet(str(tmp_path / "charges.parquet"))
    types = dict(zip(parquet.columns, [str(t) for t in parquet.types], strict=True))
    focus = {name for name in types if not name.startswith("x_")}
    assert focus == FOCUS_DECIMALS | FOCUS_TIMESTAMPS | FOCUS_STRINGS
    for name in FOCUS_DECIMALS:
        scale = int(types[name].removeprefix("DECIMAL(").rstrip(")").split(",")[1])
        assert types[name].startswith("DECIMAL(38,"), name
        assert scale >= 9, name
    assert {types[name] for name in FOCUS_TIMESTAMPS} == {"TIMESTAMP WITH TIME ZONE"}
    assert {types[name] for name in FOCUS_STRINGS} == {"VARCHAR"}
    assert {name for name in types if name.startswith("x_")} >= {"x_event_type", "x_name", "x_sources", "x_Metric"}


def test_a_period_total_is_charged_over_the_period_and_a_daily_row_over_its_day_at_the_periods_offset(
    tmp_path: Path,
) -> None:
    run = _sample(tmp_path)
    rows = _charges(run, _card(RATES, tmp_path), tmp_path / "c.parquet")
    total = next(r for r in rows if r["x_Provider"] == "edge_impulse")
    daily = next(r for r in rows if r["x_Provider"] == "statsig")
    assert total["ChargePeriodStart"] == datetime(2026, 9, 30, 23, tzinfo=UTC)  # 2026-10-01T00:00+01:00
    assert total["ChargePeriodEnd"] == datetime(2026, 10, 31, 23, tzinfo=UTC)
    assert (total["BillingPeriodStart"], total["BillingPeriodEnd"]) == (
        total["ChargePeriodStart"],
        total["ChargePeriodEnd"],
    )
    assert daily["ChargePeriodStart"] == datetime(2026, 9, 30, 23, tzinfo=UTC)  # the day 2026-10-01 at +01:00
    assert daily["ChargePeriodEnd"] == datetime(2026, 10, 1, 23, tzinfo=UTC)
    assert daily["BillingPeriodStart"] == total["BillingPeriodStart"]


def test_with_an_invoice_issuer_it_is_the_provider_and_the_vendor_is_the_publisher(tmp_path: Path) -> None:
    run = _sample(tmp_path)
    rows = _charges(run, _card(RATES, tmp_path), tmp_path / "c.parquet")
    ei = next(r for r in rows if r["x_Provider"] == "edge_impulse")
    assert (ei["ProviderName"], ei["InvoiceIssuerName"], ei["PublisherName"]) == (
        "Acme White Label GmbH",
        "Acme White Label GmbH",
        "Edge Impulse",
    )
    assert (ei["ServiceCategory"], ei["ServiceSubcategory"]) == ("AI and Machine Learning", "Machine Learning")
    assert (ei["SubAccountId"], ei["SubAccountName"], ei["BillingAccountId"]) == ("7", "Acme", "1")
    assert (ei["ChargeCategory"], ei["ChargeFrequency"], ei["InvoiceId"]) == ("Usage", "Usage-Based", None)
    assert json.loads(str(ei["SkuPriceDetails"])) == {"x_Metric": "cpu_compute_time", "x_Unit": "seconds"}
    without = RATES.replace('invoice_issuer = "Acme White Label GmbH"\n', "")
    rows = _charges(run, _card(without, tmp_path), tmp_path / "c2.parquet")
    statsig = next(r for r in rows if r["x_Provider"] == "statsig")
    assert (statsig["ProviderName"], statsig["InvoiceIssuerName"], statsig["PublisherName"]) == ("Statsig",) * 3


def test_a_metric_neither_priced_nor_not_billed_is_refused_by_name_and_nothing_is_priced(tmp_path: Path) -> None:
    run = _sample(tmp_path)
    card = _card(RATES.replace('not_billed = ["total_compute_time"]\n', ""), tmp_path)
    with UsageTable.from_folders([run.folder]) as table:
        with pytest.raises(UnpricedMetric, match=r"no price for \[edge_impulse\] total_compute_time"):
            table.charges(card)
        tables = {row[0] for row in table.connection.execute("SHOW TABLES").fetchall()}
    assert not any(name.startswith("charges_") for name in tables)


def test_a_price_for_some_tenants_only_leaves_the_others_unpriced(tmp_path: Path) -> None:
    run = _sample(tmp_path)
    card = _card(
        'currency = "EUR"\n[edge_impulse]\nnot_billed = ["total_compute_time", "gpu_compute_time"]\n'
        "[edge_impulse.tenants.7]\ncpu_compute_time = 0.1\n[statsig]\nbillable_events = 1\n",
        tmp_path,
    )
    with UsageTable.from_folders([run.folder]) as table, pytest.raises(UnpricedMetric) as refused:
        table.charges(card)
    assert "[edge_impulse] cpu_compute_time (tenant 8)" in str(refused.value)
    assert "tenant 7" not in str(refused.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('currency = "euro"\n', r"currency: expected an ISO 4217 code"),
        ("[statsig]\nbillable_events = 1\n", r'currency: missing; add the ISO 4217 code of your prices, e\.g\. currency = "EUR"'),
        ('currency = "EUR"\n[statsig]\nbillable_events = 0\n', r"\[statsig\] billable_events: a price must be positive"),
        ('currency = "EUR"\n[statsig]\nbillable_events = -1\n', r"\[statsig\] billable_events: a price must be positive"),
        (
            'currency = "EUR"\n[statsig]\nbillable_events = 0.0000000000001\n',
            r"billable_events: expected a price, a number with at most 12 digits",
        ),
        ('currency = "EUR"\n[statsig]\nbillable_events = "1"\n', r"billable_events: expected a price"),
        ('currency = "EUR"\n[statsig]\nevents = 1\n', r"\[statsig\] events: unknown metric; expected billable_events"),
        ('currency = "EUR"\n[altostrat]\npages = 1\n', r"altostrat: unknown key; .*\(edge_impulse, statsig\)"),
        ('currency = "EUR"\n[edge_impulse]\nnot_billed = ["gpu"]\n', r"not_billed: unknown metric 'gpu'"),
        (
            'currency = "EUR"\n[edge_impulse]\ngpu_compute_time = 1\nnot_billed = ["gpu_compute_time"]\n',
            r"gpu_compute_time: both priced and listed in not_billed",
        ),
        ('currency = "EUR"\n[edge_impulse.tenants.7]\ncpu = 1\n', r"\[edge_impulse.tenants.7\] cpu: unknown metric"),
        ("currency = \n", r"not TOML"),
    ],
    ids=[
        "currency", "no-currency", "zero", "negative", "digits", "string", "metric", "provider", "not-billed", "both", "tenant",
        "toml",
    ],
)  # fmt: skip
def test_a_rate_card_that_cannot_be_used_is_refused_naming_file_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(RateCardError, match=message) as refused:
        _card(text, tmp_path)
    assert str(tmp_path / "rates.toml") in str(refused.value)


def test_the_rate_card_of_the_issue_loads_with_its_overrides(tmp_path: Path) -> None:
    card = _card(RATES, tmp_path)
    assert card.currency == "EUR"
    assert card.invoice_issuer == "Acme White Label GmbH"
    assert card.price("edge_impulse", "7", "cpu_compute_time") == Decimal("0.0002")
    assert card.price("edge_impulse", "8", "cpu_compute_time") == Decimal("0.00025")
    assert card.price("edge_impulse", "7", "gpu_compute_time") == Decimal("0.0011")
    assert not card.is_billed("edge_impulse", "total_compute_time")
