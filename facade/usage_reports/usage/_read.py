"""Run folders -> one DuckDB table ``usage``: the manifests, then every file they list that a vendor documents.

Each file is read once: its bytes are hashed while they are copied into a
private spool folder, and only a copy whose sha256 is the manifest's is
parsed (a file changed since the run is refused by name, none of its rows
kept). JSON totals are parsed in Python with exact decimals; CSV files are
parsed by DuckDB, all the files of one header at once, every value as text
first, so that a value that is not a number or a date refuses its file by
name instead of failing the whole table.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import duckdb

from .._measures import CsvDaily, JsonTotals, MeasuredUsage
from .._providers import provider_named
from ..destinations import _storage as storage
from ..destinations._object_stores import ObjectLocation, store_for
from ._errors import FileProblem, FolderError

MANIFEST_NAME: Final = "manifest.json"
MANIFEST_FORMAT: Final = "usage-reports manifest"
#: Quantities: exact decimals with 18 digits after the point (a vendor's float, e.g. minutes as 1750.6166666666666,
#: is kept as written); prices and costs: 12 digits after the point.
QUANTITY: Final = "DECIMAL(38, 18)"
QUANTITY_SCALE: Final = 18
MONEY: Final = "DECIMAL(38, 12)"
MONEY_SCALE: Final = 12
_CHUNK: Final = 1024 * 1024
CHANGED: Final = "changed while it was read; none of its rows is read"
_NUMBER = re.compile(r"^[+-]?(\d+)(?:\.(\d*))?$")

#: The usage table's columns, in order, with their DuckDB types.
COLUMNS: Final = (
    ("provider", "VARCHAR"),
    ("account_id", "VARCHAR"),
    ("tenant_id", "VARCHAR"),
    ("tenant_name", "VARCHAR"),
    ("period_start", "VARCHAR"),
    ("period_end", "VARCHAR"),
    ("day", "DATE"),
    ("metric", "VARCHAR"),
    ("quantity", QUANTITY),
    ("unit", "VARCHAR"),
    ("dimensions", "VARCHAR"),
    ("source_path", "VARCHAR"),
    ("source_sha256", "VARCHAR"),
)


@dataclass(frozen=True)
class ListedFile:
    """A file a manifest lists that is kept as it is, never parsed (e.g. a report with undocumented columns)."""

    provider: str
    name: str | None
    kind: str
    tenant_name: str | None
    period_start: str | None
    period_end: str | None
    path: str
    sha256: str | None
    size: int | None


@dataclass(frozen=True)
class _Source:
    """A file to read: its record, where it is, and how."""

    record: Mapping[str, Any]
    location: str
    provider: str
    service: MeasuredUsage
    reader: JsonTotals | CsvDaily

    @property
    def period(self) -> tuple[str | None, str | None]:
        period = self.record.get("period")
        if not isinstance(period, dict):
            return None, None
        start, end = period.get("start"), period.get("end")
        return (start if isinstance(start, str) else None, end if isinstance(end, str) else None)

    @property
    def tenant_name(self) -> str | None:
        name = self.record.get("tenant_name")
        return name if isinstance(name, str) and name else None


def _text(value: object) -> str | None:
    if value is None:
        return None
    return str(value)


def exact_decimal(text: str, scale: int = QUANTITY_SCALE) -> Decimal | None:
    """``text`` as a Decimal when it is a plain decimal number with at most ``scale`` digits after the point
    (and at most 38 - ``scale`` before), else None."""
    match = _NUMBER.match(text.strip())
    if match is None or len(match.group(2) or "") > scale or len(match.group(1).lstrip("0")) > 38 - scale:
        return None
    return Decimal(text.strip())


# --- manifests ---------------------------------------------------------------------------------------------


def _location(folder: str, name: str) -> str:
    return str(storage.join(folder, name))


def read_manifest(folder: str) -> list[dict[str, Any]]:
    """The records of FOLDER's manifest.json; FolderError when there is none or it is not ours."""
    where = _location(folder, MANIFEST_NAME)
    if not storage.is_remote(folder) and not Path(folder).expanduser().is_dir():
        raise FolderError(f"{folder}: no such folder")
    try:
        text = storage.read_text(where)
    except FileNotFoundError:
        raise FolderError(f"{where}: no manifest (has fetch-all run in {folder}?)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FolderError(f"{where}: unreadable ({type(exc).__name__})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        raise FolderError(f"{where}: not JSON") from None
    if not isinstance(document, dict) or document.get("format") != MANIFEST_FORMAT:
        raise FolderError(f"{where}: not a usage-reports manifest")
    entries = document.get("entries")
    return [r for r in entries if isinstance(r, dict)] if isinstance(entries, list) else []


def plan(folders: Iterable[str | os.PathLike[str]]) -> tuple[list[_Source], list[ListedFile]]:
    """The files to read and the files only listed, from every folder's manifest (each file once)."""
    sources: list[_Source] = []
    listed: list[ListedFile] = []
    seen: set[str] = set()
    for given in folders:
        folder = os.fspath(given)
        for record in read_manifest(folder):
            path = record.get("path")
            if not record.get("ok") or not isinstance(path, str):
                continue
            location = _location(folder, path)
            if location in seen:
                continue
            seen.add(location)
            provider = str(record.get("provider"))
            kind = str(record.get("kind") or "report")
            descriptor = provider_named(provider)
            service = getattr(descriptor, "usage", None)
            reader = service.reader(kind) if isinstance(service, MeasuredUsage) else None
            if isinstance(service, MeasuredUsage) and reader is not None:
                sources.append(_Source(record, location, provider, service, reader))
                continue
            recorded = record.get("period")
            period: dict[str, Any] = recorded if isinstance(recorded, dict) else {}
            tenant_name = record.get("tenant_name")
            listed.append(
                ListedFile(
                    provider=provider,
                    name=_text(record.get("name")),
                    kind=kind,
                    tenant_name=tenant_name if isinstance(tenant_name, str) else None,
                    period_start=_text(period.get("start")),
                    period_end=_text(period.get("end")),
                    path=location,
                    sha256=_text(record.get("sha256")),
                    size=record.get("size") if isinstance(record.get("size"), int) else None,
                )
            )
    return sources, listed


# --- reading one file, checked -------------------------------------------------------------------------------


def _chunks(location: str) -> Iterator[bytes]:
    target = storage.resolve(location, what="file")
    if isinstance(target, ObjectLocation):
        yield store_for(target).read_bytes(target)
        return
    with Path(os.fspath(target)).expanduser().open("rb") as file:
        while chunk := file.read(_CHUNK):
            yield chunk


@dataclass(frozen=True)
class Verified:
    """A file whose bytes matched its manifest's sha256: where to parse it, and how to tell it has not changed since.

    A local file is parsed where it is; ``signature`` (size, mtime, inode) taken before it was hashed is compared
    again once it is parsed. An object is parsed from a local copy (``signature`` None).
    """

    path: Path
    signature: tuple[int, int, int] | None

    def unchanged(self) -> bool:
        return self.signature is None or _signature(self.path) == self.signature


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ino)


