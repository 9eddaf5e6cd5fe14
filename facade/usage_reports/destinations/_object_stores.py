"""Object stores behind fsspec: S3 (s3fs), GCS (gcsfs), Azure Blob (adlfs) and fsspec's memory store.

Every call here blocks; callers on an event loop run it in a thread. The
filesystem objects come from each store's standard configuration (for S3
everything the AWS CLI reads: ``AWS_*`` variables including
``AWS_ENDPOINT_URL``, ``~/.aws/config`` and ``credentials``, SSO, instance
roles); the library never takes, keeps or shows a storage credential.

S3 is driven directly (PutObject, or CreateMultipartUpload / UploadPart /
CompleteMultipartUpload, sequential parts read from the local spool), so the
library decides what happens on failure: the multipart upload is aborted,
whatever the error, before the error is raised. Without overwrite, the write
carries ``If-None-Match: *``, so S3 refuses it atomically if the object
appeared meanwhile. Other stores go through fsspec's staged files
(``autocommit=False``, then ``commit()`` or ``discard()``) in exclusive mode.

The storage libraries log request headers (botocore: the access key id and
the session token) at DEBUG: a filter on their loggers removes known storage
credentials and the usual credential-bearing fields from every record.
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import os
import re
import threading
from collections.abc import Callable, Iterable
from functools import partial
from typing import IO, Any, Protocol, TypeVar

import attrs

from .._exceptions import InvalidRequest, MissingCredentials, StorageError, UsageReportsError
from .._logging import logger
from .._redact import REDACTED, Redactor
from .._wording import replace_hint

T = TypeVar("T")

#: S3's smallest part (except the last) is 5 MiB; 8 MiB is the AWS CLI's default part size and threshold.
S3_PART_SIZE = 8 * 1024 * 1024
S3_MAX_PARTS = 10_000
#: Staged-file block size for the other stores (a multiple of GCS's 256 KiB).
BLOCK_SIZE = 8 * 1024 * 1024


@attrs.frozen
class Backend:
    """Which package serves a protocol, and which extra installs it."""

    protocol: str
    module: str
    extra: str | None
    env_prefixes: tuple[str, ...]


BACKENDS: dict[str, Backend] = {
    "s3": Backend("s3", "s3fs", "s3", ("AWS_",)),
    "gs": Backend("gs", "gcsfs", "gcs", ("GOOGLE_", "GCSFS_", "CLOUDSDK_")),
    "az": Backend("az", "adlfs", "azure", ("AZURE_",)),
    "memory": Backend("memory", "fsspec", None, ()),
}
#: Spellings of the same stores.
ALIASES = {"s3a": "s3", "gcs": "gs", "abfs": "az"}


@attrs.frozen
class ObjectLocation:
    """An object (or, for join(), a prefix) in a store: ``protocol://bucket/key``. Never carries a credential."""

    protocol: str
    bucket: str
    key: str

    @property
    def url(self) -> str:
        return f"{self.protocol}://{self.bucket}/{self.key}" if self.key else f"{self.protocol}://{self.bucket}"

    @property
    def backend(self) -> Backend:
        return BACKENDS[ALIASES.get(self.protocol, self.protocol)]

    def __str__(self) -> str:
        return self.url


class Store(Protocol):
    """What the library needs of an object store; every method blocks."""

    def check(self, location: ObjectLocation, *, overwrite: bool, what: str) -> None: ...

    def exists(self, location: ObjectLocation) -> bool: ...

    def read_bytes(self, location: ObjectLocation) -> bytes: ...

    def write_bytes(self, location: ObjectLocation, data: bytes) -> None: ...

    def sha256(self, location: ObjectLocation) -> str | None:
        """The sha256 recorded with the object at upload (None: none recorded); FileNotFoundError when absent."""
        ...

    def delete(self, location: ObjectLocation) -> None: ...

    def upload(
        self,
        location: ObjectLocation,
        spool: IO[bytes],
        size: int,
        *,
        overwrite: bool,
        sha256: str,
        cancelled: threading.Event,
    ) -> None: ...


# --- credentials out of the storage libraries' logs -----------------------------------------------------

