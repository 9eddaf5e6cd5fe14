"""A fetch-all killed outright (SIGKILL) while writing to S3, and the run after it: a real child process, moto's
server, the vendor simulators, and a fault server that holds one download mid-body.

The killed run leaves its lock object and the objects it finished, not yet in
manifest.json (an object store has no journal). The next run, started as it
was, without deleting anything, takes over the dead run's lock (its pid on this
host no longer runs), adopts each finished object whose sha256 is that of the
report it downloads again (no upload), and completes the rest.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_runner import Run
from fault_server import FaultServer, hold_mid_body
from manifest_checks import validate, wait_until
from s3_server import S3, s3_fixture, s3_server_fixture  # noqa: F401 - the fixtures s3, s3_server
from usage_reports.testing import VendorSimulators

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")]

WORKSPACE = "ws_a1b2c3d4e5f6g7h8"
PDF = f"altostrat-usage-{WORKSPACE}.pdf"
CSV = "web-statsig-usage-2026-10.csv"
FOLDER = "usage/2026-10"
PREFIX = "s3://usage-bucket/usage/{period}"
CONFIG = f"""\
[defaults]
period = "last-month"

[[altostrat]]
workspace_id = "{WORKSPACE}"

[[statsig]]
name = "web"
"""
LOCK = f"{FOLDER}/.fetch-all.lock"
RUN_OPTIONS = ("--as-of", "2026-11-02", "--concurrency", "1")


@pytest.fixture
def fault() -> Iterator[FaultServer]:
    with FaultServer() as server:
        server.always(hold_mid_body(b"Date,Event\n" * 1000, headers=(("Content-Type", "text/csv"),)))
        yield server


def _aws() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name.startswith("AWS_")}


def _killed_run(tmp_path: Path, vendor_env: dict[str, str], fault: FaultServer, s3: S3) -> int:
    """Run A: the PDF uploaded, the CSV held mid-body; then SIGKILL. A's pid."""
    (tmp_path / "usage.toml").write_text(textwrap.dedent(CONFIG), encoding="utf-8")
    child = subprocess.Popen(
        [sys.executable, "-m", "usage_reports", "fetch-all", "usage.toml", "--out-dir", PREFIX, *RUN_OPTIONS],
        cwd=tmp_path,
        env={**vendor_env, **_aws(), "STATSIG_BASE_URL": fault.url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert fault.streaming.wait(60), "run A never reached the held download"
        wait_until(lambda: f"{FOLDER}/{PDF}" in set(s3.keys()), "run A's PDF in the bucket")
    finally:
        child.kill()  # SIGKILL: no clean-up of any kind
        child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL
    return child.pid


def _manifest(s3: S3) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(s3.get(f"{FOLDER}/manifest.json"))
    validate(document)
    return document


def test_after_sigkill_on_s3_the_next_run_takes_the_dead_lock_adopts_finished_objects_and_uploads_only_the_rest(
    run: Run, tmp_path: Path, vendor_env: dict[str, str], fault: FaultServer, simulators: VendorSimulators, s3: S3
) -> None:
    pid = _killed_run(tmp_path, vendor_env, fault, s3)
    assert json.loads(s3.get(LOCK))["pid"] == pid  # the dead run's lock is still there
    pdf = s3.get(f"{FOLDER}/{PDF}")
    pdf_sha256 = s3.metadata(f"{FOLDER}/{PDF}")["sha256"]
    if f"{FOLDER}/manifest.json" in set(s3.keys()):  # a checkpoint, if any, was written before the PDF was finished
        assert PDF not in {r["path"] for r in _manifest(s3)["entries"]}
    s3.server.requests.clear()

    again = run("fetch-all", "usage.toml", "--out-dir", PREFIX, "--as-of", "2026-11-02", "--json", "-v", env=_aws())

    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr
    took_over = [line for line in again.stderr.splitlines() if "took it over" in line]
    assert len(took_over) == 1, again.stderr
    assert f"s3://usage-bucket/{LOCK} was left by a run that is no longer running (pid {pid} on " in took_over[0]
    assert sorted(s3.keys()) == sorted([f"{FOLDER}/{PDF}", f"{FOLDER}/{CSV}", f"{FOLDER}/manifest.json"])
    assert s3.get(f"{FOLDER}/{PDF}") == pdf  # kept as it was
    written = {r.path for r in s3.requests if r.method == "PUT"}
    assert f"/usage-bucket/{FOLDER}/{PDF}" not in written  # adopted, never uploaded again
    assert f"/usage-bucket/{FOLDER}/{CSV}" in written
    records = {r["path"]: r for r in _manifest(s3)["entries"]}
    assert records[PDF]["ok"] is True
    assert records[PDF]["adopted"] is True
    assert records[PDF]["sha256"] == pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    assert records[CSV]["ok"] is True
    assert records[CSV]["adopted"] is False
    assert _manifest(s3)["summary"]["state"] == "finished"
    assert len(simulators.requests_to("altostrat")) == 2  # run A's, and this run's download to compare


def test_an_object_left_by_a_killed_run_that_differs_from_the_report_is_refused_with_exit_1(
    run: Run, tmp_path: Path, vendor_env: dict[str, str], fault: FaultServer, simulators: VendorSimulators, s3: S3
) -> None:
    _killed_run(tmp_path, vendor_env, fault, s3)
    s3.put(f"{FOLDER}/{PDF}", b"not the vendor's report")

    again = run("fetch-all", "usage.toml", "--out-dir", PREFIX, "--as-of", "2026-11-02", env=_aws())

    assert again.returncode == 1, again.stderr  # the report was downloaded to compare: not "nothing sent"
    assert f"s3://usage-bucket/{FOLDER}/{PDF} already exists" in again.stderr
    assert "--force" in again.stderr
    assert s3.get(f"{FOLDER}/{PDF}") == b"not the vendor's report"


def test_a_dead_lock_of_another_host_is_refused_naming_the_holder_and_the_object_to_delete(
    run: Run, tmp_path: Path, simulators: VendorSimulators, s3: S3
) -> None:
    (tmp_path / "usage.toml").write_text(textwrap.dedent(CONFIG), encoding="utf-8")
    holder = {"run_id": "r0", "pid": 2**22 + 17, "host": "another-host", "started_at": "2026-11-02T02:00:00.000Z"}
    s3.put(LOCK, json.dumps(holder).encode())

    refused = run("fetch-all", "usage.toml", "--out-dir", PREFIX, "--as-of", "2026-11-02", env=_aws())

    assert refused.returncode == 2
    assert len(refused.stderr.splitlines()) == 1, refused.stderr
    assert f"pid {2**22 + 17} on another-host" in refused.stderr
    assert f"delete s3://usage-bucket/{LOCK} and run again" in refused.stderr
    assert simulators.requests == []
    assert s3.keys() == [LOCK]


def test_a_lock_taken_over_by_another_run_meanwhile_is_not_taken_twice(
    run: Run, tmp_path: Path, simulators: VendorSimulators, s3: S3
) -> None:
    """The takeover object: a run that finds one (another run is taking the dead lock over) does not start."""
    (tmp_path / "usage.toml").write_text(textwrap.dedent(CONFIG), encoding="utf-8")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    host = subprocess.run([sys.executable, "-c", "import socket; print(socket.gethostname())"], capture_output=True)
    dead_holder = {"run_id": "r0", "pid": int(dead.stdout), "host": host.stdout.decode().strip()}
    s3.put(LOCK, json.dumps(dead_holder).encode())
    taker = {"run_id": "r1", "pid": os.getpid(), "host": dead_holder["host"], "started_at": "2026-11-02T02:00:00Z"}
    s3.put(f"{LOCK}.takeover", json.dumps(taker).encode())

    refused = run("fetch-all", "usage.toml", "--out-dir", PREFIX, "--as-of", "2026-11-02", env=_aws())

    assert refused.returncode == 2
    assert len(refused.stderr.splitlines()) == 1, refused.stderr
    assert f"pid {os.getpid()} on " in refused.stderr
    assert "taking over" in refused.stderr
    assert simulators.requests == []
    assert json.loads(s3.get(LOCK))["run_id"] == "r0"
