"""Behaviour 9: download() streams to a temporary file and renames it into place, or leaves nothing."""

from __future__ import annotations

import hashlib
import tracemalloc
from datetime import date
from pathlib import Path

import pytest
from facade_runner import run, sandbox_settings
from usage_reports import (
    AltostratUsagePdf,
    EdgeImpulseUsageReport,
    InvalidRequest,
    ServerError,
    UnexpectedResponse,
    UsageReports,
)
from usage_reports.testing import Reply, VendorSimulators


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_download_writes_the_file_with_its_size_and_sha256(
    simulators: VendorSimulators, tmp_path: Path, kind: str
) -> None:
    simulators.set_report_size(3, 300_000)
    target = tmp_path / "report.csv"
    report = run(kind, sandbox_settings(simulators), "download", EdgeImpulseUsageReport(1, 2, 3), target)
    data = target.read_bytes()
    assert data == simulators.report_bytes(3)
    assert report.path == target
    assert report.content is None
    assert report.size == len(data) == 300_000
    assert report.sha256 == hashlib.sha256(data).hexdigest()
    assert files_in(tmp_path) == ["report.csv"]


def test_truncated_body_leaves_no_file_and_no_temporary_file(
    simulators: VendorSimulators, tmp_path: Path, kind: str
) -> None:
    simulators.queue(
        "altostrat",
        Reply(
            status=200,
            headers=(("Content-Type", "application/pdf"),),
            body=b"%PDF-1.7" + b"x" * 5000,
            declared_length=90_000,
        ),
    )
    target = tmp_path / "usage.pdf"
    with pytest.raises(UnexpectedResponse, match="truncated"):
        run(kind, sandbox_settings(simulators), "download", AltostratUsagePdf("ws_a1"), target)
    assert files_in(tmp_path) == []


def test_failure_keeps_an_existing_file_untouched_with_overwrite(
    simulators: VendorSimulators, tmp_path: Path, kind: str
) -> None:
    target = tmp_path / "usage.pdf"
    target.write_bytes(b"last month's report")
    simulators.queue("altostrat", Reply(status=200, headers=(("Content-Type", "application/pdf"),), body=b"not a pdf"))
    with pytest.raises(UnexpectedResponse, match="does not start with"):
        run(kind, sandbox_settings(simulators), "download", AltostratUsagePdf("ws_a1"), target, overwrite=True)
    assert target.read_bytes() == b"last month's report"
    assert files_in(tmp_path) == ["usage.pdf"]


def test_overwrite_replaces_an_existing_file(simulators: VendorSimulators, tmp_path: Path, kind: str) -> None:
    target = tmp_path / "usage.pdf"
    target.write_bytes(b"old")
    report = run(kind, sandbox_settings(simulators), "download", AltostratUsagePdf("ws_a1"), target, overwrite=True)
    assert target.read_bytes().startswith(b"%PDF-")
    assert report.size == target.stat().st_size
    assert files_in(tmp_path) == ["usage.pdf"]


def test_retry_after_a_partial_body_starts_the_file_over(
    simulators: VendorSimulators, tmp_path: Path, kind: str
) -> None:
    simulators.queue(
        "storage",
        Reply(status=200, headers=(("Content-Type", "text/csv"),), body=b"partial,partial\n", declared_length=10_000),
    )
    target = tmp_path / "r.csv"
    run(kind, sandbox_settings(simulators, max_retries=1), "download", EdgeImpulseUsageReport(1, 2, 3), target)
    assert target.read_bytes() == simulators.report_bytes(3)


def test_server_error_after_retries_leaves_nothing(simulators: VendorSimulators, tmp_path: Path, kind: str) -> None:
    simulators.queue("storage", Reply(status=500), Reply(status=500))
    with pytest.raises(ServerError, match=r"HTTP 500 \(report file download\)"):
        run(
            kind,
            sandbox_settings(simulators, max_retries=1),
            "download",
            EdgeImpulseUsageReport(1, 2, 3),
            tmp_path / "r.csv",
        )
    assert files_in(tmp_path) == []


def test_file_appearing_during_download_is_not_overwritten(
    simulators: VendorSimulators, tmp_path: Path, kind: str
) -> None:
    """The file is planted from the progress callback: after the pre-request check, before the commit."""
    target = tmp_path / "r.csv"

    def plant(received: int) -> None:
        if received and not target.exists():
            target.write_bytes(b"someone else's")

    with pytest.raises(InvalidRequest, match="appeared during the download"):
        run(kind, sandbox_settings(simulators), "download", EdgeImpulseUsageReport(1, 2, 3), target, on_progress=plant)
    assert target.read_bytes() == b"someone else's"
    assert files_in(tmp_path) == ["r.csv"]


