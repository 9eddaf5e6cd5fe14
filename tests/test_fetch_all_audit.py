"""What fetch-all records and shows is true of the run that shows it, and the promises a re-run rests on.

- A re-run's skipped record does not carry the earlier run's "report_id=... created" as its own: that run and what
  it was told are kept under ``written_by``; the table says "unchanged since run X".
- Exit code 2 says "bad input, nothing sent": a run that downloaded anything exits 1 for a refused entry.
- The re-run skip compares sha256: a file whose bytes are not the ones the manifest recorded is not skipped.
- Last month in a time zone: the zone's month bounds are what the vendors are sent.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cli_runner import Run
from manifest_checks import manifest_of
from usage_reports.testing import VendorSimulators

EI = "edge-impulse-usage-1-2-2026-10.csv"
CSV = "web-statsig-usage-2026-10.csv"
CONFIG = """\
[defaults]
period = "last-month"

[[edge_impulse]]
organization_id = 1
inner_organization_id = 2
poll_interval = 0.01

[[statsig]]
name = "web"
"""


def _records(folder: Path) -> dict[str, dict[str, Any]]:
    return {r["path"]: r for r in manifest_of(folder)["entries"]}


def _fetch_all(run: Run, *args: str) -> Any:
    return run("fetch-all", "usage.toml", "--out-dir", "out", "--as-of", "2026-11-03", *args)


def test_a_rerun_skipped_record_keeps_the_writers_details_under_written_by_and_the_table_says_unchanged_since(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    (tmp_path / "usage.toml").write_text(CONFIG, encoding="utf-8")
    first = _fetch_all(run)
    assert first.returncode == 0, first.stderr
    written = _records(tmp_path / "out")[EI]
    assert written["details"]["report"] == "created"
    assert written["written_by"] is None

    again = _fetch_all(run)
    second = _fetch_all(run)  # and a third run still names the run that wrote the file

    assert again.returncode == second.returncode == 0, again.stderr
    skipped = _records(tmp_path / "out")[EI]
    assert skipped["skipped"] is True
    assert skipped["run_id"] != written["run_id"]
    assert skipped["details"] == {}  # this run obtained nothing
    assert skipped["written_by"] == {"run_id": written["run_id"], "details": written["details"]}
    row = next(line for line in second.stdout.splitlines() if EI in line)
    assert f"unchanged since run {written['run_id']}" in row
    assert "created" not in second.stdout
    assert "report_id" not in second.stdout
    shown = run("manifest", "out")
    assert shown.returncode == 0, shown.stderr
    row = next(line for line in shown.stdout.splitlines() if EI in line)
    assert f"skipped (unchanged since run {written['run_id']})" in row


def test_exit_code_2_is_never_used_once_a_report_was_downloaded(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    (tmp_path / "usage.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / CSV).write_bytes(b"someone else's file")  # refused: not a file the manifest recorded

    result = _fetch_all(run, "--json")

    assert result.returncode == 1, result.stderr
    records = _records(tmp_path / "out")
    assert records[CSV]["error"]["type"] == "FileExists"
    assert records[EI]["ok"] is True
    assert manifest_of(tmp_path / "out")["summary"]["exit_code"] == 1
    assert json.loads(result.stdout)["exit_code"] == 1


def test_a_file_whose_sha256_differs_from_the_manifest_is_not_skipped(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    (tmp_path / "usage.toml").write_text(CONFIG, encoding="utf-8")
    assert _fetch_all(run).returncode == 0
    path = tmp_path / "out" / CSV
    original = path.read_bytes()
    changed = bytes([original[0] ^ 1]) + original[1:]  # same size, same name, one bit flipped
    path.write_bytes(changed)
    assert hashlib.sha256(changed).hexdigest() != _records(tmp_path / "out")[CSV]["sha256"]

    again = _fetch_all(run)

    record = _records(tmp_path / "out")[CSV]
    assert record["skipped"] is False
    assert record["ok"] is False
    assert record["error"]["type"] == "FileExists"
    assert f"{CSV} already exists and is not the file manifest.json recorded" in again.stderr
    assert path.read_bytes() == changed  # never replaced without --force
    assert _records(tmp_path / "out")[EI]["skipped"] is True

    forced = _fetch_all(run, "--force")

    assert forced.returncode == 0, forced.stderr
    assert path.read_bytes() == original


def test_last_month_in_a_zone_sends_the_zones_month_bounds_to_the_vendors(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    (tmp_path / "usage.toml").write_text(CONFIG.replace("[defaults]\n", '[defaults]\ntimezone = "Europe/Berlin"\n'))

    result = _fetch_all(run)

    assert result.returncode == 0, result.stderr
    statsig = [r.params() for r in simulators.requests_to("statsig")]
    october_berlin = (datetime(2026, 9, 30, 22, tzinfo=UTC), datetime(2026, 10, 31, 23, tzinfo=UTC))  # CEST, then CET
    expected = [str(int(moment.timestamp() * 1000)) for moment in october_berlin]
    assert [(p["start"], p["end"]) for p in statsig] == [(expected[0:1], expected[1:2])]
    created = [r.params() for r in simulators.requests_to("edge_impulse") if r.method == "POST"]
    assert created == [{"startDate": ["2026-10-01T00:00:00+02:00"], "endDate": ["2026-11-01T00:00:00+01:00"]}]
    record = _records(tmp_path / "out")[EI]
    assert record["period"] == {"start": "2026-10-01T00:00:00+02:00", "end": "2026-11-01T00:00:00+01:00"}
