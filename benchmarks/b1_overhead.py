"""B1: per-request cost of ``fetch`` of a ~1 KiB Statsig CSV, against plain httpx on the same server.

Both clients talk to the same Statsig simulator (latency 0, its own process),
send the same URL and the same headers, and read the whole body. After a warm-up,
blocks of N requests alternate (facade, httpx, httpx, facade, ...) so drift
cancels; each repetition's ratio is facade time per request / httpx time per
request, each side's time being the median of its N individually timed
requests (the median, not the mean: on a shared machine the scheduler adds a
long tail to a few requests of either client). The client-side Statsig rate limiter is switched off
(``rate_limits=()``): at 100 per 10 s it would dominate; its cost is B4's
subject, and a non-binding limiter's bookkeeping is shown as a separate row.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta

import httpx
from usage_reports import AsyncUsageReports, Statsig, StatsigUsageReport, UsageReports
from usage_reports.testing import SANDBOX_STATSIG_CONSOLE_KEY, StatsigSimulator

from ._common import KIB, BenchmarkResult, Figure, Mode, Spread
from ._simserver import SimulatorProcess

TARGET = 1.15
END = date(2026, 11, 1)
REPORT_PATH = "/console/v1/project/usage_billing/report"


def _request_of_about(size: int) -> tuple[StatsigUsageReport, int]:
    """The Statsig request whose CSV is closest to ``size`` bytes, and that CSV's size."""
    best: tuple[int, int] | None = None
    simulator = StatsigSimulator()
    for days in range(1, 60):
        request = StatsigUsageReport(start=END - timedelta(days=days), end=END)
        assert request.start_ms is not None
        length = len(simulator.report_bytes(request.start_ms, request.end_ms))
        if best is None or abs(length - size) < abs(best[1] - size):
            best = (days, length)
    assert best is not None
    return StatsigUsageReport(start=END - timedelta(days=best[0]), end=END), best[1]


def _headers(settings: Statsig) -> dict[str, str]:
    from usage_reports._constants import USER_AGENT

    assert settings.console_api_key is not None
    return {
        "User-Agent": USER_AGENT,
        "STATSIG-API-KEY": settings.console_api_key,
        "STATSIG-API-VERSION": settings.api_version,
        "Accept": "text/csv, application/json;q=0.9",
    }


def _time_sync(call: Callable[[], object], n: int) -> float:
    """The median of ``n`` individually timed calls (robust to the scheduler's tail on a busy machine)."""
    times = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def _time_async(call: Callable[[], Awaitable[object]], n: int) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _alternate(
    subject: Callable[[int], float], reference: Callable[[int], float], reps: int, n: int
) -> tuple[list[float], list[float]]:
    """Per-request seconds of each repetition, in ABBA order so that drift cancels."""
    subject_times: list[float] = []
    reference_times: list[float] = []
    for rep in range(reps):
        if rep % 2 == 0:
            subject_times.append(subject(n))
            reference_times.append(reference(n))
        else:
            reference_times.append(reference(n))
            subject_times.append(subject(n))
    return subject_times, reference_times


def _figure(
    id: str, what: str, subject: list[float], reference: list[float], *, judged: bool, note: str = ""
) -> Figure:
    ratios = [s / r for s, r in zip(subject, reference, strict=True)]
    spread = Spread.of(ratios)
    return Figure(
        id=id,
        what=what,
        measured=Spread.of(subject).median * 1e6,
        reference=Spread.of(reference).median * 1e6,
        unit="us",
        ratio=spread,
        target=f"<= {TARGET}x" if judged else "(reported)",
        passed=spread.median <= TARGET if judged else None,
        note=note,
    )


def run(mode: Mode) -> BenchmarkResult:
    reps = mode.pick(12, 1)
    n = mode.pick(300, 20)
    warm = mode.pick(100, 5)
    request, size = _request_of_about(KIB)
    figures: list[Figure] = []
    with SimulatorProcess() as sim:
        settings = Statsig(console_api_key=SANDBOX_STATSIG_CONSOLE_KEY, base_url=sim.urls["statsig"], rate_limits=())
        limited = Statsig(
            console_api_key=SANDBOX_STATSIG_CONSOLE_KEY, base_url=sim.urls["statsig"], rate_limits=((10**9, 1.0),)
        )
        url = sim.urls["statsig"] + REPORT_PATH
        params = {"start": request.start_ms, "end": request.end_ms}
        headers = _headers(settings)

        # --- sync -------------------------------------------------------------------
        with UsageReports(statsig=settings, environ={}) as facade, httpx.Client() as plain:
            expected = plain.get(url, params=params, headers=headers)
            if expected.status_code != 200 or len(expected.content) != size:
                raise RuntimeError(f"B1: the reference request failed: HTTP {expected.status_code}")
            report = facade.fetch(request)
            if report.content != expected.content:
                raise RuntimeError("B1: the facade and httpx received different bodies")

            def facade_call() -> object:
                return facade.fetch(request)

            def facade_limited_call() -> object:
                return facade.fetch(request, settings=limited)

            def plain_call() -> object:
                return plain.get(url, params=params, headers=headers).content

            _time_sync(facade_call, warm)
            _time_sync(facade_limited_call, warm)
            _time_sync(plain_call, warm)
            subject, reference = _alternate(
                lambda k: _time_sync(facade_call, k), lambda k: _time_sync(plain_call, k), reps, n
            )
            figures.append(_figure("B1-sync", f"UsageReports.fetch, {size} B CSV", subject, reference, judged=True))
            subject, reference = _alternate(
                lambda k: _time_sync(facade_limited_call, k), lambda k: _time_sync(plain_call, k), reps, n
            )
            figures.append(
                _figure(
                    "B1-sync-limiter",
                    "same, with a non-binding rate limiter",
                    subject,
                    reference,
                    judged=False,
                    note="rate_limits=((10**9, 1.0),): the limiter's bookkeeping without any wait",
                )
            )

        # --- async ------------------------------------------------------------------
        async def measure_async() -> tuple[list[float], list[float]]:
            async with AsyncUsageReports(statsig=settings, environ={}) as afacade, httpx.AsyncClient() as aplain:

                async def afacade_call() -> object:
                    return await afacade.fetch(request)

                async def aplain_call() -> object:
                    response = await aplain.get(url, params=params, headers=headers)
                    return response.content

                await _time_async(afacade_call, warm)
                await _time_async(aplain_call, warm)
                subject_times: list[float] = []
                reference_times: list[float] = []
                for rep in range(reps):
                    if rep % 2 == 0:
                        subject_times.append(await _time_async(afacade_call, n))
                        reference_times.append(await _time_async(aplain_call, n))
                    else:
                        reference_times.append(await _time_async(aplain_call, n))
                        subject_times.append(await _time_async(afacade_call, n))
                return subject_times, reference_times

        subject, reference = asyncio.run(measure_async())
        figures.append(_figure("B1-async", f"AsyncUsageReports.fetch, {size} B CSV", subject, reference, judged=True))

    return BenchmarkResult(
        id="B1",
        title="per-request cost of fetch vs plain httpx GET",
        figures=figures,
        notes=[
            f"{reps} repetitions of {n} sequential requests per client, ABBA order, after {warm} warm-up requests;"
            " per-request time = median of the block; server: the Statsig simulator (latency 0) in its own process.",
            "Statsig(rate_limits=()) for the judged rows: the default 100 per 10 s limiter would dominate"
            " (B4 measures it).",
            "The reference sends the same URL and the same four headers and reads the whole body;"
            " the facade additionally validates, hashes (sha256) and wraps the body.",
        ],
    )
