"""Object stores through fsspec alone: S3 (s3fs), GCS (gcsfs), Azure Blob (adlfs) and fsspec's memory store.

Which package serves a protocol, and the hint when it is missing, come from
fsspec's registry (``fsspec.known_implementations``, ``get_filesystem_class``);
which extra installs it, from this distribution's own metadata. Every call
here blocks; callers on an event loop run it in a thread. The filesystems
are built from each store's standard configuration (for S3 everything the
AWS CLI reads: ``AWS_*`` variables including ``AWS_ENDPOINT_URL``,
``~/.aws/config`` and ``credentials``, SSO, instance roles); the library
never takes, keeps or shows a storage credential.

An upload is one of the store's own atomic writes:

- a report up to one part (8 MiB) on S3, or any report in the memory store:
  ``pipe_file(mode="create")`` (one PutObject with ``If-None-Match: *``), or
  ``mode="overwrite"`` with force;
- anything else: fsspec's staged file, ``_open(path, "xb", autocommit=False)``
  (``"wb"`` with force), written part by part, then ``commit()`` (s3fs:
  CompleteMultipartUpload, with ``If-None-Match: *`` in mode x) or, on any
  failure, cancellation or signal, ``discard()`` (s3fs: AbortMultipartUpload).

On S3 the sha256 goes with the object as metadata (``x-amz-meta-sha256``):
s3fs passes ``Metadata=`` to PutObject and CreateMultipartUpload.

The storage libraries log request headers (botocore: the access key id and
the session token) at DEBUG: a filter on their loggers removes known storage
credentials and the usual credential-bearing fields from every record.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import re
import threading
from collections.abc import Callable, Iterable
from functools import partial
from typing import IO, Any, TypeVar

import attrs

from .._exceptions import InvalidRequest, MissingCredentials, StorageError, UsageReportsError
from .._logging import logger
from .._redact import REDACTED, Redactor

T = TypeVar("T")

#: The URL schemes this library writes to: fsspec protocols of stores with atomic objects and exclusive create.
PROTOCOLS = ("s3", "s3a", "gs", "gcs", "az", "abfs", "memory")
#: S3's smallest part (except the last) is 5 MiB; 8 MiB is the AWS CLI's default part size and threshold,
#: and the staged-file block size for the other stores (a multiple of GCS's 256 KiB).
PART_SIZE = 8 * 1024 * 1024
S3_MAX_PARTS = 10_000
#: The variable named when a store finds no credentials, by the package that serves it.
_CREDENTIAL_VARIABLE = {
    "s3fs": "AWS_ACCESS_KEY_ID",
    "gcsfs": "GOOGLE_APPLICATION_CREDENTIALS",
    "adlfs": "AZURE_STORAGE_ACCOUNT_NAME",
}


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
    def path(self) -> str:
        """The path fsspec's filesystems take: ``bucket/key``."""
        return f"{self.bucket}/{self.key}"

    def __str__(self) -> str:
        return self.url


# --- which package serves a protocol (fsspec's registry) ----------------------------------------------------


def implementation(protocol: str) -> str:
    """The dotted class fsspec names for a protocol (``s3fs.S3FileSystem``), without importing it."""
    from fsspec.registry import known_implementations

    return str(known_implementations[protocol.lower()]["class"])


def missing_extra(location: ObjectLocation, *, what: str) -> str | None:
    """Why this location's store cannot be used here (its package is not installed), or None."""
    import fsspec
    from fsspec.registry import known_implementations

    try:
        fsspec.get_filesystem_class(location.protocol.lower())
    except ImportError:
        package = implementation(location.protocol).split(".", 1)[0]
        hint = known_implementations[location.protocol.lower()].get("err") or f"install {package}"
        extra = _extra_providing(package)
        install = f"pip install 'usage-reports[{extra}]' (or pip install {package})" if extra else hint
        return f"{what} {location.url!r} needs {package}: {install}"
    return None


def _extra_providing(package: str) -> str | None:
    """The extra of this distribution that installs ``package``, read from its metadata (None: none does)."""
    from importlib import metadata

    try:
        requirements = metadata.requires("usage-reports") or []
    except metadata.PackageNotFoundError:
        return None
    for requirement in requirements:
        match = re.match(r"\s*([A-Za-z0-9._-]+)[^;]*;.*\bextra\s*==\s*['\"]([^'\"]+)['\"]", requirement)
        if match and match.group(1).lower().replace("_", "-") == package.lower():
            return match.group(2)
    return None


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


