"""Carry out a transfer's operations: once with blocking I/O, once with asyncio.

These two functions are the only code the sync and async clients do not
share; every decision is in ``_engine``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from ._constants import CHUNK_SIZE
from ._engine import Commit, ReadSmall, Receive, Send, Sleep, Transfer
from ._logging import guarded
from ._models import UsageReport
from ._redact import Redactor


def run_sync(transfer: Transfer, client: httpx.Client, redact: Redactor) -> UsageReport:
    responses: list[httpx.Response] = []
    result: Any = None
    error: BaseException | None = None
    try:
        with guarded(redact):
            while True:
                try:
                    operation = transfer.throw(error) if error is not None else transfer.send(result)
                except StopIteration as stop:
                    report: UsageReport = stop.value
                    return report
                result, error = None, None
                try:
                    if isinstance(operation, Send):
                        _close_all(responses)
                        result = client.send(operation.request, stream=True, follow_redirects=False, auth=None)
                        responses.append(result)
                    elif isinstance(operation, Receive):
                        for chunk in operation.response.iter_bytes(CHUNK_SIZE):
                            operation.sink.write(chunk)
                    elif isinstance(operation, ReadSmall):
                        result = _read_small_sync(operation)
                    elif isinstance(operation, Sleep):
                        time.sleep(operation.seconds)
                    elif isinstance(operation, Commit):
                        operation.sink.commit()
                except Exception as exc:  # handed to the engine, which decides
                    error = exc
    finally:
        transfer.close()
        _close_all(responses)


async def run_async(transfer: Transfer, client: httpx.AsyncClient, redact: Redactor) -> UsageReport:
    responses: list[httpx.Response] = []
    result: Any = None
    error: BaseException | None = None
    try:
        with guarded(redact):
            while True:
                try:
                    operation = transfer.throw(error) if error is not None else transfer.send(result)
                except StopIteration as stop:
                    report: UsageReport = stop.value
                    return report
                result, error = None, None
                try:
                    if isinstance(operation, Send):
                        await _aclose_all(responses)
                        result = await client.send(operation.request, stream=True, follow_redirects=False, auth=None)
                        responses.append(result)
                    elif isinstance(operation, Receive):
                        async for chunk in operation.response.aiter_bytes(CHUNK_SIZE):
                            operation.sink.write(chunk)
                    elif isinstance(operation, ReadSmall):
                        result = await _read_small_async(operation)
                    elif isinstance(operation, Sleep):
                        await asyncio.sleep(operation.seconds)
                    elif isinstance(operation, Commit):
                        await asyncio.to_thread(operation.sink.commit)  # fsync must not stall the event loop
                except Exception as exc:  # handed to the engine, which decides
                    error = exc
    finally:
        transfer.close()
        await _aclose_all(responses)


def _read_small_sync(operation: ReadSmall) -> bytes:
    body = bytearray()
    for chunk in operation.response.iter_bytes():
        body += chunk
        if len(body) >= operation.limit:
            break
    return bytes(body[: operation.limit])


async def _read_small_async(operation: ReadSmall) -> bytes:
    body = bytearray()
    async for chunk in operation.response.aiter_bytes():
        body += chunk
        if len(body) >= operation.limit:
            break
    return bytes(body[: operation.limit])


def _close_all(responses: list[httpx.Response]) -> None:
    while responses:
        responses.pop().close()


async def _aclose_all(responses: list[httpx.Response]) -> None:
    while responses:
        await responses.pop().aclose()
