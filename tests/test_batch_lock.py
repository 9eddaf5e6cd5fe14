"""Concurrent and crashed fetch-all runs on one folder, as real processes.

Run A downloads an Altostrat PDF, then a Statsig report that the fault server
holds mid-body: from then on A holds the folder's lock, has a hidden .part
file, and has journaled the PDF. The tests synchronise on that server event
and on the files A writes, never on the clock; then a second run contends,
or A is stopped (SIGTERM) or killed (SIGKILL), and a later run recovers.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_runner import Run
from fault_server import FaultServer, hold_mid_body
from manifest_checks import manifest_of, wait_until
from snapshots import altostrat_pdf
from usage_reports.testing import VendorSimulators

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and flock")]

WORKSPACE = "ws_a1b2c3d4e5f6g7h8"
PDF = altostrat_pdf(WORKSPACE)
CSV = "held-statsig-usage-20261001-20261101.csv"
CONFIG = f"""\
[[altostrat]]
workspace_id = "{WORKSPACE}"

[[statsig]]
name = "held"
start = 2026-10-01
end = 2026-11-01
"""


@pytest.fixture
def fault() -> Iterator[FaultServer]:
    with FaultServer() as server:
        server.always(hold_mid_body(b"Date,Event\n" * 1000, headers=(("Content-Type", "text/csv"),)))
        yield server


def _journal(folder: Path) -> list[dict[str, object]]:
    try:
        lines = (folder / ".manifest.journal").read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return parsed


def _parts(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def _start_held_run(
    tmp_path: Path, vendor_env: dict[str, str], fault: FaultServer, planted: tuple[str, ...] = ()
) -> subprocess.Popen[str]:
    """Run A: the PDF done and journaled, the CSV held mid-body with its .part (not one of ``planted``) on disk."""
    (tmp_path / "batch.toml").write_text(textwrap.dedent(CONFIG), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "usage_reports", "fetch-all", "batch.toml", "--out-dir", "out", "--concurrency", "1"],
        cwd=tmp_path,
        env={**vendor_env, "STATSIG_BASE_URL": fault.url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out = tmp_path / "out"
    try:
        assert fault.streaming.wait(60), "run A never reached the held download"
        wait_until(
            lambda: any(name.startswith(f".{CSV}.") and name not in planted for name in _parts(out)), "run A's .part"
        )
        wait_until(lambda: any(r.get("path") == PDF for r in _journal(out)), "the PDF in run A's journal")
    except BaseException:
        process.kill()
        process.communicate()
        raise
    return process


def test_a_second_run_on_a_locked_folder_exits_2_naming_the_holder_and_sends_nothing(
    run: Run, tmp_path: Path, vendor_env: dict[str, str], fault: FaultServer, simulators: VendorSimulators
) -> None:
    first = _start_held_run(tmp_path, vendor_env, fault)
    try:
        sent = len(simulators.requests)
        second = run("fetch-all", "batch.toml", "--out-dir", "out")

        assert second.returncode == 2
        lines = second.stderr.splitlines()
        assert len(lines) == 1, second.stderr
        assert "--out-dir out is in use by another fetch-all" in lines[0]
        assert f"pid {first.pid} on " in lines[0]
        assert "started 20" in lines[0]
        assert len(simulators.requests) == sent
        assert len(fault.requests) == 1
        holder = json.loads((tmp_path / "out" / ".fetch-all.lock").read_text(encoding="utf-8"))
        assert holder["pid"] == first.pid
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)
    assert first.returncode == 128 + signal.SIGTERM


def test_sigterm_mid_run_writes_what_finished_as_an_interrupted_run_and_leaves_no_state_behind(
    run: Run, tmp_path: Path, vendor_env: dict[str, str], fault: FaultServer, simulators: VendorSimulators
) -> None:
    first = _start_held_run(tmp_path, vendor_env, fault)
    first.send_signal(signal.SIGTERM)
    _, stderr = first.communicate(timeout=60)

    assert first.returncode == 128 + signal.SIGTERM, stderr
    out = tmp_path / "out"
    assert {p.name for p in out.iterdir()} == {"manifest.json", PDF}  # no .part, journal or lock file
    document = manifest_of(out)
    assert document["summary"]["state"] == "interrupted"
    assert document["summary"]["ok"] is False
    assert document["summary"]["exit_code"] is None
    assert [(r["path"], r["ok"]) for r in document["entries"]] == [(PDF, True)]

    shown = run("manifest", "out")
    assert shown.returncode == 1
    assert "DID NOT FINISH" in shown.stdout

    again = run("fetch-all", "batch.toml", "--out-dir", "out")
    assert again.returncode == 0, again.stderr
    records = {r["path"]: r for r in manifest_of(out)["entries"]}
    assert records[PDF]["skipped"] is True
    assert records[CSV]["ok"] is True
    assert len(simulators.requests_to("altostrat")) == 1


def test_after_sigkill_the_next_run_folds_the_journal_and_removes_only_the_dead_runs_part_files(
    run: Run, tmp_path: Path, vendor_env: dict[str, str], fault: FaultServer, simulators: VendorSimulators
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    strangers = (
        f".notes.txt.{'0' * 12}.part",  # our pattern, but not a file this batch writes
        f".{CSV}.{'1' * 12}.part",  # a file of this batch, but older than the dead run
        f".{CSV}.partial",  # not our pattern
    )
    for name in strangers:
        (out / name).write_bytes(b"someone else's")
    an_hour_ago = time.time() - 3600
    os.utime(out / strangers[1], (an_hour_ago, an_hour_ago))

    first = _start_held_run(tmp_path, vendor_env, fault, strangers)
    assert not (out / "manifest.json").exists()  # finished entries go to the journal, not a rewritten manifest
    dead_parts = [name for name in _parts(out) if name not in strangers]
    assert len(dead_parts) == 1
    first.kill()
    first.communicate(timeout=60)

    assert (out / ".manifest.journal").exists()
    assert json.loads((out / ".fetch-all.lock").read_text(encoding="utf-8"))["pid"] == first.pid
    shown = run("manifest", "out")
    assert shown.returncode == 1
    assert "DID NOT FINISH" in shown.stdout
    assert PDF in shown.stdout

    again = run("fetch-all", "batch.toml", "--out-dir", "out")

    assert again.returncode == 0, again.stderr
    names = {p.name for p in out.iterdir()}
    assert names == {"manifest.json", PDF, CSV, *strangers}
    document = manifest_of(out)
    records = {r["path"]: r for r in document["entries"]}
    assert records[PDF]["skipped"] is True  # recorded by the dead run, so trusted, not refused
    assert records[CSV]["ok"] is True
    assert records[CSV]["skipped"] is False
    assert len(simulators.requests_to("altostrat")) == 1


def test_part_files_are_left_alone_when_no_run_died(run: Run, tmp_path: Path, simulators: VendorSimulators) -> None:
    (tmp_path / "batch.toml").write_text(f'[[altostrat]]\nworkspace_id = "{WORKSPACE}"\n', encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    in_flight = out / f".{PDF}.{'a' * 12}.part"  # e.g. `usage-reports altostrat -o out/` running meanwhile
    in_flight.write_bytes(b"%PDF-")

    result = run("fetch-all", "batch.toml", "--out-dir", "out")

    assert result.returncode == 0, result.stderr
    assert in_flight.exists()
