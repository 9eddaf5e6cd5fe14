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
import sys
from collections import Counter
from collections.abc import Sequence
from typing import Self

from ._child import ChildServer

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


class LeanServer(ChildServer):
    """The lean server in a child process; ``.url`` is its base URL, ``.pid`` its process id."""

    def __init__(self, *, latency: float, key: str) -> None:
        super().__init__("benchmarks._leanserver", "--latency", str(latency), "--key", key)
        self.url = ""

    def __enter__(self) -> Self:
        super().__enter__()
        if not self.ready.strip().isdigit():
            self.stop()
            raise RuntimeError(f"the lean server printed {self.ready!r}, not its port")
        self.url = f"http://127.0.0.1:{int(self.ready)}"
        return self

    def counts(self) -> dict[str, int]:
        """Connections accepted, requests answered with the report, requests refused, so far."""
        counts: dict[str, int] = self.ask("counts")
        return counts


if __name__ == "__main__":
    sys.exit(main())