_LOGGER_ROOTS = frozenset(
    {"botocore", "aiobotocore", "s3fs", "fsspec", "aiohttp", "urllib3", "gcsfs", "adlfs", "azure"}
)
_LOG_FIELDS = (
    # botocore's request dump and canonical request: the session token, the signature, the key id
    re.compile(r"(?i)(x-amz-security-token['\"]?\s*[:=]\s*b?['\"]?)[^'\"\s,}]+"),
    re.compile(r"(Signature=)[0-9a-fA-F]+"),
    re.compile(r"(Credential=)[^/,\s'\"]+"),
    re.compile(r"(?i)(['\"]?authorization['\"]?\s*[:=]\s*b?['\"]?)[^'\"\n]+"),
    re.compile(r"(?i)(AccountKey=|SharedAccessSignature=|sig=)[^;&'\"\s]+"),
)


class _StorageLogGuard(logging.Filter):
    """Rewrites records of the storage libraries' loggers: known secrets and credential fields redacted."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._redact = Redactor()
        self._lock = threading.Lock()

    def add_secrets(self, secrets: Iterable[str | None]) -> None:
        new = {s for s in secrets if s}
        with self._lock:
            if new - self._secrets:
                self._secrets |= new
                self._redact = Redactor(self._secrets)

    def redact(self, text: str) -> str:
        text = self._redact(text)
        for pattern in _LOG_FIELDS:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record stays someone else's problem, but without its arguments
            message = str(record.msg)
        record.msg, record.args = self.redact(message), ()
        return True


_log_guard = _StorageLogGuard()


def guard_storage_logs(extra_secrets: Iterable[str | None] = ()) -> None:
    """Put the guard on every logger of the storage libraries loaded so far (called before each store call)."""
    _log_guard.add_secrets(extra_secrets)
    for name in list(logging.Logger.manager.loggerDict):
        if name.split(".", 1)[0] in _LOGGER_ROOTS:
            candidate = logging.getLogger(name)
            if _log_guard not in candidate.filters:
                candidate.addFilter(_log_guard)


def redact_storage_text(text: str) -> str:
    """A message fit for an exception: known storage secrets, credential fields and query strings removed."""
    return " ".join(_log_guard.redact(text).split())


def _env_secrets(prefixes: tuple[str, ...]) -> list[str]:
    markers = ("KEY", "SECRET", "TOKEN", "PASSWORD", "CONNECTION_STRING", "SAS")
    return [
        value
        for name, value in os.environ.items()
        if name.startswith(prefixes) and any(marker in name for marker in markers)
    ]


# --- errors ---------------------------------------------------------------------------------------------


def _chain(exc: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _named(exc: BaseException, *names: str) -> bool:
    return any(type(e).__name__ in names for e in _chain(exc))


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return redact_storage_text(f"{type(exc).__name__}: {text}")


def failure(location: ObjectLocation, action: str, exc: BaseException) -> UsageReportsError:
    """One redacted line for a store call that failed; credentials missing is MissingCredentials."""
    backend = location.backend
    if _named(
        exc, "NoCredentialsError", "PartialCredentialsError", "DefaultCredentialsError", "ClientAuthenticationError"
    ):
        variable = {
            "s3": "AWS_ACCESS_KEY_ID",
            "gs": "GOOGLE_APPLICATION_CREDENTIALS",
            "az": "AZURE_STORAGE_ACCOUNT_NAME",
        }.get(backend.protocol, "")
        return MissingCredentials(
            backend.protocol,
            variable,
            f"{location.url}: no storage credentials found while trying to {action}; configure them the store's "
            f"standard way (for S3 as the AWS CLI reads them: AWS_PROFILE, AWS_ACCESS_KEY_ID, ~/.aws)",
        )
    return StorageError(f"{location.url}: could not {action}: {_describe(exc)}", url=location.url)


# --- filesystems, one per store and configuration ----------------------------------------------------------

_filesystems: dict[tuple[str, tuple[tuple[str, str], ...]], Any] = {}
_filesystems_lock = threading.Lock()


def missing_extra(location: ObjectLocation, *, what: str) -> str | None:
    """Why this location's store cannot be used here (its package is not installed), or None."""
    backend = location.backend
    try:
        __import__(backend.module)
    except ImportError:
        return (
            f"{what} {location.url!r} needs {backend.module}: "
            f"pip install 'usage-reports[{backend.extra}]' (or pip install {backend.module})"
        )
    return None


