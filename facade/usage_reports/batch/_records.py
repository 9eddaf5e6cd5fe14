"""The manifest's data, typed: one ``Record`` per file (or failed listing), one ``Summary`` per run.

Frozen attrs classes, turned into JSON objects and back by cattrs (``to_json``
/ ``record_from_json``). Each field's metadata carries the description and
the JSON Schema details (``schema``) that ``_schema`` assembles into
``manifest.schema.json``: the shipped schema is generated from these classes
(``python -m usage_reports.batch._schema``), and a test fails when it differs.
"""

from __future__ import annotations

from typing import Any, Final, Literal

import attrs
import cattrs

#: The run's states a summary can record (``running``: an object-store checkpoint written while the run went on).
State = Literal["finished", "interrupted", "running"]

TIMESTAMP: Final = {"$ref": "#/$defs/timestamp"}
SHA256: Final = {"$ref": "#/$defs/sha256"}


def _about(description: str | None = None, **schema: Any) -> dict[str, Any]:
    """A field's metadata: its description and any JSON Schema keywords beyond its type."""
    metadata: dict[str, Any] = {"schema": schema}
    if description is not None:
        metadata["description"] = description
    return metadata


@attrs.frozen
class Error:
    """Why an entry failed. The message is redacted: it never holds a credential or a signed URL."""

    type: str = attrs.field(
        metadata=_about("The library's error class (ServerError, PermissionDenied, StorageError...), or FileExists.")
    )
    message: str = attrs.field(metadata=_about("One line, redacted."))
    status_code: int | None = attrs.field(metadata=_about("The vendor's HTTP status, when it answered with one."))


@attrs.frozen
class RecordPeriod:
    """The report's period in ISO 8601, end exclusive; start is null where the vendor's default start applies."""

    start: str | None = attrs.field(metadata=_about(ref=TIMESTAMP))
    end: str = attrs.field(metadata=_about(ref=TIMESTAMP))


@attrs.frozen(kw_only=True)
class WrittenBy:
    """The run that wrote a file a later run skipped, and what the provider reported to that run."""

    run_id: str = attrs.field(metadata=_about("The run that downloaded the file (its records' run_id)."))
    details: dict[str, Any] = attrs.field(
        metadata=_about('What the provider reported to that run, e.g. {"report_id": 12, "report": "created"}.')
    )


@attrs.frozen(kw_only=True)
class Record:
    """One report (or, with path null, a listing that failed before any report could be named)."""

    label: str = attrs.field(
        metadata=_about(
            "Where the entry is in the config: provider[index] (name) and, for an entry standing for several "
            "reports, which one (e.g. inner_organization_id=7)."
        )
    )
    provider: str = attrs.field(metadata=_about("The provider's registry name: its table in the config."))
    name: str | None = attrs.field(metadata=_about("The entry's name from the config (it prefixes the file name)."))
    period: RecordPeriod | None = attrs.field(
        metadata=_about("The report's period; null for reports without one (they show the state when fetched).")
    )
    parameters: dict[str, Any] = attrs.field(
        metadata=_about(
            "What was requested: the provider's request parameters, readable values first (period in ISO 8601), "
            "then the raw values sent."
        )
    )
    credential_env: str | None = attrs.field(
        metadata=_about(
            "The environment variable holding this entry's credential (its name, never its value); "
            "null: the provider's usual variable."
        )
    )
    path: str | None = attrs.field(
        metadata=_about("The file's name inside DIR (or under the object-store prefix); null for a failed listing.")
    )
    details: dict[str, Any] = attrs.field(
        metadata=_about(
            "What the provider reports about how the file was obtained, e.g. "
            '{"report_id": 12, "report": "reused"} or "created".'
        )
    )
    ok: bool = attrs.field(metadata=_about())
    skipped: bool = attrs.field(
        metadata=_about("The file was already there with the recorded sha256 and was not downloaded again.")
    )
    error: Error | None = attrs.field(metadata=_about())
    exit_code: int = attrs.field(
        metadata=_about(
            "0 ok; 1 remote, network or storage failure; 2 refused before sending "
            "(e.g. an existing file that is not the one recorded).",
            minimum=0,
        )
    )
    size: int | None = attrs.field(metadata=_about("Bytes (null when the entry failed).", minimum=0))
    sha256: str | None = attrs.field(metadata=_about(ref=SHA256))
    media_type: str | None = attrs.field(metadata=_about("The report's media type, e.g. text/csv or application/pdf."))
    started_at: str | None = attrs.field(
        metadata=_about("When the download started (for a skipped file: when it was downloaded).", ref=TIMESTAMP)
    )
    finished_at: str | None = attrs.field(metadata=_about(ref=TIMESTAMP))
    run_id: str = attrs.field(
        metadata=_about("The run that made this record (the summary's run_id when it is the last run's).")
    )
    kind: str = attrs.field(
        default="report",
        metadata=_about(
            "What the record stands for: report (a vendor's usage report file) or compute_time (a tenant's compute "
            "time of the period, the vendor's JSON). Absent in older manifests: report."
        ),
    )
    tenant_name: str | None = attrs.field(
        default=None,
        metadata=_about("The tenant's name, where the vendor names the tenant a report is for; else null."),
    )
    written_by: WrittenBy | None = attrs.field(
        default=None,
        metadata=_about(
            "For a skipped file: the run that downloaded it and what the provider reported then "
            "(this run obtained nothing). null otherwise, and in older manifests."
        ),
    )
    adopted: bool = attrs.field(
        default=False,
        metadata=_about(
            "The object was already in the store, written by a run that did not finish, with the sha256 of the "
            "report this run downloaded: it was kept as it was, not written again. Absent in older manifests: false."
        ),
    )

    @property
    def failed(self) -> bool:
        return not self.ok

    @property
    def downloaded(self) -> bool:
        return self.ok and not self.skipped


