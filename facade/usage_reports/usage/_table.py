"""``UsageTable``: every documented number of one or more run folders, one row per measured quantity."""

from __future__ import annotations

import contextlib
import json
import os
import re
import weakref
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from .._measures import CsvDaily
from ._errors import FileProblem, RefusedFiles
from ._frame import Frame, new_workdir, remove_workdir
from ._read import (
    CHANGED,
    COLUMNS,
    ListedFile,
    Verified,
    _Refused,
    _Source,
    csv_header,
    dimensions_of,
    fetch_verified,
    json_rows,
    load_csv_group,
    load_staged,
    plan,
    verify_in_place,
)

if TYPE_CHECKING:
    from ._charges import ChargeTable
    from ._rates import RateCard

#: ``month_over_month(by=...)``: the keys a user names, and the columns each stands for.
GROUPINGS: dict[str, tuple[str, ...]] = {
    "provider": ("provider",),
    "account": ("provider", "account_id"),
    "tenant": ("provider", "account_id", "tenant_id"),
    "metric": ("metric", "unit"),
}
_NAMES = tuple(name for name, _ in COLUMNS)
_YEAR_MONTH = re.compile(r"^\d{4}-\d{2}$")
#: A row's month is its run's: the month its period starts in, in the period's own zone (a vendor's daily rows may
#: spill past the period's edges when the period is not in UTC: they stay with the run that reported them).
_MONTH = "coalesce(substr(period_start, 1, 7), strftime(day, '%Y-%m'), substr(period_end, 1, 7))"


def _connect(workdir: Path) -> duckdb.DuckDBPyConnection:
    # a database file in the private folder, not memory: DuckDB compresses what it writes there and keeps in
    # memory only what a query needs, so a year of tenants costs disk, not RAM
    con = duckdb.connect(str(workdir / "usage.duckdb"), config={"temp_directory": str(workdir / "spill")})
    con.execute("SET TimeZone = 'UTC'")  # timestamps are written in UTC
    # a bulk insert writes each row group to the file as it fills instead of buffering five per thread first
    # (~250 MiB of RSS inserting a year of tenants' CSV rows, B9; no slower measured); an older DuckDB has no such
    # setting (nor that buffer)
    with contextlib.suppress(duckdb.CatalogException):
        con.execute("SET write_buffer_row_group_count = 1")
    return con