def verify_in_place(source: _Source, spool: Path) -> Verified:
    """A local file checked where it is (its sha256, then parsed in place), an object copied into ``spool``."""
    target = storage.resolve(source.location, what="file")
    if isinstance(target, ObjectLocation):
        copy = fetch_verified(source, spool)
        assert isinstance(copy, Path)
        return Verified(copy, None)
    path = Path(os.fspath(target)).expanduser()
    signature = _signature(path)
    fetch_verified(source, None, keep=False)
    if signature is None or _signature(path) != signature:
        raise _Refused(CHANGED)
    return Verified(path, signature)


def fetch_verified(source: _Source, spool: Path | None, *, keep: bool = True) -> bytes | Path:
    """The file's bytes (``spool`` None) or its copy in ``spool``, once its sha256 matches the manifest's.

    FileProblem (raised as a value in ``_Refused``) when it is missing or changed.
    """
    expected = source.record.get("sha256")
    digest = hashlib.sha256()
    kept: list[bytes] = []
    copy = spool / f"{len(os.listdir(spool))}.csv" if spool is not None else None
    try:
        with copy.open("wb") if copy is not None else io.BytesIO() as out:
            for chunk in _chunks(source.location):
                digest.update(chunk)
                if copy is None:
                    if keep:
                        kept.append(chunk)
                else:
                    out.write(chunk)
    except FileNotFoundError:
        raise _Refused("listed in the manifest but not found") from None
    except OSError as exc:
        raise _Refused(f"unreadable ({exc.strerror or type(exc).__name__})") from None
    if digest.hexdigest() != expected:
        if copy is not None:
            copy.unlink(missing_ok=True)
        raise _Refused(
            f"sha256 {digest.hexdigest()} does not match the manifest's {expected}: the file changed since "
            "the run; none of its rows is read"
        )
    return copy if copy is not None else b"".join(kept)


