"""Behaviour 7: the Statsig limiter keeps every window within its limit, across threads and tasks."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import date

import httpx
import pytest
from facade_runner import sandbox_settings
from usage_reports import AsyncUsageReports, Statsig, StatsigUsageReport, Timeout, UsageReports
from usage_reports._ratelimit import WINDOW_MARGIN, RateLimiter, Slot
from usage_reports.testing import SANDBOX_STATSIG_CONSOLE_KEY, VendorSimulators


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def max_in_window(times: Sequence[float], seconds: float) -> int:
    ordered = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(ordered):
        while ordered[lo] <= t - seconds:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def test_statsig_published_limits_are_the_default() -> None:
    assert Statsig().rate_limits == ((100, 10.0), (900, 900.0))


def take(limiter: RateLimiter, clock: FakeClock) -> tuple[Slot | None, float]:
    """Reserve, and settle at once as if the vendor answered instantly."""
    slot, wait = limiter.reserve()
    if slot is not None:
        clock.now += wait
        limiter.settle(slot)
        clock.now -= wait
    return slot, wait


def test_the_101st_request_in_ten_seconds_waits_for_the_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(((100, 10.0), (900, 900.0)), clock=clock)
    waits = [take(limiter, clock)[1] for _ in range(101)]
    assert waits[:100] == [0.0] * 100
    assert waits[100] == pytest.approx(10.0 + WINDOW_MARGIN)


def test_the_fifteen_minute_window_binds_after_nine_hundred() -> None:
    clock = FakeClock()
    limiter = RateLimiter(((100, 10.0), (900, 900.0)), clock=clock)
    slots = [clock.now + take(limiter, clock)[1] for _ in range(901)]
    assert max_in_window(slots, 10.0) <= 100
    assert max_in_window(slots, 900.0) <= 900
    assert slots[900] - slots[0] >= 900.0


def test_requests_in_flight_fill_the_window_until_their_answer_is_back() -> None:
    clock = FakeClock()
    limiter = RateLimiter(((2, 1.0),), clock=clock)
    first, _ = limiter.reserve()
    second, _ = limiter.reserve()
    assert first is not None
    assert second is not None
    blocked, poll = limiter.reserve()
    assert blocked is None
    assert 0 < poll < 0.1
    clock.now += 0.3  # the answers come back late: the requests may have arrived as late as this
    limiter.settle(first)
    limiter.settle(second)
    third, wait = limiter.reserve()
    assert third is not None
    assert wait == pytest.approx(1.0 + WINDOW_MARGIN)  # counted from the answers, not the reservations


def test_concurrent_threads_get_distinct_slots() -> None:
    limiter = RateLimiter(((5, 0.2),))
    sent: list[float] = []

    def worker() -> None:
        while True:
            slot, wait = limiter.reserve()
            time.sleep(wait)
            if slot is not None:
                sent.append(time.monotonic())
                limiter.settle(slot)
                return

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(sent) == 20
    assert max_in_window(sent, 0.2) <= 5


def _recording_hooks(times: list[float]) -> dict[str, list[Callable[[httpx.Request], None]]]:
    return {"request": [lambda request: times.append(time.monotonic())]}


def test_sync_client_threads_share_one_limiter(simulators: VendorSimulators) -> None:
    sent: list[float] = []
    statsig = Statsig(
        console_api_key=SANDBOX_STATSIG_CONSOLE_KEY, base_url=simulators.statsig_url, rate_limits=((3, 0.5),)
    )
    with (
        httpx.Client(event_hooks=_recording_hooks(sent)) as http,
        UsageReports(**sandbox_settings(simulators, statsig=statsig), http_client=http) as client,
    ):
        threads = [
            threading.Thread(target=client.fetch, args=(StatsigUsageReport(end=date(2026, 11, 1)),)) for _ in range(7)
        ]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(sent) == 7
    assert max_in_window(sent, 0.5) <= 3
    assert time.monotonic() - started >= 1.0


def test_async_client_tasks_share_one_limiter(simulators: VendorSimulators) -> None:
    sent: list[float] = []
    statsig = Statsig(
        console_api_key=SANDBOX_STATSIG_CONSOLE_KEY, base_url=simulators.statsig_url, rate_limits=((3, 0.5),)
    )

    async def main() -> float:
        async def hook(request: httpx.Request) -> None:
            sent.append(time.monotonic())

        async with (
            httpx.AsyncClient(event_hooks={"request": [hook]}) as http,
            AsyncUsageReports(**sandbox_settings(simulators, statsig=statsig), http_client=http) as client,
        ):
            started = time.monotonic()
            await asyncio.gather(*(client.fetch(StatsigUsageReport(end=date(2026, 11, 1))) for _ in range(7)))
            return time.monotonic() - started

    elapsed = asyncio.run(main())
    assert len(sent) == 7
    assert max_in_window(sent, 0.5) <= 3
    assert elapsed >= 1.0


def test_rate_limit_can_be_disabled(simulators: VendorSimulators, caplog: pytest.LogCaptureFixture) -> None:
    """With no limits there is no limiter: five calls, no wait, whatever the machine's speed."""
    statsig = Statsig(console_api_key=SANDBOX_STATSIG_CONSOLE_KEY, base_url=simulators.statsig_url, rate_limits=())
    with (
        caplog.at_level(logging.DEBUG, logger="usage_reports"),
        UsageReports(**sandbox_settings(simulators, statsig=statsig, deadline=3600.0)) as client,
    ):
        for _ in range(5):
            client.fetch(StatsigUsageReport(end=date(2026, 11, 1)))
    assert len(simulators.requests_to("statsig")) == 5
    done = [r for r in caplog.records if r.name == "usage_reports" and " done " in r.getMessage()]
    assert len(done) == 5
    assert [r.getMessage() for r in caplog.records if "rate limit wait" in r.getMessage()] == []


def test_a_limit_that_binds_is_seen_by_the_same_observation(
    simulators: VendorSimulators, caplog: pytest.LogCaptureFixture
) -> None:
    """The control for the test above (and the deadline's promise): with one per hour, the second call would wait."""
    statsig = Statsig(
        console_api_key=SANDBOX_STATSIG_CONSOLE_KEY, base_url=simulators.statsig_url, rate_limits=((1, 3600.0),)
    )
    with (
        caplog.at_level(logging.DEBUG, logger="usage_reports"),
        UsageReports(**sandbox_settings(simulators, statsig=statsig, deadline=60.0)) as client,
    ):
        client.fetch(StatsigUsageReport(end=date(2026, 11, 1)))
        with pytest.raises(Timeout, match="leaves no time to wait for the rate limit"):
            client.fetch(StatsigUsageReport(end=date(2026, 11, 1)))
    assert len(simulators.requests_to("statsig")) == 1
