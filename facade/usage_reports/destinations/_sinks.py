"""Where a report's bytes go while they stream: memory, a temporary file
that becomes the destination atomically (or vanishes), or a stream such as
stdout that takes each chunk as it arrives.

All hash while they receive, so size and sha256 cost no second pass. The
engine knows only the Sink interface: ``needs_commit`` says whether a Commit
operation must make the bytes final, ``content()`` and ``path`` what the
report holds once done, ``capacity`` the most it may take, ``expect()`` the
size the server announced (for progress).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from .._decode import BodyRefused
from .._exceptions import InvalidRequest, StorageError
from .._wording import replace_hint

_TEMP_NAME_TRIES = 100
_umask: int | None = None
_umask_lock = threading.Lock()


def _read_umask() -> int:
    """The process umask, without changing it where the kernel tells (Linux >= 4.7)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere, set and restore: under the lock, once per process
    os.umask(mask)
    return mask


def _current_umask() -> int:
    global _umask
    with _umask_lock:
        if _umask is None:
            _umask = _read_umask()
        return _umask


class Received(int):
    """The bytes received so far in the current attempt (an int), and ``total``: the report's size when known.

    ``total`` is the size the server announced (Content-Length of an uncompressed body), None
    when it did not; progress callbacks written for a plain int keep working.
    """

    total: int | None
    #: While the vendor is still building the report (before any byte): (polls so far, seconds waited in all).
    waiting: tuple[int, float] | None

    def __new__(cls, received: int, total: int | None = None, waiting: tuple[int, float] | None = None) -> Received:
        value = super().__new__(cls, received)
        value.total = total
        value.waiting = waiting
        return value

    def __repr__(self) -> str:
        return f"Received({int(self)}, total={self.total})"


#: Called with the bytes received so far in the current attempt (0 again when a retry starts over),
#: a :class:`Received` (an int with ``total``).
ProgressCallback = Callable[[Received], None]


class Sink:
    """Receives the body of one attempt; reset() starts over for a retry."""

    #: Whether the engine must yield Commit (a blocking step: fsync, rename, upload) before the report is final.
    needs_commit = False
    #: abort() from another thread stops a commit under way (an upload): a cancelled caller need not wait for it.
    abortable_commit = False
    #: The most bytes this sink takes (None: no cap); more raises BodyRefused.
    capacity: int | None = None

    def __init__(self, on_progress: ProgressCallback | None = None) -> None:
        self.size = 0
        self._hash = hashlib.sha256()
        self.head = b""
        #: How many of the first bytes ``head`` keeps (the engine raises it for a body checked whole).
        self.head_size = 16
        self.on_progress = on_progress
        #: The size the server announced for this attempt's body (None: unknown).
        self.expected: int | None = None

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def reset(self) -> None:
        self.size = 0
        self._hash = hashlib.sha256()
        self.head = b""
        self.expected = None
        if self.on_progress is not None:
            self.on_progress(Received(0))

    def expect(self, size: int | None) -> None:
        """The body about to arrive is announced as ``size`` bytes (None: unknown); told to the progress callback."""
        self.expected = size
        if self.on_progress is not None:
            self.on_progress(Received(self.size, size))

    def write(self, chunk: bytes) -> None:
        if len(self.head) < self.head_size:
            self.head = (self.head + chunk)[: self.head_size]
        self.size += len(chunk)
        self._hash.update(chunk)
        if self.on_progress is not None:
            self.on_progress(Received(self.size, self.expected))

    def waiting(self, polls: int, seconds: float) -> None:
        """The vendor is still building the report: told to the progress callback (0 bytes, ``waiting`` set)."""
        if self.on_progress is not None:
            self.on_progress(Received(self.size, self.expected, (polls, seconds)))

    def commit(self) -> None:
        """Make the received bytes final (only called when ``needs_commit``)."""

    def abort(self) -> None:
        """Forget everything received; leave nothing behind."""

    def content(self) -> bytes | None:
        """The bytes, for a sink that holds them in memory; None otherwise."""
        return None

    @property
    def path(self) -> Path | None:
        """Where the bytes were committed, for a sink that writes a local file; None otherwise."""
        return None

    @property
    def url(self) -> str | None:
        """Where the bytes were committed, for a sink that writes to an object store; None otherwise."""
        return None


