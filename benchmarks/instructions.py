"""Instructions per request under cachegrind: the steady figure behind B3's CPU time.

CPU time on a shared 2-vCPU VM swings by tens of percent with the neighbours' load; the number of user-space
instructions a client executes per request does not. ``python -m benchmarks.instructions`` counts them with
``valgrind --tool=cachegrind --cache-sim=no`` (valgrind must be installed; it is not a Python package):

- ``fanout``: B3's fan-out (500 Statsig reports, 32 at a time) through bare aiohttp and through
  ``AsyncUsageReports`` over ``AiohttpTransport`` (``--clients`` adds plain httpx and the facade's default
  transport), the simulators in their own, uninstrumented, process;
- ``no-io``: the facade's own request and response path, ``AsyncUsageReports.fetch`` over an in-process
  transport that answers at once (no socket, no event-loop waiting).

Each figure is the difference between a long and a short run of the same program divided by the requests
between them, so start-up and imports cancel out. ``--root DIR`` measures another checkout's ``facade/`` and
``generated/`` (e.g. ``git worktree add /tmp/old <commit>``) with this environment's packages, for a before
and after on the same machine.

    python -m benchmarks.instructions                      # both, this checkout
    python -m benchmarks.instructions --root /tmp/old      # both, another checkout
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from datetime import date, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
FANOUT_REQUESTS = 500
NO_IO_SHORT, NO_IO_LONG = 200, 1200
_BODY = b"a,b,c\n" * 170
_END = date(2026, 11, 1)


def _use_root(root: str) -> None:
    sys.path[:0] = [root, os.path.join(root, "facade"), os.path.join(root, "generated")]


def _requests(count: int) -> list[object]:
    from usage_reports import StatsigUsageReport

    return [
        StatsigUsageReport(start=_END - timedelta(days=i % 3000 + 7), end=_END - timedelta(days=i % 3000))
        for i in range(count)
    ]


def _run_fanout(client: str, rounds: int) -> None:
    from usage_reports import Statsig
    from usage_reports.testing import SANDBOX_STATSIG_CONSOLE_KEY

    from . import b3_fanout
    from ._simserver import SimulatorProcess
    from .b1_overhead import REPORT_PATH, _headers

    requests = _requests(FANOUT_REQUESTS)
    with SimulatorProcess(latency=b3_fanout.LATENCY) as sim:
        settings = Statsig(console_api_key=SANDBOX_STATSIG_CONSOLE_KEY, base_url=sim.urls["statsig"], rate_limits=())
        for _ in range(rounds):
            url = sim.urls["statsig"] + REPORT_PATH
            if client == "aiohttp":
                asyncio.run(b3_fanout._aiohttp_round(url, _headers(settings), requests))  # type: ignore[arg-type]
            elif client == "httpx":
                asyncio.run(b3_fanout._httpx_round(url, _headers(settings), requests))  # type: ignore[arg-type]
            else:
                asyncio.run(b3_fanout._facade_round(client, settings, requests))  # type: ignore[arg-type]


def _run_no_io(count: int) -> None:
    import httpx
    from usage_reports import AsyncUsageReports, Statsig, StatsigUsageReport
    from usage_reports.testing import SANDBOX_STATSIG_CONSOLE_KEY

    headers = [(b"Content-Type", b"text/csv"), (b"Content-Length", str(len(_BODY)).encode())]

    class Body(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield _BODY

    class AtOnce(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            extensions = {"http_version": b"HTTP/1.1"}
            return httpx.Response(200, headers=headers, stream=Body(), request=request, extensions=extensions)

    requests = _requests(count)
    settings = Statsig(console_api_key=SANDBOX_STATSIG_CONSOLE_KEY, base_url="http://127.0.0.1:9", rate_limits=())

    async def main() -> None:
        async with AsyncUsageReports(statsig=settings, environ={}, transport=AtOnce()) as client:
            for request in requests:
                assert isinstance(request, StatsigUsageReport)
                await client.fetch(request)

    asyncio.run(main())


def _count(root: str, *program: str) -> int:
    """User-space instructions of one run of ``python -m benchmarks.instructions --run ...``."""
    command = [
        "valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", "--trace-children=no",
        sys.executable, "-m", "benchmarks.instructions", "--root", root, "--run", *program,
    ]  # fmt: skip
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    match = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if match is None:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{done.stderr[-2000:]}")
    return int(match.group(1).replace(",", ""))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions", description=__doc__)
    parser.add_argument("--root", default=str(REPO_ROOT), help="the checkout whose facade/ and generated/ to measure")
    parser.add_argument(
        "--clients",
        default="aiohttp,facade-aiohttp",
        help="fan-out clients, comma-separated: aiohttp, facade-aiohttp, httpx (plain), facade (default transport)",
    )
    parser.add_argument("--no-io", action=argparse.BooleanOptionalAction, default=True, help="also the no-I/O path")
    parser.add_argument("--run", nargs="+", help=argparse.SUPPRESS)  # the measured program itself
    args = parser.parse_args(argv)
    if args.run:
        _use_root(args.root)
        kind, number = args.run[0], int(args.run[-1])
        if kind == "no-io":
            _run_no_io(number)
        else:
            _run_fanout(kind, number)
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: this measurement needs it (apt install valgrind)")
    root = os.path.abspath(args.root)
    for client in args.clients.split(","):
        short, long = _count(root, client, "1"), _count(root, client, "3")
        print(f"fan-out, {client}: {(long - short) / (2 * FANOUT_REQUESTS):,.0f} instructions per request")
    if not args.no_io:
        return 0
    short, long = _count(root, "no-io", str(NO_IO_SHORT)), _count(root, "no-io", str(NO_IO_LONG))
    print(f"no I/O, facade fetch: {(long - short) / (NO_IO_LONG - NO_IO_SHORT):,.0f} instructions per fetch")
    return 0


if __name__ == "__main__":
    sys.exit(main())
