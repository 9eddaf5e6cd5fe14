"""In-process pieces under the command line: the facade's progress hook, config order, the progress switch."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from usage_reports import (
    AsyncUsageReports,
    EdgeImpulse,
    EdgeImpulseUsageReport,
    Statsig,
    StatsigUsageReport,
    UsageReports,
)
from usage_reports.batch._config import parse_config_text
from usage_reports.cli._progress import Progress, human_size
from usage_reports.testing import (
    SANDBOX_EDGE_IMPULSE_API_KEY,
    SANDBOX_STATSIG_CONSOLE_KEY,
    Reply,
    VendorSimulators,
)


def test_download_reports_bytes_received_per_chunk_and_starts_over_on_a_retry(
    simulators: VendorSimulators, tmp_path: Path
) -> None:
    simulators.set_report_size(3, 300_000)
    simulators.queue(
        "storage", Reply(status=200, headers=(("Content-Type", "text/csv"),), body=b"a,b\n" * 10, declared_length=100)
    )
    seen: list[int] = []
    settings = EdgeImpulse(api_key=SANDBOX_EDGE_IMPULSE_API_KEY, base_url=simulators.edge_impulse_url)

    with UsageReports(edge_impulse=settings, environ={}) as client:
        report = client.download(EdgeImpulseUsageReport(1, 2, 3), tmp_path / "r.csv", on_progress=seen.append)

    assert report.size == 300_000
    assert seen[-1] == 300_000
    assert 0 in seen[1:]  # the truncated first attempt was discarded: the count started over
    last_restart = len(seen) - 1 - seen[::-1].index(0)
    assert seen[last_restart:] == sorted(seen[last_restart:])
    assert len(seen[last_restart:]) > 2  # more than one chunk reported


def test_async_fetch_reports_progress_too(simulators: VendorSimulators) -> None:
    seen: list[int] = []
    settings = Statsig(console_api_key=SANDBOX_STATSIG_CONSOLE_KEY, base_url=simulators.statsig_url)

    async def fetch() -> int:
        async with AsyncUsageReports(statsig=settings, environ={}) as client:
            report = await client.fetch(StatsigUsageReport(end=1_793_491_200_000), on_progress=seen.append)
            return report.size

    size = asyncio.run(fetch())

    assert seen[-1] == size > 0


def test_config_entries_keep_the_order_the_file_names_providers_in() -> None:
    entries = parse_config_text(
        '[[altostrat]]\nworkspace_id = "ws_a"\n[[statsig]]\nend = 2026-11-01\n[[altostrat]]\nworkspace_id = "ws_b"\n',
        "inline",
    )

    assert [entry.label for entry in entries.entries] == ["altostrat[1]", "altostrat[2]", "statsig[1]"]


def test_progress_is_off_when_the_stream_is_not_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress.for_stream(stream, quiet=False, total=1)

    progress.start("x")
    progress.advance("x", 10)
    progress.finish("x", ok=True)
    progress.close()

    assert stream.getvalue() == ""


def test_human_size_picks_a_readable_unit() -> None:
    assert [human_size(n) for n in (0, 1023, 1024, 5 * 1024**2)] == ["0 B", "1023 B", "1.0 KiB", "5.0 MiB"]
