"""One run per folder: the lock, and who holds it.

On a local disk the run holds ``fcntl.flock`` on ``.fetch-all.lock`` (its
content names the holder: pid, host, start); the kernel releases it when the
process dies, however it dies. The file is removed at the end. A second run
fails at once with one line naming the holder (exit 2). On NFS, Linux maps
flock to the server's byte-range locks (lockd), so runs on different hosts
exclude each other too. In an object store the lock is an object created with
a conditional write (``If-None-Match: *``): only one run can create it; it is
deleted at the end, also when the run is stopped by a signal. A run killed
outright leaves it behind, and later runs refuse the folder, naming the holder
and the object to delete once that run is known to be gone (no lease or
takeover: two runs writing one folder would be worse than one run that does
not start).
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


class RemoteLock:
    """An object ``.fetch-all.lock`` under the prefix, created with If-None-Match: * and deleted on release."""

    def __init__(self, folder: str, run: RunInfo) -> None:
        self.url = str(storage.join(folder, LOCK_NAME))
        target = storage.resolve(self.url, what=names().out_dir)
        assert isinstance(target, ObjectLocation)
        self.target = target
        self.previous_holder: dict[str, Any] | None = None
        store = store_for(target)
        manifest = storage.resolve(str(storage.join(folder, MANIFEST_NAME)), what=names().out_dir)
        assert isinstance(manifest, ObjectLocation)
        store.check(manifest, overwrite=True, what=names().out_dir)  # the bucket is there (one line if not)
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
            holder = read_holder(lambda: store.read_bytes(target))
            alive = alive_here(holder)
            if alive is False:
                why = "that process is no longer running: delete"
            else:
                why = "if that run is gone (killed), delete"
            raise FolderInUse(
                f"{names().out_dir} {folder} is in use by another fetch-all ({describe_holder(holder)}); "
                f"{why} {self.url} and run again"
            ) from None
        self._held = True

    def release(self) -> None:
        if self._held:
            self._held = False
            storage.remove(self.url)
