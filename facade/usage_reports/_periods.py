"""Points and spans in time as users write them: ISO dates and offset datetimes."""

from __future__ import annotations

from datetime import date, datetime

from ._exceptions import InvalidRequest


def parse_timestamp(value: object, where: str) -> date | datetime:
    """A date (UTC midnight) or an offset datetime, from TOML or from ISO 8601 text; InvalidRequest names ``where``."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidRequest(
                f"{where}: {value!r} is not an ISO date (2026-11-01) or datetime with offset (2026-11-01T00:00:00+00:00)"
            ) from None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidRequest(
                f"{where}: the datetime {value.isoformat()} has no UTC offset; add one (e.g. Z or +02:00) or give a date"
            )
        return value
    if isinstance(value, date):
        return value
    raise InvalidRequest(f"{where}: expected a date like 2026-11-01 or an offset datetime, got {_kind(value)}")


def _kind(value: object) -> str:
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)
