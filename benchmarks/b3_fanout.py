"""B3: async fan-out of many reports against a server with 20 ms latency, 32 at a time; connections it opens.

Throughput: 500 distinct Statsig reports (7 days each, different end dates),
an asyncio.Semaphore(32) around each fetch, the client-side limiter off
(``rate_limits=()``: at 100 per 10 s it would make this a test of the limiter).
The simulators run in their own process (in the client's process their threads
would take the GIL from the event loop). Each client is measured against the
ideal ``n * latency / concurrency``, and every client runs in the same run,
in rotating order, each repetition with a fresh client:

- bare aiohttp (the best Python client: what the machine allows),
- plain httpx.AsyncClient (httpx's own transport, httpcore),
- AsyncUsageReports with its default transport (httpx's),
- AsyncUsageReports with ``usage_reports.aiohttp_transport.AiohttpTransport`` (judged),
- AsyncUsageReports with httpx-aiohttp's transport, when installed (the ready-made alternative).

The CPU time of the client process per request is recorded beside each: on a
shared 2-core machine it is the steadier figure, and it names the bottleneck.

Each facade row is also judged against the client it is built on, paired per
repetition: the default transport against plain httpx.AsyncClient, the aiohttp
transport against bare aiohttp (>= 0.9x their throughput).

Connections: Edge Impulse reports through the 302 (API host, then storage
host), 8 and 32 at a time; the simulator process counts the connections each
server accepts. At most one per host per concurrent slot is the target.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx
from usage_reports import AsyncUsageReports, EdgeImpulse, EdgeImpulseUsageReport, Statsig, StatsigUsageReport
from usage_reports.testing import SANDBOX_EDGE_IMPULSE_API_KEY, SANDBOX_STATSIG_CONSOLE_KEY

from ._common import BenchmarkResult, Figure, Mode, Spread
from ._leanserver import LeanServer
from ._simserver import SimulatorProcess
from .b1_overhead import REPORT_PATH, _headers

LATENCY = 0.02
CONCURRENCY = 32
TARGET = 0.70
#: Each facade row against the client it is built on, paired per repetition (throughput over the reference's).
PAIRED = {"facade": "httpx", "facade-aiohttp": "aiohttp"}
PAIRED_TARGET = 0.9
#: Connection counts: the default transport below and above httpx's default keep-alive cap (20 connections in
#: all; two hosts here, the library's own clients keep 100), and the aiohttp transport above it.
REUSE = (("facade", 8), ("facade", 32), ("facade-aiohttp", 32))
END = date(2026, 11, 1)

Call = Callable[[], Awaitable[object]]


async def _fan_out(calls: list[Call], concurrency: int = CONCURRENCY) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def one(call: Call) -> None:
        async with gate:
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(one(call) for call in calls))
    return time.perf_counter() - started


def _transport(name: str) -> httpx.AsyncBaseTransport | None:
    if name == "facade-aiohttp":
        from usage_reports.aiohttp_transport import AiohttpTransport

        return AiohttpTransport()
    if name == "facade-httpx-aiohttp":
        import httpx_aiohttp  # type: ignore[import-not-found,unused-ignore]

        transport: httpx.AsyncBaseTransport = httpx_aiohttp.AiohttpTransport()
        return transport
    return None


async def _facade_round(name: str, settings: Statsig, requests: list[StatsigUsageReport]) -> float:
    async with AsyncUsageReports(statsig=settings, environ={}, transport=_transport(name)) as client:
        return await _fan_out([functools.partial(client.fetch, r) for r in requests])


def _params(requests: list[StatsigUsageReport]) -> list[dict[str, int]]:
    return [{"start": r.start_ms or 0, "end": r.end_ms} for r in requests]


async def _httpx_round(url: str, headers: dict[str, str], requests: list[StatsigUsageReport]) -> float:
    async with httpx.AsyncClient() as client:

        async def get(params: dict[str, int]) -> bytes:
            response = await client.get(url, params=params, headers=headers)
            response.raise_for_status()
            return response.content

        return await _fan_out([functools.partial(get, p) for p in _params(requests)])


async def _aiohttp_round(url: str, headers: dict[str, str], requests: list[StatsigUsageReport]) -> float:
    import aiohttp

    async with aiohttp.ClientSession() as session:

        async def get(params: dict[str, int]) -> bytes:
            async with session.get(url, params=params, headers=headers) as response:
                response.raise_for_status()
                return await response.read()

        return await _fan_out([functools.partial(get, p) for p in _params(requests)])


@dataclass
class Samples:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    server_cpu: list[float] = field(default_factory=list)


def _variants() -> list[str]:
    names = ["aiohttp", "httpx", "facade", "facade-aiohttp"]
    if importlib.util.find_spec("httpx_aiohttp") is not None:
        names.append("facade-httpx-aiohttp")
    return names


WHAT = {
    "aiohttp": "bare aiohttp.ClientSession, same fan-out",
    "httpx": "plain httpx.AsyncClient, same fan-out",
    "facade": "AsyncUsageReports, default transport (httpx)",
    "facade-aiohttp": "AsyncUsageReports + usage_reports AiohttpTransport",
    "facade-httpx-aiohttp": "AsyncUsageReports + httpx-aiohttp's transport",
}


def _process_cpu(pid: int) -> float:
    """A process's CPU time so far (user + system), in seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


