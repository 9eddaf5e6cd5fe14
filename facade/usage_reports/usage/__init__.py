"""Numbers, not just files: the usage of run folders as one table, month over month, and charges in FOCUS 1.2.

    from usage_reports.usage import UsageTable, RateCard

    table = UsageTable.from_folders(["usage/2026-10", "s3://bucket/usage/2026-11"])
    table.to_parquet("usage.parquet")
    table.month_over_month(by=["tenant", "metric"]).to_csv("months.csv")
    table.relation.filter("metric = 'billable_events'").aggregate("tenant_id, sum(quantity)")
    table.charges(RateCard.load("rates.toml")).to_parquet("charges.parquet")

Reads the manifests fetch-all writes (``manifest.json``) and every file they
list whose numbers a vendor documents; the others (reports with undocumented
columns, PDFs) are listed by ``UsageTable.files()``, never parsed. Needs the
``[data]`` extra (DuckDB, embedded): ``pip install 'usage-reports[data]'``.
Prices, currency and issuer come from the user's rate card only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._errors import (
    DataExtraMissing,
    FileProblem,
    FolderError,
    RateCardError,
    RefusedFiles,
    UnpricedMetric,
    UsageDataError,
)

if TYPE_CHECKING:
    from ._charges import ChargeTable
    from ._rates import RateCard
    from ._read import ListedFile
    from ._table import MonthOverMonth, UsageTable

__all__ = [
    "ChargeTable",
    "DataExtraMissing",
    "FileProblem",
    "FolderError",
    "ListedFile",
    "MonthOverMonth",
    "RateCard",
    "RateCardError",
    "RefusedFiles",
    "UnpricedMetric",
    "UsageDataError",
    "UsageTable",
]

_LAZY = {
    "ChargeTable": "._charges",
    "RateCard": "._rates",
    "ListedFile": "._read",
    "MonthOverMonth": "._table",
    "UsageTable": "._table",
}


def __getattr__(name: str) -> Any:
    """The classes load DuckDB on first use; without it, DataExtraMissing says what to install."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    from ._errors import require_duckdb

    require_duckdb()
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
