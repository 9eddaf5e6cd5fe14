"""What a vendor documents of its files' numbers: declared in the vendor's home, read by ``usage_reports.usage``.

A vendor whose files hold documented quantities sets ``usage`` on its
provider to a :class:`MeasuredUsage`: the FOCUS service it sells, and for
each kind of file fetch-all records (the manifest's ``kind``), how to read
it. A kind without a reader is kept as a file and listed, never parsed (a
report whose columns are not documented). Nothing here reads a file: it is
data, so the core stays free of the engine that does (DuckDB, in the
``[data]`` extra).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Metric:
    """A measured quantity: its name in the usage table, its unit, and words for a charge's description."""

    name: str
    unit: str
    description: str


@dataclass(frozen=True)
class JsonTotals:
    """A JSON object per file holding one total per metric for the record's period (no daily rows).

    ``fields`` maps the object's keys to metrics; ``account_parameter`` and
    ``tenant_parameter`` name the record's ``parameters`` giving the account
    and the tenant; ``success_field``, when present in the object, must be true.
    """

    kind: str
    fields: tuple[tuple[str, Metric], ...]
    account_parameter: str
    tenant_parameter: str
    success_field: str | None = None


@dataclass(frozen=True)
class CsvDaily:
    """A CSV file with a header and one row per day and quantity.

    ``required`` are the documented columns (a file missing one is refused);
    ``dimensions`` maps documented columns to their key in the row's
    ``dimensions`` (every other column is kept there under its own header).
    The account is the record's entry name.
    """

    kind: str
    required: tuple[str, ...]
    day_column: str
    quantity_column: str
    tenant_column: str
    metric: Metric
    dimensions: tuple[tuple[str, str], ...] = ()


Reader = JsonTotals | CsvDaily


@dataclass(frozen=True)
class MeasuredUsage:
    """A vendor's measured usage: the FOCUS service it is, and a reader per kind of file."""

    service_name: str
    service_category: str
    service_subcategory: str
    readers: tuple[Reader, ...] = field(default=())

    def reader(self, kind: str) -> Reader | None:
        return next((r for r in self.readers if r.kind == kind), None)

    def metrics(self) -> tuple[Metric, ...]:
        found: list[Metric] = []
        for reader in self.readers:
            found.extend(m for _, m in reader.fields) if isinstance(reader, JsonTotals) else found.append(reader.metric)
        return tuple(found)