def store_for(location: ObjectLocation) -> Store:
    """The store of a location, built from the environment as it is now (cached while it does not change)."""
    backend = location.backend
    environment = tuple(
        sorted((k, v) for k, v in os.environ.items() if backend.env_prefixes and k.startswith(backend.env_prefixes))
    )
    key = (backend.protocol, environment)
    with _filesystems_lock:
        store = _filesystems.get(key)
        if store is None:
            store = _filesystems[key] = _make_store(backend)
    guard_storage_logs(_env_secrets(backend.env_prefixes))
    result: Store = store
    return result


def _make_store(backend: Backend) -> Store:
    import fsspec

    if backend.protocol == "s3":
        return S3Store()
    cls = fsspec.get_filesystem_class(backend.protocol)
    kwargs: dict[str, Any] = {"skip_instance_cache": True}
    if backend.protocol == "memory":
        kwargs = {}  # the process-wide memory store, shared with fsspec.filesystem("memory")
    return FsspecStore(backend.protocol, cls(**kwargs))


def _call(location: ObjectLocation, action: str, function: Callable[[], T]) -> T:
    """Run a store call with the log guard up to date; wrap any failure into the library's errors."""
    guard_storage_logs()
    try:
        return function()
    except UsageReportsError:
        raise
    except Exception as exc:
        raise failure(location, action, exc) from exc


