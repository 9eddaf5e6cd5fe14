"""The `usage_reports` logger, the entry a record belongs to, its text and JSON forms, and a guard on
the HTTP libraries' loggers.

Every record of the library's own calls carries ``provider``, ``operation``
and ``event`` (with numbers such as ``attempt``, ``status`` and ``duration``
in ``log_fields``), never a URL, a header or a body. Code that runs many
calls at once (fetch-all) names the one under way with :func:`logging_context`
(or :func:`bind_logging_context` in a task of its own): a context variable,
so every record made inside, in that thread or task and the tasks it starts,
also carries ``label`` (``my_vendor[2] (project-b)``). :class:`TextLogFormatter`
and :class:`JsonLogFormatter` write such records as one line each, redacted.

httpx logs full URLs at INFO and httpcore logs response headers at DEBUG: a
signed storage URL or a Location would end up in a user's DEBUG log. While one
of this library's calls runs (a context variable says so), records from those
loggers are rewritten: httpx's URL is cut to its origin, httpcore's message to
its event name. Other code's use of httpx in the same process is untouched.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from types import MappingProxyType

import httpx

from ._redact import Redactor
from ._urls import origin

logger = logging.getLogger("usage_reports")
logger.addHandler(logging.NullHandler())  # a library's records go where the application says, never to stderr

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


class guarded:  # lower case: used as a function, ``with guarded(redact):``
    """Within the block, httpx's and httpcore's records are rewritten through ``redactor`` (a class, not a
    generator-based context manager: it is entered for every call)."""

    __slots__ = ("_redactor", "_token")

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor

    def __enter__(self) -> None:
        self._token = _active.set(self._redactor)

    def __exit__(self, *exc_info: object) -> None:
        _active.reset(self._token)


# --- which entry a record belongs to -------------------------------------------------------------

#: The fields a log context may set (each also a LogRecord attribute, so it must not shadow one of its own).
CONTEXT_FIELDS = ("label", "provider", "operation")
_EMPTY: Mapping[str, str] = MappingProxyType({})
_context: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "usage_reports_log_context", default=_EMPTY
)


def _merged(label: str | None, provider: str | None, operation: str | None) -> Mapping[str, str]:
    given = {"label": label, "provider": provider, "operation": operation}
    return MappingProxyType({**_context.get(), **{key: value for key, value in given.items() if value is not None}})


@contextlib.contextmanager
def logging_context(
    *, label: str | None = None, provider: str | None = None, operation: str | None = None
) -> Iterator[None]:
    """Every record logged inside (this thread or task, and the tasks it starts) names this entry.

    ``with logging_context(label="my_vendor[2] (project-b)", provider="my_vendor"): ...``; nested
    contexts add to (and override) the outer one; the outer one is back on leaving.
    """
    token = _context.set(_merged(label, provider, operation))
    try:
        yield
    finally:
        _context.reset(token)


def bind_logging_context(
    *, label: str | None = None, provider: str | None = None, operation: str | None = None
) -> None:
    """Like :func:`logging_context`, for the rest of the current asyncio task (or thread).

    For a task that serves one entry from its start to its end (each task has its own copy of
    the context, so this never leaks into another task).
    """
    _context.set(_merged(label, provider, operation))


def current_logging_context() -> Mapping[str, str]:
    """The fields :func:`logging_context` set here (empty outside any)."""
    return _context.get()


# --- records as lines ------------------------------------------------------------------------------

#: Fields shown first, in this order, in a JSON record; the record's other fields follow.
_LEADING = ("time", "level", "event", "label", "provider", "operation")


def record_fields(record: logging.LogRecord) -> dict[str, object]:
    """What a record says, as fields: time, level, event, label, provider, operation, then its own numbers.

    A record not made by the library's engine (no ``log_fields``) has its text as ``message``;
    label, provider and operation come from the record or, failing that, from the context it
    was logged in (the formatter runs in the thread that logged it).
    """
    context = current_logging_context()
    fields: dict[str, object] = {
        "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "level": record.levelname.lower(),
        "event": getattr(record, "event", None),
    }
    for key in CONTEXT_FIELDS:
        value = getattr(record, key, None)
        fields[key] = value if isinstance(value, str) else context.get(key)
    own = getattr(record, "log_fields", None)
    if isinstance(own, Mapping):
        fields.update((key, value) for key, value in own.items() if key not in fields and value is not None)
    else:
        fields["message"] = record.getMessage()
    if record.name != logger.name:
        fields["logger"] = record.name
    return fields


class TextLogFormatter(logging.Formatter):
    """``PROG: level: LABEL: message``, one line, redacted (the label only when the record has one)."""

    def __init__(self, prog: str, redact: Callable[[str], str]) -> None:
        super().__init__()
        self.prog = prog
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        label = getattr(record, "label", None) or current_logging_context().get("label")
        where = f"{label}: " if isinstance(label, str) and label else ""
        return self.redact(f"{self.prog}: {record.levelname.lower()}: {where}{record.getMessage()}")


class JsonLogFormatter(logging.Formatter):
    """One JSON object per record, on one line: :func:`record_fields`, every text redacted."""

    def __init__(self, redact: Callable[[str], str]) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return json_line(record_fields(record), self.redact)


def json_line(fields: Mapping[str, object], redact: Callable[[str], str]) -> str:
    """``fields`` as one JSON line, leading fields first; every string redacted, floats to the millisecond."""
    ordered = {key: fields[key] for key in _LEADING if key in fields}
    ordered.update((key, value) for key, value in fields.items() if key not in ordered)
    return json.dumps({key: _plain(value, redact) for key, value in ordered.items()}, ensure_ascii=False)


def _plain(value: object, redact: Callable[[str], str]) -> object:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return round(value, 3)
    return redact(str(value))
