"""B4: the Statsig client-side limiter, scaled down, against the limit itself.

``Statsig(rate_limits=((20, 1.0),))`` and 100 fetches fired at once through one
AsyncUsageReports. Two clocks, both time.monotonic (one machine-wide clock on
Linux): the server's arrival time of each request (the simulators run in this
process, in a subclass that stamps each recorded request) and the client's
send time (an httpx ``request`` event hook on the http_client passed in). No
``seconds``-long window, of either clock, may hold more than ``count``
requests. One fetch through a throwaway client first does the process's
first-use work (lazy imports); the burst itself still opens fresh connections,
as a program's first burst does. The total is compared with the minimum possible: after the first
burst of ``count``, one more burst per window, so ``(n / count - 1) * seconds``.
"""

from __future__ import annotations

import asyncio
import bisect
import math
import threading
import time
from collections.abc import Sequence
from datetime import date, timedelta

import httpx
from usage_reports import AsyncUsageReports, Statsig, StatsigUsageReport
from usage_reports.testing import SANDBOX_STATSIG_CONSOLE_KEY, RecordedRequest, VendorSimulators

from ._common import BenchmarkResult, Figure, Mode, Spread

TOTAL_TOLERANCE = 0.10
END = date(2026, 11, 1)


class _StampedSimulators(VendorSimulators):
    """The simulators, recording the monotonic arrival time of every request."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[float] = []
        self._stamp_lock = threading.Lock()

    def _record(self, request: RecordedRequest) -> None:
        now = time.monotonic()
        with self._stamp_lock:
            self.arrivals.append(now)
        super()._record(request)


def max_in_window(times: Sequence[float], seconds: float) -> int:
    """The most events inside any half-open window [t, t + seconds)."""
    ordered = sorted(times)
    return max((bisect.bisect_left(ordered, t + seconds) - i for i, t in enumerate(ordered)), default=0)


def minimum_total(n: int, count: int, seconds: float) -> float:
    """From the first request to the last, at best: one burst of ``count`` per window."""
    return (math.ceil(n / count) - 1) * seconds


async def _burst(sim: _StampedSimulators, limits: tuple[int, float], n: int) -> tuple[list[float], float]:
    sends: list[float] = []

    async def stamp(request: httpx.Request) -> None:
        sends.append(time.monotonic())

    settings = Statsig(console_api_key=SANDBOX_STATSIG_CONSOLE_KEY, base_url=sim.statsig_url, rate_limits=(limits,))
    requests = [StatsigUsageReport(start=END - timedelta(days=i + 7), end=END - timedelta(days=i)) for i in range(n)]
    warm = Statsig(console_api_key=SANDBOX_STATSIG_CONSOLE_KEY, base_url=sim.statsig_url, rate_limits=())
    async with AsyncUsageReports(statsig=warm, environ={}) as once:  # first-use imports, not pacing
        await once.fetch(StatsigUsageReport(end=END))
    sim.reset()
    with sim._stamp_lock:
        del sim.arrivals[:]
    async with (
        httpx.AsyncClient(event_hooks={"request": [stamp]}, follow_redirects=False) as http,
        AsyncUsageReports(statsig=settings, environ={}, http_client=http, max_retries=0) as client,
    ):
        started = time.monotonic()
        await asyncio.gather(*(client.fetch(request) for request in requests))
        return sends, time.monotonic() - started


def run(mode: Mode) -> BenchmarkResult:
    count = mode.pick(20, 10)
    seconds = mode.pick_float(1.0, 0.5)
    n = mode.pick(100, 25)
    reps = mode.pick(3, 1)
    figures: list[Figure] = []
    worst_server = worst_client = 0
    totals: list[float] = []
    elapsed: list[float] = []
    for _ in range(reps):
        with _StampedSimulators() as sim:
            sends, wall = asyncio.run(_burst(sim, (count, seconds), n))
            arrivals = list(sim.arrivals)
        if len(arrivals) != n or len(sends) != n:
            raise RuntimeError(
                f"B4: expected {n} requests, the server saw {len(arrivals)}, the client sent {len(sends)}"
            )
        worst_server = max(worst_server, max_in_window(arrivals, seconds))
        worst_client = max(worst_client, max_in_window(sends, seconds))
        totals.append(max(arrivals) - min(arrivals))
        elapsed.append(wall)
    minimum = minimum_total(n, count, seconds)
    spread = Spread.of([t / minimum for t in totals])
    never_exceeded = worst_server <= count and worst_client <= count
    figures.append(
        Figure(
            id="B4-window",
            what=f"most requests in any {seconds:g} s window ({n} sent at once)",
            measured=float(worst_server),
            reference=float(count),
            unit="req",
            ratio=Spread.of([worst_server / count]),
            target=f"<= {count} (never exceeded)",
            passed=never_exceeded,
            note=f"server arrivals {worst_server}, client sends {worst_client}, over {reps} repetition(s)",
            extra={"limit": count, "window_s": seconds, "max_server": worst_server, "max_client": worst_client},
        )
    )
    figures.append(
        Figure(
            id="B4-total",
            what=f"first to last arrival, {n} at {count}/{seconds:g} s",
            measured=Spread.of(totals).median,
            reference=minimum,
            unit="s",
            ratio=spread,
            target=f"<= {1 + TOTAL_TOLERANCE:.2f}x minimum",
            passed=spread.median <= 1 + TOTAL_TOLERANCE,
            note=f"minimum = (ceil({n}/{count}) - 1) x {seconds:g} s; whole gather() {Spread.of(elapsed).median:.3f} s",
        )
    )
    return BenchmarkResult(
        id="B4",
        title="Statsig rate-limit pacing vs the limit",
        figures=figures,
        notes=[
            f"Statsig(rate_limits=(({count}, {seconds:g}),)), {n} fetches in one asyncio.gather, simulators in-process"
            " (latency 0) with arrival stamps; client send times from an httpx request event hook.",
            "The limiter adds a 50 ms margin per window (WINDOW_MARGIN) so that arrival jitter cannot put"
            f" {count + 1} in one window; that margin is part of the measured total.",
        ],
    )
