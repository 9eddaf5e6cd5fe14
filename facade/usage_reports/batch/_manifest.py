"""manifest.json and the folder's lock, by concern (this module keeps the names it used to hold).

- ``_records``: the data, typed (``Record``, ``Summary``, ``Error``), to and from JSON with cattrs.
- ``_document``: the document's format, reading (versions 1 and 2), writing and merging.
- ``_journal``: each finished entry persisted as it finishes (the journal and its writer thread).
- ``_lock``: one run per folder (a local flock, or an object created with a conditional write).
- ``_state``: a run's hold on its folder (lock, recovery, journal, the final fold into manifest.json).
- ``usage_reports.cli._manifest_view``: ``usage-reports manifest DIR``, which prints.
"""

from __future__ import annotations

from ._document import (
    MANIFEST_FORMAT,
    MANIFEST_NAME,
    MANIFEST_VERSION,
    SCHEMA_NAME,
    Folder,
    Manifest,
    dumps,
    file_sha256,
    is_remote,
    location,
    merge,
    now_iso,
    parse_manifest,
    read_manifest,
    schema,
    stored_sha256,
    write_manifest,
)
from ._journal import CHECKPOINT_INTERVAL, JOURNAL_FORMAT, JOURNAL_NAME, Journal, read_journal
from ._lock import LOCK_NAME, RunInfo, describe_holder
from ._records import Error, Record, State, Summary, summarize
from ._state import RunState

__all__ = [
    "CHECKPOINT_INTERVAL",
    "JOURNAL_FORMAT",
    "JOURNAL_NAME",
    "LOCK_NAME",
    "MANIFEST_FORMAT",
    "MANIFEST_NAME",
    "MANIFEST_VERSION",
    "SCHEMA_NAME",
    "Error",
    "Folder",
    "Journal",
    "Manifest",
    "Record",
    "RunInfo",
    "RunState",
    "State",
    "Summary",
    "describe_holder",
    "dumps",
    "file_sha256",
    "is_remote",
    "location",
    "merge",
    "now_iso",
    "parse_manifest",
    "read_journal",
    "read_manifest",
    "schema",
    "stored_sha256",
    "summarize",
    "write_manifest",
]
