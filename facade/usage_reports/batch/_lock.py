"""One run per folder: the lock, and who holds it.

On a local disk the run holds ``fcntl.flock`` on ``.fetch-all.lock`` (its
content names the holder: pid, host, start); the kernel releases it when the
process dies, however it dies. The file is removed at the end. A second run
fails at once with one line naming the holder (exit 2). On NFS, Linux maps
flock to the server's byte-range locks (lockd), so runs on different hosts
exclude each other too. In an object store the lock is an object created with
a conditional write (``If-None-Match: *``): only one run can create it; it is
deleted at the end, also when the run is stopped by a signal. A run killed
outright leaves it behind. When it names a process on this host that is no
longer running, the next run takes it over, as the kernel frees a local lock
(see ``RemoteLock``), and says so in a log line. A holder on another host
cannot be checked from here: the folder is refused, naming the holder and the
object to delete once that run is known to be gone (no lease: two runs writing
one folder would be worse than one run that does not start).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from .._exceptions import InvalidRequest, UsageReportsError
from .._logging import logger
from ..destinations import _storage as storage
from ..destinations._object_stores import ObjectLocation, store_for
from ._document import MANIFEST_NAME, now_iso
from ._errors import FolderInUse, OutDirError, names
from ._records import Record, State, Summary, summarize

_HAVE_FLOCK: bool
try:
    import fcntl

    _HAVE_FLOCK = True
except ImportError:  # Windows: no flock; fetch-all runs unlocked there (with a warning)
    _HAVE_FLOCK = False

LOCK_NAME: Final = ".fetch-all.lock"


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

    def summarize(self, records: list[Record], state: State) -> Summary:
        """The summary of this run's records, ending now."""
        return summarize(
            records,
            run_id=self.run_id,
            started_at=self.started_at,
            state=state,
            finished_at=now_iso(),
            wall_time=time.monotonic() - self.started,
        )


def describe_holder(holder: Mapping[str, object]) -> str:
    """'pid 1234 on host-a, started 2026-11-02T02:00:00.000Z' (what is known of it)."""
    pid, host, started = holder.get("pid"), holder.get("host"), holder.get("started_at")
    parts = [f"pid {pid}" if isinstance(pid, int) else "pid unknown"]
    if isinstance(host, str) and host:
        parts[0] += f" on {host}"
    if isinstance(started, str):
        parts.append(f"started {started}")
    return ", ".join(parts)


def alive_here(holder: Mapping[str, object]) -> bool | None:
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