class _Refused(Exception):
    """One file's problem, while it is read."""


# --- JSON totals ---------------------------------------------------------------------------------------------


def json_rows(source: _Source, data: bytes) -> list[tuple[object, ...]]:
    """The rows of one JSON totals file (one per metric present), in the table's column order."""
    reader = source.reader
    assert isinstance(reader, JsonTotals)
    try:
        document = json.loads(data, parse_float=Decimal, parse_int=Decimal)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _Refused("not a JSON document") from None
    if not isinstance(document, dict):
        raise _Refused("not a JSON object")
    if reader.success_field is not None and document.get(reader.success_field, True) is not True:
        raise _Refused(f"{reader.success_field!r} is not true: the vendor reported a failure")
    parameters = source.record.get("parameters")
    parameters = parameters if isinstance(parameters, dict) else {}
    start, end = source.period
    rows: list[tuple[object, ...]] = []
    for key, metric in reader.fields:
        value = document.get(key)
        if value is None:
            continue  # not reported: no row (never a zero)
        quantity = exact_decimal(format(value, "f")) if isinstance(value, Decimal) and value.is_finite() else None
        if quantity is None:
            shown = format(value, "f") if isinstance(value, Decimal) else json.dumps(value)
            raise _Refused(
                f"{key}: {shown} is not a decimal number with at most {QUANTITY_SCALE} digits after the point"
            )
        rows.append(
            (
                source.provider,
                _text(parameters.get(reader.account_parameter)),
                _text(parameters.get(reader.tenant_parameter)),
                source.tenant_name,
                start,
                end,
                None,
                metric.name,
                format(quantity, "f"),
                metric.unit,
                "{}",
                source.location,
                source.record.get("sha256"),
            )
        )
    return rows


# --- CSV ---------------------------------------------------------------------------------------------------------


def csv_header(copy: Path) -> list[str]:
    with copy.open("r", encoding="utf-8-sig", newline="") as file:
        try:
            return next(csv.reader(file))
        except StopIteration:
            return []
        except (UnicodeDecodeError, csv.Error) as exc:
            raise _Refused(f"unreadable CSV header ({type(exc).__name__})") from None


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Sequence[object]]) -> None:
    """Insert ``rows`` (text or null values) into ``table`` in one statement (executemany costs ~2 ms a row)."""
    if not rows:
        return
    width = len(rows[0])
    lists = [[None if row[i] is None else str(row[i]) for row in rows] for i in range(width)]
    columns = ", ".join(f"unnest(${i + 1}::VARCHAR[])" for i in range(width))
    con.execute(f"INSERT INTO {table} SELECT {columns}", lists)


def _read_csv(con: duckdb.DuckDBPyConnection, header: tuple[str, ...], copies: list[Path], *, replace: bool) -> None:
    columns = "{" + ", ".join(f"{_literal(c)}: 'VARCHAR'" for c in header) + "}"
    paths = "[" + ", ".join(_literal(str(copy)) for copy in copies) + "]"
    select = (
        f"SELECT * FROM read_csv({paths}, header = true, columns = {columns}, filename = true, "  # noqa: S608 - quoted
        "quote = '\"', escape = '\"', delim = ',', strict_mode = true, encoding = 'utf-8', auto_detect = false)"
    )
    if replace:
        con.execute(f"CREATE OR REPLACE TEMP TABLE csv_raw AS {select}")
    else:
        con.execute(f"INSERT INTO csv_raw {select}")


def dimensions_of(reader: CsvDaily, header: tuple[str, ...]) -> list[tuple[str, str]]:
    """(key in ``dimensions``, CSV column): the documented dimensions, then every column not documented."""
    documented = {column for column, _ in reader.dimensions}
    return [(key, column) for column, key in reader.dimensions] + [
        (column, column) for column in header if column not in reader.required and column not in documented
    ]


