"""A lean asyncio server for B3's throughput: Statsig's report endpoint, answered after exactly its latency.

B3's ideal (``n x latency / concurrency``) presumes a server that adds nothing but its latency. The built-in
simulators are the standard library's threaded HTTP server: 0.5-0.7 ms of CPU per request, with 32 threads
taking turns on one GIL, which stretches each request's 20 ms and held even bare aiohttp to ~71-73% of ideal
(BENCHMARKS.md, B3). This server spends ~0.15 ms per request on one event loop, in a process of its own, so
what B3 measures is the client.

It answers like the vendor's endpoint does for a good request, and refuses what the vendor would: only
``GET /console/v1/project/usage_billing/report?...`` with the ``STATSIG-API-KEY`` it was given gets the CSV
(``200``, ``text/csv``, ``Content-Length``); a wrong path is a 404 and a missing or wrong key a 401, at once.
Connections are kept alive (HTTP/1.1). The CSV is fixed (its content is not what B3 measures); every
answered request is counted, and ``counts`` on stdin prints the counts as JSON.

``python -m benchmarks._leanserver --latency 0.02 --key KEY`` prints its port and serves until stdin closes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from types import TracebackType
from typing import IO, Self

from ._common import child_env

REPORT_PATH = b"/console/v1/project/usage_billing/report"
KEY_HEADER = b"statsig-api-key"
CSV = b"date,project,metric,value\n" + b"".join(
    b"2026-10-%02d,web,%s,%d\n" % (day, metric, 1000 * day + n)
    for day in range(1, 8)
    for n, metric in enumerate((b"events", b"exposures", b"custom_events"))
)


def _answer(status: bytes, body: bytes, content_type: bytes = b"text/plain") -> bytes:
    head = b"HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n" % (status, content_type, len(body))
    return head + body


OK = _answer(b"200 OK", CSV, b"text/csv")
NOT_FOUND = _answer(b"404 Not Found", b'{"message": "not found"}', b"application/json")
UNAUTHORIZED = _answer(b"401 Unauthorized", b'{"status": 401, "message": "invalid key"}', b"application/json")


def _verdict(head: bytes, key: bytes) -> bytes | None:
    """The immediate answer to a request the vendor would refuse; None for a good one (answered after the latency)."""
    request_line, _, rest = head.partition(b"\r\n")
    method, _, target = request_line.partition(b" ")
    path = target.split(b" ", 1)[0].split(b"?", 1)[0]
    if method != b"GET" or path != REPORT_PATH:
        return NOT_FOUND
    for line in rest.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == KEY_HEADER:
            return None if value.strip() == key else UNAUTHORIZED
    return UNAUTHORIZED


async def _serve(latency: float, key: bytes, counts: Counter[str]) -> None:
    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        counts["connections"] += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                refused = _verdict(head, key)
                if refused is not None:
                    counts["refused"] += 1
                    writer.write(refused)
                    continue
                await asyncio.sleep(latency)
                counts["answered"] += 1
                writer.write(OK)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(connection, "127.0.0.1", 0, backlog=256)
    print(server.sockets[0].getsockname()[1], flush=True)
    loop = asyncio.get_running_loop()
    async with server:
        while True:  # until the parent closes our stdin
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                return
            if line.strip() == "counts":
                print(json.dumps(dict(counts)), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._leanserver")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--key", required=True)
    args = parser.parse_args(argv)
    asyncio.run(_serve(args.latency, args.key.encode(), Counter()))
    return 0


class LeanServer:
    """The lean server in a child process; ``.url`` is its base URL, ``.pid`` its process id."""

    def __init__(self, *, latency: float, key: str) -> None:
        self._args = ["--latency", str(latency), "--key", key]
        self._process: subprocess.Popen[str] | None = None
        self.url = ""

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def __enter__(self) -> Self:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._leanserver", *self._args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        stdout: IO[str] | None = self._process.stdout
        assert stdout is not None
        line = stdout.readline()
        if not line.strip().isdigit():
            self._stop()
            raise RuntimeError("the lean server exited before printing its port")
        self.url = f"http://127.0.0.1:{int(line)}"
        return self

    def counts(self) -> dict[str, int]:
        """Connections accepted, requests answered with the report, requests refused, so far."""
        process = self._process
        assert process is not None
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write("counts\n")
        process.stdin.flush()
        counts: dict[str, int] = json.loads(process.stdout.readline())
        return counts

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop()


if __name__ == "__main__":
    sys.exit(main())