class LocalLock:
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
                raise OutDirError(
                    f"{names().out_dir} {folder}: cannot create its lock file {LOCK_NAME} ({exc.strerror or type(exc).__name__})"
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
                holder = read_holder(lambda: path.read_bytes())
                raise FolderInUse(
                    f"{names().out_dir} {folder} is in use by another fetch-all ({describe_holder(holder)}); "
                    f"wait for it to finish or choose another {names().out_dir}"
                ) from None
            try:
                same = os.stat(path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:  # else the holder removed the file between our open and our lock: take the new one
                break
            os.close(fd)
        self.fd = fd
        left = read_holder(lambda: os.pread(fd, 64 * 1024, 0))
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


def read_holder(read: Callable[[], bytes]) -> dict[str, Any]:
    try:
        value = json.loads(read())
    except (OSError, ValueError, UsageReportsError):
        return {}
    return value if isinstance(value, dict) else {}


#: Beside the lock object while a run takes over a dead run's lock: only the run that created it may replace the lock.
TAKEOVER_SUFFIX: Final = ".takeover"


class RemoteLock:
    """An object ``.fetch-all.lock`` under the prefix, created with If-None-Match: * and deleted on release.

    A lock left by a dead run on this host (its pid no longer runs) is taken
    over with conditional writes only, so two runs cannot both take it: the
    taker first creates ``.fetch-all.lock.takeover`` (If-None-Match: *: one
    run wins, the other is refused), reads the lock again and deletes it only
    if it still names the same dead run, creates its own lock (If-None-Match
    again: a run that started meanwhile wins, and this one is refused), then
    deletes the takeover object. Only a takeover object's holder ever deletes
    a lock it does not hold, so the lock read under it cannot change before
    the delete.
    """

    def __init__(self, folder: str, run: RunInfo) -> None:
        self.url = str(storage.join(folder, LOCK_NAME))
        target = storage.resolve(self.url, what=names().out_dir)
        assert isinstance(target, ObjectLocation)
        self.target = target
        self.folder = folder
        self.previous_holder: dict[str, Any] | None = None
        self._held = False
        store = self.store = store_for(target)
        manifest = storage.resolve(str(storage.join(folder, MANIFEST_NAME)), what=names().out_dir)
        assert isinstance(manifest, ObjectLocation)
        store.check(manifest, overwrite=True, what=names().out_dir)  # the bucket is there (one line if not)
        self.data = json.dumps({**run.holder(), "command": "usage-reports fetch-all"}).encode() + b"\n"
        if self._create(target):
            self._held = True
            return
        left = store_read(store, target)
        holder = read_holder(lambda: left or b"")
        if alive_here(holder) is False:
            self._take_over(left, holder)
            self._held = True
            return
        raise self._in_use(holder, "if that run is gone (killed), delete", self.url)

    def _create(self, target: ObjectLocation) -> bool:
        """Create ``target`` holding our details unless it exists (If-None-Match: *); whether we did."""
        try:
            self.store.upload(
                target,
                io.BytesIO(self.data),
                len(self.data),
                overwrite=False,
                sha256=hashlib.sha256(self.data).hexdigest(),
                cancelled=threading.Event(),
            )
        except InvalidRequest:  # the object exists
            return False
        return True

    def _in_use(self, holder: Mapping[str, object], why: str, url: str) -> FolderInUse:
        return FolderInUse(
            f"{names().out_dir} {self.folder} is in use by another fetch-all ({describe_holder(holder)}); "
            f"{why} {url} and run again"
        )

    def _take_over(self, left: bytes | None, holder: dict[str, Any]) -> None:
        """Replace the lock a dead run on this host left (see the class docstring)."""
        marker_url = self.url + TAKEOVER_SUFFIX
        marker = storage.resolve(marker_url, what=names().out_dir)
        assert isinstance(marker, ObjectLocation)
        if not self._create(marker):
            taker = read_holder(lambda: store_read(self.store, marker) or b"")
            if alive_here(taker) is False:  # a taker that died in the middle: its marker is ours to name
                raise self._in_use(taker, "that process is no longer running: delete", marker_url)
            raise self._in_use(taker, "it is taking over a dead run's lock; if it is gone, delete", marker_url)
        try:
            if store_read(self.store, self.target) != left:  # someone took it meanwhile (not through a marker)
                now = read_holder(lambda: store_read(self.store, self.target) or b"")
                raise self._in_use(now, "if that run is gone (killed), delete", self.url)
            with contextlib.suppress(FileNotFoundError):
                self.store.delete(self.target)
            if not self._create(self.target):  # a new run created it between our delete and our create
                now = read_holder(lambda: store_read(self.store, self.target) or b"")
                raise self._in_use(now, "if that run is gone (killed), delete", self.url)
        finally:
            self.store.delete(marker)
        self.previous_holder = holder or None
        logger.warning(
            "fetch-all: %s was left by a run that is no longer running (%s); this run took it over",
            self.url,
            describe_holder(holder),
        )

    def release(self) -> None:
        if self._held:
            self._held = False
            storage.remove(self.url)


def store_read(store: Any, location: ObjectLocation) -> bytes | None:
    """An object's bytes, None when it is not there (blocking)."""
    try:
        data: bytes = store.read_bytes(location)
    except FileNotFoundError:
        return None
    return data