def load_csv_group(
    con: duckdb.DuckDBPyConnection, reader: CsvDaily, header: tuple[str, ...], files: list[tuple[_Source, Path]]
) -> list[FileProblem]:
    """Parse every CSV copy of one header with DuckDB; insert the rows of the good files into ``usage``."""
    dimension_pairs = dimensions_of(reader, header)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE csv_meta (file VARCHAR, provider VARCHAR, account_id VARCHAR, "
        "period_start VARCHAR, period_end VARCHAR, source_path VARCHAR, source_sha256 VARCHAR)"
    )
    meta = []
    for source, copy in files:
        start, end = source.period
        account = _text(source.record.get("name")) or source.provider
        meta.append((str(copy), source.provider, account, start, end, source.location, source.record.get("sha256")))
    insert_rows(con, "csv_meta", meta)
    problems: list[FileProblem] = []
    try:
        _read_csv(con, header, [copy for _, copy in files], replace=True)
    except duckdb.Error:  # one file that is not CSV as documented: find it, read the others
        first = True
        for source, copy in files:
            try:
                _read_csv(con, header, [copy], replace=first)
                first = False
            except duckdb.Error as exc:
                reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                problems.append(
                    FileProblem(source.location, f"not CSV as documented ({reason}); none of its rows is read")
                )
        if first:
            return problems
    day, quantity, tenant = (_quote(reader.day_column), _quote(reader.quantity_column), _quote(reader.tenant_column))
    number = r"'^[+-]?0*\d{1,20}(\.\d{0,18})?$'"
    bad = con.execute(
        f"SELECT filename, any_value(CASE WHEN NOT regexp_full_match(coalesce(trim({quantity}), ''), {number}) "  # noqa: S608
        f"THEN {_literal(reader.quantity_column)} || ' ' || coalesce({quantity}, 'empty') ELSE {_literal(reader.day_column)} || ' ' "
        f"|| coalesce({day}, 'empty') END) FROM csv_raw WHERE NOT regexp_full_match(coalesce(trim({quantity}), ''), {number}) "
        f"OR try_cast({day} AS DATE) IS NULL OR NOT regexp_full_match({day}, '^\\d{{4}}-\\d{{2}}-\\d{{2}}$') GROUP BY filename"
    ).fetchall()
    by_copy = {str(copy): source for source, copy in files}
    problems += [
        FileProblem(
            by_copy[file].location,
            f"{value}: not a {'date' if value.startswith(reader.day_column + ' ') else 'decimal number'}"
            " as documented; none of its rows is read",
        )
        for file, value in bad
    ]
    refused = [file for file, _ in bad]
    dimensions = (
        "json_object(" + ", ".join(f"{_literal(key)}, {_quote(column)}" for key, column in dimension_pairs) + ")"
    )
    con.execute(
        f"INSERT INTO usage SELECT m.provider, m.account_id, {tenant}, NULL, m.period_start, m.period_end, "  # noqa: S608
        f"CAST({day} AS DATE), {_literal(reader.metric.name)}, CAST(trim({quantity}) AS {QUANTITY}), "
        f"{_literal(reader.metric.unit)}, CAST({dimensions} AS VARCHAR), m.source_path, m.source_sha256 "
        "FROM csv_raw r JOIN csv_meta m ON r.filename = m.file WHERE r.filename NOT IN (SELECT unnest(?::VARCHAR[]))",
        [refused],
    )
    con.execute("DROP TABLE csv_raw")
    con.execute("DROP TABLE csv_meta")
    return problems


def load_staged(con: duckdb.DuckDBPyConnection, staged: Path) -> None:
    """Insert the staged rows (JSON lines of the table's columns, as text or null) into ``usage`` at once."""
    if staged.stat().st_size == 0:
        return
    columns = "{" + ", ".join(f"{_literal(name)}: 'VARCHAR'" for name, _ in COLUMNS) + "}"
    casts = ", ".join(f"CAST({_quote(name)} AS {kind})" for name, kind in COLUMNS)
    con.execute(
        f"INSERT INTO usage SELECT {casts} FROM read_json({_literal(str(staged))}, "  # noqa: S608 - quoted
        f"format = 'newline_delimited', columns = {columns})"
    )
