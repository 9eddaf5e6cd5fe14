"""Statsig Console API: the project's usage billing report for a period, and the settings to reach it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import ClassVar, Final

from ..._exceptions import InvalidRequest, MissingCredentials
from ..._fields import FieldError, Holds, OneOf, Requires, Text, checked, field, value_object
from ..._periods import Period, period_value, timestamp_value
from ..._validators import base_url_value, env_value, secret_value

#: Statsig's published limits per key: 100 requests / 10 s and 900 / 15 min.
STATSIG_RATE_LIMITS: Final[tuple[tuple[int, float], ...]] = ((100, 10.0), (900, 900.0))
STATSIG_API_VERSION: Final = "20240601"
#: Integers below this are taken for seconds, not milliseconds (10**11 ms is 1973-03-03).
MIN_PLAUSIBLE_MILLISECONDS: Final = 10**11

Timestamp = datetime | date | int
_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()


def to_milliseconds(value: object, name: str) -> int:
    """Unix milliseconds from an aware datetime, a date (UTC midnight) or an int in milliseconds."""
    if isinstance(value, bool):
        raise InvalidRequest(f"{name} must be a datetime, a date or an int of milliseconds, not bool")
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidRequest(
                f"{name} is a naive datetime; give it a timezone, e.g. datetime(2026, 11, 1, tzinfo=timezone.utc)"
            )
        return int(value.timestamp() * 1000)
    if isinstance(value, date):  # UTC midnight: whole days since 1970-01-01
        return (value.toordinal() - _EPOCH_ORDINAL) * 86_400_000
    if isinstance(value, int):
        if 0 < value < MIN_PLAUSIBLE_MILLISECONDS:
            raise InvalidRequest(
                f"{name}={value} looks like seconds, not milliseconds; pass {value * 1000} or a datetime/date instead"
            )
        return value
    raise InvalidRequest(f"{name} must be a datetime, a date or an int of milliseconds, not {type(value).__name__}")


def _timestamp(value: object, *, end: bool) -> Timestamp:
    """An aware datetime, a date (UTC midnight) or Unix milliseconds; ISO text (or digits, from the command line)."""
    if isinstance(value, Text) and value.strip().isdigit():
        value = int(value.strip())
    elif isinstance(value, str):
        try:
            value = timestamp_value(value)
        except FieldError as exc:
            raise FieldError(f"must be a datetime, a date or an int of milliseconds, or ISO text: {exc}") from None
    if isinstance(value, bool) or not isinstance(value, datetime | date | int):
        raise FieldError(f"must be a datetime, a date or an int of milliseconds, not {type(value).__name__}")
    if isinstance(value, datetime) and (value.tzinfo is None or value.utcoffset() is None):
        raise FieldError(
            "is a naive datetime (no UTC offset); give it one, e.g. datetime(2026, 11, 1, tzinfo=timezone.utc) "
            "or 2026-11-01T00:00:00+00:00"
        )
    if isinstance(value, int) and 0 < value < MIN_PLAUSIBLE_MILLISECONDS:
        raise FieldError(
            f"looks like seconds ({value}), not milliseconds; pass {value * 1000} or a datetime/date instead"
        )
    ms = to_milliseconds(value, "value")
    if end and ms <= 0:
        raise FieldError(f"must be after 1970-01-01 (> 0 milliseconds), got {ms}")
    if ms < 0:
        raise FieldError("must not be before 1970-01-01")
    return value


def _end(value: object) -> Timestamp:
    return _timestamp(value, end=True)


def _start(value: object) -> Timestamp:
    return _timestamp(value, end=False)


def _before(start: Timestamp, end: Timestamp) -> bool:
    return to_milliseconds(start, "start") < to_milliseconds(end, "end")


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")


def _format_ms(ms: int) -> str:
    """``20261101`` for UTC midnight, else ``20261101T083000Z`` (milliseconds dropped).

    Whole days and seconds by arithmetic (Unix time has no leap seconds): a third of the cost of going
    through an aware datetime, and this runs for every report fetched.
    """
    days, milliseconds = divmod(ms, 86_400_000)
    day = date.fromordinal(_EPOCH_ORDINAL + days).isoformat().replace("-", "")
    seconds = milliseconds // 1000
    if seconds:
        hours, rest = divmod(seconds, 3600)
        return "%sT%02d%02d%02dZ" % (day, hours, rest // 60, rest % 60)  # noqa: UP031 - faster than an f-string here
    return day


@value_object
class StatsigUsageReport:
    """A Statsig project's usage billing report for [start, end), as a CSV: by ``period``, or by ``end`` and ``start``.

    ``end`` and ``start`` take an aware datetime, a date (UTC midnight) or an
    int of Unix milliseconds; ``start`` may be omitted. ``period`` (a
    ``Period``) replaces both.
    """

    end: Timestamp | None = field(
        default=None,
        help="instead of a period: its end, exclusive: an ISO date (UTC midnight) or a datetime with an offset, "
        "e.g. 2026-11-01T00:00:00+01:00",
        convert=_end,
        metavar="DATE",
        example="2026-11-01",
    )
    start: Timestamp | None = field(
        default=None,
        help="with an end: the start of the period, in the same forms (default: Statsig's own)",
        convert=_start,
        metavar="DATE",
        example="2026-10-01",
    )
    period: Period | None = field(
        default=None, kw_only=True, period=True, help="the period of the report", convert=period_value
    )

    provider: ClassVar[str] = "statsig"
    rules: ClassVar[tuple[OneOf | Requires | Holds, ...]] = (
        OneOf(
            (("period",), ("end", "start")),
            both="give {period}, or {end} (and {start}), not both",
            neither="give {period} or {end}",
        ),
        Requires("start", "end"),
        Holds(("start", "end"), _before, "{start} must be before {end}"),
    )

    @property
    def end_ms(self) -> int:
        if self.period is not None:
            return to_milliseconds(self.period.end, "period.end")
        return to_milliseconds(self.end, "end")

    @property
    def start_ms(self) -> int | None:
        if self.period is not None:
            return to_milliseconds(self.period.start, "period.start")
        return None if self.start is None else to_milliseconds(self.start, "start")

    @property
    def suggested_filename(self) -> str:
        if self.period is not None:
            return f"statsig-usage-{self.period.label}.csv"
        start = self.start_ms
        return f"statsig-usage-{'begin' if start is None else _format_ms(start)}-{_format_ms(self.end_ms)}.csv"

    def parameters(self) -> dict[str, object]:
        """ISO 8601 first (readable), then the values sent (Unix milliseconds)."""
        start, end = self.start_ms, self.end_ms
        iso: dict[str, object] = {"start": None if start is None else _iso(start), "end": _iso(end)}
        if self.period is not None:
            iso = dict(self.period.iso())
        return {"period": iso, "start": start, "end": end}


def _to_limits(value: object) -> tuple[tuple[int, float], ...]:
    try:
        limits = tuple((int(count), float(seconds)) for count, seconds in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise InvalidRequest("Statsig.rate_limits must be (count, seconds) pairs, e.g. ((100, 10.0),)") from None
    if not all(count >= 1 and seconds > 0 for count, seconds in limits):
        raise InvalidRequest("Statsig.rate_limits must be (count, seconds) pairs, both positive; () disables the limit")
    return limits


@value_object
class Statsig:
    """Statsig Console API. The Console key is sent as ``STATSIG-API-KEY``.

    ``rate_limits`` is the client-side limit per key, shared by every call of
    one client: ``((100, 10.0), (900, 900.0))`` by default, ``()`` for none.
    """

    console_api_key: str | None = checked(secret_value, default=None, secret=True)
    base_url: str | None = checked(base_url_value, default=None)
    rate_limits: tuple[tuple[int, float], ...] = checked(_to_limits, default=STATSIG_RATE_LIMITS)
    api_version: str = STATSIG_API_VERSION

    DEFAULT_BASE_URL: ClassVar[str] = "https://statsigapi.net"
    ENV_CONSOLE_API_KEY: ClassVar[str] = "STATSIG_CONSOLE_API_KEY"
    ENV_BASE_URL: ClassVar[str] = "STATSIG_BASE_URL"

    def with_environment(self, environ: Mapping[str, str]) -> Statsig:
        return dataclasses.replace(
            self,
            console_api_key=self.console_api_key or env_value(environ, self.ENV_CONSOLE_API_KEY, secret_value),
            base_url=self.base_url or env_value(environ, self.ENV_BASE_URL, base_url_value),
        )

    def secrets(self) -> tuple[str | None, ...]:
        return (self.console_api_key,)

    def require_credentials(self) -> None:
        if not self.console_api_key:
            raise MissingCredentials(
                "statsig",
                self.ENV_CONSOLE_API_KEY,
                f"statsig: no credential configured; set {self.ENV_CONSOLE_API_KEY}",
                code_hint="or pass Statsig(console_api_key=...)",
            )