class MemorySink(Sink):
    """The body in memory, at most ``max_size`` bytes (None: no cap)."""

    def __init__(self, on_progress: ProgressCallback | None = None, *, max_size: int | None = None) -> None:
        super().__init__(on_progress)
        self.capacity = max_size
        self._chunks: list[bytes] = []

    def reset(self) -> None:
        super().reset()
        self._chunks.clear()

    def write(self, chunk: bytes) -> None:
        if self.capacity is not None and self.size + len(chunk) > self.capacity:
            self._chunks.clear()
            raise BodyRefused(f"the body is larger than max_fetch_size ({self.capacity} bytes); use download()")
        super().write(chunk)
        self._chunks.append(chunk)

    def content(self) -> bytes:
        return b"".join(self._chunks)

    def abort(self) -> None:
        self._chunks.clear()


class BinaryStream(Protocol):
    """Where a StreamSink writes: any binary file object (``sys.stdout.buffer``, an open file, a socket's file)."""

    def write(self, data: bytes, /) -> object: ...

    def flush(self) -> object: ...


def is_stream(destination: object) -> bool:
    """Whether a download destination is a binary file object rather than a path or URL."""
    return not isinstance(destination, str | bytes | os.PathLike) and callable(getattr(destination, "write", None))


class StreamSink(Sink):
    """Each chunk goes to ``stream`` as it arrives (stdout for ``-o -``): memory stays flat, whatever the size.

    Nothing can be taken back once written: a transfer that fails half-way has written part of
    the report (the caller must treat the stream's content as unusable; the CLI exits non-zero).
    A retry does not write again what the stream already holds: it reads past those bytes,
    checking that they are the same (the same sha256), and goes on from there; a report that
    changed between attempts fails instead. ``written`` counts the bytes the stream received.
    """

    needs_commit = True  # commit() checks the report reached what was written, and flushes

    def __init__(self, stream: BinaryStream, on_progress: ProgressCallback | None = None) -> None:
        super().__init__(on_progress)
        self.stream = stream
        self.written = 0
        self._written_hash = hashlib.sha256()  # of the bytes the stream holds
        self._replaying = False  # a retry, reading what the stream already holds
        self._replayed = hashlib.sha256()  # of this attempt's bytes up to ``written``

    def reset(self) -> None:
        super().reset()
        self._replaying, self._replayed = self.written > 0, hashlib.sha256()

    def write(self, chunk: bytes) -> None:
        start = self.size
        super().write(chunk)
        if self._replaying:
            seen = chunk[: self.written - start]
            self._replayed.update(seen)
            chunk = chunk[len(seen) :]
            if start + len(seen) == self.written:
                self._check_replay()
        if chunk:
            self._emit(chunk)

    def _check_replay(self) -> None:
        self._replaying = False
        if self._replayed.digest() != self._written_hash.digest():
            raise BodyRefused(
                f"the report changed between attempts: the {self.written} bytes already written "
                "do not match the new answer, so the output cannot be completed"
            )

    def _emit(self, chunk: bytes) -> None:
        try:
            self.stream.write(chunk)
        except OSError as exc:
            raise self._write_error(exc) from None
        self.written += len(chunk)
        self._written_hash.update(chunk)

    def _write_error(self, exc: OSError) -> StorageError:
        if isinstance(exc, BrokenPipeError):
            reason = "the reader closed it (broken pipe)"
        else:
            reason = exc.strerror or type(exc).__name__
        return StorageError(
            f"cannot write the report to the output stream after {self.written} bytes: {reason}; "
            "what was written is incomplete",
            errno=exc.errno,
        )

    def commit(self) -> None:
        if self.size < self.written:
            raise BodyRefused(
                f"the report changed between attempts: it now has {self.size} bytes, "
                f"but {self.written} were already written, so the output is not the report"
            )
        if self._replaying:
            self._check_replay()
        try:
            self.stream.flush()
        except OSError as exc:
            raise self._write_error(exc) from None


