"""Destinations beyond the local disk: object-store URLs, a sink that uploads a finished report, and the
few file operations a batch needs on either kind of location.

    reports.download(request, "s3://bucket/usage/2026-10/x.csv")

A URL destination is checked before any request to the vendor: a supported
protocol whose package is installed (``usage-reports[s3]``, ``[gcs]``,
``[azure]``), no credential, query or fragment in the URL, an existing
bucket, and (without overwrite) no object of that name. The report then
streams into a local spool file while it is hashed and checked like any
download, and only a complete, valid body is uploaded, at commit; a failed
upload leaves nothing (see ``_object_stores``).

``join``, ``exists``, ``read_text``, ``write_text_atomic``, ``sha256_of`` and ``remove`` take a local
path or a URL alike, so a manifest can live beside the reports wherever they
are. They block: call them in a thread from async code.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
import urllib.parse
import urllib.request
from pathlib import Path
from typing import IO

from .._exceptions import InvalidRequest, StorageError
from .._redact import REDACTED, Redactor
from ._object_stores import PROTOCOLS, ObjectLocation, ObjectStore, missing_extra, store_for
from ._sinks import FileSink, ProgressCallback, Sink

__all__ = [
    "Location",
    "ObjectLocation",
    "RemoteSink",
    "exists",
    "is_remote",
    "join",
    "read_text",
    "remove",
    "resolve",
    "sha256_of",
    "write_text_atomic",
]

#: A local path (str or os.PathLike) or the URL of an object: s3://, gs://, az://, memory:// (and file://).
Location = str | os.PathLike[str]

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SUPPORTED = "a local path or an s3://, gs://, az:// or memory:// URL"


def is_remote(location: object) -> bool:
    """Whether a location names an object store (a URL other than file://)."""
    if not isinstance(location, str):
        return False
    match = _SCHEME.match(location)
    return match is not None and match.group(1).lower() != "file"


def resolve(
    location: Location, *, what: str = "download destination", prefix: bool = False
) -> ObjectLocation | Location:
    """An ObjectLocation for a store URL (validated, no I/O), a local path for anything else (file:// decoded)."""
    if not isinstance(location, str):
        return location
    match = _SCHEME.match(location)
    if match is None:
        return location
    scheme = match.group(1).lower()
    rest = location[match.end() :]
    if scheme == "file":
        return _file_url_path(location, what)
    netloc = rest.split("/", 1)[0]
    if "@" in netloc:
        shown = f"{scheme}://{REDACTED}@{rest.split('@', 1)[1]}"
        raise InvalidRequest(
            f"{what} {Redactor()(shown)!r} carries credentials (or an account) in the URL; "
            "configure them the store's standard way (for S3: AWS_PROFILE, AWS_ACCESS_KEY_ID..., ~/.aws)"
        )
    if "?" in rest or "#" in rest:
        raise InvalidRequest(f"{what} {Redactor()(location)!r} has a query string or fragment; give a plain URL")
    if scheme not in PROTOCOLS:
        raise InvalidRequest(f"{what} {location!r}: unsupported protocol {scheme!r}; give {_SUPPORTED}")
    if _CONTROL.search(location):
        raise InvalidRequest(f"{what} {location!r} contains control characters")
    bucket, _, key = rest.partition("/")
    if not bucket:
        raise InvalidRequest(f"{what} {location!r} names no bucket")
    if prefix:
        key = key.rstrip("/")
    elif not key or key.endswith("/"):
        raise InvalidRequest(f"{what} {location!r} does not name an object (the key is empty or ends with '/')")
    if key and any(segment in ("", ".", "..") for segment in key.split("/")):
        raise InvalidRequest(f"{what} {location!r} has an empty, '.' or '..' path segment")
    target = ObjectLocation(scheme, bucket, key)
    reason = missing_extra(target, what=what)
    if reason:
        raise InvalidRequest(reason)
    return target


def _file_url_path(location: str, what: str) -> str:
    parsed = urllib.parse.urlsplit(location)
    if parsed.netloc not in ("", "localhost") or parsed.query or parsed.fragment:
        raise InvalidRequest(f"{what} {Redactor()(location)!r}: a file:// URL must name a local path (file:///...)")
    return urllib.request.url2pathname(parsed.path)


class RemoteSink(Sink):
    """Spools the body to a local temporary file while hashing; commit() uploads it to the store.

    ``check()`` (before any vendor request) builds the store from its standard
    configuration and checks the bucket and the object. ``abort()`` may come
    from another thread while commit() runs (a cancelled async download): the
    upload stops before its next part and is aborted.
    """

    needs_commit = True
    abortable_commit = True

    def __init__(
        self, location: ObjectLocation, *, overwrite: bool, on_progress: ProgressCallback | None = None
    ) -> None:
        super().__init__(on_progress)
        self.location = location
        self.overwrite = overwrite
        self._store: ObjectStore | None = None
        self._spool: IO[bytes] | None = None
        self._lock = threading.Lock()
        self._committing = False
        self._cancelled = threading.Event()

    def __repr__(self) -> str:
        return f"RemoteSink({self.url!r}, overwrite={self.overwrite})"

    @property
    def url(self) -> str:
        return self.location.url

    def check(self) -> None:
        """Reach the store: the bucket must exist and, without overwrite, the object must not (blocking)."""
        self._store = store_for(self.location)
        self._store.check(self.location, overwrite=self.overwrite, what="download destination")

    def _open(self) -> IO[bytes]:
        if self._spool is None:
            self._spool = tempfile.TemporaryFile(prefix="usage-reports-", suffix=".part")  # noqa: SIM115 - until commit/abort
        return self._spool

    def reset(self) -> None:
        super().reset()
        if self._spool is not None:
            self._spool.seek(0)
            self._spool.truncate()

    def write(self, chunk: bytes) -> None:
        super().write(chunk)
        self._open().write(chunk)

    def commit(self) -> None:
        with self._lock:
            if self._cancelled.is_set():
                raise StorageError(f"{self.url}: upload cancelled; nothing was written", url=self.url)
            self._committing = True
            spool = self._open()
        try:
            store = self._store if self._store is not None else store_for(self.location)
            spool.flush()
            spool.seek(0)
            store.upload(
                self.location,
                spool,
                self.size,
                overwrite=self.overwrite,
                sha256=self.sha256,
                cancelled=self._cancelled,
            )
        finally:
            with self._lock:
                self._committing = False
                self._close_spool()

    def abort(self) -> None:
        self._cancelled.set()
        with self._lock:
            if not self._committing:  # else commit() stops at its next step and closes the spool itself
                self._close_spool()

    def _close_spool(self) -> None:
        spool, self._spool = self._spool, None
        if spool is not None:
            spool.close()


# --- file operations on a local path or a URL alike (for a manifest beside the reports) -----------------


def join(base: Location, name: str) -> Location:
    """``base/name``: a Path for a local folder, a URL string under an object-store prefix."""
    if (
        not isinstance(name, str)
        or not name
        or name in (".", "..")
        or "/" in name
        or "\\" in name
        or _CONTROL.search(name)
    ):
        raise InvalidRequest(f"file name {name!r} must be a single non-empty path segment")
    target = resolve(base, what="folder", prefix=True)
    if isinstance(target, ObjectLocation):
        return f"{target.url.rstrip('/')}/{name}"
    return Path(os.fspath(target)).expanduser() / name


def exists(location: Location) -> bool:
    """Whether a file or object is there (blocking)."""
    target = resolve(location, what="location")
    if isinstance(target, ObjectLocation):
        return store_for(target).exists(target)
    return Path(os.fspath(target)).expanduser().is_file()


def read_text(location: Location, encoding: str = "utf-8") -> str:
    """The text of a file or object; FileNotFoundError when it is not there (blocking)."""
    target = resolve(location, what="location")
    if isinstance(target, ObjectLocation):
        return store_for(target).read_bytes(target).decode(encoding)
    return Path(os.fspath(target)).expanduser().read_text(encoding=encoding)


def write_text_atomic(location: Location, text: str, encoding: str = "utf-8") -> None:
    """Replace a file or object with ``text``: readers see the old content or the new, never a part (blocking).

    Locally a temporary file beside it is fsynced and renamed; in a store it is one PUT.
    """
    data = text.encode(encoding)
    target = resolve(location, what="location")
    if isinstance(target, ObjectLocation):
        store_for(target).write_bytes(target, data)
        return
    path = Path(os.fspath(target)).expanduser()
    if not path.parent.is_dir():
        raise InvalidRequest(f"folder {str(path.parent)!r} does not exist")
    sink = FileSink(path, overwrite=True)
    try:
        sink.write(data)
        sink.commit()
    except BaseException:
        sink.abort()
        raise


def sha256_of(location: Location) -> str:
    """The sha256 of a file or object: an object's recorded ``sha256`` metadata, else its bytes hashed (blocking).

    FileNotFoundError when it is not there.
    """
    target = resolve(location, what="location")
    digest = hashlib.sha256()
    if isinstance(target, ObjectLocation):
        store = store_for(target)
        recorded = store.sha256(target)
        if recorded is not None:
            return recorded
        digest.update(store.read_bytes(target))
        return digest.hexdigest()
    with Path(os.fspath(target)).expanduser().open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def remove(location: Location) -> None:
    """Delete a file or object; nothing when it is not there (blocking)."""
    target = resolve(location, what="location")
    if isinstance(target, ObjectLocation):
        store_for(target).delete(target)
        return
    Path(os.fspath(target)).expanduser().unlink(missing_ok=True)
