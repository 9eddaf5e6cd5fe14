"""Period: calendar months, relative periods in a time zone, and the PERIOD text users write."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from usage_reports import InvalidRequest, Period


def test_month_is_midnight_to_midnight_with_an_exclusive_end() -> None:
    october = Period.month(2026, 10)
    assert october.start == datetime(2026, 10, 1, tzinfo=UTC)
    assert october.end == datetime(2026, 11, 1, tzinfo=UTC)
    assert october.label == "2026-10"
    assert Period.month(2026, 12).end == datetime(2027, 1, 1, tzinfo=UTC)


def test_month_in_a_time_zone_starts_at_local_midnight() -> None:
    october = Period.month(2026, 10, "Europe/Berlin")
    assert october.start.isoformat() == "2026-10-01T00:00:00+02:00"
    assert october.end.isoformat() == "2026-11-01T00:00:00+01:00"  # daylight saving time ended in between
    assert october.label == "2026-10"


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 2, 6, 0, tzinfo=UTC), "2026-10"),
        (datetime(2026, 1, 2, 6, 0, tzinfo=UTC), "2025-12"),
        (datetime(2026, 3, 31, 23, 59, tzinfo=UTC), "2026-02"),
    ],
)
def test_last_month_is_relative_to_an_injected_now(now: datetime, expected: str) -> None:
    assert Period.last_month(now).label == expected


def test_last_month_is_computed_in_the_time_zone_of_the_period() -> None:
    # 23:30 UTC on 31 October is already 1 November in Berlin: last month there is October.
    now = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)
    assert Period.last_month(now).label == "2026-09"
    assert Period.last_month(now, "Europe/Berlin").label == "2026-10"


def test_month_to_date_is_the_whole_days_before_today_and_is_refused_when_empty() -> None:
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    expected = Period(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 26, tzinfo=UTC))
    assert Period.month_to_date(now) == expected
    assert Period.month_to_date(datetime(2026, 11, 26, 23, 59, tzinfo=UTC)) == expected  # same name all day
    assert expected.label == "2026-11-01..2026-11-25"
    with pytest.raises(InvalidRequest, match="month-to-date is empty on 2026-11-01"):
        Period.month_to_date(datetime(2026, 11, 1, 18, tzinfo=UTC))


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("2026-10", "2026-10"),
        ("2026-10-01..2026-10-31", "2026-10"),  # both days included: that is October
        ("2026-10-01..2026-10-15", "2026-10-01..2026-10-15"),
        ("2026-10-15..2026-10-15", "2026-10-15..2026-10-15"),
        ("last-month", "2026-10"),
        ("month-to-date", "2026-11-01..2026-11-25"),
    ],
)
def test_period_text_as_the_command_line_takes_it(text: str, label: str) -> None:
    assert Period.parse(text, as_of=date(2026, 11, 26)).label == label


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("yesterday", "'yesterday' is not a period; PERIOD is last-month, month-to-date"),
        ("2026-13", "'2026-13' is not a month"),
        ("2026-00", "'2026-00' is not a month"),
        ("2026-10-31..2026-10-01", "is reversed"),
        ("2026-02-30..2026-03-01", "not a range of real days"),
        ("", "'' is not a period"),
    ],
)
def test_bad_period_text_is_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message.replace("(", r"\(").replace(")", r"\)")):
        Period.parse(text)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../etc/passwd", "", "/etc/localtime"])
def test_unknown_time_zone_is_refused(zone: str) -> None:
    with pytest.raises(InvalidRequest, match="unknown time zone"):
        Period.month(2026, 10, zone)


def test_period_must_be_aware_and_non_empty() -> None:
    with pytest.raises(InvalidRequest, match="with a time zone"):
        Period(datetime(2026, 10, 1), datetime(2026, 11, 1, tzinfo=UTC))
    with pytest.raises(InvalidRequest, match="must be after start"):
        Period(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC))


def test_periods_equal_as_instants_whatever_the_zone_they_are_written_in() -> None:
    berlin = Period.month(2026, 10, "Europe/Berlin")
    as_utc = Period(berlin.start.astimezone(UTC), berlin.end.astimezone(UTC))
    assert berlin == as_utc


@given(st.integers(1, 9998), st.integers(1, 12), st.sampled_from(["UTC", "Europe/Berlin", "America/St_Johns"]))
def test_consecutive_months_tile_time_without_gap_or_overlap(year: int, month: int, zone: str) -> None:
    period = Period.month(year, month, zone)
    assert period.start.tzinfo == ZoneInfo(zone)
    if (year, month) != (9998, 12):
        following = Period.month(*((year + 1, 1) if month == 12 else (year, month + 1)), zone)
        assert period.end == following.start
    assert timedelta(days=27) < period.end - period.start < timedelta(days=32)
