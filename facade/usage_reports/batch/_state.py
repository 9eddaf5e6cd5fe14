"""A run's hold on its folder: locked, recovered, its previous manifest read, its records persisted.

A run stopped by a signal writes what it finished (``state: "interrupted"``),
also when it finished nothing: the manifest then tells of the interrupted run.

**Temporary files of a dead run.** A download's hidden temporary file is
``.<name>.<12 hex>.part`` beside its destination; a run that unwinds removes
its own. When a run takes the lock and finds the previous holder's details
still in the lock file, that holder died without unwinding (a run that ends
removes the file; the flock being free proves it is gone). Its temporary
files are removed: those with our naming pattern, for a file this folder's
batch writes (this run's entries, the manifest's records, manifest.json), and
last modified between the dead run's start and this run's. Nothing else is
touched: not another program's files, not a download of the same name started
by hand while no fetch-all ran. Object stores need no such cleaning: a report
is spooled in an anonymous local temporary file, and an upload that fails is
aborted (a bucket lifecycle rule, AbortIncompleteMultipartUpload, removes
what a killed process could not).
"""

from __future__ import annotations

import contextlib
import re
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from .._exceptions import UsageReportsError
from .._logging import logger
from ._document import MANIFEST_NAME, Folder, Manifest, epoch, is_remote, merge, read_manifest, write_manifest
from ._journal import JOURNAL_NAME, Writer, read_journal
from ._lock import LocalLock, RemoteLock, RunInfo, describe_holder
from ._records import Record, State, Summary

#: Our temporary files: FileSink's ``.<name>.<12 hex>.part``, and version 1's manifest writer (mkstemp, 8 characters).
_PART = re.compile(r"\.(?P<name>.+)\.(?:[0-9a-f]{12}|[a-z0-9_]{8})\.part")
#: Slack for clocks and file-system timestamp granularity when comparing a file's mtime with a run's start.
_MTIME_SLACK: Final = 2.0


class RunState:
    """A run's hold on its folder: locked, recovered, its previous manifest read, its records persisted.

    Use as a context manager around the run; call ``finish(records)`` when it
    completes. Leaving the block without finish() (an exception, a signal)
    writes what was finished as an interrupted run. The lock is released last.
    """

    def __init__(self, folder: Folder, run: RunInfo | None = None) -> None:
        self.folder = folder
        self.run = run or RunInfo.new()
        self.previous = Manifest()
        self.summary: Summary | None = None
        #: The run's records once it ended (finished, or what an interrupted run finished).
        self.records: list[Record] = []
        self.removed_parts: list[str] = []
        self._lock: LocalLock | RemoteLock | None = None
        self._writer: Writer | None = None

    def __enter__(self) -> RunState:
        if is_remote(self.folder):
            self._lock = RemoteLock(str(self.folder), self.run)
        else:
            self._lock = LocalLock(Path(self.folder), self.run)
        try:
            self._recover()
            self.previous = read_manifest(self.folder)
            self._writer = Writer(self.folder, self.run, self.previous)
            self._writer.start()
        except BaseException:
            self._lock.release()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: object) -> None:
        try:
            if self.summary is None and self._writer is not None:
                records = self.records = list(self._writer.stop())
                try:  # even with nothing finished: `usage-reports manifest` then tells of the interrupted run
                    self._write(records, "interrupted")
                except (OSError, UsageReportsError) as exc:  # the journal stays: the next run folds it in
                    if error is None:
                        raise
                    logger.warning("manifest: could not write %s (%s)", MANIFEST_NAME, exc)
        finally:
            if self._lock is not None:
                self._lock.release()

    def previous_records(self) -> dict[str, Record]:
        return self.previous.by_path()

    def record(self, record: Record) -> None:
        """Persist one finished entry (never blocks)."""
        assert self._writer is not None
        self._writer.add(record)

    def finish(self, records: list[Record]) -> Summary:
        """The run is complete: fold everything into manifest.json (blocking); the summary."""
        assert self._writer is not None
        self._writer.stop()
        self.records = list(records)
        return self._write(records, "finished")

    def _write(self, records: list[Record], state: State) -> Summary:
        summary = self.run.summarize(records, state)
        write_manifest(self.folder, merge(self.previous.entries, records), summary)
        self.summary = summary
        self._remove_journal()
        return summary

    def _remove_journal(self) -> None:
        journal = self._journal
        if journal is not None:
            with contextlib.suppress(FileNotFoundError):
                journal.unlink()

    @property
    def _journal(self) -> Path | None:
        return None if is_remote(self.folder) else Path(self.folder) / JOURNAL_NAME

    def _recover(self) -> None:
        """Fold the journal a dead run left into manifest.json (then remove it)."""
        journal = self._journal
        if journal is None:
            return
        found = read_journal(journal)
        if found is None:
            return
        previous = read_manifest(self.folder)
        write_manifest(self.folder, merge(previous.entries, found.records), found.summary("interrupted"))
        journal.unlink()
        logger.warning(
            "fetch-all: the run %s (%s) did not finish; its %d finished entries were added to %s",
            found.header.get("run_id"),
            describe_holder(found.header),
            len(found.records),
            MANIFEST_NAME,
        )

    def clean_stale_parts(self, names: Iterable[str]) -> list[str]:
        """Remove the temporary files a dead run left (see the module's docstring); the names removed (blocking)."""
        lock = self._lock
        if not isinstance(lock, LocalLock) or lock.previous_holder is None:
            return []
        dead_since = epoch(lock.previous_holder.get("started_at"))
        if dead_since is None:
            return []
        ours = {*names, *self.previous.by_path(), MANIFEST_NAME}
        folder = Path(self.folder)
        removed: list[str] = []
        for child in folder.iterdir():
            match = _PART.fullmatch(child.name)
            if match is None or match["name"] not in ours:
                continue
            try:
                info = child.lstat()
            except FileNotFoundError:
                continue
            if not stat.S_ISREG(info.st_mode):
                continue
            if not dead_since - _MTIME_SLACK <= info.st_mtime <= self.run.started_epoch + _MTIME_SLACK:
                continue
            with contextlib.suppress(FileNotFoundError):
                child.unlink()
                removed.append(child.name)
        if removed:
            logger.warning(
                "fetch-all: removed %d temporary files left by a run that died (%s)",
                len(removed),
                describe_holder(lock.previous_holder),
            )
        self.removed_parts = sorted(removed)
        return self.removed_parts
