"""Every error the library raises; callers catch one base class.

    UsageReportsError
    ├── InvalidRequest (also ValueError)   bad input or settings; nothing was sent
    ├── MissingCredentials                 a credential is not configured; nothing was sent
    ├── APIError                           the vendor answered, but not with a report
    │   ├── AuthenticationError            401
    │   ├── PermissionDenied               403
    │   ├── NotFound                       404
    │   ├── RateLimited                    429 (retry_after, in seconds, when known)
    │   ├── ServerError                    5xx
    │   ├── UnexpectedResponse             any other status, wrong media type, an empty,
    │   │                                  malformed, truncated, undecodable, oversized
    │   │                                  or implausibly compressed body, a bad redirect
    │   ├── ReportJobFailed                the vendor's job building a report failed
    │   └── ReportWaitExceeded             a report was not ready within max_wait
    ├── ConnectionFailed                   no answer: DNS, refused, reset, TLS
    │   └── Timeout                        a connect/read/write/pool timeout, or the
    │                                      call's total deadline
    ├── StorageError                       the destination could not be written (disk
    │                                      full, file size limit, I/O error, an object
    │                                      store refusing the upload); nothing was
    │                                      left behind
    └── usage.UsageDataError               the usage table and charges (usage_reports.usage):
                                           a folder, file or rate card that cannot be
                                           used; its branch is in usage/_errors.py

Errors are chosen by status code, never by message text. Every message has
been redacted: no credential, no signed URL, no query string; text a server
wrote is quoted with its control characters escaped. The original exception,
when there is one, is chained as ``__cause__`` (without its traceback, whose
frames hold the signed URLs this library keeps out of sight). An APIError
carries the vendor's ``request_id`` when a response header gave one, and a
short redacted ``body_excerpt`` of the answer.
"""

from __future__ import annotations

__all__ = [
    "APIError",
    "AuthenticationError",
    "ConnectionFailed",
    "InvalidRequest",
    "MissingCredentials",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "ReportJobFailed",
    "ReportWaitExceeded",
    "ServerError",
    "StorageError",
    "Timeout",
    "UnexpectedResponse",
    "UsageReportsError",
]


class UsageReportsError(Exception):
    """Base class of every error this library raises."""


class InvalidRequest(UsageReportsError, ValueError):
    """The request, a setting or a destination is invalid; nothing was sent."""


class MissingCredentials(UsageReportsError):
    """A provider's credential is neither passed nor in its environment variable."""

    def __init__(
        self, provider: str, env_var: str, message: str | None = None, *, code_hint: str | None = None
    ) -> None:
        self.provider = provider
        self.env_var = env_var
        #: What to set, for any reader (the command line shows this alone).
        self.setting_hint = message or f"{provider}: no credential configured; set the {env_var} environment variable"
        #: What to pass, for a Python caller (e.g. ``or pass MyVendor(token=...)``).
        self.code_hint = code_hint
        super().__init__(self.setting_hint + (f", {code_hint}" if code_hint else ""))


class APIError(UsageReportsError):
    """The vendor answered, but not with the report.

    ``request_id`` is the vendor's id of the request (from a header such as
    ``x-request-id``), for a support ticket; ``body_excerpt`` the first
    characters of the answer's body, redacted and escaped. Either may be None.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status_code: int | None,
        request_id: str | None = None,
        body_excerpt: str | None = None,
    ) -> None:
        self.provider = provider
        self.status_code = status_code
        self.message = message
        self.request_id = request_id
        self.body_excerpt = body_excerpt
        super().__init__(message)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(provider={self.provider!r}, status_code={self.status_code!r}, "
            f"request_id={self.request_id!r}, message={self.message!r})"
        )


class AuthenticationError(APIError):
    """401: the credential was refused."""


class PermissionDenied(APIError):
    """403: the credential is valid but may not read this report (or a signed URL expired)."""


class NotFound(APIError):
    """404: no such organization, workspace or report."""


class RateLimited(APIError):
    """429: too many requests; ``retry_after`` is the vendor's wish in seconds, when it gave one."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status_code: int | None,
        retry_after: float | None,
        request_id: str | None = None,
        body_excerpt: str | None = None,
    ) -> None:
        super().__init__(
            message, provider=provider, status_code=status_code, request_id=request_id, body_excerpt=body_excerpt
        )
        self.retry_after = retry_after


class ServerError(APIError):
    """5xx: the vendor failed."""


class UnexpectedResponse(APIError):
    """An undocumented status, a wrong media type, a bad redirect, or a body that is not a report.

    Not a report: empty, malformed, truncated, undecodable (labelled gzip but
    not gzip), larger than fetch() may hold in memory, or inflating
    implausibly (a decompression bomb).
    """


class ReportJobFailed(APIError):
    """A report this run asked the vendor to build failed on the vendor's side; it is not retried."""


class ReportWaitExceeded(APIError):
    """A report the vendor is building was not finished within the wait allowed (``max_wait``)."""


class ConnectionFailed(UsageReportsError):
    """No HTTP answer at all: refused, reset, DNS or TLS failure."""

    def __init__(self, message: str, *, provider: str) -> None:
        self.provider = provider
        super().__init__(message)


class Timeout(ConnectionFailed):
    """The connect, read, write or pool timeout elapsed, or the call's total deadline passed."""


class StorageError(UsageReportsError):
    """The report could not be written to its destination: disk full, file size limit, I/O error, or an
    object store that is unreachable or refused the upload.

    Nothing was left behind: the temporary file is gone, an interrupted multipart upload was aborted, the
    destination is untouched. ``filename`` (a local destination) or ``url`` (an object store) says where,
    ``errno`` is the operating system's error number when there is one.
    """

    def __init__(
        self, message: str, *, filename: str | None = None, errno: int | None = None, url: str | None = None
    ) -> None:
        self.filename = filename
        self.errno = errno
        self.url = url
        super().__init__(message)