class S3Store:
    """S3 through s3fs's botocore client: explicit single or multipart uploads, aborted on any failure."""

    def __init__(self) -> None:
        import s3fs

        self._fs = s3fs.S3FileSystem(skip_instance_cache=True)
        self._secrets_known = False

    def __repr__(self) -> str:
        return "S3Store()"

    def _s3(self, method: str, **kwargs: Any) -> Any:
        if not self._secrets_known:
            self._learn_secrets()
        return self._fs.call_s3(method, **kwargs)

    def _learn_secrets(self) -> None:
        """The credentials botocore resolved (from env, files, SSO...), so that the log guard knows them."""
        from fsspec.asyn import sync

        self._fs.connect()
        credentials = sync(self._fs.loop, self._fs.session.get_credentials)
        if credentials is not None:
            frozen = sync(self._fs.loop, credentials.get_frozen_credentials)
            guard_storage_logs([frozen.access_key, frozen.secret_key, frozen.token])
        self._secrets_known = True

    def check(self, location: ObjectLocation, *, overwrite: bool, what: str) -> None:
        """The bucket exists, and (without overwrite) the object does not. 403s are left to the upload."""
        try:
            _call(location, "reach the bucket", lambda: self._s3("head_bucket", Bucket=location.bucket))
        except StorageError as exc:
            cause = exc.__cause__
            if isinstance(cause, FileNotFoundError):
                raise InvalidRequest(f"{what} {location.url!r}: bucket {location.bucket!r} does not exist") from None
            if _named(exc, "ParamValidationError", "InvalidBucketName"):
                raise InvalidRequest(
                    f"{what} {location.url!r}: {location.bucket!r} is not a valid bucket name"
                ) from None
            if not isinstance(cause, PermissionError):  # 403: may write without listing; the upload will tell
                raise
        if not overwrite and self.exists(location, lenient=True):
            raise InvalidRequest(f"{what} {location.url!r} already exists; {replace_hint()} to replace it")

    def exists(self, location: ObjectLocation, *, lenient: bool = False) -> bool:
        try:
            _call(
                location,
                "look for the object",
                lambda: self._s3("head_object", Bucket=location.bucket, Key=location.key),
            )
        except StorageError as exc:
            if isinstance(exc.__cause__, FileNotFoundError):
                return False
            if lenient and isinstance(exc.__cause__, PermissionError):
                return False  # If-None-Match at the upload still refuses to replace it
            raise
        return True

    def read_bytes(self, location: ObjectLocation) -> bytes:
        def read() -> bytes:
            data: bytes = self._fs.cat_file(f"{location.bucket}/{location.key}")
            return data

        try:
            return _call(location, "read the object", read)
        except StorageError as exc:
            if isinstance(exc.__cause__, FileNotFoundError):
                raise FileNotFoundError(location.url) from None
            raise

    def write_bytes(self, location: ObjectLocation, data: bytes) -> None:
        """One PutObject: S3 shows the old object or the new one, never a part."""
        _call(
            location,
            "write the object",
            lambda: self._s3(
                "put_object", Bucket=location.bucket, Key=location.key, Body=data, **_content_type(location)
            ),
        )

    def sha256(self, location: ObjectLocation) -> str | None:
        """The ``x-amz-meta-sha256`` this library's uploads carry (one HEAD)."""
        try:
            head = _call(
                location,
                "look for the object",
                lambda: self._s3("head_object", Bucket=location.bucket, Key=location.key),
            )
        except StorageError as exc:
            if isinstance(exc.__cause__, FileNotFoundError):
                raise FileNotFoundError(location.url) from None
            raise
        value = (head.get("Metadata") or {}).get("sha256")
        return value if isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value) else None

    def delete(self, location: ObjectLocation) -> None:
        _call(
            location,
            "delete the object",
            lambda: self._s3("delete_object", Bucket=location.bucket, Key=location.key),
        )

    def upload(
        self,
        location: ObjectLocation,
        spool: IO[bytes],
        size: int,
        *,
        overwrite: bool,
        sha256: str,
        cancelled: threading.Event,
    ) -> None:
        try:
            self._upload(location, spool, size, overwrite=overwrite, sha256=sha256, cancelled=cancelled)
        except StorageError as exc:
            if _precondition_failed(exc):
                raise _appeared(location) from None
            raise

    def _upload(
        self,
        location: ObjectLocation,
        spool: IO[bytes],
        size: int,
        *,
        overwrite: bool,
        sha256: str,
        cancelled: threading.Event,
    ) -> None:
        bucket, key = location.bucket, location.key
        condition = {} if overwrite else {"IfNoneMatch": "*"}
        details = {"Metadata": {"sha256": sha256}, **_content_type(location)}
        part_size = max(S3_PART_SIZE, -(-size // S3_MAX_PARTS))
        if size <= part_size:
            body = spool.read()
            _check_cancelled(location, cancelled)
            _call(
                location,
                "upload the report",
                partial(self._s3, "put_object", Bucket=bucket, Key=key, Body=body, **details, **condition),
            )
            return
        created = _call(
            location,
            "start the multipart upload",
            partial(self._s3, "create_multipart_upload", Bucket=bucket, Key=key, **details),
        )
        upload_id: str = created["UploadId"]
        try:
            parts: list[dict[str, Any]] = []
            while chunk := spool.read(part_size):
                _check_cancelled(location, cancelled)
                number = len(parts) + 1
                answer = _call(
                    location,
                    f"upload part {number}",
                    partial(
                        self._s3,
                        "upload_part",
                        Bucket=bucket,
                        Key=key,
                        UploadId=upload_id,
                        PartNumber=number,
                        Body=chunk,
                    ),
                )
                parts.append({"PartNumber": number, "ETag": answer["ETag"]})
            _check_cancelled(location, cancelled)
            _call(
                location,
                "complete the multipart upload",
                partial(
                    self._s3,
                    "complete_multipart_upload",
                    Bucket=bucket,
                    Key=key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                    **condition,
                ),
            )
        except BaseException:
            self._abort(location, upload_id)
            raise

    def _abort(self, location: ObjectLocation, upload_id: str) -> None:
        try:
            _call(
                location,
                "abort the multipart upload",
                lambda: self._s3(
                    "abort_multipart_upload", Bucket=location.bucket, Key=location.key, UploadId=upload_id
                ),
            )
        except UsageReportsError as exc:
            logger.warning(
                "storage: could not abort multipart upload %s of %s (%s); a bucket lifecycle rule "
                "(AbortIncompleteMultipartUpload) removes such leftovers",
                upload_id,
                location.url,
                exc,
            )


class FsspecStore:
    """Any other fsspec filesystem: staged files (commit or discard); memory:// writes whole values."""

    def __init__(self, protocol: str, fs: Any) -> None:
        self.protocol = protocol
        self._fs = fs

    def __repr__(self) -> str:
        return f"FsspecStore({self.protocol!r})"

    def _path(self, location: ObjectLocation) -> str:
        return (
            f"{location.bucket}/{location.key}" if self.protocol != "memory" else f"/{location.bucket}/{location.key}"
        )

    def check(self, location: ObjectLocation, *, overwrite: bool, what: str) -> None:
        root = location.bucket if self.protocol != "memory" else f"/{location.bucket}"
        if not _call(location, "reach the bucket", lambda: bool(self._fs.exists(root))):
            raise InvalidRequest(f"{what} {location.url!r}: bucket {location.bucket!r} does not exist")
        if not overwrite and self.exists(location):
            raise InvalidRequest(f"{what} {location.url!r} already exists; {replace_hint()} to replace it")

    def exists(self, location: ObjectLocation) -> bool:
        path = self._path(location)

        def look() -> bool:
            self._fs.invalidate_cache(path)
            return bool(self._fs.isfile(path))

        return _call(location, "look for the object", look)

    def read_bytes(self, location: ObjectLocation) -> bytes:
        def read() -> bytes:
            data: bytes = self._fs.cat_file(self._path(location))
            return data

        try:
            return _call(location, "read the object", read)
        except StorageError as exc:
            if isinstance(exc.__cause__, FileNotFoundError):
                raise FileNotFoundError(location.url) from None
            raise

    def write_bytes(self, location: ObjectLocation, data: bytes) -> None:
        if self.protocol == "memory":
            _call(location, "write the object", lambda: self._fs.pipe_file(self._path(location), data))
            return
        self._staged(location, [data], overwrite=True, cancelled=threading.Event())

    def sha256(self, location: ObjectLocation) -> str | None:
        """None: these stores keep no metadata of ours (the caller hashes the bytes); FileNotFoundError when absent."""
        if not self.exists(location):
            raise FileNotFoundError(location.url)
        return None

    def delete(self, location: ObjectLocation) -> None:
        _call(location, "delete the object", lambda: self._fs.rm_file(self._path(location)))

    def upload(
        self,
        location: ObjectLocation,
        spool: IO[bytes],
        size: int,
        *,
        overwrite: bool,
        sha256: str,
        cancelled: threading.Event,
    ) -> None:
        if self.protocol == "memory":  # in-process: one assignment of the whole value
            data = spool.read()
            _check_cancelled(location, cancelled)
            mode = "overwrite" if overwrite else "create"
            try:
                _call(location, "upload the report", lambda: self._fs.pipe_file(self._path(location), data, mode=mode))
            except StorageError as exc:
                if _precondition_failed(exc):
                    raise _appeared(location) from None
                raise
            return
        self._staged(location, iter(lambda: spool.read(BLOCK_SIZE), b""), overwrite=overwrite, cancelled=cancelled)

    def _staged(
        self, location: ObjectLocation, chunks: Iterable[bytes], *, overwrite: bool, cancelled: threading.Event
    ) -> None:
        """Write through a staged file: nothing is visible until commit(); any failure discards it."""
        path = self._path(location)
        mode = "wb" if overwrite else "xb"
        # _open, not open: open() with autocommit=False also files the object in the filesystem's shared transaction
        file = _call(
            location,
            "start the upload",
            lambda: self._fs._open(path, mode=mode, autocommit=False, block_size=BLOCK_SIZE),
        )
        try:
            for chunk in chunks:
                _check_cancelled(location, cancelled)
                _call(location, "upload the report", partial(file.write, chunk))
            _check_cancelled(location, cancelled)
            _call(location, "upload the report", file.close)
            _call(location, "commit the upload", file.commit)
        except BaseException as exc:
            with contextlib.suppress(Exception):
                file.discard()
            file.closed = True  # never let __del__ close (and so commit) a half-written file
            if isinstance(exc, StorageError) and _precondition_failed(exc):
                raise _appeared(location) from None
            raise


def _precondition_failed(exc: BaseException) -> bool:
    """An exclusive write refused because the object exists (S3 412 on If-None-Match, fsspec's FileExistsError)."""
    for error in _chain(exc):
        if isinstance(error, FileExistsError):
            return True
        response = getattr(error, "response", None)
        if isinstance(response, dict) and response.get("Error", {}).get("Code") in ("PreconditionFailed", "412"):
            return True
    return False


def _appeared(location: ObjectLocation) -> InvalidRequest:
    return InvalidRequest(
        f"{location.url!r} appeared during the download (or could not be seen before it); it was left untouched"
    )


def _check_cancelled(location: ObjectLocation, cancelled: threading.Event) -> None:
    if cancelled.is_set():
        raise StorageError(f"{location.url}: upload cancelled; nothing was written", url=location.url)


def _content_type(location: ObjectLocation) -> dict[str, str]:
    media_type, _ = mimetypes.guess_type(location.key)
    return {"ContentType": media_type} if media_type else {}
