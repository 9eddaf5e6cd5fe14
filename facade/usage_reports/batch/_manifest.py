"""manifest.json: what fetch-all wrote into a folder, for people, monitors and the next run; and the folder's lock.

The document (its JSON Schema is ``manifest.schema.json`` in this package)::

    {"format": "usage-reports manifest", "version": 2, "generator": "usage-reports 0.1.0",
     "summary": {the last run: state, counts, bytes, times, exit code},
     "entries": [one record per file: the last run's first, then those of earlier runs]}

A run merges its records into the previous manifest: a record for the same
file replaces the old one, records of other files (other configs, other
periods) are kept. Records without a file (a listing that failed) belong to
their run only and are not carried over.

**Persisted in linear time, crash-safe.** While a run goes on, each finished
entry is handed to a writer thread (the event loop never waits for the disk)
that appends it as one JSON line to ``.manifest.journal`` beside the reports,
then flushes and fsyncs: every record queued meanwhile goes in the same write
and fsync. At the end, the previous manifest and the run's records are folded
into ``manifest.json`` in one atomic replace (temporary file, fsync, rename)
and the journal is removed. A run stopped by a signal does the same with what
it finished (``state: "interrupted"``; a run that finished nothing in a folder
without a manifest leaves the folder as it found it); a run that died without unwinding
(SIGKILL, power loss) leaves its journal, which the next run folds in before
it starts, and which ``usage-reports manifest`` reads meanwhile. An object
store cannot append: there the writer thread replaces ``manifest.json`` at
most every ``CHECKPOINT_INTERVAL`` seconds while records come in
(``state: "running"``), and once at the end.

**One run per folder.** On a local disk the run holds ``fcntl.flock`` on
``.fetch-all.lock`` (its content names the holder: pid, host, start); the
kernel releases it when the process dies, however it dies. The file is
removed at the end. A second run fails at once with one line naming the
holder (exit 2). On NFS, Linux maps flock to the server's byte-range locks
(lockd), so runs on different hosts exclude each other too. In an object store the lock is an object created with a
conditional write (``If-None-Match: *``): only one run can create it; it is
deleted at the end, also when the run is stopped by a signal. A run killed
outright leaves it behind, and later runs refuse the folder, naming the
holder and the object to delete once that run is known to be gone (no lease
or takeover: two runs writing one folder would be worse than one run that
does not start).

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
import errno
import hashlib
import io
import json
import os
import queue
import re
import socket
import stat
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final, Literal

from .._exceptions import InvalidRequest, UsageReportsError
from .._logging import logger
from .._version import __version__
from ..cli._output import Output, UsageError
from ..cli._progress import human_size
from ..destinations import _storage as storage
from ..destinations._object_stores import ObjectLocation, store_for
from ._config import ConfigError

_HAVE_FLOCK: bool
try:
    import fcntl

    _HAVE_FLOCK = True
except ImportError:  # Windows: no flock; fetch-all runs unlocked there (with a warning)
    _HAVE_FLOCK = False

MANIFEST_NAME: Final = "manifest.json"
JOURNAL_NAME: Final = ".manifest.journal"
LOCK_NAME: Final = ".fetch-all.lock"
MANIFEST_FORMAT: Final = "usage-reports manifest"
MANIFEST_VERSION: Final = 2
JOURNAL_FORMAT: Final = "usage-reports manifest journal"
SCHEMA_NAME: Final = "manifest.schema.json"
#: In an object store, the manifest is replaced at most this often while a run goes on (seconds).
CHECKPOINT_INTERVAL: float = 10.0
_HASH_CHUNK: Final = 1024 * 1024
#: Our temporary files: FileSink's ``.<name>.<12 hex>.part``, and version 1's manifest writer (mkstemp, 8 characters).
_PART = re.compile(r"\.(?P<name>.+)\.(?:[0-9a-f]{12}|[a-z0-9_]{8})\.part")
#: Slack for clocks and file-system timestamp granularity when comparing a file's mtime with a run's start.
_MTIME_SLACK: Final = 2.0

#: A manifest record: one JSON object (see manifest.schema.json, ``$defs.entry``).
Record = dict[str, Any]
#: The summary of a run (see manifest.schema.json, ``$defs.summary``).
Summary = dict[str, Any]
State = Literal["finished", "interrupted", "running"]
#: A local folder or an object-store prefix URL.
Folder = Path | str


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _epoch(iso: object) -> float | None:
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


# --- the run ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunInfo:
    """Who runs: written into the lock and the journal, and into every record the run makes."""

    run_id: str
    started_at: str
    pid: int
    host: str
    started: float = field(compare=False)  # time.monotonic() at the start, for the wall time
    started_epoch: float = field(compare=False)

    @classmethod
    def new(cls) -> RunInfo:
        started_epoch = time.time()
        started_at = datetime.fromtimestamp(started_epoch, UTC).isoformat(timespec="milliseconds")
        return cls(
            run_id=uuid.uuid4().hex,
            started_at=started_at.replace("+00:00", "Z"),
            pid=os.getpid(),
            host=socket.gethostname(),
            started=time.monotonic(),
            started_epoch=started_epoch,
        )

    def holder(self) -> dict[str, object]:
        return {"run_id": self.run_id, "pid": self.pid, "host": self.host, "started_at": self.started_at}


def describe_holder(holder: Mapping[str, object]) -> str:
    """'pid 1234 on host-a, started 2026-11-02T02:00:00.000Z' (what is known of it)."""
    pid, host, started = holder.get("pid"), holder.get("host"), holder.get("started_at")
    parts = [f"pid {pid}" if isinstance(pid, int) else "pid unknown"]
    if isinstance(host, str) and host:
        parts[0] += f" on {host}"
    if isinstance(started, str):
        parts.append(f"started {started}")
    return ", ".join(parts)


def _alive_here(holder: Mapping[str, object]) -> bool | None:
    """Whether the holder's process still runs: None when it ran on another host (cannot tell)."""
    pid = holder.get("pid")
    if holder.get("host") != socket.gethostname() or not isinstance(pid, int) or pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def summarize(
    records: list[Record], run: Mapping[str, object], *, state: State, finished_at: str, wall_time: float
) -> Summary:
    """The top-level summary of one run's records."""
    downloaded = [r for r in records if r.get("ok") and not r.get("skipped")]
    failed = sum(1 for r in records if not r.get("ok"))
    codes = [r.get("exit_code") for r in records]
    exit_code = max((c for c in codes if isinstance(c, int)), default=0) if state == "finished" else None
    return {
        "run_id": run.get("run_id"),
        "state": state,
        "ok": state == "finished" and failed == 0,
        "exit_code": exit_code,
        "started_at": run.get("started_at"),
        "finished_at": finished_at,
        "wall_time_seconds": round(max(wall_time, 0.0), 3),
        "entries": len(records),
        "downloaded": len(downloaded),
        "skipped": sum(1 for r in records if r.get("skipped")),
        "failed": failed,
        "downloaded_bytes": sum(r.get("size") or 0 for r in downloaded),
        "total_bytes": sum(r.get("size") or 0 for r in records if r.get("ok")),
    }