#: Every client runs against the lean server (the judged rows); bare aiohttp and the judged client also against
#: the built-in simulators (reported), to show what the simulators' own CPU per request costs them.
SIMULATOR_CLIENTS = ("aiohttp", "facade-aiohttp")


def _rounds(
    mode: Mode, base_url: str, server_pid: int, names: list[str], requests: list[StatsigUsageReport]
) -> dict[str, Samples]:
    count, reps = len(requests), mode.pick(7, 1)
    samples = {name: Samples() for name in names}
    settings = Statsig(console_api_key=SANDBOX_STATSIG_CONSOLE_KEY, base_url=base_url, rate_limits=())
    url = base_url + REPORT_PATH
    headers = _headers(settings)

    def round_of(name: str, batch: list[StatsigUsageReport]) -> float:
        if name == "aiohttp":
            return asyncio.run(_aiohttp_round(url, headers, batch))
        if name == "httpx":
            return asyncio.run(_httpx_round(url, headers, batch))
        return asyncio.run(_facade_round(name, settings, batch))

    for name in names:  # warm the server, the imports and the caches
        round_of(name, requests[: min(count, 64)])
    for rep in range(reps):
        for name in names[rep % len(names) :] + names[: rep % len(names)]:  # rotate who goes first
            cpu, served = time.process_time(), _process_cpu(server_pid)
            samples[name].wall.append(round_of(name, requests))
            samples[name].cpu.append((time.process_time() - cpu) / count)
            samples[name].server_cpu.append((_process_cpu(server_pid) - served) / count)
    return samples


def _throughput(mode: Mode) -> tuple[list[Figure], int]:
    count = mode.pick(500, 20)
    reps = mode.pick(7, 1)
    ideal = count * LATENCY / CONCURRENCY
    requests = [
        StatsigUsageReport(start=END - timedelta(days=i + 7), end=END - timedelta(days=i)) for i in range(count)
    ]
    names = _variants()
    with LeanServer(latency=LATENCY, key=SANDBOX_STATSIG_CONSOLE_KEY) as lean:
        measured = {"lean": _rounds(mode, lean.url, lean.pid, names, requests)}
        served = lean.counts()
    if served.get("refused") or served.get("answered", 0) < reps * count * len(names):
        raise RuntimeError(f"the lean server refused or missed requests: {served}")
    with SimulatorProcess(latency=LATENCY) as sim:
        measured["sim"] = _rounds(mode, sim.urls["statsig"], sim.pid, list(SIMULATOR_CLIENTS), requests)

    figures = [
        Figure(
            id="B3-ideal",
            what=f"{count} Statsig reports, {CONCURRENCY} at a time, {LATENCY * 1000:.0f} ms each",
            measured=count / ideal,
            reference=count / ideal,
            unit="req/s",
            ratio=Spread.of([1.0]),
            target="(the reference)",
            passed=None,
            note=f"ideal = {count} x {LATENCY * 1000:.0f} ms / {CONCURRENCY} = {ideal:.4f} s",
        )
    ]
    for server, samples in measured.items():
        bare, bare_cpu = samples["aiohttp"].wall, samples["aiohttp"].cpu
        for name, sample in samples.items():
            walls = sample.wall
            ratio = Spread.of([ideal / t for t in walls])
            cpu_ms = Spread.of(sample.cpu).median * 1000
            server_ms = Spread.of(sample.server_cpu).median * 1000
            judged = server == "lean" and name == "facade-aiohttp"
            versus_bare = Spread.of([b / t for b, t in zip(bare, walls, strict=True)])
            cpu_versus_bare = Spread.of([c / b for b, c in zip(bare_cpu, sample.cpu, strict=True)])
            figures.append(
                Figure(
                    id=f"B3-{name}" if server == "lean" else f"B3-sim-{name}",
                    what=WHAT[name] if server == "lean" else f"{WHAT[name]}, against the built-in simulators",
                    measured=count / Spread.of(walls).median,
                    reference=count / ideal,
                    unit="req/s",
                    ratio=ratio,
                    target=f">= {TARGET:.0%} of ideal" if judged else "(reported)",
                    passed=ratio.median >= TARGET if judged else None,
                    note=(
                        f"wall {Spread.of(walls).median:.3f} s; client CPU {cpu_ms:.2f} ms/request"
                        f" ({cpu_versus_bare.median:.2f}x bare aiohttp's, paired);"
                        f" {versus_bare.median:.2f}x bare aiohttp's throughput (paired); server CPU {server_ms:.2f} ms/request"
                    ),
                    extra={
                        "server": server,
                        "wall_s": Spread.of(walls).median,
                        "client_cpu_ms_per_request": cpu_ms,
                        "server_cpu_ms_per_request": server_ms,
                        "throughput_vs_bare_aiohttp": versus_bare.median,
                        "client_cpu_vs_bare_aiohttp": cpu_versus_bare.median,
                    },
                )
            )
    for name, reference in PAIRED.items():
        subject, against = measured["lean"][name], measured["lean"][reference]
        paired = Spread.of([t / w for t, w in zip(against.wall, subject.wall, strict=True)])
        figures.append(
            Figure(
                id=f"B3-{name}-vs-{reference}",
                what=f"{WHAT[name]}, throughput over {WHAT[reference].split(',')[0]}'s, paired",
                measured=count / Spread.of(subject.wall).median,
                reference=count / Spread.of(against.wall).median,
                unit="req/s",
                ratio=paired,
                target=f">= {PAIRED_TARGET}x",
                passed=paired.median >= PAIRED_TARGET,
                note=f"each repetition's {reference} time over its {name} time (both in the same repetition, order rotating)",
                extra={"server": "lean"},
            )
        )
    return figures, reps


