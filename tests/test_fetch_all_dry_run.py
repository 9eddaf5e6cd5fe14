"""``fetch-all --dry-run`` and ``run(..., dry_run=True)``: the plan, learnt with read-only requests only.

The simulators record every request: a dry run sends GETs (the tenants'
listing, finding a report) and nothing else, and writes nothing (no folder,
no lock, no manifest). Its records say what the run would do.
"""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

from cli_runner import MONTHLY_CONFIG, Run
from snapshots import altostrat_pdf
from usage_reports import batch
from usage_reports.batch import Config
from usage_reports.testing import VendorSimulators

TENANT_FILES = [f"edge-impulse-usage-1-{tenant}-2026-10.csv" for tenant in (2, 3, 4, 5, 6)]
OTHER_FILES = ["web-statsig-usage-2026-10.csv", altostrat_pdf("ws_a1b2c3d4e5f6g7h8")]
COMPUTE_FILES = [f"edge-impulse-compute-time-1-{tenant}-2026-10.json" for tenant in (2, 3, 4, 5, 6)]


def _fetch_all(run: Run, *args: str) -> subprocess.CompletedProcess[str]:
    return run("fetch-all", "usage.toml", "--out-dir", "out/{period}", "--as-of", "2026-11-03", *args)


def _changing_requests(simulators: VendorSimulators) -> list[tuple[str, str, str]]:
    return [(r.server, r.method, r.path) for r in simulators.requests if r.method not in ("GET", "HEAD")]


def test_dry_run_shows_the_plan_without_sending_anything_that_changes_anything_or_writing_a_file(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    (tmp_path / "usage.toml").write_text(MONTHLY_CONFIG, encoding="utf-8")

    planned = run(
        "fetch-all", "usage.toml", "--out-dir", "out/{period}", "--as-of", "2026-11-03", "--dry-run", "--json"
    )

    assert planned.returncode == 0, planned.stderr
    assert _changing_requests(simulators) == []
    assert any(r.server == "edge_impulse" for r in simulators.requests)  # the tenants were listed (GET)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["usage.toml"]  # no folder, lock or manifest
    document = json.loads(planned.stdout)
    assert document["dry_run"] is True
    entries = {e["path"]: e for e in document["entries"]}
    assert sorted(entries) == sorted(TENANT_FILES + COMPUTE_FILES + OTHER_FILES)
    assert {e["details"]["would"] for e in entries.values()} == {"download"}
    reports = {entries[name]["details"].get("report") for name in TENANT_FILES}
    assert reports == {"reused", "would be created"}  # the simulated vendor has one report for October already
    assert entries[TENANT_FILES[0]]["period"]["start"] == "2026-10-01T00:00:00+00:00"

    table = run("fetch-all", "usage.toml", "--out-dir", "out/{period}", "--as-of", "2026-11-03", "--dry-run")
    assert table.returncode == 0, table.stderr
    assert "would download" in table.stdout
    assert "report would be created" in table.stdout
    assert "dry run: 12 would download; nothing was changed or written" in table.stdout
    assert _changing_requests(simulators) == []


def test_dry_run_after_a_run_says_which_files_would_be_skipped_and_leaves_the_folder_as_it_was(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    (tmp_path / "usage.toml").write_text(MONTHLY_CONFIG, encoding="utf-8")
    assert _fetch_all(run).returncode == 1  # the simulated tenant 6 fails
    folder = tmp_path / "out" / "2026-10"
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    simulators.reset()

    planned = _fetch_all(run, "--dry-run", "--json")

    assert planned.returncode == 0, planned.stderr
    assert _changing_requests(simulators) == []
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()} == before
    entries = {e["path"]: e for e in json.loads(planned.stdout)["entries"]}
    would = {name: entry["details"]["would"] for name, entry in entries.items()}
    skipped = TENANT_FILES[:4] + COMPUTE_FILES + OTHER_FILES  # tenant 6's compute time was saved, not its report
    assert would == {**dict.fromkeys(skipped, "skip"), TENANT_FILES[4]: "download"}


def test_run_with_dry_run_returns_planned_records_and_sends_no_post(
    tmp_path: Path, vendor_env: dict[str, str], simulators: VendorSimulators
) -> None:
    config = Config.from_dict(
        {"defaults": {"period": "last-month"}, "edge_impulse": [{"organization_id": 1, "inner_organization_id": 2}]},
        as_of=date(2026, 11, 3),
    )

    result = batch.run(config, out_dir=tmp_path / "out", dry_run=True, environ=vendor_env)

    assert result.state == "planned"
    assert result.exit_code == 0
    assert result.summary is None
    assert [(r.path, r.details) for r in result.records] == [
        (TENANT_FILES[0], {"would": "download", "report": "would be created"}),
        (COMPUTE_FILES[0], {"would": "download"}),
    ]
    assert _changing_requests(simulators) == []
    assert not (tmp_path / "out").exists()