def fetch_size_cap(value: int) -> int:
    """A validated ``max_fetch_size=`` (bytes fetch() may hold in memory)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRequest("max_fetch_size must be a positive number of bytes")
    return value


def check_destination(path: str | os.PathLike[str], *, overwrite: bool) -> Path:
    """Refuse, before any request, a destination that cannot or must not be written."""
    try:
        destination = Path(os.fspath(path)).expanduser()
    except TypeError as exc:
        raise InvalidRequest(f"download path must be a str or os.PathLike, not {type(path).__name__}") from exc
    if not destination.name or destination.name in {".", ".."}:
        raise InvalidRequest(f"download path {str(destination)!r} does not name a file")
    folder = destination.parent
    if not folder.is_dir():
        raise InvalidRequest(f"download folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InvalidRequest(f"download folder {str(folder)!r} is not writable")
    if destination.is_symlink():  # dangling or not: never written through, never replaced
        raise InvalidRequest(f"download path {str(destination)!r} is a symbolic link; give the real path")
    if destination.is_dir():
        raise InvalidRequest(f"download path {str(destination)!r} is a directory")
    if destination.exists() and not overwrite:
        raise InvalidRequest(f"{str(destination)!r} already exists; {replace_hint()} to replace it")
    return destination


class FileSink(Sink):
    """A hidden temporary file beside the destination; commit() fsyncs and renames it into place."""

    needs_commit = True

    def __init__(self, destination: Path, *, overwrite: bool, on_progress: ProgressCallback | None = None) -> None:
        super().__init__(on_progress)
        self.destination = destination
        self.overwrite = overwrite
        self._file: io.BufferedRandom | None = None
        self._temp: Path | None = None  # named before it exists: an interrupted open leaves nothing behind

    @property
    def path(self) -> Path | None:
        return self.destination

    @property
    def temp_path(self) -> Path | None:
        return self._temp

    def _open(self) -> io.BufferedRandom:
        if self._file is None:
            for _ in range(_TEMP_NAME_TRIES):
                self._temp = self.destination.parent / f".{self.destination.name}.{secrets.token_hex(6)}.part"
                try:
                    fd = os.open(self._temp, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
                except FileExistsError:
                    self._temp = None
                    continue
                self._file = os.fdopen(fd, "w+b")
                break
            else:
                raise FileExistsError(f"no free temporary name beside {self.destination}")
        assert self._file is not None
        return self._file

    def reset(self) -> None:
        super().reset()
        if self._file is not None:
            self._file.seek(0)
            self._file.truncate()

    def write(self, chunk: bytes) -> None:
        super().write(chunk)
        self._open().write(chunk)

    def commit(self) -> None:
        file = self._open()
        file.flush()
        os.fsync(file.fileno())
        os.fchmod(file.fileno(), 0o666 & ~_current_umask())
        file.close()
        temp = self._temp
        assert temp is not None
        if self.overwrite:
            os.replace(temp, self.destination)
        else:
            try:
                os.link(temp, self.destination)  # atomic, and fails if the destination appeared meanwhile
            except FileExistsError:
                self.abort()
                raise InvalidRequest(
                    f"{str(self.destination)!r} appeared during the download; it was left untouched"
                ) from None
            except OSError:  # no hard links on this file system
                if self.destination.exists():
                    self.abort()
                    raise InvalidRequest(
                        f"{str(self.destination)!r} appeared during the download; it was left untouched"
                    ) from None
                os.replace(temp, self.destination)
            else:
                temp.unlink()
        self._file = self._temp = None
        fsync_folder(self.destination.parent)

    def abort(self) -> None:
        file, self._file = self._file, None
        temp, self._temp = self._temp, None
        if file is not None:
            with contextlib.suppress(OSError):
                file.close()
        if temp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)


def fsync_folder(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable (best effort: not every file system can)."""
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
