"""The async driver's deadline timer: network operations only (unit level, over httpx's MockTransport)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Generator
from typing import Any

import httpx
import pytest
from usage_reports._drivers import OwnedAsyncClient, run_async
from usage_reports._engine import Operation, Send, Sleep
from usage_reports._redact import Redactor


def _ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=b"a,b\n")


def _send_then_sleep_past_the_deadline(seconds: float) -> Generator[Operation, Any, str]:
    expires = time.monotonic() + 0.05
    yield Send(httpx.Request("GET", "http://vendor.test/report"), expires)
    yield Sleep(seconds)  # the engine never sleeps past its deadline; the driver must not cut a sleep short
    return "slept"


def test_a_sleep_after_a_bounded_request_is_not_cut_short_by_the_deadline_timer() -> None:
    async def main() -> str:
        async with OwnedAsyncClient(transport=httpx.MockTransport(_ok)) as client:
            return await run_async(_send_then_sleep_past_the_deadline(0.2), client, Redactor([]))

    assert asyncio.run(main()) == "slept"


def _send_after_the_deadline() -> Generator[Operation, Any, str]:
    expires = time.monotonic() + 0.05
    yield Send(httpx.Request("GET", "http://vendor.test/report"), expires)
    yield Sleep(0.1)
    try:
        yield Send(httpx.Request("GET", "http://vendor.test/report"), expires)
    except TimeoutError:
        return "the engine heard the deadline at the request"
    return "sent after the deadline"


def test_a_request_after_the_deadline_passes_is_stopped_and_the_engine_hears_it_there() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        if slow.calls:  # type: ignore[attr-defined]
            await asyncio.sleep(1)
        slow.calls += 1  # type: ignore[attr-defined]
        return httpx.Response(200)

    slow.calls = 0  # type: ignore[attr-defined]

    async def main() -> str:
        async with OwnedAsyncClient(transport=httpx.MockTransport(slow)) as client:
            return await run_async(_send_after_the_deadline(), client, Redactor([]))

    assert asyncio.run(main()) == "the engine heard the deadline at the request"


def _engine_raising_its_own_timeout_error() -> Generator[Operation, Any, str]:
    yield Send(httpx.Request("GET", "http://vendor.test/report"), time.monotonic() + 60)
    raise TimeoutError("the engine's own, not the deadline's")


def test_a_timeout_error_that_is_not_the_deadline_s_surfaces_as_it_is() -> None:
    async def main() -> str:
        async with OwnedAsyncClient(transport=httpx.MockTransport(_ok)) as client:
            return await run_async(_engine_raising_its_own_timeout_error(), client, Redactor([]))

    with pytest.raises(TimeoutError, match="the engine's own, not the deadline's"):
        asyncio.run(main())
