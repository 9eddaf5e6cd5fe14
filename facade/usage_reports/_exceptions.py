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
    │   └── UnexpectedResponse             any other status, wrong media type,
    │                                      malformed or truncated body
    ├── ConnectionFailed                   no answer: DNS, refused, reset, TLS
    │   └── Timeout
    └── StorageError                       the destination's object store failed (unreachable,
                                           refused an upload); nothing was written there

Errors are chosen by status code, never by message text. Every message has
been redacted: no credential, no signed URL, no query string. The original
exception, when there is one, is chained as ``__cause__``.
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

    def __init__(self, provider: str, env_var: str, message: str | None = None) -> None:
        self.provider = provider
        self.env_var = env_var
        super().__init__(message or f"{provider}: no credential configured; set the {env_var} environment variable")


class APIError(UsageReportsError):
    """The vendor answered, but not with the report."""

    def __init__(self, message: str, *, provider: str, status_code: int | None) -> None:
        self.provider = provider
        self.status_code = status_code
        self.message = message
        super().__init__(message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(provider={self.provider!r}, status_code={self.status_code!r}, message={self.message!r})"


class AuthenticationError(APIError):
    """401: the credential was refused."""


class PermissionDenied(APIError):
    """403: the credential is valid but may not read this report (or a signed URL expired)."""


class NotFound(APIError):
    """404: no such organization, workspace or report."""


class RateLimited(APIError):
    """429: too many requests; ``retry_after`` is the vendor's wish in seconds, when it gave one."""

    def __init__(self, message: str, *, provider: str, status_code: int | None, retry_after: float | None) -> None:
        super().__init__(message, provider=provider, status_code=status_code)
        self.retry_after = retry_after


class ServerError(APIError):
    """5xx: the vendor failed."""


class UnexpectedResponse(APIError):
    """An undocumented status, a wrong media type, a malformed or a truncated body."""


class ConnectionFailed(UsageReportsError):
    """No HTTP answer at all: refused, reset, DNS or TLS failure."""

    def __init__(self, message: str, *, provider: str) -> None:
        self.provider = provider
        super().__init__(message)


class Timeout(ConnectionFailed):
    """The connect, read, write or pool timeout elapsed."""


class StorageError(UsageReportsError):
    """The object store of a destination failed: unreachable, refused, or an upload failed.

    Nothing was written at ``url`` (an interrupted multipart upload was aborted).
    """

    def __init__(self, message: str, *, url: str) -> None:
        self.url = url
        super().__init__(message)