class UsageTable(Frame):
    """The usage of one or more run folders: a row per measured quantity, with exactly these columns.

    ``provider``, ``account_id``, ``tenant_id``, ``tenant_name``,
    ``period_start``, ``period_end`` (ISO 8601 with offset, end exclusive),
    ``day`` (a date for a daily row, null for a period total), ``metric``,
    ``quantity`` (DECIMAL(38, 18), as reported), ``unit``, ``dimensions`` (a
    JSON object), ``source_path``, ``source_sha256``.

    Built by :meth:`from_folders`. Files whose structure the vendor does not
    document (a report CSV of undocumented columns, a PDF) are listed by
    :meth:`files`, never parsed. ``problems`` names each file that was
    refused (none with ``strict=True``, which raises instead).
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        workdir: Path,
        *,
        problems: Sequence[FileProblem] = (),
        listed: Sequence[ListedFile] = (),
    ) -> None:
        super().__init__(con, "SELECT * FROM usage", workdir)  # in the order read: folders, then their manifests
        self.problems = list(problems)
        #: The keys found in ``dimensions`` (each becomes an ``x_`` column of the charges).
        self.dimension_keys: list[str] = []
        self._listed = list(listed)
        self._finalizer = weakref.finalize(self, _close, con, workdir)

    @classmethod
    def from_folders(cls, folders: Iterable[str | os.PathLike[str]], *, strict: bool = True) -> UsageTable:
        """Read the manifests of ``folders`` (paths or object-store URLs) and every documented file they list.

        A file whose sha256 no longer matches its manifest, or a CSV missing a
        documented column, is refused by name and none of its rows is kept:
        with ``strict`` (the default) RefusedFiles is raised once every file
        has been looked at; without, the table holds the other files' rows and
        ``problems`` says what was refused. FolderError when a folder has no
        usage-reports manifest.
        """
        sources, listed = plan(folders)
        workdir = new_workdir()
        try:
            con = _connect(workdir)
            table = cls(con, workdir, listed=listed)
        except BaseException:
            remove_workdir(workdir)
            raise
        columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS)
        con.execute(f"CREATE TABLE usage ({columns})")
        table.problems = _load(con, workdir, sources, table.dimension_keys)
        if strict and table.problems:
            problems = table.problems
            table.close()
            raise RefusedFiles(problems)
        return table

    def files(self) -> list[ListedFile]:
        """The files kept as they are and never parsed (undocumented structure), as the manifests list them."""
        return list(self._listed)

    def close(self) -> None:
        """Free the embedded database and its temporary files (also done when the table is collected)."""
        self._finalizer()

    def __enter__(self) -> UsageTable:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def month_over_month(self, by: Sequence[str] = ("tenant", "metric")) -> MonthOverMonth:
        """A row per group of ``by`` (``provider``, ``account``, ``tenant``, ``metric``), a column per month
        (``2026-10``, ``2026-11``...: the sum of the quantities), then ``change`` (last month minus the one
        before) and ``change_pct`` (that change in percent of the month before; null when it was zero or absent).

        With ``tenant``, ``tenant_name`` is the name of the tenant's latest month (a renamed tenant is one row).
        """
        keys, with_name = _grouping(by)
        months = [
            row[0]
            for row in self._con.execute(
                f"SELECT DISTINCT {_MONTH} AS m FROM usage WHERE m IS NOT NULL ORDER BY m"  # noqa: S608 - constant
            ).fetchall()
        ]
        months = [m for m in months if isinstance(m, str) and _YEAR_MONTH.match(m)]
        return MonthOverMonth(self._con, self._workdir, keys, months, with_name=with_name, owner=self)

    def totals(self, by: Sequence[str] = ("tenant", "metric")) -> Frame:
        """The quantities summed per group of ``by`` and month, one row each (``month`` is ``2026-10``...)."""
        keys, with_name = _grouping(by)
        name = ", arg_max(tenant_name, coalesce(period_start, '')) AS tenant_name" if with_name else ""
        group = ", ".join(keys)
        query = (
            f"SELECT {group}{name}, {_MONTH} AS month, sum(quantity) AS quantity FROM usage "  # noqa: S608 - constants
            f"GROUP BY {group}, month ORDER BY {group}, month"
        )
        return Frame(self._con, query, self._workdir, owner=self)

    def charges(self, rate_card: RateCard) -> ChargeTable:
        """The usage priced by ``rate_card`` in FOCUS 1.2 columns; UnpricedMetric (nothing priced) when a metric
        present has no price and is not in ``not_billed``."""
        from ._charges import build_charges

        return build_charges(self, rate_card)

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The embedded DuckDB connection holding the ``usage`` table (for SQL beyond ``relation``)."""
        return self._con


def _grouping(by: Sequence[str]) -> tuple[list[str], bool]:
    """The columns ``by`` stands for, and whether the tenant's name goes with them; ValueError naming a bad key."""
    if isinstance(by, str):
        by = [part.strip() for part in by.split(",") if part.strip()]
    unknown = [key for key in by if key not in GROUPINGS]
    if unknown or not by:
        raise ValueError(
            f"by: unknown grouping {', '.join(map(repr, unknown)) or '(none)'}; choose from {', '.join(GROUPINGS)}"
        )
    keys: list[str] = []
    for key in by:
        keys.extend(column for column in GROUPINGS[key] if column not in keys)
    return keys, "tenant" in by


def _close(con: duckdb.DuckDBPyConnection, workdir: Path) -> None:
    try:
        con.close()
    finally:
        remove_workdir(workdir)


