"""The unattended monthly job: one config, run as cron would on the 2nd of two months, and run again.

Every tenant of the white label (listed at run time), a Statsig project and an
Altostrat workspace; no report id anywhere; --as-of stands in for the date.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_runner import MONTHLY_CONFIG, Run
from snapshots import altostrat_pdf
from usage_reports.testing import EdgeImpulseSimulator, VendorSimulators

pytestmark = pytest.mark.slow

CONFIG = MONTHLY_CONFIG
HEALTHY_TENANTS = [2, 3, 4, 5]  # tenant 6's report jobs fail in the simulator's default world


def _manifest(folder: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return document


def _ei(sims: VendorSimulators) -> EdgeImpulseSimulator:
    return sims.vendor("edge_impulse", EdgeImpulseSimulator)


def test_the_same_config_gets_each_months_reports_and_a_rerun_sends_no_create_and_downloads_nothing(
    run: Run, simulators: VendorSimulators, tmp_path: Path
) -> None:
    (tmp_path / "usage.toml").write_text(CONFIG, encoding="utf-8")
    _ei(simulators).set_failing(6, False)
    expected_ei = {f"edge-impulse-usage-1-{t}-{{}}.csv" for t in [*HEALTHY_TENANTS, 6]} | {
        f"edge-impulse-compute-time-1-{t}-{{}}.json" for t in [*HEALTHY_TENANTS, 6]
    }

    for as_of, month in (("2026-11-02", "2026-10"), ("2026-12-02", "2026-11")):
        result = run("fetch-all", "usage.toml", "--out-dir", "usage/{period}", "--as-of", as_of, "--json")
        assert result.returncode == 0, result.stderr
        folder = tmp_path / "usage" / month
        manifest = _manifest(folder)
        files = {entry["path"] for entry in manifest["entries"]}
        assert files == {name.format(month) for name in expected_ei} | {
            f"web-statsig-usage-{month}.csv",
            altostrat_pdf("ws_a1b2c3d4e5f6g7h8"),
        }
        assert {p.name for p in folder.iterdir()} == files | {"manifest.json"}
        for entry in manifest["entries"]:
            if entry["provider"] == "altostrat":
                assert entry["period"] is None
                continue
            assert entry["period"]["start"].startswith(f"{month}-01T00:00:00")
            if entry["provider"] == "edge_impulse" and entry["kind"] == "report":
                assert entry["details"]["report"] in {"created", "reused"}
                assert isinstance(entry["details"]["report_id"], int)

    october = {e["path"]: e for e in _manifest(tmp_path / "usage" / "2026-10")["entries"]}
    assert october["edge-impulse-usage-1-3-2026-10.csv"]["details"]["report"] == "reused"  # made in Studio before
    assert october["edge-impulse-usage-1-2-2026-10.csv"]["details"]["report"] == "created"
    creations_before = _ei(simulators).creations()
    assert creations_before == 2 * 5 - 1  # every tenant both months, but tenant 3's October report existed

    simulators.reset()
    again = run("fetch-all", "usage.toml", "--out-dir", "usage/{period}", "--as-of", "2026-11-02", "--json")
    assert again.returncode == 0, again.stderr
    assert _ei(simulators).creations() == creations_before
    sent = simulators.requests
    assert [r for r in sent if r.method == "POST"] == []
    assert [r for r in sent if r.server in ("storage", "statsig", "altostrat")] == []
    assert {r.path for r in sent} == {"/v1/api/organizations/1/whitelabel/organizations"}  # only the tenant list
    assert all(entry["skipped"] for entry in json.loads(again.stdout)["entries"])


def test_a_failing_tenant_fails_its_entry_only_and_the_run_exits_1(
    run: Run, simulators: VendorSimulators, tmp_path: Path
) -> None:
    (tmp_path / "usage.toml").write_text(CONFIG, encoding="utf-8")
    result = run("fetch-all", "usage.toml", "--out-dir", "out", "--as-of", "2026-11-02", "--json")
    assert result.returncode == 1
    entries = {entry["path"]: entry for entry in json.loads(result.stdout)["entries"]}
    failed = entries["edge-impulse-usage-1-6-2026-10.csv"]
    assert failed["ok"] is False
    assert failed["error"]["type"] == "ReportJobFailed"
    assert "tenant 6 of organization 1, period 2026-10" in failed["error"]["message"]
    assert all(entry["ok"] for path, entry in entries.items() if path != "edge-impulse-usage-1-6-2026-10.csv")
    assert "tenant 6 of organization 1" in result.stderr


def test_a_key_that_is_no_white_label_admin_fails_the_listing_entry_and_the_others_run(
    run: Run, simulators: VendorSimulators, tmp_path: Path
) -> None:
    (tmp_path / "usage.toml").write_text(CONFIG, encoding="utf-8")
    result = run(
        "fetch-all",
        "usage.toml",
        "--out-dir",
        "out",
        "--as-of",
        "2026-11-02",
        "--json",
        env={"EDGE_IMPULSE_API_KEY": "ei-sandbox-member-key"},
    )
    assert result.returncode == 1
    entries = json.loads(result.stdout)["entries"]
    listing = next(entry for entry in entries if entry["provider"] == "edge_impulse")
    assert listing["path"] is None
    assert listing["error"]["type"] == "PermissionDenied"
    assert listing["error"]["status_code"] == 403
    assert "white-label admin of organization 1" in listing["error"]["message"]
    assert sorted(entry["provider"] for entry in entries if entry["ok"]) == ["altostrat", "statsig"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--period", "yesterday"), "--period: 'yesterday' is not a period"),
        (("--period", "2026-13"), "--period: '2026-13' is not a month"),
        (("--period", "2026-10-31..2026-10-01"), "is reversed"),
        (("--timezone", "Mars/Olympus"), "--timezone: unknown time zone 'Mars/Olympus'"),
        (("--as-of", "2026-02-30"), "argument --as-of: '2026-02-30' is not a day"),
    ],
)
def test_bad_period_options_are_one_line_exit_2_and_nothing_is_sent(
    run: Run, simulators: VendorSimulators, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    (tmp_path / "usage.toml").write_text(CONFIG, encoding="utf-8")
    result = run("fetch-all", "usage.toml", "--out-dir", "out", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert simulators.requests == []
    assert not (tmp_path / "out").exists()
