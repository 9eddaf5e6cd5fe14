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

#: The whole of one call (every attempt, redirect, wait and byte), like curl's --max-time.
#: A server trickling a byte at a time never outlasts it; passing it raises Timeout.
DEFAULT_DEADLINE = 30 * 60.0

#: The most fetch() holds in memory (decoded bytes); a larger report needs download().
DEFAULT_MAX_FETCH_SIZE = 256 * 1024 * 1024
#: Decoded bytes handed on at once when a body arrives compressed (memory stays flat).
DECODED_PIECE_SIZE = 64 * 1024
#: A compressed body inflating more than this many times over is refused (a decompression bomb) ...
MAX_COMPRESSION_RATIO = 100
#: ... once it has inflated past this many bytes (tiny bodies compress well legitimately).
COMPRESSION_RATIO_GRACE = 1024 * 1024

#: Response headers that carry the vendor's id of a request, first found wins.
REQUEST_ID_HEADERS = (
    "x-request-id",
    "request-id",
    "x-amzn-requestid",
    "x-amz-request-id",
    "x-ms-request-id",
    "x-goog-request-id",
    "x-correlation-id",
    "cf-ray",
)
#: At most this many characters of an error body are kept on APIError.body_excerpt.
MAX_BODY_EXCERPT = 200