def _env_secrets(environment: Iterable[tuple[str, str]]) -> list[str]:
    markers = ("KEY", "SECRET", "TOKEN", "PASSWORD", "CONNECTION_STRING", "SAS")
    return [value for name, value in environment if any(marker in name.upper() for marker in markers)]


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
    if _named(
        exc, "NoCredentialsError", "PartialCredentialsError", "DefaultCredentialsError", "ClientAuthenticationError"
    ):
        package = implementation(location.protocol).split(".", 1)[0]
        return MissingCredentials(
            location.protocol,
            _CREDENTIAL_VARIABLE.get(package, ""),
            f"{location.url}: no storage credentials found while trying to {action}; configure them the store's "
            f"standard way (for S3 as the AWS CLI reads them: AWS_PROFILE, AWS_ACCESS_KEY_ID, ~/.aws)",
        )
    return StorageError(f"{location.url}: could not {action}: {_describe(exc)}", url=location.url)


def _call(location: ObjectLocation, action: str, function: Callable[[], T]) -> T:
    """Run a store call with the log guard up to date; wrap any failure into the library's errors."""
    guard_storage_logs()
    try:
        return function()
    except UsageReportsError:
        raise
    except Exception as exc:
        raise failure(location, action, exc) from exc


def _precondition_failed(exc: BaseException) -> bool:
    """An exclusive write refused because the object exists (s3fs and fsspec raise FileExistsError)."""
    return any(isinstance(error, FileExistsError) for error in _chain(exc))


def _appeared(location: ObjectLocation) -> InvalidRequest:
    return InvalidRequest(
        f"{location.url!r} appeared during the download (or could not be seen before it); it was left untouched"
    )


def _check_cancelled(location: ObjectLocation, cancelled: threading.Event) -> None:
    if cancelled.is_set():
        raise StorageError(f"{location.url}: upload cancelled; nothing was written", url=location.url)


# --- filesystems, one per store and configuration ----------------------------------------------------------

#: The variables the stores' own configuration reads (a change builds a new filesystem; their secrets are redacted).
_STORE_VARIABLES = ("AWS_", "GOOGLE_", "GCSFS_", "CLOUDSDK_", "AZURE_")
_stores: dict[tuple[str, tuple[tuple[str, str], ...]], ObjectStore] = {}
_stores_lock = threading.Lock()


def store_for(location: ObjectLocation) -> ObjectStore:
    """The store of a location, built from the environment as it is now (cached while it does not change)."""
    import fsspec

    environment = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(_STORE_VARIABLES)))
    key = (implementation(location.protocol), environment)
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            cls = fsspec.get_filesystem_class(location.protocol)
            # memory: the process-wide store, shared with fsspec.filesystem("memory"); others: this environment's
            store = _stores[key] = ObjectStore(cls() if cls.protocol == "memory" else cls(skip_instance_cache=True))
    guard_storage_logs(_env_secrets(environment))
    return store


