"""How the command line ends when cron stops it or its reader leaves: one line or none, never a traceback.

Real child processes against the simulators: SIGTERM while several large
reports stream (the event loop busy writing them, where a signal used to land
inside a task and leave "Task exception was never retrieved" and its traceback),
and a stdout whose reader has already gone (``| true``, ``| head -c1``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import MONTHLY_CONFIG
from manifest_checks import manifest_of, wait_until
from s3_server import S3, s3_fixture, s3_server_fixture  # noqa: F401 - the fixtures s3, s3_server
from usage_reports.testing import VendorSimulators

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and pipes")]

LARGE = 400 * 1024 * 1024  # never sent whole: the run is stopped while these stream
COMMAND = [sys.executable, "-m", "usage_reports"]
#: Every entry succeeds on the simulators.
CONFIG = """\
[defaults]
period = "last-month"

[[statsig]]
name = "web"

[[altostrat]]
workspace_id = "ws_a1b2c3d4e5f6g7h8"
"""


def _streaming(out: Path, at_least: int) -> bool:
    """``at_least`` Edge Impulse reports are mid-download: their temporary files hold a few MB each."""
    if not out.is_dir():
        return False
    growing = 0
    for part in out.glob(".edge-impulse-*.part"):
        try:
            growing += part.stat().st_size > 2 * 1024 * 1024
        except FileNotFoundError:
            continue
    return growing >= at_least


def test_sigterm_while_large_reports_download_is_one_line_exit_143_and_a_manifest_saying_interrupted(
    tmp_path: Path, vendor_env: dict[str, str], simulators: VendorSimulators
) -> None:
    simulators.edge_impulse_report_size = LARGE
    (tmp_path / "usage.toml").write_text(MONTHLY_CONFIG, encoding="utf-8")
    for round_ in range(3):  # where the signal lands varies: each round must be clean
        out = tmp_path / f"out{round_}"
        child = subprocess.Popen(
            [*COMMAND, "fetch-all", "usage.toml", "--out-dir", out.name, "--as-of", "2026-11-02"],
            cwd=tmp_path,
            env=vendor_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_until(lambda: _streaming(out, 2) or child.poll() is not None, "two large reports streaming")  # noqa: B023
            assert child.poll() is None, child.communicate()
            child.send_signal(signal.SIGTERM)
            _, stderr = child.communicate(timeout=60)
        finally:
            if child.poll() is None:
                child.kill()
                child.communicate()

        assert child.returncode == 143, stderr
        assert "Traceback" not in stderr
        assert "never retrieved" not in stderr
        assert stderr.splitlines() == ["usage-reports: error: stopped by SIGTERM"]
        assert [p.name for p in out.iterdir() if p.name.endswith(".part")] == []
        assert manifest_of(out)["summary"]["state"] == "interrupted"


def _with_reader_gone(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the CLI with a stdout whose reading end is closed before the child starts: every write is EPIPE."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [*COMMAND, *args], cwd=cwd, env=env, stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120
        )
    finally:
        os.close(write_end)


@pytest.fixture
def finished_run(tmp_path: Path, vendor_env: dict[str, str]) -> Path:
    (tmp_path / "usage.toml").write_text(CONFIG, encoding="utf-8")
    done = subprocess.run(
        [*COMMAND, "fetch-all", "usage.toml", "--out-dir", "out", "--as-of", "2026-11-02"],
        cwd=tmp_path,
        env=vendor_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return tmp_path


@pytest.mark.parametrize(
    "args",
    [
        ["manifest", "out", "--json"],
        ["manifest", "out"],
        ["edge-impulse-tenants", "--organization-id", "1", "--json"],
        ["edge-impulse-tenants", "--organization-id", "1"],
    ],
    ids=" ".join,
)
def test_a_reader_that_left_gets_a_quiet_exit_141(
    args: list[str], finished_run: Path, vendor_env: dict[str, str]
) -> None:
    result = _with_reader_gone(args, finished_run, vendor_env)

    assert result.returncode == 141, result.stderr
    assert result.stderr == ""


def test_fetch_all_json_to_a_reader_that_left_still_finishes_its_run_and_exits_141_quietly(
    tmp_path: Path, vendor_env: dict[str, str]
) -> None:
    (tmp_path / "usage.toml").write_text(CONFIG, encoding="utf-8")

    result = _with_reader_gone(
        ["fetch-all", "usage.toml", "--out-dir", "out", "--as-of", "2026-11-02", "--json"], tmp_path, vendor_env
    )

    assert result.returncode == 141, result.stderr
    assert result.stderr == ""
    document = manifest_of(tmp_path / "out")
    assert document["summary"]["state"] == "finished"
    assert document["summary"]["ok"] is True
    assert json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["entries"]


def test_sigterm_while_large_reports_stream_to_s3_is_one_line_exit_143_and_leaves_no_upload(
    tmp_path: Path, vendor_env: dict[str, str], simulators: VendorSimulators, s3: S3
) -> None:
    """On S3 each report streams into an anonymous local spool: the run is mid-download once storage was asked."""
    simulators.edge_impulse_report_size = LARGE
    (tmp_path / "usage.toml").write_text(MONTHLY_CONFIG, encoding="utf-8")
    aws = {name: value for name, value in os.environ.items() if name.startswith("AWS_")}
    child = subprocess.Popen(
        [*COMMAND, "fetch-all", "usage.toml", "--out-dir", "s3://usage-bucket/usage/{period}", "--as-of", "2026-11-02"],
        cwd=tmp_path,
        env={**vendor_env, **aws},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def streaming() -> bool:
            return sum(r.server == "storage" for r in simulators.requests) >= 2 or child.poll() is not None

        wait_until(streaming, "two large reports streaming")
        assert child.poll() is None, child.communicate()
        child.send_signal(signal.SIGTERM)
        _, stderr = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()

    assert child.returncode == 143, stderr
    assert "Traceback" not in stderr
    assert "never retrieved" not in stderr
    assert stderr.splitlines() == ["usage-reports: error: stopped by SIGTERM"]
    assert s3.multipart_uploads() == []
    document = json.loads(s3.get("usage/2026-10/manifest.json"))
    assert document["summary"]["state"] == "interrupted"
    assert "usage/2026-10/.fetch-all.lock" not in set(s3.keys())
