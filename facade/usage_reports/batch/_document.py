"""manifest.json, the document: its format, reading (versions 1 and 2), writing and merging.

The document (its JSON Schema is ``manifest.schema.json`` in this package,
generated from ``_records``)::

    {"format": "usage-reports manifest", "version": 2, "generator": "usage-reports 0.1.0",
     "summary": {the last run: state, counts, bytes, times, exit code},
     "entries": [one record per file: the last run's first, then those of earlier runs]}

A run merges its records into the previous manifest: a record for the same
file replaces the old one, records of other files (other configs, other
periods) are kept. Records without a file (a listing that failed) belong to
their run only and are not carried over.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from .._version import __version__
from ..destinations import _storage as storage
from ._config import ConfigError
from ._errors import names
from ._records import InvalidRecord, Record, Summary, problems_of, record_from_json, summary_from_json, to_json

MANIFEST_NAME: Final = "manifest.json"
MANIFEST_FORMAT: Final = "usage-reports manifest"
MANIFEST_VERSION: Final = 2
SCHEMA_NAME: Final = "manifest.schema.json"
_HASH_CHUNK: Final = 1024 * 1024

#: A local folder or an object-store prefix URL.
Folder = Path | str


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def epoch(iso: object) -> float | None:
    if not isinstance(iso, str):
        return None
    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return None


def schema() -> dict[str, Any]:
    """The manifest's JSON Schema (draft 2020-12), shipped in this package."""
    from importlib.resources import files

    document: dict[str, Any] = json.loads(files(__package__).joinpath(SCHEMA_NAME).read_text(encoding="utf-8"))
    return document


def is_remote(folder: Folder) -> bool:
    return isinstance(folder, str) and storage.is_remote(folder)


def location(folder: Folder, name: str) -> Path | str:
    """``folder/name``: a Path in a local folder, a URL under an object-store prefix."""
    if is_remote(folder):
        return str(storage.join(folder, name))
    return Path(folder) / name


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def stored_sha256(target: Path | str) -> str | None:
    """The sha256 of a file, or of an object (its ``sha256`` metadata, else its bytes); None when absent."""
    if isinstance(target, Path):
        return file_sha256(target) if target.is_file() else None
    try:
        return storage.sha256_of(target)
    except FileNotFoundError:
        return None


@dataclass
class Manifest:
    """A folder's manifest as read: its records, and the summary of the run that wrote it last (None for v1)."""

    entries: list[Record] = field(default_factory=list)
    summary: Summary | None = None
    legacy: Mapping[str, Any] = field(default_factory=dict)  # a version 1 document's top-level fields

    def by_path(self) -> dict[str, Record]:
        return {r.path: r for r in self.entries if r.path is not None}


def merge(previous: Iterable[Record], run: list[Record]) -> list[Record]:
    """The run's records first, then the earlier records of every other file (a record without a file is dropped)."""
    paths = {r.path for r in run}
    kept = [r for r in previous if r.path is not None and r.path not in paths]
    return [*run, *kept]


def dumps(entries: list[Record], summary: Summary) -> str:
    """The manifest text: indented for people, one record per block; the records first in the run's order."""
    document = {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "generator": f"usage-reports {__version__}",
        "summary": to_json(summary),
        "entries": [to_json(r) for r in entries],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def parse_manifest(text: str, where: str) -> Manifest:
    """A manifest's records and summary; ConfigError when it is not one of ours."""
    out_dir = names().out_dir
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        raise ConfigError(f"{where}: unreadable (not JSON); move it away or choose another {out_dir}") from None
    if not isinstance(document, dict) or document.get("format") != MANIFEST_FORMAT:
        raise ConfigError(f"{where}: not a usage-reports manifest; move it away or choose another {out_dir}")
    version = document.get("version")
    if not isinstance(version, int) or version > MANIFEST_VERSION:
        raise ConfigError(
            f"{where}: manifest version {version!r} is newer than this usage-reports understands ({MANIFEST_VERSION}); "
            "upgrade usage-reports"
        )
    found = document.get("entries")
    raw = [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []
    if version < 2:  # version 1 had no run ids
        raw = [{"run_id": "", **r} for r in raw]
    problems: list[str] = []
    entries: list[Record] = []
    for index, item in enumerate(raw):
        try:
            entries.append(record_from_json(item))
        except InvalidRecord as exc:  # every problem, with its key
            problems.extend(problems_of(exc, where, f"entries[{index}]"))
    summary: Summary | None = None
    if isinstance(document.get("summary"), dict):
        try:
            summary = summary_from_json(document["summary"])
        except InvalidRecord as exc:
            problems.extend(problems_of(exc, where, "summary"))
    if problems:
        raise ConfigError(*problems, f"{where}: move it away or choose another {out_dir}")
    legacy = {k: document.get(k) for k in ("started_at", "finished_at", "ok")} if version < 2 else {}
    return Manifest(entries, summary, legacy)


def read_manifest(folder: Folder) -> Manifest:
    """The folder's manifest (empty when there is none); ConfigError when it is unreadable or not ours (blocking)."""
    where = location(folder, MANIFEST_NAME)
    try:
        text = storage.read_text(where)
    except FileNotFoundError:
        return Manifest()
    except UnicodeDecodeError:
        raise ConfigError(
            f"{where}: unreadable (not UTF-8); move it away or choose another {names().out_dir}"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{where}: unreadable ({exc.strerror or type(exc).__name__})") from None
    return parse_manifest(text, str(where))


def write_manifest(folder: Folder, entries: list[Record], summary: Summary) -> None:
    """Replace the folder's manifest.json atomically (blocking)."""
    storage.write_text_atomic(location(folder, MANIFEST_NAME), dumps(entries, summary))