class ObjectStore:
    """One fsspec filesystem, and what this library does with it; every method blocks."""

    def __init__(self, fs: Any) -> None:
        self._fs = fs
        protocols = {fs.protocol} if isinstance(fs.protocol, str) else set(fs.protocol)
        self.is_s3 = "s3" in protocols
        self.in_memory = "memory" in protocols
        self._secrets_known = not self.is_s3

    def __repr__(self) -> str:
        return f"ObjectStore({type(self._fs).__name__})"

    def _learn_secrets(self) -> None:
        """The credentials botocore resolved (from env, files, SSO...), so that the log guard knows them."""
        if self._secrets_known:
            return
        from fsspec.asyn import sync

        self._fs.connect()
        credentials = sync(self._fs.loop, self._fs.session.get_credentials)
        if credentials is not None:
            frozen = sync(self._fs.loop, credentials.get_frozen_credentials)
            guard_storage_logs([frozen.access_key, frozen.secret_key, frozen.token])
        self._secrets_known = True

    def _run(self, location: ObjectLocation, action: str, function: Callable[[], T]) -> T:
        if not self._secrets_known:
            _call(location, action, self._learn_secrets)
        return _call(location, action, function)

    def check(self, location: ObjectLocation, *, overwrite: bool, what: str) -> None:
        """The bucket exists, and (without overwrite) the object does not. 403s are left to the upload."""
        try:
            self._run(location, "reach the bucket", partial(self._fs.info, location.bucket, refresh=True))
        except StorageError as exc:
            if _named(exc, "ParamValidationError", "InvalidBucketName"):
                raise InvalidRequest(
                    f"{what} {location.url!r}: {location.bucket!r} is not a valid bucket name"
                ) from None
            if isinstance(exc.__cause__, FileNotFoundError):
                raise InvalidRequest(f"{what} {location.url!r}: bucket {location.bucket!r} does not exist") from None
            if not isinstance(exc.__cause__, PermissionError):  # 403: may write without listing; the upload will tell
                raise
        if not overwrite and self.exists(location, lenient=True):
            raise InvalidRequest(f"{what} {location.url!r} already exists; pass overwrite=True to replace it")

    def exists(self, location: ObjectLocation, *, lenient: bool = False) -> bool:
        """Whether the object is there; ``lenient``: a store that forbids looking (403) counts as no."""

        def look() -> bool:
            return bool(self._fs.info(location.path, refresh=True).get("type") == "file")

        try:
            return self._run(location, "look for the object", look)
        except StorageError as exc:
            if isinstance(exc.__cause__, FileNotFoundError):
                return False
            if lenient and isinstance(exc.__cause__, PermissionError):
                return False  # the exclusive write still refuses to replace it
            raise

    def read_bytes(self, location: ObjectLocation) -> bytes:
        try:
            data: bytes = self._run(location, "read the object", partial(self._fs.cat_file, location.path))
        except StorageError as exc:
            if isinstance(exc.__cause__, FileNotFoundError):
                raise FileNotFoundError(location.url) from None
            raise
        return data

    def write_bytes(self, location: ObjectLocation, data: bytes) -> None:
        """Replace the object: one write of the whole value, so readers see the old object or the new one."""
        self._run(
            location, "write the object", partial(self._fs.pipe_file, location.path, data, **self._options(location))
        )

    def sha256(self, location: ObjectLocation) -> str | None:
        """The sha256 recorded with the object at upload (S3: ``x-amz-meta-sha256``, one HEAD); None when the
        store keeps none; FileNotFoundError when the object is absent."""
        if not self.is_s3:
            if not self.exists(location):
                raise FileNotFoundError(location.url)
            return None
        try:
            metadata = self._run(location, "look for the object", partial(self._fs.metadata, location.path))
        except StorageError as exc:
            if isinstance(exc.__cause__, FileNotFoundError):
                raise FileNotFoundError(location.url) from None
            raise
        value = metadata.get("sha256")
        return value if isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value) else None

    def delete(self, location: ObjectLocation) -> None:
        self._run(location, "delete the object", partial(self._fs.rm_file, location.path))

    def _options(self, location: ObjectLocation, sha256: str | None = None) -> dict[str, Any]:
        """S3 request parameters that s3fs passes to PutObject and CreateMultipartUpload."""
        if not self.is_s3:
            return {}
        media_type, _ = mimetypes.guess_type(location.key)
        options: dict[str, Any] = {"ContentType": media_type} if media_type else {}
        if sha256 is not None:
            options["Metadata"] = {"sha256": sha256}
        return options

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
        """Write the spool as the object, atomically, never replacing one without ``overwrite``.

        Nothing is visible until the store's last step; any failure, ``cancelled`` (checked
        before each part) or a signal (a KeyboardInterrupt) discards the staged upload.
        """
        options = self._options(location, sha256)
        part_size = max(PART_SIZE, -(-size // S3_MAX_PARTS))
        try:
            if self.in_memory or (self.is_s3 and size <= part_size):
                data = spool.read()
                _check_cancelled(location, cancelled)
                mode = "overwrite" if overwrite else "create"
                write = partial(self._fs.pipe_file, location.path, data, mode=mode, **options)
                self._run(location, "upload the report", write)
            else:
                self._staged(location, spool, part_size, overwrite=overwrite, options=options, cancelled=cancelled)
        except StorageError as exc:
            if _precondition_failed(exc):
                raise _appeared(location) from None
            raise

    def _staged(
        self,
        location: ObjectLocation,
        spool: IO[bytes],
        part_size: int,
        *,
        overwrite: bool,
        options: dict[str, Any],
        cancelled: threading.Event,
    ) -> None:
        """fsspec's staged file: each write of ``part_size`` bytes sends one part; commit() publishes them."""
        mode = "wb" if overwrite else "xb"
        # _open, not open: open(autocommit=False) also files every such file in the filesystem's shared
        # transaction, which keeps each one for good (test_staged_uploads_stay_out_of_fsspecs_shared_transaction)
        file = self._run(
            location,
            "start the upload",
            partial(self._fs._open, location.path, mode=mode, autocommit=False, block_size=part_size, **options),
        )
        try:
            part = 0
            while chunk := spool.read(part_size):
                _check_cancelled(location, cancelled)
                part += 1
                self._run(location, f"upload part {part}", partial(file.write, chunk))
            _check_cancelled(location, cancelled)
            self._run(location, f"upload part {part}", file.close)
            _check_cancelled(location, cancelled)
            self._run(location, "complete the upload", file.commit)
        except BaseException:
            self._discard(location, file)
            raise

    def _discard(self, location: ObjectLocation, file: Any) -> None:
        """Drop a staged upload (s3fs: AbortMultipartUpload); never let the file close (and so upload) itself."""
        file.closed = True  # fsspec's __del__ would close it: flush the rest, and on S3 start a new upload
        try:
            _call(location, "abort the upload", file.discard)
        except UsageReportsError as exc:
            logger.warning(
                "storage: could not abort the upload of %s (%s); a bucket lifecycle rule "
                "(AbortIncompleteMultipartUpload) removes such leftovers",
                location.url,
                exc,
            )
