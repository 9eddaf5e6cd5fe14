"""What to fetch: one typed request object per provider, validated on creation.

A request that exists is valid: bad input raises InvalidRequest (also a
ValueError) with a message that says what to fix, before anything is sent.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime
from typing import Any, ClassVar

import attrs

from ._exceptions import InvalidRequest

#: Integers below this are taken for seconds, not milliseconds (10**11 ms is 1973-03-03).
MIN_PLAUSIBLE_MILLISECONDS = 10**11
MAX_WORKSPACE_ID_LENGTH = 200

Timestamp = datetime | date | int


def _positive_int(instance: Any, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest(
            f"{type(instance).__name__}.{attribute.name} must be a positive int, not {type(value).__name__}"
        )
    if value < 1:
        raise InvalidRequest(f"{type(instance).__name__}.{attribute.name} must be a positive int, got {value}")


@attrs.frozen
class EdgeImpulseUsageReport:
    """An Edge Impulse white-label organization usage report (a CSV, reached through a 302)."""

    organization_id: int = attrs.field(validator=_positive_int)
    inner_organization_id: int = attrs.field(validator=_positive_int)
    report_id: int = attrs.field(validator=_positive_int)

    provider: ClassVar[str] = "edge_impulse"

    @property
    def suggested_filename(self) -> str:
        return f"edge-impulse-usage-{self.organization_id}-{self.inner_organization_id}-{self.report_id}.csv"

    def parameters(self) -> dict[str, object]:
        return attrs.asdict(self)


def _workspace_id(instance: Any, attribute: attrs.Attribute[str], value: object) -> None:
    name = f"{type(instance).__name__}.{attribute.name}"
    if not isinstance(value, str):
        raise InvalidRequest(f"{name} must be a string like 'ws_a1b2c3d4e5f6g7h8', not {type(value).__name__}")
    if not value:
        raise InvalidRequest(f"{name} must not be empty")
    if value in {".", ".."}:
        raise InvalidRequest(f"{name} must not be {value!r}: it would change the request path")
    if len(value) > MAX_WORKSPACE_ID_LENGTH:
        raise InvalidRequest(f"{name} is {len(value)} characters long; at most {MAX_WORKSPACE_ID_LENGTH} are allowed")
    for ch in value:
        if ch.isspace() or unicodedata.category(ch)[0] == "C":
            raise InvalidRequest(f"{name} must not contain whitespace or control characters (found {ch!r})")


@attrs.frozen
class AltostratUsagePdf:
    """An Altostrat workspace's organization usage, as a PDF."""

    workspace_id: str = attrs.field(validator=_workspace_id)

    provider: ClassVar[str] = "altostrat"

    @property
    def suggested_filename(self) -> str:
        safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in self.workspace_id)
        return f"altostrat-usage-{safe[:100]}.pdf"

    def parameters(self) -> dict[str, object]:
        return attrs.asdict(self)


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
    if isinstance(value, date):
        return int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp() * 1000)
    if isinstance(value, int):
        if 0 < value < MIN_PLAUSIBLE_MILLISECONDS:
            raise InvalidRequest(
                f"{name}={value} looks like seconds, not milliseconds; pass {value * 1000} or a datetime/date instead"
            )
        return value
    raise InvalidRequest(f"{name} must be a datetime, a date or an int of milliseconds, not {type(value).__name__}")


def _timestamp(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None and attribute.name == "start":
        return
    ms = to_milliseconds(value, f"{type(instance).__name__}.{attribute.name}")
    if ms <= 0 and attribute.name == "end":
        raise InvalidRequest(f"{type(instance).__name__}.end must be after 1970-01-01 (end > 0), got {ms}")
    if ms < 0:
        raise InvalidRequest(f"{type(instance).__name__}.{attribute.name} must not be before 1970-01-01")


def _format_ms(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y%m%dT%H%M%SZ").replace("T000000Z", "")


@attrs.frozen
class StatsigUsageReport:
    """A Statsig project's usage billing report for [start, end), as a CSV.

    ``end`` and ``start`` take an aware datetime, a date (UTC midnight) or an
    int of Unix milliseconds. ``start`` may be omitted.
    """

    end: Timestamp = attrs.field(validator=_timestamp)
    start: Timestamp | None = attrs.field(default=None, validator=_timestamp)

    provider: ClassVar[str] = "statsig"

    def __attrs_post_init__(self) -> None:
        if self.start is not None and self.start_ms is not None and self.start_ms >= self.end_ms:
            raise InvalidRequest(f"{type(self).__name__}: start must be before end")

    @property
    def end_ms(self) -> int:
        return to_milliseconds(self.end, "end")

    @property
    def start_ms(self) -> int | None:
        return None if self.start is None else to_milliseconds(self.start, "start")

    @property
    def suggested_filename(self) -> str:
        start = "begin" if self.start_ms is None else _format_ms(self.start_ms)
        return f"statsig-usage-{start}-{_format_ms(self.end_ms)}.csv"

    def parameters(self) -> dict[str, object]:
        return {"start": self.start_ms, "end": self.end_ms}


ReportRequest = EdgeImpulseUsageReport | AltostratUsagePdf | StatsigUsageReport
