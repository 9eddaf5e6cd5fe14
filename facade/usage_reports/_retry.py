"""When to retry, and how long to wait: pure functions, shared by sync and async."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from ._constants import INITIAL_RETRY_DELAY, MAX_RETRY_AFTER, MAX_RETRY_DELAY, RETRYABLE_STATUS_CODES


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), None if absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime  # only for the rare HTTP-date form

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN or infinite
        return None
    return max(0.0, seconds)


def is_retryable_status(status_code: int) -> bool:
    return status_code in RETRYABLE_STATUS_CODES


def backoff_delay(retry_number: int, *, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter for the retry_number-th retry (0-based)."""
    base = min(INITIAL_RETRY_DELAY * (2.0**retry_number), MAX_RETRY_DELAY)
    jitter = (rng.random() if rng is not None else random.random()) * 0.25
    return base * (1.0 - jitter)


def retry_delay(
    *,
    retries_done: int,
    max_retries: int,
    retryable: bool,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float | None:
    """How long to wait before the next attempt, or None when the failure must be raised now.

    A Retry-After above MAX_RETRY_AFTER is not waited for (None): the caller
    raises at once and reports retry_after to its own caller.
    """
    if not retryable or retries_done >= max_retries:
        return None
    if retry_after is not None:
        return retry_after if retry_after <= MAX_RETRY_AFTER else None
    return backoff_delay(retries_done, rng=rng)
