"""``python -m benchmarks._reference_child CLIENT REPORT_URL API_KEY DEST``: B2's reference download, in its own process.

The same work as the facade's download, done as plainly as the client allows (and importing nothing of the project):
the API request with the key, the 302 read by hand, the signed URL fetched
without it, every byte hashed (sha256) and written to DEST, then fsync. CLIENT
is ``httpx`` (httpx.Client.stream, iter_raw) or ``aiohttp`` (one
ClientSession, iter_any). Prints one JSON line: size, sha256, and timestamps
(seconds since the process started its work) of: first byte, last byte, fsync done; and its CPU time at the
first byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time

from ._proc import vm_hwm_kib, waited_for_cpu

ACCEPT = "text/csv, */*;q=0.5"


def _with_httpx(report_url: str, key: str, destination: str, started: float) -> dict[str, object]:
    import httpx

    digest = hashlib.sha256()
    size = 0
    cpu_first = 0.0
    with httpx.Client(timeout=60) as client:
        location = client.get(report_url, headers={"x-api-key": key, "Accept": ACCEPT}).headers["location"]
        with client.stream("GET", location) as response, open(destination, "wb") as file:
            response.raise_for_status()
            first = None
            for chunk in response.iter_raw():
                if first is None:
                    first = time.perf_counter() - started
                    cpu_first = time.process_time()
                digest.update(chunk)
                file.write(chunk)
                size += len(chunk)
            last = time.perf_counter() - started
            file.flush()
            os.fsync(file.fileno())
    synced = time.perf_counter() - started
    return {
        "size": size,
        "sha256": digest.hexdigest(),
        "first_byte": first,
        "last_byte": last,
        "synced": synced,
        "cpu_at_first_byte": cpu_first,
    }


def _with_aiohttp(report_url: str, key: str, destination: str, started: float) -> dict[str, object]:
    import asyncio

    import aiohttp

    async def go() -> dict[str, object]:
        digest = hashlib.sha256()
        size = 0
        cpu_first = 0.0
        async with aiohttp.ClientSession() as session:
            headers = {"x-api-key": key, "Accept": ACCEPT}
            async with session.get(report_url, headers=headers, allow_redirects=False) as answer:
                location = answer.headers["Location"]
            async with session.get(location) as response:
                response.raise_for_status()
                with open(destination, "wb") as file:  # noqa: ASYNC230 - the reference writes as the facade does
                    first = None
                    async for chunk in response.content.iter_any():
                        if first is None:
                            first = time.perf_counter() - started
                            cpu_first = time.process_time()
                        digest.update(chunk)
                        file.write(chunk)
                        size += len(chunk)
                    last = time.perf_counter() - started
                    file.flush()
                    os.fsync(file.fileno())
        synced = time.perf_counter() - started
        return {
            "size": size,
            "sha256": digest.hexdigest(),
            "first_byte": first,
            "last_byte": last,
            "synced": synced,
            "cpu_at_first_byte": cpu_first,
        }

    return asyncio.run(go())


def main(argv: list[str]) -> int:
    client, report_url, key, destination = argv
    started = time.perf_counter()
    started_at = time.time()
    run = _with_httpx if client == "httpx" else _with_aiohttp
    result = run(report_url, key, destination, started)
    print(
        json.dumps(
            {
                **result,
                "seconds": time.perf_counter() - started,
                "started_at": started_at,
                "ended_at": time.time(),
                "vm_hwm_kib": vm_hwm_kib(),
                "waited_for_cpu": waited_for_cpu(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
