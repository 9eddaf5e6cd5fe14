"""Where `-o` writes: `-o -` streams to stdout as the bytes arrive (flat memory, retries that never write a
byte twice, a non-zero exit when stdout holds part of a report), `-o DIR/` is always a folder, `-o s3://.../`
an object-store folder. Real subprocesses against the loopback simulators.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_runner import Run
from s3_server import S3, s3_fixture, s3_server_fixture  # noqa: F401 - the fixtures s3, s3_server
from usage_reports.testing import Reply, VendorSimulators

pytestmark = pytest.mark.slow

MiB = 1024 * 1024
EDGE_IMPULSE = ["edge-impulse", "--organization-id", "1", "--inner-organization-id", "2", "--report-id", "3"]
REPORT_NAME = "edge-impulse-usage-1-2-3.csv"

# Runs the command as its own child, hashes its stdout as it comes, and reports the child's peak RSS
# (RUSAGE_CHILDREN of this fresh process counts that one child only, not the test's other subprocesses).
MEASURE = r"""
import hashlib, json, resource, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
digest, size = hashlib.sha256(), 0
while chunk := child.stdout.read(1 << 20):
    digest.update(chunk)
    size += len(chunk)
stderr = child.stderr.read().decode()
code = child.wait()
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # KiB on Linux
print(json.dumps({"code": code, "size": size, "sha256": digest.hexdigest(), "stderr": stderr, "peak": peak}))
"""


def _stream(simulators: VendorSimulators, vendor_env: dict[str, str], size: int) -> dict[str, Any]:
    simulators.set_report_size(3, size)
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, sys.executable, "-m", "usage_reports", *EDGE_IMPULSE, "-o", "-"],
        env=vendor_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    assert result["code"] == 0, result["stderr"]
    assert result["size"] == size
    assert result["sha256"] == hashlib.sha256(simulators.report_bytes(3)).hexdigest()
    return result


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux")
def test_stdout_streaming_keeps_memory_flat_whatever_the_report_size(
    simulators: VendorSimulators, vendor_env: dict[str, str]
) -> None:
    small = _stream(simulators, vendor_env, 2 * MiB)
    large = _stream(simulators, vendor_env, 96 * MiB)

    # Holding the report would cost at least its size (the old fetch-then-write took 2.5x it).
    assert large["peak"] < 64 * MiB, large["peak"]
    assert large["peak"] - small["peak"] < 8 * MiB, (small["peak"], large["peak"])
    assert "wrote 100663296 bytes to stdout" in large["stderr"]


def test_a_retry_after_a_truncated_body_does_not_write_the_same_bytes_twice(
    tmp_path: Path, vendor_env: dict[str, str], simulators: VendorSimulators
) -> None:
    simulators.set_report_size(3, MiB)
    report = simulators.report_bytes(3)
    truncated = Reply(headers=(("Content-Type", "text/csv"),), body=report[:300_000], declared_length=len(report))
    simulators.queue("storage", truncated)

    result = _cli(tmp_path, vendor_env, *EDGE_IMPULSE, "-o", "-")

    assert result.returncode == 0, result.stderr
    assert result.stdout == report  # the first 300000 bytes once: the retry read past them, checking them
    assert len(simulators.requests_to("storage")) == 2


def test_a_report_that_changed_between_attempts_fails_saying_stdout_is_not_the_report(
    tmp_path: Path, vendor_env: dict[str, str], simulators: VendorSimulators
) -> None:
    simulators.set_report_size(3, MiB)
    other = Reply(headers=(("Content-Type", "text/csv"),), body=b"x,y\n" * 1000, declared_length=MiB)
    simulators.queue("storage", other)

    result = _cli(tmp_path, vendor_env, *EDGE_IMPULSE, "-o", "-")

    assert result.returncode == 1
    assert result.stdout == b"x,y\n" * 1000  # what was written cannot be taken back; the exit code says so
    line = _one_line(result)
    assert "changed between attempts" in line
    assert "4000 bytes had been written to stdout: they are not the report" in line


def test_a_failure_mid_stream_exits_1_and_says_how_much_of_stdout_to_discard(
    tmp_path: Path, vendor_env: dict[str, str], simulators: VendorSimulators
) -> None:
    simulators.set_report_size(3, MiB)
    report = simulators.report_bytes(3)
    simulators.queue("storage", Reply(headers=(("Content-Type", "text/csv"),), body=report[:5000], declared_length=MiB))

    result = _cli(tmp_path, vendor_env, *EDGE_IMPULSE, "-o", "-", "--max-retries", "0")

    assert result.returncode == 1
    assert result.stdout == report[:5000]
    line = _one_line(result)
    assert "truncated body" in line
    assert "5000 bytes had been written to stdout: they are not the report" in line


def test_a_reader_that_stops_early_ends_the_download_with_one_line_and_exit_1(
    tmp_path: Path, vendor_env: dict[str, str], simulators: VendorSimulators
) -> None:
    simulators.set_report_size(3, 8 * MiB)  # far more than a pipe holds: the writer must meet the closed end
    child = subprocess.Popen(
        [sys.executable, "-m", "usage_reports", *EDGE_IMPULSE, "-o", "-"],
        cwd=tmp_path,
        env=vendor_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None
    assert child.stderr is not None
    assert child.stdout.read(10) == simulators.report_bytes(3)[:10]  # like `| head -c 10`
    child.stdout.close()
    stderr = child.stderr.read().decode()
    code = child.wait(timeout=60)

    assert code == 1
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert "broken pipe" in lines[0]
    assert "Traceback" not in stderr
    assert "Exception ignored" not in stderr


def test_json_and_stdout_are_refused_together(run: Run, simulators: VendorSimulators) -> None:
    result = run(*EDGE_IMPULSE, "-o", "-", "--json")

    assert result.returncode == 2
    assert "--json and -o - both want stdout" in result.stderr
    assert simulators.requests == []


# --- -o DIR/ -------------------------------------------------------------------------------------------------


def test_output_ending_in_a_slash_is_a_folder_created_when_missing(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    result = run(*EDGE_IMPULSE, "-o", "reports/2026-10/")

    assert result.returncode == 0, result.stderr
    folder = tmp_path / "reports" / "2026-10"
    assert [p.name for p in folder.iterdir()] == [REPORT_NAME]
    assert (folder / REPORT_NAME).read_bytes() == simulators.report_bytes(3)


def test_output_without_a_slash_naming_nothing_yet_is_a_file(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    result = run(*EDGE_IMPULSE, "-o", "reports")

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "reports").read_bytes() == simulators.report_bytes(3)


def test_output_to_an_object_store_folder_gets_the_suggested_name(
    run: Run, simulators: VendorSimulators, s3: S3
) -> None:
    aws = {key: value for key, value in os.environ.items() if key.startswith("AWS_")}

    result = run(*EDGE_IMPULSE, "-o", s3.url("usage/2026-10/"), "--json", env=aws)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["path"] == s3.url(f"usage/2026-10/{REPORT_NAME}")
    assert s3.keys() == [f"usage/2026-10/{REPORT_NAME}"]
    assert s3.get(f"usage/2026-10/{REPORT_NAME}") == simulators.report_bytes(3)


def _cli(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "usage_reports", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )


def _one_line(result: subprocess.CompletedProcess[bytes]) -> str:
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("usage-reports: error: ")
    return lines[0]