def _load(con: duckdb.DuckDBPyConnection, workdir: Path, sources: list[_Source], keys: list[str]) -> list[FileProblem]:
    problems: list[FileProblem] = []
    spool = workdir / "spool"
    spool.mkdir()
    totals = workdir / "totals.ndjson"  # the JSON files' rows, staged for one bulk insert
    groups: dict[tuple[int, tuple[str, ...]], list[tuple[_Source, Verified]]] = defaultdict(list)
    readers: dict[int, CsvDaily] = {}
    with totals.open("w", encoding="utf-8") as staged:
        for source in sources:
            reader = source.reader
            try:
                if isinstance(reader, CsvDaily):
                    verified = verify_in_place(source, spool)
                    header = tuple(csv_header(verified.path))
                    missing = [column for column in reader.required if column not in header]
                    if missing:
                        raise _Refused(
                            f"no {', '.join(repr(c) for c in missing)} column (documented: "
                            f"{','.join(reader.required)}); none of its rows is read"
                        )
                    groups[(id(reader), header)].append((source, verified))
                    readers[id(reader)] = reader
                else:
                    data = fetch_verified(source, None)
                    assert isinstance(data, bytes)
                    for row in json_rows(source, data):
                        staged.write(json.dumps(dict(zip(_NAMES, row, strict=True))) + "\n")
            except _Refused as refused:
                problems.append(FileProblem(source.location, str(refused)))
    load_staged(con, totals)
    totals.unlink()
    for (reader_id, header), files in groups.items():
        keys.extend(key for key, _ in dimensions_of(readers[reader_id], header) if key not in keys)
        for batch in _batches(files):
            problems.extend(load_csv_group(con, readers[reader_id], header, [(s, v.path) for s, v in batch]))
        for source, verified in files:
            if not verified.unchanged():  # changed while DuckDB read it: none of its rows is kept
                con.execute("DELETE FROM usage WHERE source_path = ?", [source.location])
                problems.append(FileProblem(source.location, CHANGED))
            if verified.signature is None:
                verified.path.unlink(missing_ok=True)
    return sorted(problems, key=lambda p: p.path)


#: CSV bytes parsed per statement: DuckDB holds a batch's rows as text until they are checked and inserted, so the
#: memory this takes stays flat however many months are read (a file larger than this is a batch of its own).
_BATCH_BYTES = 16 * 1024 * 1024


def _batches(files: list[tuple[_Source, Verified]]) -> Iterator[list[tuple[_Source, Verified]]]:
    """``files`` in order, cut into runs of at most ``_BATCH_BYTES`` of CSV (at least one file each)."""
    batch: list[tuple[_Source, Verified]] = []
    size = 0
    for item in files:
        signature = item[1].signature  # a local file's size when it was hashed; else our own spooled copy
        length = signature[0] if signature is not None else item[1].path.stat().st_size
        if batch and size + length > _BATCH_BYTES:
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += length
    if batch:
        yield batch


class MonthOverMonth(Frame):
    """Usage summed per group and month, one column per month, then ``change`` and ``change_pct``."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        workdir: Path,
        keys: list[str],
        months: list[str],
        *,
        with_name: bool,
        owner: UsageTable,
    ) -> None:
        self.keys = keys
        self.months = months
        group = ", ".join(keys)
        name = ", arg_max(tenant_name, coalesce(period_start, '')) AS tenant_name" if with_name else ""
        sums = ", ".join(f"sum(quantity) FILTER (WHERE {_MONTH} = '{month}') AS \"{month}\"" for month in months)
        last = f'"{months[-1]}"' if months else "NULL"
        before = f'"{months[-2]}"' if len(months) > 1 else "NULL"
        change = f"coalesce({last}, 0) - coalesce({before}, 0)" if len(months) > 1 else "CAST(NULL AS DECIMAL(38, 18))"
        query = (
            f"SELECT *, {change} AS change, CASE WHEN coalesce({before}, 0) = 0 THEN NULL "  # noqa: S608 - months are YYYY-MM
            f"ELSE CAST(round(({change}) * 100 / {before}, 2) AS DECIMAL(18, 2)) END AS change_pct "
            f"FROM (SELECT {group}{name}{', ' if sums else ''}{sums} FROM usage GROUP BY {group}) ORDER BY {group}"
        )
        super().__init__(con, query, workdir, owner=owner)
