"""The pure retry decision: which failures, how long, and when to give up at once."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from usage_reports._constants import MAX_RETRY_DELAY
from usage_reports._retry import backoff_delay, is_retryable_status, parse_retry_after, retry_delay


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_retryable_statuses(status: int) -> None:
    assert is_retryable_status(status)


@pytest.mark.parametrize("status", [200, 400, 401, 403, 404, 409, 501, 505])
def test_other_statuses_are_not_retried(status: int) -> None:
    assert not is_retryable_status(status)


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(7)
    delays = [backoff_delay(n, rng=rng) for n in range(10)]
    assert 0.375 <= delays[0] <= 0.5
    assert 0.75 <= delays[1] <= 1.0
    assert all(d <= MAX_RETRY_DELAY for d in delays)
    assert delays[-1] >= MAX_RETRY_DELAY * 0.75
    assert len({round(d, 6) for d in delays}) > 5  # jittered


def test_retry_after_forms() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("nan") is None
    assert parse_retry_after(None) is None


def test_retry_delay_decisions() -> None:
    assert retry_delay(retries_done=0, max_retries=2, retryable=False) is None
    assert retry_delay(retries_done=2, max_retries=2, retryable=True) is None
    assert retry_delay(retries_done=0, max_retries=2, retryable=True, retry_after=60.0) == 60.0
    assert retry_delay(retries_done=0, max_retries=2, retryable=True, retry_after=61.0) is None
    delay = retry_delay(retries_done=1, max_retries=2, retryable=True)
    assert delay is not None
    assert 0.75 <= delay <= 1.0