def test_download_memory_stays_flat_whatever_the_size(simulators: VendorSimulators, tmp_path: Path) -> None:
    """Python-level peak allocation for a 48 MiB download stays far below the body size."""
    size = 48 * 1024 * 1024
    simulators.set_report_size(9, size)
    with UsageReports(**sandbox_settings(simulators)) as client:
        tracemalloc.start()
        try:
            report = client.download(EdgeImpulseUsageReport(1, 2, 9), tmp_path / "big.csv")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert report.size == size
    assert peak < 4 * 1024 * 1024, f"peak {peak} bytes for a {size}-byte download"


def test_cancelled_async_download_leaves_no_partial_file(tmp_path: Path) -> None:
    """The server sends part of the body and holds: the download is mid-stream until it is cancelled."""
    import asyncio

    from fault_server import FaultServer, hold_mid_body
    from usage_reports import AsyncUsageReports, Statsig, StatsigUsageReport

    target = tmp_path / "big.csv"

    async def main(url: str) -> list[str]:
        received = asyncio.Event()
        statsig = Statsig(console_api_key="console-cancel-key", base_url=url)
        async with AsyncUsageReports(statsig=statsig, environ={}) as client:
            task = asyncio.create_task(
                client.download(
                    StatsigUsageReport(end=date(2026, 11, 1)),
                    target,
                    on_progress=lambda size: received.set() if size else None,
                )
            )
            await asyncio.wait_for(received.wait(), timeout=60)
            mid_stream = files_in(tmp_path)
            task.cancel()
            await asyncio.wait({task})
            assert task.cancelled()
        return mid_stream

    with FaultServer() as server:
        server.always(hold_mid_body(b"Date,Event\n" * 1000, headers=(("Content-Type", "text/csv"),)))
        mid_stream = asyncio.run(main(server.url))
    assert len(mid_stream) == 1
    assert mid_stream[0].startswith(".big.csv.")
    assert mid_stream[0].endswith(".part")
    assert files_in(tmp_path) == []


def test_any_sink_that_needs_commit_is_committed_and_reports_its_own_content(simulators: VendorSimulators) -> None:
    """The engine knows the Sink interface only: a sink of its own kind (say, a remote file) gets its Commit."""
    import httpx
    from usage_reports import DEFAULT_TIMEOUT, Statsig, StatsigUsageReport
    from usage_reports._drivers import run_sync
    from usage_reports._engine import Job, transfer
    from usage_reports._providers import provider_for_request
    from usage_reports._redact import Redactor
    from usage_reports.destinations._sinks import Sink
    from usage_reports.testing import SANDBOX_STATSIG_CONSOLE_KEY

    class StagedSink(Sink):
        needs_commit = True

        def __init__(self) -> None:
            super().__init__()
            self.staged = bytearray()
            self.committed: bytes | None = None

        def write(self, chunk: bytes) -> None:
            super().write(chunk)
            self.staged += chunk

        def commit(self) -> None:
            self.committed = bytes(self.staged)

        def content(self) -> bytes | None:
            return self.committed

    request = StatsigUsageReport(end=date(2026, 11, 1))
    settings = Statsig(console_api_key=SANDBOX_STATSIG_CONSOLE_KEY, base_url=simulators.statsig_url)
    sink = StagedSink()
    job = Job(
        call=provider_for_request(request).prepare(request, settings),
        timeout=DEFAULT_TIMEOUT,
        max_retries=0,
        redact=Redactor(),
        sink=sink,
    )
    with httpx.Client() as http:
        report = run_sync(transfer(job), http, Redactor())
    assert sink.committed is not None
    assert sink.committed.startswith(b"Date,Event Type")
    assert report.content == sink.committed
    assert report.path is None


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="the kernel tells the umask in /proc (Linux)")
def test_reading_the_umask_never_changes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """os.umask can only be read by setting it: a thread creating a file meanwhile would get the wrong mode."""
    import os

    from usage_reports.destinations import _sinks as _sinks

    current = os.umask(0o022)
    os.umask(current)

    def forbidden(mask: int) -> int:
        raise AssertionError("os.umask was called to read the umask")

    monkeypatch.setattr(os, "umask", forbidden)
    assert _sinks._read_umask() == current
