"""What every result table offers: its DuckDB relation, its rows, and writers to a file or an object store."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from .._exceptions import InvalidRequest
from ..destinations import _storage as storage
from ..destinations._object_stores import ObjectLocation
from ..destinations._sinks import FileSink, Sink

_BATCH = 10_000
_ISO = "TIMESTAMPFORMAT '%Y-%m-%dT%H:%M:%SZ'"
#: DuckDB's COPY options per format: timestamps in ISO 8601 UTC, decimals with their digits. Parquet row groups are
#: 30,000 rows rather than DuckDB's 122,880: each writing thread holds a whole row group in memory before it is
#: encoded, and a row of charges has ~45 columns: the default cost ~450 MiB of RSS writing a year of tenants'
#: charges (B9), 30,000 rows ~150 MiB, for a file ~9% larger. A row count, not ROW_GROUP_SIZE_BYTES: DuckDB 1.1
#: (the lowest we support) refuses that option unless insertion order is given up, and row order is kept.
COPY_OPTIONS = {
    "parquet": "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 30000",
    "csv": f"FORMAT csv, HEADER true, {_ISO}",
    "json": f"FORMAT json, ARRAY true, {_ISO}",
}


class Frame:
    """A table held by an embedded DuckDB: ``relation`` to query with SQL, ``rows()``, and the writers.

    A writer renders the table into a private temporary file, then puts it in
    place: a local file is replaced atomically (a reader sees the old file or
    the new, never a part), an object is uploaded whole. Decimals stay
    decimals in every format (Parquet DECIMAL, their digits in CSV and JSON).
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, query: str, workdir: Path, *, owner: object = None) -> None:
        self._owner = owner  # the table whose database this one reads lives as long as this one
        self._con = con
        self._query = query
        self._workdir = workdir

    @property
    def relation(self) -> duckdb.DuckDBPyRelation:
        """The table as a DuckDB relation: ``table.relation.filter("metric = 'billable_events'").aggregate(...)``."""
        return self._con.sql(self._query)

    @property
    def columns(self) -> list[str]:
        return list(self._con.sql(self._query).columns)

    def __len__(self) -> int:
        row = self._con.execute(f"SELECT count(*) FROM ({self._query})").fetchone()  # noqa: S608 - our own query
        return int(row[0]) if row else 0

    def rows(self) -> Iterator[dict[str, Any]]:
        """Each row as a dict of Python values (Decimal, datetime.date, str, None), in the table's order."""
        cursor = self._con.cursor()
        try:
            result = cursor.execute(self._query)
            names = [d[0] for d in result.description or ()]
            while batch := result.fetchmany(_BATCH):
                for values in batch:
                    yield dict(zip(names, values, strict=True))
        finally:
            cursor.close()

    def to_parquet(self, dest: str | os.PathLike[str]) -> None:
        """Write the table as Parquet (decimals as DECIMAL, days as DATE) to a path or an object-store URL."""
        self._write(dest, COPY_OPTIONS["parquet"])

    def to_csv(self, dest: str | os.PathLike[str]) -> None:
        """Write the table as CSV with a header (empty cell for null) to a path or an object-store URL."""
        self._write(dest, COPY_OPTIONS["csv"])

    def to_json(self, dest: str | os.PathLike[str]) -> None:
        """Write the table as one JSON array of objects (decimals as exact numbers) to a path or a URL."""
        self._write(dest, COPY_OPTIONS["json"])

    def _write(self, dest: str | os.PathLike[str], options: str) -> None:
        target = storage.resolve(dest, what="destination")
        sink: Sink
        if isinstance(target, ObjectLocation):
            sink = storage.RemoteSink(target, overwrite=True)
            sink.check()
        else:
            path = Path(os.fspath(target)).expanduser()
            if not path.parent.is_dir():
                raise InvalidRequest(f"destination {str(path)!r}: folder {str(path.parent)!r} does not exist")
            sink = FileSink(path, overwrite=True)
        with tempfile.TemporaryDirectory(dir=self._workdir) as scratch:
            rendered = Path(scratch) / "out"
            self.copy_to(str(rendered), options)
            try:
                with rendered.open("rb") as file:
                    while chunk := file.read(1024 * 1024):
                        sink.write(chunk)
                sink.commit()
            except BaseException:
                sink.abort()
                raise

    def copy_to(self, path: str, options: str) -> None:
        """DuckDB's COPY of the table to a local path."""
        escaped = path.replace("'", "''")
        self._con.execute(f"COPY ({self._query}) TO '{escaped}' ({options})")


def new_workdir() -> Path:
    """A private folder for spooled copies, DuckDB's spill files and rendered outputs."""
    return Path(tempfile.mkdtemp(prefix="usage-reports-data-"))


def remove_workdir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
