"""Altostrat's PDF is a snapshot: named and recorded with the day it was taken, and never passed off as a backfill."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from cli_runner import Run
from snapshots import altostrat_pdf, today
from usage_reports import AltostratUsagePdf
from usage_reports.batch import Config, run
from usage_reports.testing import VendorSimulators

WORKSPACE = "ws_a1b2c3d4e5f6g7h8"
CONFIG = f"""\
[defaults]
period = "last-month"

[[statsig]]
name = "web"

[[altostrat]]
workspace_id = "{WORKSPACE}"
"""


def test_the_altostrat_pdf_is_named_and_recorded_with_the_utc_day_it_was_taken() -> None:
    taken = AltostratUsagePdf(workspace_id=WORKSPACE, taken_on=date(2026, 12, 7))
    assert taken.suggested_filename == f"altostrat-usage-{WORKSPACE}-2026-12-07.pdf"
    assert taken.parameters() == {"workspace_id": WORKSPACE, "taken_on": "2026-12-07"}
    assert AltostratUsagePdf(workspace_id=WORKSPACE).taken_on == datetime.now(UTC).date()


def test_a_flat_folder_gets_each_days_snapshot_and_a_same_day_rerun_skips_it(tmp_path: Path, run: Run) -> None:
    (tmp_path / "usage.toml").write_text(CONFIG)
    yesterday = f"altostrat-usage-{WORKSPACE}-{(datetime.now(UTC).date() - timedelta(days=1)).isoformat()}.pdf"
    first = run("fetch-all", "usage.toml", "--out-dir", "flat", "--json")
    assert first.returncode == 0, first.stderr
    manifest = json.loads((tmp_path / "flat" / "manifest.json").read_text())
    [record] = [r for r in manifest["entries"] if r["provider"] == "altostrat"]
    assert record["path"] == altostrat_pdf(WORKSPACE)
    assert record["parameters"]["taken_on"] == today()
    (tmp_path / "flat" / yesterday).write_bytes(b"%PDF yesterday's snapshot")  # an earlier day's file stays apart
    again = run("fetch-all", "usage.toml", "--out-dir", "flat", "--json")
    assert again.returncode == 0, again.stderr
    [rerun] = [e for e in json.loads(again.stdout)["entries"] if e["provider"] == "altostrat"]
    assert rerun["skipped"]
    assert (tmp_path / "flat" / yesterday).read_bytes() == b"%PDF yesterday's snapshot"


def test_a_backfill_says_once_that_altostrat_cannot_be_backfilled(tmp_path: Path, run: Run) -> None:
    config = CONFIG + f'\n[[altostrat]]\nname = "second"\nworkspace_id = "{WORKSPACE}"\n'
    (tmp_path / "usage.toml").write_text(config)
    past = (datetime.now(UTC).date().replace(day=1) - timedelta(days=70)).isoformat()
    done = run("fetch-all", "usage.toml", "--out-dir", "usage/{period}", "--as-of", past, "-q")
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("usage-reports: warning: ")]
    assert len(warnings) == 1
    assert "Altostrat cannot be backfilled" in warnings[0]
    assert f"today's ({today()}" in warnings[0]

    explicit = run("fetch-all", "usage.toml", "--out-dir", "p", "--period", "2025-01", "--json")
    assert explicit.returncode == 0, explicit.stderr
    assert len(json.loads(explicit.stdout)["warnings"]) == 1
    assert explicit.stderr.count("cannot be backfilled") == 1

    monthly = run("fetch-all", "usage.toml", "--out-dir", "m", "--json")  # last month, today: no backfill
    assert monthly.returncode == 0, monthly.stderr
    assert json.loads(monthly.stdout)["warnings"] == []
    assert "warning" not in monthly.stderr


def test_run_result_carries_the_backfill_warning(tmp_path: Path) -> None:
    config = Config.from_dict({"altostrat": [{"workspace_id": WORKSPACE}]}, period="2024-02")
    with VendorSimulators() as sims:
        result = run(
            config,
            out_dir=tmp_path / "out",
            environ={"ALTOSTRAT_BASE_URL": sims.altostrat_url, "ALTOSTRAT_TOKEN": "alto-sandbox-token"},
        )
    assert result.ok
    [warning] = result.warnings
    assert warning.startswith("Altostrat cannot be backfilled")
    assert "not 2024-02's" in warning
