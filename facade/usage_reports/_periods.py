"""Points and spans in time as users write them: ISO dates, offset datetimes, and periods (zoneinfo for zones)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from ._exceptions import InvalidRequest
from ._fields import FieldError, checked, kind_of, value_object

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo  # imported by zone(), when a period is first made (it loads sysconfig)


def timestamp_value(value: object) -> date | datetime:
    """A date (UTC midnight) or an offset datetime, from TOML, Python or ISO 8601 text; FieldError naming no field."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise FieldError(
                f"{value!r} is not an ISO date (2026-11-01) or datetime with offset (2026-11-01T00:00:00+00:00)"
            ) from None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise FieldError(
                f"the datetime {value.isoformat()} has no UTC offset; add one (e.g. Z or +02:00) or give a date"
            )
        return value
    if isinstance(value, date):
        return value
    raise FieldError(f"expected a date like 2026-11-01 or an offset datetime, got {kind_of(value)}")


def parse_timestamp(value: object, where: str) -> date | datetime:
    """:func:`timestamp_value`, whose InvalidRequest names ``where``."""
    try:
        return timestamp_value(value)
    except FieldError as exc:
        raise InvalidRequest(f"{where}: {exc}") from None


def period_value(value: object) -> Period:
    """A request's period: a :class:`Period` (the CLI and the config parse PERIOD text themselves)."""
    if not isinstance(value, Period):
        raise FieldError(f"must be a Period (e.g. Period.last_month()), not {type(value).__name__}")
    return value


# --- periods --------------------------------------------------------------------------


PERIOD_HELP = (
    "PERIOD is last-month, month-to-date, YYYY-MM (a calendar month) or YYYY-MM-DD..YYYY-MM-DD (both days included)"
)
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})")
_WORDS = ("last-month", "month-to-date")


def zone(name: str | None) -> ZoneInfo:
    """An IANA time zone (``Europe/Berlin``); UTC when None. InvalidRequest for an unknown name."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if name is None:
        return ZoneInfo("UTC")
    if not isinstance(name, str) or not name or name.startswith(("/", ".")) or ".." in name:
        raise InvalidRequest(f"unknown time zone {name!r}; use an IANA name like Europe/Berlin or UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidRequest(f"unknown time zone {name!r}; use an IANA name like Europe/Berlin or UTC") from None


def _aware(value: object) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise FieldError("must be a datetime with a time zone")
    return value


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


@value_object
class Period:
    """A span of time: aware ``start``, exclusive ``end``.

    ``Period.month(2026, 10)`` is October 2026 in UTC; ``Period.last_month()``
    and ``Period.month_to_date()`` are relative to ``now`` (default: the
    current time), in the time zone ``tz`` (an IANA name; default UTC).
    """

    start: datetime = checked(_aware)
    end: datetime = checked(_aware)

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidRequest(f"Period: end ({self.end.isoformat()}) must be after start ({self.start.isoformat()})")

    @classmethod
    def month(cls, year: int, month: int, tz: str | None = None) -> Period:
        """The calendar month, midnight to midnight in ``tz``."""
        if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9998:
            raise InvalidRequest(f"Period.month: year must be an int from 1 to 9998, got {year!r}")
        if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
            raise InvalidRequest(f"Period.month: month must be an int from 1 to 12, got {month!r}")
        zone_info = zone(tz)
        return cls(_midnight(date(year, month, 1), zone_info), _midnight(date(*_next_month(year, month), 1), zone_info))

    @classmethod
    def days(cls, first: date, last: date, tz: str | None = None) -> Period:
        """From the start of ``first`` to the end of ``last`` (both days included), in ``tz``."""
        if last < first:
            raise InvalidRequest(f"Period.days: {last.isoformat()} is before {first.isoformat()}")
        zone_info = zone(tz)
        return cls(_midnight(first, zone_info), _midnight(last + timedelta(days=1), zone_info))

    @classmethod
    def last_month(cls, now: datetime | None = None, tz: str | None = None) -> Period:
        """The calendar month before the one ``now`` falls in (in ``tz``)."""
        today = _now_in(now, tz).date()
        year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
        return cls.month(year, month, tz)

    @classmethod
    def month_to_date(cls, now: datetime | None = None, tz: str | None = None) -> Period:
        """The whole days of ``now``'s month before ``now``'s day (in ``tz``): from the 1st to the start of today.

        Whole days keep the period, and so the file names, the same all day: a second run that day skips
        what the first one fetched. On the 1st there is no whole day yet: InvalidRequest.
        """
        current = _now_in(now, tz)
        zone_info = zone(tz)
        start = _midnight(current.date().replace(day=1), zone_info)
        end = _midnight(current.date(), zone_info)
        if end <= start:
            raise InvalidRequest(
                f"month-to-date is empty on {current.date().isoformat()}: the first of the month has no whole day "
                "before it; use last-month"
            )
        return cls(start, end)

    @classmethod
    def parse(cls, text: str, *, as_of: date | datetime | None = None, tz: str | None = None) -> Period:
        """A PERIOD as the command line and the config take it; relative words count from ``as_of``.

        ``as_of`` is a day (relative periods are computed at its start) or an
        aware datetime; default: now.
        """
        value = text.strip() if isinstance(text, str) else text
        now: datetime | None
        if isinstance(as_of, datetime):
            now = as_of
        elif isinstance(as_of, date):
            now = _midnight(as_of, zone(tz))
        else:
            now = None
        if value == "last-month":
            return cls.last_month(now, tz)
        if value == "month-to-date":
            return cls.month_to_date(now, tz)
        if isinstance(value, str) and (match := _MONTH.fullmatch(value)):
            year, month = int(match.group(1)), int(match.group(2))
            if not 1 <= month <= 12:
                raise InvalidRequest(f"{value!r} is not a month: the month must be 01 to 12")
            return cls.month(year, month, tz)
        if isinstance(value, str) and (match := _RANGE.fullmatch(value)):
            try:
                first, last = date.fromisoformat(match.group(1)), date.fromisoformat(match.group(2))
            except ValueError as exc:
                raise InvalidRequest(f"{value!r} is not a range of real days ({exc})") from None
            if last < first:
                raise InvalidRequest(f"{value!r} is reversed: the first day must not be after the last")
            return cls.days(first, last, tz)
        raise InvalidRequest(f"{value!r} is not a period; {PERIOD_HELP}")

    @property
    def label(self) -> str:
        """``2026-10`` for a whole calendar month, ``2026-10-01..2026-10-15`` for whole days, else ISO instants."""
        start, end = self.start, self.end
        if start.timetz().replace(tzinfo=None) == end.timetz().replace(tzinfo=None) == datetime.min.time():
            last = (end - timedelta(days=1)).date()
            if start.day == 1 and (last + timedelta(days=1)).day == 1 and last.month == start.month:
                return f"{start.year:04d}-{start.month:02d}"
            return f"{start.date().isoformat()}..{last.isoformat()}"
        return f"{start.isoformat()}..{end.isoformat()}"

    def iso(self) -> dict[str, str]:
        """``{"start": ..., "end": ...}`` in ISO 8601 with offsets (end exclusive)."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    def __str__(self) -> str:
        return self.label


def _now_in(now: datetime | None, tz: str | None) -> datetime:
    zone_info = zone(tz)
    if now is None:
        return datetime.now(zone_info)
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise InvalidRequest("now must be a datetime with a time zone")
    return now.astimezone(zone_info)


__all__ = ["PERIOD_HELP", "Period", "parse_timestamp", "zone"]