@attrs.frozen(kw_only=True)
class Summary:
    """The last run that wrote this manifest. A monitor reads `ok` (or runs `usage-reports manifest DIR`)."""

    run_id: str | None = attrs.field(
        metadata=_about(
            "Identifies the run; each record it wrote carries the same run_id. "
            "null only for a summary derived from a version 1 manifest."
        )
    )
    state: State = attrs.field(
        metadata=_about(
            "finished: the run completed. interrupted: it was stopped (a signal) or died; the records are those it "
            "finished. running: an object-store checkpoint written while the run went on (or the run was killed "
            "before its end)."
        )
    )
    ok: bool = attrs.field(metadata=_about("The run finished and none of its entries failed."))
    exit_code: int | None = attrs.field(
        metadata=_about(
            "The run's exit status: 0 success, 1 a remote, network or storage failure (or a refused entry in a run "
            "that downloaded something), 2 refused entries only, nothing downloaded (e.g. an existing file that is "
            "not the one recorded). null when the run did not finish.",
            minimum=0,
        )
    )
    started_at: str | None = attrs.field(metadata=_about(ref=TIMESTAMP))
    finished_at: str | None = attrs.field(
        metadata=_about("When the run ended (for an interrupted run: when its last entry finished).", ref=TIMESTAMP)
    )
    wall_time_seconds: float = attrs.field(metadata=_about(minimum=0))
    entries: int = attrs.field(metadata=_about("Records the run made (downloaded + skipped + failed).", minimum=0))
    downloaded: int = attrs.field(metadata=_about("Files the run downloaded.", minimum=0))
    skipped: int = attrs.field(
        metadata=_about("Files already present with the recorded sha256, not downloaded again.", minimum=0)
    )
    failed: int = attrs.field(metadata=_about("Entries that failed (each record says why).", minimum=0))
    downloaded_bytes: int = attrs.field(metadata=_about("Bytes of the files the run downloaded.", minimum=0))
    total_bytes: int = attrs.field(
        metadata=_about("Bytes of every file the run accounts for (downloaded and skipped).", minimum=0)
    )


def summarize(
    records: list[Record],
    *,
    run_id: str | None,
    started_at: str | None,
    state: State,
    finished_at: str | None,
    wall_time: float,
) -> Summary:
    """The summary of one run's records."""
    downloaded = [r for r in records if r.downloaded]
    failed = sum(1 for r in records if r.failed)
    exit_code = max((r.exit_code for r in records), default=0) if state == "finished" else None
    if exit_code == 2 and any(r.downloaded or r.exit_code == 1 for r in records):
        exit_code = 1  # 2 says "bad input, nothing sent": never after a download
    return Summary(
        run_id=run_id,
        state=state,
        ok=state == "finished" and failed == 0,
        exit_code=exit_code,
        started_at=started_at,
        finished_at=finished_at,
        wall_time_seconds=round(max(wall_time, 0.0), 3),
        entries=len(records),
        downloaded=len(downloaded),
        skipped=sum(1 for r in records if r.skipped),
        failed=failed,
        downloaded_bytes=sum(r.size or 0 for r in downloaded),
        total_bytes=sum(r.size or 0 for r in records if r.ok),
    )


#: What structuring a record or summary raises when the JSON is not one: every problem, each with its key path.
InvalidRecord: Final = cattrs.BaseValidationError

#: Records and summaries to JSON objects and back; None values are written (the schema requires every key).
converter: Final = cattrs.Converter(forbid_extra_keys=False)


def to_json(value: Record | Summary | Error) -> dict[str, Any]:
    """The JSON object of a record or summary, keys in the fields' order."""
    document: dict[str, Any] = converter.unstructure(value)
    return document


def record_from_json(document: object) -> Record:
    """A record from its JSON object; cattrs.ClassValidationError (every problem, each with its key) when invalid."""
    return converter.structure(document, Record)


def summary_from_json(document: object) -> Summary:
    return converter.structure(document, Summary)


def problems_of(error: cattrs.BaseValidationError, where: str, path: str) -> list[str]:
    """Every problem cattrs found, one line each, naming the key path (``path``: the value's own)."""
    return [f"{where}: {line}" for line in cattrs.transform_error(error, path=path)]
