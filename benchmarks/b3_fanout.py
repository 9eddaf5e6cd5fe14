"""B3: async fan-out of many Statsig reports against a server with 20 ms latency, 32 at a time.

500 distinct Statsig reports (7 days each, different end dates) through one
AsyncUsageReports, an asyncio.Semaphore(32) around each fetch, the client-side
limiter off (``rate_limits=()``: at 100 per 10 s it would make this a test of
the limiter). The simulators run in their own process: in the client's process
their threads would take the GIL from the event loop. The target compares
throughput with the ideal ``n * latency / concurrency``; plain httpx.AsyncClient
doing the same fan-out (same URLs, headers, semaphore) is shown beside it.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta

import httpx
from usage_reports import AsyncUsageReports, Statsig, StatsigUsageReport
from usage_reports.testing import SANDBOX_STATSIG_CONSOLE_KEY

from ._common import BenchmarkResult, Figure, Mode, Spread
from ._simserver import SimulatorProcess
from .b1_overhead import REPORT_PATH, _headers

LATENCY = 0.02
CONCURRENCY = 32
TARGET = 0.80
END = date(2026, 11, 1)


async def _fan_out(calls: list[Callable[[], Awaitable[object]]]) -> float:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(call: Callable[[], Awaitable[object]]) -> None:
        async with gate:
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(one(call) for call in calls))
    return time.perf_counter() - started


async def _facade_round(settings: Statsig, requests: list[StatsigUsageReport]) -> float:
    async with AsyncUsageReports(statsig=settings, environ={}) as client:
        return await _fan_out([functools.partial(client.fetch, r) for r in requests])


async def _httpx_round(url: str, headers: dict[str, str], requests: list[StatsigUsageReport]) -> float:
    async with httpx.AsyncClient() as client:

        async def get(params: dict[str, int | None]) -> bytes:
            response = await client.get(url, params=params, headers=headers)
            response.raise_for_status()
            return response.content

        return await _fan_out([functools.partial(get, {"start": r.start_ms, "end": r.end_ms}) for r in requests])


def run(mode: Mode) -> BenchmarkResult:
    count = mode.pick(500, 20)
    reps = mode.pick(7, 1)
    ideal = count * LATENCY / CONCURRENCY
    requests = [
        StatsigUsageReport(start=END - timedelta(days=i + 7), end=END - timedelta(days=i)) for i in range(count)
    ]
    facade_times: list[float] = []
    httpx_times: list[float] = []
    with SimulatorProcess(latency=LATENCY) as sim:
        settings = Statsig(console_api_key=SANDBOX_STATSIG_CONSOLE_KEY, base_url=sim.urls["statsig"], rate_limits=())
        url = sim.urls["statsig"] + REPORT_PATH
        headers = _headers(settings)
        asyncio.run(_facade_round(settings, requests[: min(count, 64)]))  # warm the server's threads and caches
        asyncio.run(_httpx_round(url, headers, requests[: min(count, 64)]))
        for rep in range(reps):
            if rep % 2 == 0:
                facade_times.append(asyncio.run(_facade_round(settings, requests)))
                httpx_times.append(asyncio.run(_httpx_round(url, headers, requests)))
            else:
                httpx_times.append(asyncio.run(_httpx_round(url, headers, requests)))
                facade_times.append(asyncio.run(_facade_round(settings, requests)))

    facade = Spread.of([ideal / t for t in facade_times])
    plain = Spread.of([ideal / t for t in httpx_times])
    return BenchmarkResult(
        id="B3",
        title="async fan-out vs ideal throughput",
        figures=[
            Figure(
                id="B3-facade",
                what=f"AsyncUsageReports, {count} Statsig reports, {CONCURRENCY} at a time",
                measured=count / Spread.of(facade_times).median,
                reference=count / ideal,
                unit="req/s",
                ratio=facade,
                target=f">= {TARGET:.0%} of ideal",
                passed=facade.median >= TARGET,
                note=f"wall {Spread.of(facade_times).median:.3f} s vs ideal {ideal:.4f} s",
            ),
            Figure(
                id="B3-httpx",
                what="plain httpx.AsyncClient, same fan-out",
                measured=count / Spread.of(httpx_times).median,
                reference=count / ideal,
                unit="req/s",
                ratio=plain,
                target="(reported)",
                passed=None,
                note=f"wall {Spread.of(httpx_times).median:.3f} s: what the transport alone reaches on this machine",
            ),
        ],
        notes=[
            f"ratio = achieved / ideal throughput, ideal = {count} x {LATENCY * 1000:.0f} ms / {CONCURRENCY}"
            f" = {ideal:.4f} s; {reps} repetitions, facade and httpx alternating, each with a fresh client.",
            "Statsig only, Statsig(rate_limits=()); simulators in their own process (latency applied per request).",
        ],
    )
