"""The `usage_reports` logger, and a guard on the HTTP libraries' loggers.

httpx logs full URLs at INFO and httpcore logs response headers at DEBUG: a
signed storage URL or a Location would end up in a user's DEBUG log. While one
of this library's calls runs (a context variable says so), records from those
loggers are rewritten: httpx's URL is cut to its origin, httpcore's message to
its event name. Other code's use of httpx in the same process is untouched.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator

import httpx

from ._redact import Redactor
from ._urls import origin

logger = logging.getLogger("usage_reports")

_GUARDED_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "hpack.hpack",
    "hpack.table",
)
_active: contextvars.ContextVar[Redactor | None] = contextvars.ContextVar("usage_reports_redactor", default=None)


class _HttpLogGuard(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        redact = _active.get()
        if redact is None:
            return True
        if record.name == "httpx" and isinstance(record.args, tuple) and len(record.args) == 5:
            method, url, version, status, reason = record.args
            shown = origin(url) if isinstance(url, httpx.URL) else "[URL]"
            record.msg, record.args = (
                'HTTP Request: %s %s/[path hidden] "%s %s %s"',
                (
                    method,
                    shown,
                    version,
                    status,
                    redact.quote(str(reason), limit=200),  # a reason phrase is server text: it may echo a key
                ),
            )
        else:
            event = record.getMessage().split(" ", 1)[0]
            record.msg, record.args = redact(event), ()
        return True


_guard = _HttpLogGuard()
_installed = False


def install_http_log_guard() -> None:
    global _installed
    if not _installed:
        for name in _GUARDED_LOGGERS:
            logging.getLogger(name).addFilter(_guard)
        _installed = True


@contextlib.contextmanager
def guarded(redactor: Redactor) -> Iterator[None]:
    token = _active.set(redactor)
    try:
        yield
    finally:
        _active.reset(token)