# --- the document ----------------------------------------------------------------------------------------------


@dataclass
class Manifest:
    """A folder's manifest as read: its records, and the summary of the run that wrote it last (None for v1)."""

    entries: list[Record] = field(default_factory=list)
    summary: Summary | None = None
    legacy: Mapping[str, Any] = field(default_factory=dict)  # a version 1 document's top-level fields

    def by_path(self) -> dict[str, Record]:
        return {r["path"]: r for r in self.entries if isinstance(r.get("path"), str)}


def merge(previous: Iterable[Record], run: list[Record]) -> list[Record]:
    """The run's records first, then the earlier records of every other file (a record without a file is dropped)."""
    paths = {r.get("path") for r in run}
    kept = [r for r in previous if isinstance(r.get("path"), str) and r.get("path") not in paths]
    return [*run, *kept]


def dumps(entries: list[Record], summary: Summary) -> str:
    """The manifest text: indented for people, one record per block; the records first in the run's order."""
    document = {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "generator": f"usage-reports {__version__}",
        "summary": summary,
        "entries": entries,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def parse_manifest(text: str, where: str) -> Manifest:
    """A manifest's records and summary; ConfigError when it is not one of ours."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        raise ConfigError(f"{where}: unreadable (not JSON); move it away or choose another --out-dir") from None
    if not isinstance(document, dict) or document.get("format") != MANIFEST_FORMAT:
        raise ConfigError(f"{where}: not a usage-reports manifest; move it away or choose another --out-dir")
    version = document.get("version")
    if not isinstance(version, int) or version > MANIFEST_VERSION:
        raise ConfigError(
            f"{where}: manifest version {version!r} is newer than this usage-reports understands ({MANIFEST_VERSION}); "
            "upgrade usage-reports"
        )
    records = document.get("entries")
    entries = [r for r in records if isinstance(r, dict)] if isinstance(records, list) else []
    summary = document.get("summary")
    legacy = {k: document.get(k) for k in ("started_at", "finished_at", "ok")} if version < 2 else {}
    return Manifest(entries, summary if isinstance(summary, dict) else None, legacy)


def read_manifest(folder: Folder) -> Manifest:
    """The folder's manifest (empty when there is none); ConfigError when it is unreadable or not ours (blocking)."""
    where = location(folder, MANIFEST_NAME)
    try:
        text = storage.read_text(where)
    except FileNotFoundError:
        return Manifest()
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: unreadable (not UTF-8); move it away or choose another --out-dir") from None
    except OSError as exc:
        raise ConfigError(f"{where}: unreadable ({exc.strerror or type(exc).__name__})") from None
    return parse_manifest(text, str(where))


def write_manifest(folder: Folder, entries: list[Record], summary: Summary) -> None:
    """Replace the folder's manifest.json atomically (blocking)."""
    storage.write_text_atomic(location(folder, MANIFEST_NAME), dumps(entries, summary))


# --- the journal -----------------------------------------------------------------------------------------------


@dataclass
class Journal:
    """A run's journal as found on disk: its header (who ran) and the records it finished."""

    header: dict[str, Any]
    records: list[Record]

    def summary(self, state: State) -> Summary:
        times = [r.get("finished_at") for r in self.records] + [self.header.get("started_at")]
        finished = [t for t in times if isinstance(t, str)]
        finished_at = max(finished) if finished else None
        start, end = _epoch(self.header.get("started_at")), _epoch(finished_at)
        wall = end - start if start is not None and end is not None else 0.0
        return summarize(
            self.records, self.header, state=state, finished_at=str(finished_at or now_iso()), wall_time=wall
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
        raise ConfigError(f"{path}: not a usage-reports journal; move it away or choose another --out-dir")
    return Journal(parsed[0], parsed[1:])


class _Writer:
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
            _fsync_folder(journal.parent)
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
        summary = summarize(
            self._records,
            self.run.holder(),
            state="running",
            finished_at=now_iso(),
            wall_time=time.monotonic() - self.run.started,
        )
        write_manifest(self.folder, merge(self.previous.entries, self._records), summary)


def _line(record: Record) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode() + b"\n"


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --- the lock ----------------------------------------------------------------------------------------------------


class _LocalLock:
    """``fcntl.flock`` on DIR/.fetch-all.lock, its content naming the holder; removed on release."""

    def __init__(self, folder: Path, run: RunInfo) -> None:
        self.path = folder / LOCK_NAME
        self.fd = -1
        self.previous_holder: dict[str, Any] | None = None  # the details a dead holder left
        path = self.path
        if not _HAVE_FLOCK:
            logger.warning("fetch-all: no flock on this platform; %s is not locked against a second run", folder)
            return
        while True:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                raise UsageError(
                    f"--out-dir {folder}: cannot create its lock file {LOCK_NAME} ({exc.strerror or type(exc).__name__})"
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
                holder = _read_holder(lambda: path.read_bytes())
                raise UsageError(
                    f"--out-dir {folder} is in use by another fetch-all ({describe_holder(holder)}); "
                    "wait for it to finish or choose another --out-dir"
                ) from None
            try:
                same = os.stat(path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:  # else the holder removed the file between our open and our lock: take the new one
                break
            os.close(fd)
        self.fd = fd
        left = _read_holder(lambda: os.pread(fd, 64 * 1024, 0))
        self.previous_holder = left or None
        data = json.dumps({**run.holder(), "command": "usage-reports fetch-all"}).encode() + b"\n"
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
        os.fsync(fd)

    def release(self) -> None:
        if self.fd < 0:
            return
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # while still holding it: a waiting run then locks a new file (see the inode check)
        os.close(self.fd)
        self.fd = -1


def _read_holder(read: Callable[[], bytes]) -> dict[str, Any]:
    try:
        value = json.loads(read())
    except (OSError, ValueError, UsageReportsError):
        return {}
    return value if isinstance(value, dict) else {}


class _RemoteLock:
    """An object ``.fetch-all.lock`` under the prefix, created with If-None-Match: * and deleted on release."""

    def __init__(self, folder: str, run: RunInfo) -> None:
        self.url = str(storage.join(folder, LOCK_NAME))
        target = storage.resolve(self.url, what="--out-dir")
        assert isinstance(target, ObjectLocation)
        self.target = target
        self.previous_holder: dict[str, Any] | None = None
        store = store_for(target)
        manifest = storage.resolve(str(storage.join(folder, MANIFEST_NAME)), what="--out-dir")
        assert isinstance(manifest, ObjectLocation)
        store.check(manifest, overwrite=True, what="--out-dir")  # the bucket is there (one line if not)
        data = json.dumps({**run.holder(), "command": "usage-reports fetch-all"}).encode() + b"\n"
        try:
            store.upload(
                target,
                io.BytesIO(data),
                len(data),
                overwrite=False,
                sha256=hashlib.sha256(data).hexdigest(),
                cancelled=threading.Event(),
            )
        except InvalidRequest:  # the object exists: another run holds the folder, or a killed one left it
            holder = _read_holder(lambda: store.read_bytes(target))
            alive = _alive_here(holder)
            if alive is False:
                why = "that process is no longer running: delete"
            else:
                why = "if that run is gone (killed), delete"
            raise UsageError(
                f"--out-dir {folder} is in use by another fetch-all ({describe_holder(holder)}); "
                f"{why} {self.url} and run again"
            ) from None
        self._held = True

    def release(self) -> None:
        if self._held:
            self._held = False
            storage.remove(self.url)


# --- a run's state in its folder --------------------------------------------------------------------------------


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
        self.removed_parts: list[str] = []
        self._lock: _LocalLock | _RemoteLock | None = None
        self._writer: _Writer | None = None

    def __enter__(self) -> RunState:
        if is_remote(self.folder):
            self._lock = _RemoteLock(str(self.folder), self.run)
        else:
            self._lock = _LocalLock(Path(self.folder), self.run)
        try:
            self._recover()
            self.previous = read_manifest(self.folder)
            self._writer = _Writer(self.folder, self.run, self.previous)
            self._writer.start()
        except BaseException:
            self._lock.release()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: object) -> None:
        try:
            if self.summary is None and self._writer is not None:
                records = self._writer.stop()
                try:
                    if records or self.previous.entries or self.previous.summary is not None:
                        self._write(records, "interrupted")
                    else:  # nothing finished in a folder without a manifest: it stays as it was
                        self._remove_journal()
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
        return self._write(records, "finished")

    def _write(self, records: list[Record], state: State) -> Summary:
        summary = summarize(
            records,
            self.run.holder(),
            state=state,
            finished_at=now_iso(),
            wall_time=time.monotonic() - self.run.started,
        )
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
        if not isinstance(lock, _LocalLock) or lock.previous_holder is None:
            return []
        dead_since = _epoch(lock.previous_holder.get("started_at"))
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


# --- `usage-reports manifest DIR` ------------------------------------------------------------------------------


@dataclass
class Shown:
    """What `usage-reports manifest` found: the records, the last run's summary, where."""

    where: str
    entries: list[Record]
    summary: Summary


def load_for_display(target: str) -> Shown:
    """DIR (or DIR/manifest.json, or a URL) as the last run left it, a journal of a run not folded yet included."""
    folder: Folder = target
    if is_remote(target):
        folder = target[: -len(MANIFEST_NAME)].rstrip("/") if target.endswith("/" + MANIFEST_NAME) else target
        storage.resolve(folder, what="DIR", prefix=True)
    else:
        path = Path(target).expanduser()
        if path.name == MANIFEST_NAME and path.is_file():
            path = path.parent
        if not path.is_dir():
            raise UsageError(f"DIR {target}: no such folder")
        folder = path
    where = str(location(folder, MANIFEST_NAME))
    manifest = read_manifest(folder)
    journal = None if is_remote(folder) else read_journal(Path(folder) / JOURNAL_NAME)
    if journal is not None:
        state: State = "interrupted" if _alive_here(journal.header) is False else "running"
        return Shown(where, merge(manifest.entries, journal.records), journal.summary(state))
    if manifest.summary is None and not manifest.entries and not storage.exists(where):
        raise UsageError(f"DIR {target}: no {MANIFEST_NAME} (has fetch-all run there?)")
    summary = manifest.summary
    if summary is None:  # version 1: no summary; every record is the last run's
        run = {"run_id": None, "started_at": manifest.legacy.get("started_at")}
        finished_at = manifest.legacy.get("finished_at")
        start, end = _epoch(run["started_at"]), _epoch(finished_at)
        summary = summarize(
            manifest.entries,
            run,
            state="finished",
            finished_at=str(finished_at),
            wall_time=end - start if start is not None and end is not None else 0.0,
        )
    return Shown(where, manifest.entries, summary)


def _period_text(period: object) -> str:
    """2026-10 for a calendar month, 2026-10-01..2026-10-15 for whole days, else the instants as recorded."""
    if not isinstance(period, dict):
        return "-"
    start_text, end_text = period.get("start"), period.get("end")
    try:
        start = datetime.fromisoformat(str(start_text))
        end = datetime.fromisoformat(str(end_text))
    except ValueError:
        return f"{start_text or ''}..{end_text or ''}"
    if start.time() != datetime.min.time() or end.time() != datetime.min.time():
        return f"{start_text}..{end_text}"
    if start.day == end.day == 1 and (end.year * 12 + end.month) - (start.year * 12 + start.month) == 1:
        return f"{start:%Y-%m}"
    return f"{start:%Y-%m-%d}..{end:%Y-%m-%d}"


def render(shown: Shown, stream: IO[str]) -> None:
    """The records as a table (the last run's first), then the summary and every failure of the last run."""
    run_id = shown.summary.get("run_id")
    rows = [("PROVIDER", "NAME", "PERIOD", "RESULT", "SIZE", "SHA256", "FILE", "FINISHED")]
    for r in shown.entries:
        earlier = run_id is not None and r.get("run_id") != run_id
        result = "skipped" if r.get("skipped") else "ok" if r.get("ok") else "FAILED"
        size = human_size(r["size"]) if isinstance(r.get("size"), int) else "-"
        sha = str(r["sha256"])[:12] if r.get("sha256") else "-"
        finished = str(r.get("finished_at") or "-")[:19].replace("T", " ")
        rows.append(
            (
                str(r.get("provider", "-")),
                str(r.get("name") or "-"),
                _period_text(r.get("period")),
                result + (" (earlier run)" if earlier else ""),
                size,
                sha,
                str(r.get("path") or "-"),
                finished,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [c.rjust(w) if i == 4 else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        print("  ".join(cells).rstrip(), file=stream)
    s = shown.summary
    state = {"finished": "finished", "interrupted": "DID NOT FINISH", "running": "STILL RUNNING (or killed)"}
    print(
        f"\nlast run {s.get('started_at') or '(time unknown)'}: {state.get(str(s.get('state')), str(s.get('state')))}"
        f" in {s.get('wall_time_seconds')} s; {s.get('downloaded')} downloaded, {s.get('skipped')} skipped, "
        f"{s.get('failed')} failed; {human_size(int(s.get('downloaded_bytes') or 0))} downloaded, "
        f"{human_size(int(s.get('total_bytes') or 0))} in all",
        file=stream,
    )
    for r in shown.entries:
        if not r.get("ok") and (run_id is None or r.get("run_id") == run_id):
            error = r.get("error") or {}
            label = r.get("label") or r.get("provider")
            print(f"FAILED {label} {r.get('path') or ''}: {error.get('message', '')}".replace("  ", " "), file=stream)
    print(f"manifest: {shown.where}", file=stream)


def show(target: str, out: Output) -> int:
    """`usage-reports manifest DIR`: 0 when the last run finished without a failure, 1 otherwise."""
    shown = load_for_display(target)
    code = 0 if shown.summary.get("ok") else 1
    out.result({"ok": code == 0, "exit_code": code, "manifest": shown.where, "summary": shown.summary})
    if not out.json and not out.quiet:
        render(shown, out.stdout)
    return code
