"""A run's journal: each finished entry persisted as it finishes, in linear time, crash-safe.

While a run goes on, each finished entry is handed to a writer thread (the
event loop never waits for the disk) that appends it as one JSON line to
``.manifest.journal`` beside the reports, then flushes and fsyncs: every
record queued meanwhile goes in the same write and fsync. At the end, the
previous manifest and the run's records are folded into ``manifest.json`` in
one atomic replace and the journal is removed (``_state``). A run that died
without unwinding (SIGKILL, power loss) leaves its journal, which the next run
folds in before it starts, and which ``usage-reports manifest`` reads
meanwhile. An object store cannot append: there the writer thread replaces
``manifest.json`` at most every ``CHECKPOINT_INTERVAL`` seconds while records
come in (``state: "running"``), and once at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

from .._exceptions import UsageReportsError
from .._logging import logger
from ..destinations._sinks import fsync_folder
from ._config import ConfigError
from ._document import Folder, Manifest, epoch, is_remote, merge, now_iso, write_manifest
from ._errors import names
from ._lock import RunInfo
from ._records import InvalidRecord, Record, State, Summary, record_from_json, summarize, to_json

JOURNAL_NAME: Final = ".manifest.journal"
JOURNAL_FORMAT: Final = "usage-reports manifest journal"
#: In an object store, the manifest is replaced at most this often while a run goes on (seconds).
CHECKPOINT_INTERVAL: float = 10.0


@dataclass
class Journal:
    """A run's journal as found on disk: its header (who ran) and the records it finished."""

    header: dict[str, Any]
    records: list[Record]

    def summary(self, state: State) -> Summary:
        started_at = self.header.get("started_at")
        times = [r.finished_at for r in self.records] + [started_at]
        finished = [t for t in times if isinstance(t, str)]
        finished_at = max(finished) if finished else None
        start, end = epoch(started_at), epoch(finished_at)
        wall = end - start if start is not None and end is not None else 0.0
        run_id = self.header.get("run_id")
        return summarize(
            self.records,
            run_id=run_id if isinstance(run_id, str) else None,
            started_at=started_at if isinstance(started_at, str) else None,
            state=state,
            finished_at=finished_at or now_iso(),
            wall_time=wall,
        )


def read_journal(path: Path) -> Journal | None:
    """A journal left in the folder (None when there is none); a torn last line is ignored (blocking)."""
    try:
        with path.open("rb") as file:
            lines = file.read().split(b"\n")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: unreadable ({exc.strerror or type(exc).__name__})") from None
    parsed: list[dict[str, Any]] = []
    for line in lines:
        try:
            value = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue  # the line a crash cut short, or the empty tail
        if isinstance(value, dict):
            parsed.append(value)
    if not parsed or parsed[0].get("format") != JOURNAL_FORMAT:
        raise ConfigError(f"{path}: not a usage-reports journal; move it away or choose another {names().out_dir}")
    records: list[Record] = []
    for value in parsed[1:]:
        try:
            records.append(record_from_json(value))
        except InvalidRecord:  # a line written by no version of ours
            logger.warning("manifest: %s: a line that is not a record was left out", path)
    return Journal(parsed[0], records)


class Writer:
    """A thread that persists records as they come: a journal appended and fsynced (local), or checkpoints (store).

    ``add()`` never blocks (the event loop calls it). Each round writes every
    record queued meanwhile with one write and one fsync, so the cost stays
    linear in the records however fast they come.
    """

    def __init__(self, folder: Folder, run: RunInfo, previous: Manifest) -> None:
        self.folder = folder
        self.run = run
        self.previous = previous
        self.error: BaseException | None = None
        self._queue: queue.SimpleQueue[Record | None] = queue.SimpleQueue()
        self._records: list[Record] = []
        self._file: IO[bytes] | None = None
        self._thread = threading.Thread(target=self._loop, name="usage-reports-manifest", daemon=True)

    @property
    def journal(self) -> Path | None:
        return None if is_remote(self.folder) else Path(self.folder) / JOURNAL_NAME

    def start(self) -> None:
        journal = self.journal
        if journal is not None:
            header = {"format": JOURNAL_FORMAT, "version": 1, **self.run.holder()}
            fd = os.open(journal, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND | os.O_CLOEXEC, 0o644)
            self._file = os.fdopen(fd, "wb")
            self._file.write(json.dumps(header).encode() + b"\n")
            self._file.flush()
            os.fsync(fd)
            fsync_folder(journal.parent)
        self._thread.start()

    def add(self, record: Record) -> None:
        self._queue.put(record)

    def stop(self) -> list[Record]:
        """Write what is queued, stop, and return every record received (in the order they came)."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
        return self._records

    def _loop(self) -> None:
        last_checkpoint = time.monotonic()
        dirty = False  # records not yet in a store checkpoint
        while True:
            timeout = None
            if dirty and self._file is None:
                timeout = max(0.0, last_checkpoint + CHECKPOINT_INTERVAL - time.monotonic())
            batch: list[Record | None] = []
            with contextlib.suppress(queue.Empty):
                batch.append(self._queue.get(timeout=timeout))
            with contextlib.suppress(queue.Empty):
                while True:
                    batch.append(self._queue.get_nowait())
            stop = None in batch
            records = [r for r in batch if r is not None]
            self._records.extend(records)
            if self._file is None:
                dirty = dirty or bool(records)
            if self.error is None:
                try:
                    if self._file is not None and records:
                        self._file.write(b"".join(_line(r) for r in records))
                        self._file.flush()
                        os.fsync(self._file.fileno())
                    elif dirty and not stop and time.monotonic() - last_checkpoint >= CHECKPOINT_INTERVAL:
                        self._checkpoint()
                        last_checkpoint = time.monotonic()
                        dirty = False
                except (OSError, UsageReportsError) as exc:
                    self.error = exc
                    logger.warning("manifest: could not record progress (%s); manifest.json is written at the end", exc)
            if stop:
                return

    def _checkpoint(self) -> None:
        summary = self.run.summarize(self._records, "running")
        write_manifest(self.folder, merge(self.previous.entries, self._records), summary)


def _line(record: Record) -> bytes:
    return json.dumps(to_json(record), ensure_ascii=False).encode() + b"\n"