async def _reuse_round(name: str, settings: EdgeImpulse, requests: list[EdgeImpulseUsageReport], slots: int) -> float:
    async with AsyncUsageReports(edge_impulse=settings, environ={}, transport=_transport(name)) as client:
        return await _fan_out([functools.partial(client.fetch, r) for r in requests], slots)


def _reuse(mode: Mode) -> list[Figure]:
    """Connections accepted per host over an Edge Impulse batch (each report: a 302, then the file)."""
    count = mode.pick(200, 40)
    requests = [
        EdgeImpulseUsageReport(organization_id=1, inner_organization_id=2, report_id=i + 1) for i in range(count)
    ]
    figures = []
    with SimulatorProcess(latency=LATENCY, report_size=1024) as sim:
        settings = EdgeImpulse(api_key=SANDBOX_EDGE_IMPULSE_API_KEY, base_url=sim.urls["edge_impulse"])
        for name, slots in REUSE:
            before = sim.accepted()
            asyncio.run(_reuse_round(name, settings, requests, slots))
            after = sim.accepted()
            api = after["edge_impulse"] - before["edge_impulse"]
            storage = after["storage"] - before["storage"]
            worst = max(api, storage)
            figures.append(
                Figure(
                    id=f"B3-connections-{name}-{slots}",
                    what=f"{count} Edge Impulse reports via 302, {slots} at a time: connections per host",
                    measured=worst,
                    reference=slots,
                    unit="",
                    ratio=Spread.of([worst / slots]),
                    target="<= 1 per host per slot",
                    passed=worst <= slots,
                    note=f"{WHAT[name]}: accepted by the API host {api}, by storage {storage}, for {count} reports",
                    extra={"api_connections": api, "storage_connections": storage, "reports": count},
                )
            )
    return figures


def run(mode: Mode) -> BenchmarkResult:
    figures, reps = _throughput(mode)
    figures += _reuse(mode)
    return BenchmarkResult(
        id="B3",
        title="async fan-out vs ideal throughput, and the connections it opens",
        figures=figures,
        notes=[
            f"ratio = achieved / ideal throughput; {reps} repetitions, every client in each, order rotating,"
            " each with a fresh client; client CPU = the process's CPU time per request (the server is another process).",
            "Statsig only, Statsig(rate_limits=()). Throughput against a lean asyncio server in its own process that"
            " answers the report endpoint after exactly the latency (benchmarks/_leanserver.py; the judged rows),"
            " and, for bare aiohttp and the judged client, against the built-in simulators (B3-sim-*: the stdlib"
            " threaded server, whose own CPU per request is part of what they measure).",
            "Connections: counted by the simulator process at accept(); ratio = the busier host's count / the slots.",
        ],
    )
