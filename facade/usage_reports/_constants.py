"""Defaults, in one place. Every one of them can be overridden per client or per provider."""

from __future__ import annotations

import httpx

from ._version import __version__

#: Connect, read, write and pool timeouts, in seconds. Never unbounded.
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 60.0
DEFAULT_WRITE_TIMEOUT = 60.0
DEFAULT_POOL_TIMEOUT = 10.0
DEFAULT_TIMEOUT = httpx.Timeout(
    connect=DEFAULT_CONNECT_TIMEOUT,
    read=DEFAULT_READ_TIMEOUT,
    write=DEFAULT_WRITE_TIMEOUT,
    pool=DEFAULT_POOL_TIMEOUT,
)

#: Retries after the first attempt, for retryable failures only.
DEFAULT_MAX_RETRIES = 2
#: Exponential backoff: INITIAL * 2**retry, capped at MAX, minus up to 25 % jitter.
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
#: A Retry-After longer than this is not waited for: RateLimited is raised at once.
MAX_RETRY_AFTER = 60.0
RETRYABLE_STATUS_CODES = frozenset({408, 429, 500, 502, 503, 504})

#: Redirects followed after the first one (an API's own redirect to the file), all credential-free.
MAX_FURTHER_REDIRECTS = 5


#: Bytes read of a body that is not the report (an error, a JSON link).
MAX_SMALL_BODY = 1024 * 1024
USER_AGENT = f"usage-reports/{__version__}"
