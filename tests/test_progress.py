"""Progress with total, percentage and time left when the server announced the size; bytes and rate when not.

The drawing is checked on a fake terminal with a fake clock (exact figures), the whole chain on a real
pseudo-terminal, and the facade's callback (an int that knows the total) against the simulators.
"""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from usage_reports import EdgeImpulse, EdgeImpulseUsageReport, UsageReports
from usage_reports.cli._progress import Progress, duration
from usage_reports.destinations._sinks import Received
from usage_reports.testing import SANDBOX_EDGE_IMPULSE_API_KEY, Reply, VendorSimulators

EDGE_IMPULSE = ["edge-impulse", "--organization-id", "1", "--inner-organization-id", "2", "--report-id", "3"]


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _drawn(terminal: FakeTerminal) -> str:
    return terminal.getvalue().rsplit("\x1b[J", 1)[-1]  # what the last redraw left on the screen


def test_a_known_size_shows_total_percentage_rate_and_time_left() -> None:
    terminal, clock = FakeTerminal(), Clock()
    progress = Progress(stream=terminal, enabled=True, clock=clock)

    progress.start("report.csv")
    progress.advance("report.csv", Received(0, 4 * 1024 * 1024))
    clock.now += 4
    progress.advance("report.csv", Received(1024 * 1024, 4 * 1024 * 1024))

    line = _drawn(terminal)
    assert "report.csv" in line
    assert "1.0 MiB / 4.0 MiB" in line
    assert " 25%" in line
    assert "256.0 KiB/s" in line
    assert "0:12 left" in line  # 3 MiB to go at 256 KiB/s


def test_an_unknown_size_shows_bytes_and_rate_only() -> None:
    terminal, clock = FakeTerminal(), Clock()
    progress = Progress(stream=terminal, enabled=True, clock=clock)

    progress.start("report.csv")
    clock.now += 2
    progress.advance("report.csv", 2048)  # a plain int, as callbacks always had

    line = _drawn(terminal)
    assert "2.0 KiB" in line
    assert "1.0 KiB/s" in line
    assert "%" not in line
    assert "left" not in line


def test_a_newly_announced_size_is_drawn_at_once_even_between_redraws() -> None:
    terminal, clock = FakeTerminal(), Clock()
    progress = Progress(stream=terminal, enabled=True, clock=clock)
    progress.start("report.csv")

    progress.advance("report.csv", 10, size=1000)  # same instant as start: no time-based redraw yet

    assert "10 B / 1000 B" in _drawn(terminal)
    assert "1%" in _drawn(terminal)


def test_time_left_reads_like_a_clock() -> None:
    assert [duration(s) for s in (0, 9.4, 75, 3600 + 62)] == ["0:00", "0:09", "1:15", "1:01:02"]


def test_download_progress_carries_the_announced_total_and_plain_int_callbacks_still_work(
    simulators: VendorSimulators, tmp_path: Path
) -> None:
    simulators.set_report_size(3, 200_000)
    seen: list[Received] = []
    as_ints: list[int] = []
    settings = EdgeImpulse(api_key=SANDBOX_EDGE_IMPULSE_API_KEY, base_url=simulators.edge_impulse_url)

    with UsageReports(edge_impulse=settings, environ={}) as client:
        client.download(EdgeImpulseUsageReport(1, 2, 3), tmp_path / "a.csv", on_progress=seen.append)
        client.download(EdgeImpulseUsageReport(1, 2, 3), tmp_path / "b.csv", on_progress=as_ints.append)

    assert seen[-1] == 200_000
    assert seen[-1].total == 200_000
    assert [int(r) for r in seen if r.total is not None] == sorted(int(r) for r in seen if r.total is not None)
    assert as_ints[-1] == 200_000


def test_a_compressed_body_has_no_known_total(simulators: VendorSimulators, tmp_path: Path) -> None:
    body = b"day,events\n" + b"2026-10-01,1\n" * 1000
    headers = (("Content-Type", "text/csv"), ("Content-Encoding", "gzip"))
    simulators.queue("storage", Reply(headers=headers, body=gzip.compress(body)))  # Content-Length counts gzip bytes
    seen: list[Received] = []
    settings = EdgeImpulse(api_key=SANDBOX_EDGE_IMPULSE_API_KEY, base_url=simulators.edge_impulse_url)

    with UsageReports(edge_impulse=settings, environ={}) as client:
        client.download(EdgeImpulseUsageReport(1, 2, 3), tmp_path / "a.csv", on_progress=seen.append)

    assert seen[-1] == len(body)
    assert {r.total for r in seen} == {None}


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_a_single_download_on_a_terminal_shows_total_percentage_and_time_left(
    tmp_path: Path, vendor_env: dict[str, str], simulators: VendorSimulators
) -> None:
    import pty

    simulators.set_report_size(3, 4 * 1024 * 1024)
    leader, follower = pty.openpty()
    received = bytearray()

    def drain() -> None:
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:
                return
            if not data:
                return
            received.extend(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "usage_reports", *EDGE_IMPULSE, "-o", "ei.csv"],
            cwd=tmp_path,
            env=vendor_env,
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(follower)
        reader.join(5)
        os.close(leader)

    assert result.returncode == 0
    drawn = received.decode("utf-8", "replace")
    assert "/ 4.0 MiB" in drawn  # the total, drawn as soon as the server announced it
    assert "%" in drawn
    assert " left" in drawn
    assert drawn.endswith("\x1b[J")  # erased at the end: only the result line remains
    assert "saved ei.csv" in result.stdout
