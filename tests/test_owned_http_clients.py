"""The httpx clients the library makes for itself keep no cookies (it never sends one; parsing them cost CPU)."""

from __future__ import annotations

import asyncio

import pytest
from facade_runner import sandbox_settings
from usage_reports import AsyncUsageReports, EdgeImpulseUsageReport, UsageReports
from usage_reports.testing import Reply, VendorSimulators

SET_COOKIE = (("Content-Type", "text/csv"), ("Set-Cookie", "session=s3cr3t; Path=/"))


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_the_library_s_own_client_keeps_no_cookie_a_server_sets(simulators: VendorSimulators, kind: str) -> None:
    simulators.queue("storage", Reply(headers=SET_COOKIE, body=b"a,b\n"), Reply(headers=SET_COOKIE, body=b"c,d\n"))
    report = EdgeImpulseUsageReport(1, 2, 3)
    if kind == "sync":
        with UsageReports(**sandbox_settings(simulators)) as client:
            contents = [client.fetch(report).content for _ in range(2)]
            kept = len(client._http.cookies.jar)
    else:

        async def go() -> tuple[list[bytes | None], int]:
            async with AsyncUsageReports(**sandbox_settings(simulators)) as client:
                fetched = [(await client.fetch(report)).content for _ in range(2)]
                return fetched, len(client._http.cookies.jar)

        contents, kept = asyncio.run(go())
    assert contents == [b"a,b\n", b"c,d\n"]
    assert kept == 0
    assert all(r.header("cookie") is None for r in simulators.requests)
